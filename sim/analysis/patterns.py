"""Patterns: named, reusable figures computed from run rows (Grimm et al. 2005, pattern-oriented).

A pattern is one figure a source reports about CRM programmes, computed the same way from the
model's run rows wherever it is needed (the calibration's design, its posterior predictive check,
docs/VALIDATION.md). Four kinds, written as rows of ``experiments/calibration.toml``:

* ``rate``: the share of runs meeting a condition (``outcome``), among those meeting ``where``
  (default: all runs). ``outcome = "failed"``, ``"status == 'never_live'"``,
  ``"business_case_met"``, ``"roi > 0"`` with ``where = "status == 'live'"``.
* ``difference``: the paired difference of a rate between two arms run on the same seeds
  (``arm`` minus ``baseline``; common random numbers, so it isolates the arms' difference).
* ``mean`` and ``quantile`` (``q``) of a numeric outcome field, among the runs meeting ``where``.
* ``contrast``: a rate among the runs meeting ``where`` minus the same rate among those meeting
  ``versus``, on the same arm's runs: an organisational trait's effect, e.g. never live with a
  weak sponsor (``where = "sponsor_strength < 0.35"``) minus with a strong one (``versus =
  "sponsor_strength >= 0.65"``), as docs/VALIDATION.md reports the traits' effects.

A condition is ``FIELD``, ``not FIELD`` or ``FIELD OP VALUE`` with OP one of ``== != < <= > >=``
and VALUE a TOML number, boolean or quoted string. FIELD is any outcome field of the run rows
(sim.model.outcomes.OUTCOME_FIELDS) or one of summary.csv's rate columns (``failed``,
``never_live``, ``abandoned``: sim.experiments.summary.rate_columns), so a field model v3 adds
is usable at once. A small grammar rather than ``DataFrame.query``: every name in it can be checked
against the outcome fields when the file is read, before any run, and a mistake names its key.

Arms. The rows come from several arms run on the same seeds (the members of a mix, run one by
one). ``arm = "mix"`` weighs the members: a run of member a carries weight ``w_a / n_a``, so a
rate is ``sum_a w_a rate_a`` (a conditional rate the ratio of two such sums), exactly what a mix
that draws one member per organisation converges to, for any weights, with no new runs.

Each figure comes with its sampling variance, from a bootstrap over seeds (the replicate rows of
every arm resampled together, so the arms' correlation through common seeds is kept); a paired
difference uses the textbook paired variance. :func:`latent` puts a figure on the scale an
emulator models: the logit of a rate (floored so a rate of 0 or 1 keeps a finite value and a
sensible variance), the figure itself otherwise.
"""

from __future__ import annotations

import math
import operator
import re
import tomllib
from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np
import pandas as pd
from scipy.special import logit

from sim.analysis.latent import to_latent
from sim.errors import InputError
from sim.experiments.experiment import OUTCOME_FIELDS
from sim.experiments.summary import RATE_METRICS, rate_columns

__all__ = [
    "KINDS",
    "MIX",
    "FIELDS",
    "Condition",
    "Pattern",
    "Figure",
    "Panel",
    "latent",
    "latent_band",
]

KINDS = ("rate", "difference", "mean", "quantile", "contrast")
#: The arm name that weighs the members of the mix.
MIX = "mix"
#: Fields a condition or a ``mean``/``quantile`` may name: the run rows' outcome fields and
#: summary.csv's rate columns (``failed`` = not met_expectations, DESIGN.md 2.4).
FIELDS = tuple(dict.fromkeys((*OUTCOME_FIELDS, *RATE_METRICS)))
_OPS = {
    "==": operator.eq,
    "!=": operator.ne,
    ">=": operator.ge,
    "<=": operator.le,
    ">": operator.gt,
    "<": operator.lt,
}
_CONDITION = re.compile(
    r"^\s*(?P<neg>not\s+)?(?P<field>[A-Za-z_][A-Za-z0-9_]*)\s*"
    r"(?:(?P<op>==|!=|>=|<=|>|<)\s*(?P<value>\S.*?))?\s*$"
)


