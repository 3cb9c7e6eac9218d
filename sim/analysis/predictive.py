"""Figures from the calibration's runs: at design points, and at posterior draws run afresh.

:func:`figure_table` computes every pattern at every point of a set of runs (a design wave, or the
predictive draws), with its sampling variance and its value on the emulator's scale.
:func:`predictive_table` turns the figures at the posterior draws into each pattern's 95% posterior
predictive interval, compared with the source's figure and band; :func:`claims_table` the ordering
claims into posterior probabilities.

The predictive check uses fresh simulation runs, never the emulator: each posterior draw is run on
its own seeds (independent organisations, the same for every arm of the draw), so the interval
holds the parameters' uncertainty and the noise of that many replicates, as a survey of that many
organisations would.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy.stats import norm

from sim.analysis.calibration_runs import Arms
from sim.analysis.patterns import Panel, Pattern, latent

__all__ = ["figure_table", "predictive_table", "claims_table", "PREDICTIVE_COLUMNS"]

PREDICTIVE_COLUMNS = [
    "pattern",
    "kind",
    "held_out",
    "observed",
    "low",
    "high",
    "pred_low",
    "pred_median",
    "pred_high",
    "inside",
    "draws",
]
#: Bootstrap resamples of the seeds for a figure's sampling variance (assumption: 200 give the
#: variance to about 10%, plenty for a GP's noise term).
N_BOOT = 200


def figure_table(
    patterns: Sequence[Pattern],
    rows: pd.DataFrame,
    points: pd.DataFrame,
    arms: Arms,
    seed: int = 0,
) -> pd.DataFrame:
    """Every pattern at every point: one row per (point, pattern).

    Args:
        patterns: the patterns.
        rows: run rows with a ``point`` column indexing ``points``' rows (0, 1, ...).
        points: the parameter values, one row per point (dotted names as columns).
        arms: the arms (their weights at each point come from its mix shares).
        seed: seeds the bootstrap (one stream per point).

    Returns:
        Columns point, pattern, value, var, n, latent, latent_var.
    """
    out = []
    groups = dict(tuple(rows.groupby("point", sort=True))) if len(rows) else {}
    for i, point in enumerate(points.to_dict("records")):
        panel = Panel(groups.get(i, rows.iloc[:0]), arms.names)
        weights = arms.weights(point)
        rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(i,)))
        for p in patterns:
            fig = p.compute(panel, weights, rng, N_BOOT)
            y, v = latent(p, fig)
            out.append(
                {
                    "point": i,
                    "pattern": p.name,
                    "value": fig.value,
                    "var": fig.var,
                    "n": fig.n,
                    "latent": y,
                    "latent_var": v,
                }
            )
    return pd.DataFrame(
        out, columns=["point", "pattern", "value", "var", "n", "latent", "latent_var"]
    )


def _inside(p: Pattern, lo: float, hi: float) -> bool:
    """Does the predictive interval agree with the source? The observed figure inside it; for a
    band-only pattern, the interval reaching into the band (some predictive mass there)."""
    if not (math.isfinite(lo) and math.isfinite(hi)):
        return False
    if p.observed is not None:
        return lo <= p.observed <= hi
    return hi >= p.low and lo <= p.high


def predictive_table(patterns: Sequence[Pattern], figures: pd.DataFrame) -> pd.DataFrame:
    """``predictive.csv``: each pattern's 95% posterior predictive interval (2.5%, 50%, 97.5%
    quantiles of its figure over the draws) beside the source's figure and band."""
    rows = []
    for p in patterns:
        x = figures.loc[figures["pattern"] == p.name, "value"].to_numpy(dtype=float)
        x = x[np.isfinite(x)]
        lo, med, hi = np.quantile(x, [0.025, 0.5, 0.975]) if len(x) else (math.nan,) * 3
        rows.append(
            {
                "pattern": p.name,
                "kind": p.kind,
                "held_out": p.held_out,
                "observed": p.observed if p.observed is not None else math.nan,
                "low": p.low,
                "high": p.high,
                "pred_low": float(lo),
                "pred_median": float(med),
                "pred_high": float(hi),
                "inside": _inside(p, float(lo), float(hi)),
                "draws": len(x),
            }
        )
    return pd.DataFrame(rows, columns=PREDICTIVE_COLUMNS)


def claims_table(claims, figures: pd.DataFrame, replicates: int) -> pd.DataFrame:
    """``claims.csv``: the posterior probability of each ordering claim.

    At each posterior draw the claim's paired difference d (over that draw's seeds, common to
    both arms) has a standard error se from its pairs; with a flat prior on the difference, the
    probability that it is positive given those runs is ``Phi(d / se)``. The claim's posterior
    probability is the mean of that over the draws: parameter uncertainty through the draws,
    replicate noise through ``se`` (a claim resting on a difference smaller than the noise of
    ``replicates`` pairs gets a probability nearer one half, as it should).
    """
    rows = []
    for c in claims:
        f = figures[figures["pattern"] == c.pattern.name]
        d = f["value"].to_numpy(dtype=float)
        se = np.sqrt(f["var"].to_numpy(dtype=float))
        ok = np.isfinite(d) & np.isfinite(se)
        d, se = d[ok], se[ok]
        prob = float(np.mean(norm.cdf(d / se))) if len(d) else math.nan
        q = np.quantile(d, [0.025, 0.5, 0.975]) if len(d) else (math.nan,) * 3
        rows.append(
            {
                "claim": c.claim,
                "probability": prob,
                "diff_low": float(q[0]),
                "diff_median": float(q[1]),
                "diff_high": float(q[2]),
                "draws": len(d),
                "replicates": replicates,
            }
        )
    return pd.DataFrame(
        rows,
        columns=[
            "claim",
            "probability",
            "diff_low",
            "diff_median",
            "diff_high",
            "draws",
            "replicates",
        ],
    )
