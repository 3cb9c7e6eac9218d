"""Posterior sweeps: each replicate's parameters drawn from a calibration's posterior.

``crmsim sweep --posterior FILE`` and ``crmsim compare --posterior FILE`` (``posterior=`` in Python)
read a posterior (``posterior.parquet`` of ``crmsim calibrate``: one row per draw, one column per
parameter by its dotted name, and a ``weight`` column if the draws are weighted) and run every
replicate at parameters drawn from it, so the figures a sweep reports carry the model's parameter
uncertainty, not only its replicate noise.

* Replicates come in blocks of ``per_draw`` consecutive replicates that share one draw: block
  ``b = i // per_draw`` of replicate i takes the posterior row chosen by a generator seeded with
  ``SeedSequence(root_seed, spawn_key=(POSTERIOR_SPAWN_KEY, b))`` (weighted by ``weight`` when the
  file has one). The choice depends on the root seed and the block only: not on the replicate
  count, the worker count or the backend, so a resumed sweep draws the same.
* The draw is the same for every scenario and design point of the replicate, which also keeps
  its seed: paired differences keep their common random numbers and compare the arms under the
  same parameters.
* Drawn values are the lowest layer of a run's overrides: an experiment's own ``[overrides]``, an
  arm's and a design point's win over them. A mix member's share (``mix.MEMBER``) applies to a
  mix scenario only (``Scenario.with_overrides``); the other scenarios run without it.
* Each run row records its ``draw`` (the block) and the drawn values in its ``param.*`` columns;
  summary.csv's intervals then become random-effects prediction intervals over the draws
  (sim.experiments.summary), which hold both the replicate noise and the spread between draws.
"""

from __future__ import annotations

import hashlib
import io
import math
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from sim.errors import InputError
from sim.model.params import PARAMS

if TYPE_CHECKING:  # a run's preflight imports this module: pandas only where a posterior is read
    import pandas as pd

__all__ = ["Posterior", "POSTERIOR_SPAWN_KEY", "DEFAULT_PER_DRAW", "SHARE_PREFIX"]

#: Spawn key of the draws' stream ("POST"); replicate seeds use one-element keys, the LHS design
#: (0x4C4853, 0): a two-element key with this first element can never coincide with either.
POSTERIOR_SPAWN_KEY = 0x504F5354
#: Replicates per posterior draw (assumption: enough runs per draw to tell the spread between
#: draws from the binomial noise within one, with draws left to estimate that spread in a sweep
#: of a few hundred replicates).
DEFAULT_PER_DRAW = 10
#: A posterior column ``mix.MEMBER`` is a mix member's share, applied to mix scenarios only.
SHARE_PREFIX = "mix."
WEIGHT = "weight"