@dataclass(frozen=True)
class Condition:
    """``FIELD``, ``not FIELD`` or ``FIELD OP VALUE``, parsed and checked against :data:`FIELDS`."""

    field: str
    op: str | None = None
    value: Any = None
    negate: bool = False
    text: str = ""

    @classmethod
    def parse(cls, text: Any, file: str | None = None, key: str | None = None) -> Condition:
        """Parse a condition; an InputError names ``file`` and ``key`` and says what is allowed."""
        allowed = (
            "expected FIELD, 'not FIELD' or 'FIELD OP VALUE' (OP one of == != < <= > >=; "
            "VALUE a number, true/false or a quoted string)"
        )
        if not isinstance(text, str) or len(text) > 200:
            raise InputError(allowed, file=file, key=key, value=text)
        m = _CONDITION.match(text)
        if m is None or (m["neg"] and m["op"]):
            raise InputError(allowed, file=file, key=key, value=text)
        if m["field"] not in FIELDS:
            raise InputError(
                f"unknown field; allowed: {', '.join(FIELDS)}", file=file, key=key, value=text
            )
        value = None
        if m["op"]:
            try:
                value = tomllib.loads(f"v = {m['value']}")["v"]
            except tomllib.TOMLDecodeError:
                raise InputError(allowed, file=file, key=key, value=text) from None
            if not isinstance(value, bool | int | float | str) or (
                isinstance(value, float) and not math.isfinite(value)
            ):
                raise InputError(allowed, file=file, key=key, value=text)
        return cls(m["field"], m["op"], value, bool(m["neg"]), text.strip())

    def mask(self, column: np.ndarray) -> np.ndarray:
        """Where the condition holds (float 1/0; NaN where the run has no value).

        Raises:
            InputError: for a bare field that is not true/false, or a comparison the field's
                values do not support (a text field against a number).
        """
        column = np.asarray(column, dtype=object)
        missing = pd.isna(column)
        present = column[~missing]
        if self.op is None:
            if not all(isinstance(v, bool | np.bool_) or v in (0, 1) for v in present):
                raise InputError(
                    f"{self.field} is not a true/false field; write '{self.field} OP VALUE'",
                    key=self.text,
                )
            flags = np.zeros(len(column), dtype=bool)
            flags[~missing] = [bool(v) for v in present]
            out = (~flags if self.negate else flags).astype(float)
        else:
            out = np.zeros(len(column))
            try:
                out[~missing] = [bool(_OPS[self.op](v, self.value)) for v in present]
            except TypeError:
                raise InputError(
                    f"{self.field} cannot be compared with {self.value!r}", key=self.text
                ) from None
        out[missing] = np.nan
        return out


class Figure(NamedTuple):
    """A pattern's figure, its sampling variance, and the runs it rests on (effective count)."""

    value: float
    var: float
    n: float


@dataclass(frozen=True)
class Pattern:
    """One named figure (see the module docstring); ``observed``, ``low`` and ``high`` are the
    source's figure and band, ``held_out`` keeps it out of the likelihood."""

    name: str
    kind: str
    arm: str
    outcome: Condition | None = None
    field: str | None = None
    where: Condition | None = None
    baseline: str | None = None
    q: float | None = None
    observed: float | None = None
    low: float = -math.inf
    high: float = math.inf
    held_out: bool = False
    source: str = ""
    versus: Condition | None = None

    @property
    def transform(self) -> str:
        """``logit`` for a rate (bounded in [0, 1]), ``identity`` for everything else."""
        return "logit" if self.kind == "rate" else "identity"

    def describe(self) -> str:
        """One line saying what is computed, for tables."""
        where = f" among {self.where.text}" if self.where else ""
        if self.kind == "rate":
            return f"share of {self.arm} runs with {self.outcome.text}{where}"
        if self.kind == "difference":
            return f"{self.outcome.text}: {self.arm} minus {self.baseline} (paired)"
        if self.kind == "contrast":
            return (
                f"{self.outcome.text} among {self.arm} runs with {self.where.text} minus "
                f"with {self.versus.text}"
            )
        stat = "mean" if self.kind == "mean" else f"quantile {self.q:g}"
        return f"{stat} of {self.field} over {self.arm} runs{where}"

    def compute(self, panel: Panel, weights: dict[str, float], rng=None, n_boot: int = 200):
        """The :class:`Figure` from a panel of runs; the mix weighs its members by ``weights``."""
        if self.kind == "difference":
            return _difference(panel, self)
        arms = dict(weights) if self.arm == MIX else {self.arm: 1.0}
        R = panel.replicates
        rng = rng if rng is not None else np.random.default_rng(0)
        idx = rng.integers(0, R, size=(n_boot, R)) if R else np.zeros((0, 0), dtype=int)
        counts = np.zeros((n_boot, R))
        np.add.at(counts, (np.arange(n_boot)[:, None], idx), 1.0)
        ok = panel.ok(arms)
        w = np.array(list(arms.values()))
        if self.kind == "contrast":
            return _contrast(panel, self, arms, ok, w, counts)
        x = np.ones((R, len(arms))) if self.where is None else panel.mask(self.where, arms)
        x = np.where(ok, np.nan_to_num(x), 0.0)
        if self.kind == "quantile":
            return _quantile(panel.values(self.field, arms), x, ok, w, self.q, idx)
        if self.kind == "rate":  # a run without a value for the outcome is left out
            y, x = _rate_terms(panel, self.outcome, x, arms)
        else:  # mean
            f = panel.values(self.field, arms)
            x = np.where(np.isfinite(f), x, 0.0)
            y = x * np.nan_to_num(f)
        value = _ratio(y, x, ok, w, np.ones((1, R)))[0]
        boot = _ratio(y, x, ok, w, counts)
        var = float(np.nanvar(boot)) if np.isfinite(boot).sum() > 1 else math.nan
        return Figure(float(value), var, _effective_n(x, ok, w))


