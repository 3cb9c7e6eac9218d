"""Run rows as the charts see them: completed runs, one outcome category per run, the outcome mix.

Charts read results files only (runs parquet, series parquet, ``paired.csv``; a run folder's
files: sim.report.run_data); this module turns them into the tables they draw.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.experiments.stats import Z95
from sim.report.style import OUTCOMES, scenario_order


def wilson_interval(k, n, z: float = Z95):
    """Wilson score interval for k successes in n trials (Wilson 1927); arrays welcome."""
    k, n = np.asarray(k, float), np.asarray(n, float)
    with np.errstate(invalid="ignore", divide="ignore"):
        p = k / n
        den = 1 + z**2 / n
        mid = (p + z**2 / (2 * n)) / den
        half = z * np.sqrt(p * (1 - p) / n + z**2 / (4 * n**2)) / den
    return np.clip(mid - half, 0, 1), np.clip(mid + half, 0, 1)  # clip rounding at 0 and n


def completed(runs: pd.DataFrame) -> pd.DataFrame:
    """Run rows without an error (a run that raised is recorded with a non-empty ``error``)."""
    if "error" not in runs:
        return runs
    err = runs["error"]
    return runs[err.isna() | (err.astype(str).str.strip() == "")]


def outcome_category(runs: pd.DataFrame) -> pd.Series:
    """The outcome category of each run (see OUTCOMES)."""
    met = runs["met_expectations"].astype(bool)
    gain = runs["measurable_gain"].astype(bool)
    cat = np.select(
        [runs["status"] == "never_live", runs["status"] == "abandoned", ~met, ~gain],
        ["never_live", "abandoned", "missed", "met_no_gain"],
        "gain",
    )
    return pd.Series(cat, index=runs.index, name="outcome")


def has_draws(runs: pd.DataFrame) -> bool:
    """Rows of a posterior sweep (each block of replicates at one posterior draw)."""
    return "draw" in runs.columns and bool(runs["draw"].notna().any())


def outcome_mix(runs: pd.DataFrame) -> pd.DataFrame:
    """Counts and shares of each outcome per scenario, with Wilson 95% intervals (for the rows of
    a posterior sweep, 95% posterior predictive intervals over its draws, as summary.csv's).

    Returns one row per scenario (in :func:`scenario_order`) with ``n``, ``<outcome>`` counts,
    ``share_<outcome>``, and for each boundary of the stack (the cumulative share of the outcomes up
    to and including it) ``cum_<outcome>``, ``cum_lo_<outcome>``, ``cum_hi_<outcome>``. The
    ``missed`` boundary is the failure rate; ``met_no_gain`` is one minus the measurable-gain rate.
    """
    runs = completed(runs)
    counts = pd.crosstab(runs["scenario"], outcome_category(runs)).reindex(
        index=scenario_order(runs["scenario"]), columns=list(OUTCOMES), fill_value=0
    )
    out = counts.copy()
    out.insert(0, "n", counts.sum(axis=1))
    cum = counts.cumsum(axis=1)
    for cat in OUTCOMES:
        out[f"share_{cat}"] = counts[cat] / out["n"]
        out[f"cum_{cat}"] = cum[cat] / out["n"]
        out[f"cum_lo_{cat}"], out[f"cum_hi_{cat}"] = wilson_interval(cum[cat], out["n"])
    if has_draws(runs):
        _over_draws(out, runs)
    out.index.name = "scenario"
    return out


def _over_draws(out: pd.DataFrame, runs: pd.DataFrame) -> None:
    """Each boundary's interval over the posterior's draws (sim.experiments.posterior), in place."""
    from sim.experiments.posterior import draw_interval, widened

    runs = runs.reset_index(drop=True)
    rank_of = {c: i for i, c in enumerate(OUTCOMES)}
    ranks = outcome_category(runs).map(rank_of).to_numpy()
    for name, group in runs.groupby("scenario"):
        rank, draws = ranks[group.index.to_numpy()], group["draw"].to_numpy()
        for i, cat in enumerate(OUTCOMES):
            lo, hi = f"cum_lo_{cat}", f"cum_hi_{cat}"
            row = {"value": out.at[name, f"cum_{cat}"], "ci_low": out.at[name, lo]}
            row = widened({**row, "ci_high": out.at[name, hi]}, draw_interval(rank <= i, draws))
            out.at[name, lo], out.at[name, hi] = row["ci_low"], row["ci_high"]