@dataclass(frozen=True)
class Posterior:
    """A posterior read from a parquet file, ready to be drawn from.

    Attributes:
        path: the file.
        sha256: its digest (recorded in the results folder's manifest).
        table: one row per draw, one column per parameter.
        weights: normalised draw weights, or None for equally weighted draws.
        per_draw: replicates per draw.
    """

    path: str
    sha256: str
    table: pd.DataFrame
    weights: np.ndarray | None
    per_draw: int

    @classmethod
    def load(cls, path: str | Path, per_draw: int = DEFAULT_PER_DRAW) -> Posterior:
        """Read and check a posterior file.

        Raises:
            InputError: naming ``--posterior`` for a missing or unreadable file, a column that is
                not a model parameter (or ``mix.MEMBER``, or ``weight``), non-numeric or
                non-finite values, negative weights; ``--per-draw`` for a count below 1.
        """
        if isinstance(per_draw, bool) or not isinstance(per_draw, int) or per_draw < 1:
            raise InputError("expected a whole number >= 1", key="--per-draw", value=per_draw)
        import pandas as pd

        path = Path(path)
        try:
            data = path.read_bytes()
            table = pd.read_parquet(io.BytesIO(data))
        except (OSError, ValueError) as exc:
            raise InputError(
                f"cannot read a posterior parquet file ({type(exc).__name__}: {exc})",
                key="--posterior",
                value=str(path),
            ) from None
        except Exception as exc:  # noqa: BLE001 - pyarrow raises its own types for bad files
            raise InputError(
                f"not a parquet file ({type(exc).__name__})", key="--posterior", value=str(path)
            ) from None
        if table.empty:
            raise InputError("the posterior has no draws", key="--posterior", value=str(path))
        weights = None
        if WEIGHT in table.columns:
            w = pd.to_numeric(table.pop(WEIGHT), errors="coerce").to_numpy(dtype=float)
            if not np.all(np.isfinite(w)) or np.any(w < 0) or w.sum() <= 0:
                raise InputError(
                    "expected finite, non-negative weights with a positive sum",
                    file=str(path),
                    key=WEIGHT,
                )
            weights = w / w.sum()
        for col in table.columns:
            param = PARAMS.get(col)
            if not (col.startswith(SHARE_PREFIX) or (param and param.kind in (int, float))):
                raise InputError(
                    "expected columns named by numeric model parameters (crmsim list --params), "
                    "mix.MEMBER shares or weight",
                    file=str(path),
                    key=col,
                )
            values = pd.to_numeric(table[col], errors="coerce").to_numpy(dtype=float)
            if not np.all(np.isfinite(values)):
                raise InputError("expected finite numbers in every draw", file=str(path), key=col)
        return cls(str(path), hashlib.sha256(data).hexdigest(), table, weights, per_draw)

    def block(self, replicate: int) -> int:
        """The draw block of a replicate: replicates ``b * per_draw`` to ``(b + 1) * per_draw - 1``
        share block b's draw."""
        return replicate // self.per_draw

    def row(self, root_seed: int, block: int) -> int:
        """The posterior row block ``block`` runs at (seeded by the root seed and the block)."""
        rng = np.random.default_rng(
            np.random.SeedSequence(root_seed, spawn_key=(POSTERIOR_SPAWN_KEY, block))
        )
        return int(rng.choice(len(self.table), p=self.weights))

    def values(self, root_seed: int, replicate: int, is_mix: bool) -> dict[str, Any]:
        """The drawn parameters of a replicate, as overrides (a mix share only for a mix)."""
        row = self.table.iloc[self.row(root_seed, self.block(replicate))]
        out: dict[str, Any] = {}
        for key, value in row.items():
            if key.startswith(SHARE_PREFIX) and not is_mix:
                continue
            whole = PARAMS[key].kind is int if key in PARAMS else False
            out[key] = int(round(value)) if whole else float(value)
        return out

    def draws(self, replicates: int) -> int:
        """How many draws ``replicates`` replicates make (the last block may be short)."""
        return math.ceil(replicates / self.per_draw)

    def record(self) -> dict[str, Any]:
        """What the manifest keeps: a resumed sweep with another posterior is refused."""
        return {"file": self.path, "sha256": self.sha256, "per_draw": self.per_draw}


def random_effects(est: np.ndarray, var: np.ndarray, level: float = 0.95):
    """Mean of per-draw estimates and the 95% prediction interval of a new draw's value.

    The between-draw variance tau^2 is DerSimonian & Laird's (1986) moment estimate from the
    per-draw estimates and their within-draw variances; the interval is Higgins, Thompson &
    Spiegelhalter's (2009) random-effects prediction interval, ``mu +- t(D-2) sqrt(tau^2 + se^2)``:
    the spread between parameter draws plus the uncertainty of the mean. With no spread between
    draws it shrinks to the interval of the mean (replicate noise alone).

    Returns:
        ``(mu, lo, hi, tau2)``, or None with fewer than 3 draws (no spread can be estimated).
    """
    from scipy.stats import t

    est, var = np.asarray(est, float), np.maximum(np.asarray(var, float), 1e-12)
    d = len(est)
    if d < 3:
        return None
    w = 1 / var
    fixed = np.sum(w * est) / w.sum()
    q = np.sum(w * (est - fixed) ** 2)
    c = w.sum() - np.sum(w**2) / w.sum()
    tau2 = max(0.0, (q - (d - 1)) / c) if c > 0 else 0.0
    ws = 1 / (var + tau2)
    mu = float(np.sum(ws * est) / ws.sum())
    half = float(t.ppf(0.5 + level / 2, d - 2) * np.sqrt(tau2 + 1 / ws.sum()))
    return mu, mu - half, mu + half, tau2