def _rate_terms(panel: Panel, outcome: Condition, x: np.ndarray, arms: dict[str, float]):
    """A rate's numerator and denominator terms (replicates x arms): ``x`` the runs counted, left
    out where the run has no value for ``outcome``; ``y`` those of them where it holds."""
    m = panel.mask(outcome, arms)
    x = np.where(np.isfinite(m), x, 0.0)
    return x * np.nan_to_num(m), x


def _effective_n(x, ok, w) -> float:
    """The effective number of runs behind a weighted ratio (Kish: (sum v)^2 / sum v^2)."""
    share = w / ok.sum(axis=0).clip(1)
    v = (x * share).ravel()
    return float(v.sum() ** 2 / (v**2).sum()) if (v**2).sum() > 0 else 0.0


def _contrast(panel: Panel, p: Pattern, arms, ok, w, counts) -> Figure:
    """A rate among the runs meeting ``where`` minus among those meeting ``versus``; both from
    the same bootstrap of seeds, so their covariance through common seeds is kept."""
    R = panel.replicates
    values, boots, ns = [], [], []
    for cond in (p.where, p.versus):
        x = np.where(ok, np.nan_to_num(panel.mask(cond, arms)), 0.0)
        y, x = _rate_terms(panel, p.outcome, x, arms)
        values.append(_ratio(y, x, ok, w, np.ones((1, R)))[0])
        boots.append(_ratio(y, x, ok, w, counts))
        ns.append(_effective_n(x, ok, w))
    boot = boots[0] - boots[1]
    var = float(np.nanvar(boot)) if np.isfinite(boot).sum() > 1 else math.nan
    # the smaller group's runs: what the difference's precision rests on
    return Figure(float(values[0] - values[1]), var, min(ns))


def _ratio(y, x, ok, w, counts) -> np.ndarray:
    """``sum_a w_a mean(y_a) / sum_a w_a mean(x_a)`` for each row of bootstrap ``counts``."""
    n = counts @ ok.astype(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        num = ((counts @ y) / n) @ w
        den = ((counts @ x) / n) @ w
        return np.where(den > 0, num / den, np.nan)


def _quantile(f, x, ok, w, q, idx) -> Figure:
    """Weighted quantile (inverted CDF) of the runs meeting ``where``; bootstrap over seeds."""
    share = w / ok.sum(axis=0).clip(1)
    use = (x > 0) & np.isfinite(f)

    def one(rows):
        m = use[rows]
        if not m.any():
            return math.nan
        weights = np.broadcast_to(share, m.shape)[m]
        return float(np.quantile(f[rows][m], q, weights=weights, method="inverted_cdf"))

    value = one(np.arange(len(f)))
    boot = np.array([one(r) for r in idx])
    var = float(np.nanvar(boot)) if np.isfinite(boot).sum() > 1 else math.nan
    return Figure(value, var, float(use.sum()))


def _difference(panel: Panel, p: Pattern) -> Figure:
    """Paired difference of a rate, ``arm`` minus ``baseline``, over the seeds both ran on."""
    both = {p.arm: 1.0, p.baseline: 1.0}
    m = panel.mask(p.outcome, both)
    keep = np.isfinite(m).all(axis=1)
    d = m[keep, 0] - m[keep, 1]
    n = len(d)
    if n == 0:
        return Figure(math.nan, math.nan, 0.0)
    sd2 = float(d.var(ddof=1)) if n > 1 else 0.0
    # A floor of a quarter of one pair's swing, so a difference every pair shares (0 or 1 for
    # all) is not treated as exact (assumption: numerical floor, far below any real noise).
    return Figure(float(d.mean()), max(sd2 / n, 0.25 / n**2), float(n))


class Panel:
    """The runs of one design point (or one posterior draw): arms side by side, seed by seed.

    Built from run rows with ``scenario`` (the arm), ``replicate`` (the seed's index, shared by
    every arm: common random numbers) and the outcome fields; error rows count as missing.
    """

    def __init__(self, rows: pd.DataFrame, arms: list[str]):
        rows = rows.reset_index(drop=True)
        good = rows["error"].isna().to_numpy() if "error" in rows else np.ones(len(rows), bool)
        self.columns: dict[str, np.ndarray] = {}
        if good.any():
            derived = rate_columns(rows[good])
            for col in derived.columns:
                values = np.full(len(rows), None, dtype=object)
                values[good] = derived[col].to_numpy()
                self.columns[col] = values
        self.rows = rows
        self.arms = list(arms)
        self.index = np.sort(rows["replicate"].unique()) if len(rows) else np.array([], dtype=int)
        self._r = np.searchsorted(self.index, rows["replicate"].to_numpy())
        names = rows["scenario"].astype(str).to_numpy()
        position = {a: i for i, a in enumerate(self.arms)}
        self._a = np.array([position.get(n, -1) for n in names], dtype=int)
        self._ok = np.nan_to_num(self._pivot(good.astype(float))) > 0

    @property
    def replicates(self) -> int:
        return len(self.index)

    def _pivot(self, values: np.ndarray) -> np.ndarray:
        """(replicates x all arms) array of one value per run; NaN where an arm has no run."""
        out = np.full((self.replicates, len(self.arms)), np.nan)
        keep = self._a >= 0
        out[self._r[keep], self._a[keep]] = values[keep]
        return out

    def _columns(self, arms: dict[str, float]) -> list[int]:
        missing = [a for a in arms if a not in self.arms]
        if missing:
            raise InputError(f"no runs of arm {missing[0]!r}; arms: {', '.join(self.arms)}")
        return [self.arms.index(a) for a in arms]

    def _column(self, field: str) -> np.ndarray:
        if field in self.columns:
            return self.columns[field]
        return self.rows[field].to_numpy(dtype=object)

    def ok(self, arms: dict[str, float]) -> np.ndarray:
        """(replicates x arms) True where the arm's run on that seed finished."""
        return self._ok[:, self._columns(arms)]

    def values(self, field: str, arms: dict[str, float]) -> np.ndarray:
        """(replicates x arms) float values of a numeric field (NaN where missing)."""
        numeric = pd.to_numeric(pd.Series(self._column(field)), errors="coerce")
        return self._pivot(numeric.to_numpy(dtype=float))[:, self._columns(arms)]

    def mask(self, cond: Condition, arms: dict[str, float]) -> np.ndarray:
        """(replicates x arms) where ``cond`` holds, 1/0, NaN where missing."""
        return self._pivot(cond.mask(self._column(cond.field)))[:, self._columns(arms)]


def latent(pattern: Pattern, fig: Figure) -> tuple[float, float]:
    """The figure and its variance on the emulator's scale: a rate's logit, with the half-run
    correction of :func:`sim.analysis.latent.to_latent` (n the effective number of runs);
    any other figure as it is (its variance floored at a numerical 1e-12)."""
    if not math.isfinite(fig.value):
        return math.nan, math.nan
    if pattern.transform == "identity":
        var = fig.var if math.isfinite(fig.var) else 0.0
        return fig.value, max(var, 1e-12)
    y, v = to_latent(fig.value, fig.n, fig.var)
    return float(y), float(v)


def latent_band(pattern: Pattern) -> tuple[float, float, float | None]:
    """The band (and the observed figure, if any) on the emulator's scale."""
    if pattern.transform == "identity":
        return pattern.low, pattern.high, pattern.observed
    obs = None if pattern.observed is None else float(logit(pattern.observed))
    lo = float(logit(min(max(pattern.low, 0.0), 1.0)))
    hi = float(logit(min(max(pattern.high, 0.0), 1.0)))
    return lo, hi, obs