def _by_draw(values: np.ndarray, draws: np.ndarray, binary: bool):
    """Per-draw means and their within-draw variances.

    A rate's binomial variance uses the rate pooled over every draw (with a half-run correction),
    not the draw's own: with its own, a draw where no run failed gets a tiny variance and so the
    largest weight, and the weighted mean is pulled towards the draws with the fewest events
    (measured on the reference posterior sweep, 10 runs a draw: never live 6.9% weighted against
    12.9% over all runs). With the pooled rate, draws of equal size weigh the same and the mean is
    the posterior predictive mean. Any other figure (a paired difference) likewise takes the
    within-draw variance pooled over the draws.
    """
    est, var = [], []
    x_all = values.astype(float)
    groups = [x_all[draws == b] for b in np.unique(draws)]
    if binary:
        spread = (x_all.sum() + 0.5) / (len(x_all) + 1)
        spread *= 1 - spread
    else:
        dof = sum(len(x) - 1 for x in groups)
        within = sum(float(((x - x.mean()) ** 2).sum()) for x in groups)
        spread = max(within / dof if dof > 0 else 0.0, 0.25 / max(len(x_all), 1))
    for x in groups:
        n = len(x)
        v = spread / n
        est.append(x.mean())
        var.append(v)
    return np.array(est), np.array(var)


def draw_interval(values, draws, binary: bool = True, bounds=(0.0, 1.0)):
    """``(value, lo, hi)`` of a figure over a posterior sweep's draws (:func:`random_effects`),
    clipped to ``bounds``; None with fewer than 3 draws.

    A rate's value is the mean over the draws (the posterior predictive mean) and its interval
    the prediction interval on the logit scale, mapped back (:func:`_logit_interval`): on the
    rate's own scale a symmetric interval ran past what a rate can be and was clipped (a
    dashboard read "67% [33%, 100%]" where no draw came near 100%).
    """
    import pandas as pd

    values, draws = np.asarray(values), np.asarray(draws)
    ok = ~pd.isna(values)
    est, var = _by_draw(values[ok], draws[ok], binary)
    res = random_effects(est, var)
    if res is None:
        return None
    mu, lo, hi, _ = res
    if binary:
        lo, hi = _logit_interval(mu, hi - mu, int(ok.sum()))
    low, high = bounds
    return float(np.clip(mu, low, high)), float(max(lo, low)), float(min(hi, high))


def _logit_interval(mu: float, half: float, n: int) -> tuple[float, float]:
    """The prediction interval of a rate ``mu`` over ``n`` runs mapped through the logit: the
    half-width ``half`` that :func:`random_effects` finds on the rate's own scale (its spread
    between draws, from the moment estimator, plus the mean's uncertainty) becomes, by the delta
    method, a half-width on the logit scale around ``logit(mu)``, and the logistic function maps
    it back. The interval is
    then asymmetric and stays inside (0, 1) instead of being clipped at a bound (transforming,
    pooling and back-transforming proportions: "Meta-Analysis of Proportions", Methods in
    Molecular Biology 2345, 2022; docs/sources/statistics.md). The spread itself is estimated on
    the rate's scale: estimated from per-draw logits of 10 runs each it came out near zero
    (technology first's never-live rate 13.2% [11.2, 15.8] against [4.0, 22.4]), the small-count
    bias of two-step logit methods that Lin & Chu 2020 describe."""
    from scipy.special import expit, logit

    edge = 0.5 / (n + 1)  # a rate of 0 or 1 over ``n`` runs has no logit: a half-run correction
    m = float(np.clip(mu, edge, 1 - edge))
    step = half / (m * (1 - m))
    return min(float(expit(logit(m) - step)), mu), max(float(expit(logit(m) + step)), mu)


def widened(row: dict, res, value: str = "value") -> dict:
    """``row`` (value, ci_low, ci_high) with the interval over the draws ``res``; never narrower
    than the replicate-noise interval it replaces (a score interval stays honest where every run
    agrees, and parameter uncertainty only ever adds to replicate noise)."""
    if res is None:
        return row
    lo = min(res[1], row["ci_low"]) if math.isfinite(row["ci_low"]) else res[1]
    hi = max(res[2], row["ci_high"]) if math.isfinite(row["ci_high"]) else res[2]
    return {**row, value: res[0], "ci_low": lo, "ci_high": hi}


def with_draw_intervals(block: list[dict], flags: pd.DataFrame, draws) -> list[dict]:
    """summary.csv rows of one scenario with each rate's interval over the posterior's draws."""
    out = []
    for row in block:
        if row["metric"] in flags.columns:
            row = widened(row, draw_interval(flags[row["metric"]].to_numpy(), draws))
        out.append(row)
    return out
