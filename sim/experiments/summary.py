"""Tables computed from run rows: rates per scenario, paired differences, per-point rates.

These are the numbers users read first (DESIGN.md section 4): how often each rollout ordering never
goes live, is abandoned, misses expectations or measurably improves the business, and how those
rates differ from a baseline ordering run on the same seeds. They are computed from the run rows of
a results folder only, so ``summary.csv`` can be rebuilt from the parts at any time.

Formats (long form, one row per scenario and metric)::

    summary.csv  scenario, metric, value, ci_low, ci_high, n
    paired.csv   scenario, baseline, metric, diff, ci_low, ci_high, n
    points.csv   scenario, point, param.<key>..., metric, value, ci_low, ci_high, n
                 (points.csv only for designs with more than one point)

Rates (``never_live``, ``abandoned``, ``failed``, ``measurable_gain``, ``met_expectations``,
``business_case_met``) carry Wilson 95% intervals; ``adoption_mean`` a bootstrap interval of the
mean of ``adoption_final``; ``roi_median`` a bootstrap interval of the median ROI. ``failed`` is
``not met_expectations`` (never live and abandoned count as failed, DESIGN.md 2.4). Error rows are
left out and ``n`` counts the rows used.

A posterior sweep (``--posterior``: each block of replicates runs at one draw of a calibration's
posterior, sim.experiments.posterior) carries the model's parameter uncertainty, so its rates in
summary.csv and its differences in paired.csv get a random-effects prediction interval over the
draws instead (DerSimonian & Laird 1986; Higgins, Thompson & Spiegelhalter 2009): the spread
between draws plus the uncertainty of the mean, wider than replicate noise alone wherever the
parameters matter, and equal to it where they do not. The value is the random-effects mean. With
fewer than 3 draws no spread can be estimated and the usual intervals stay; an interval over the
draws is never narrower than the usual one. points.csv, adoption and ROI keep their usual
intervals (of the pooled runs).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd

from sim.experiments.posterior import draw_interval, widened, with_draw_intervals
from sim.experiments.stats import Z95, bootstrap_interval, paired_difference, wilson_interval

__all__ = [
    "RATE_METRICS",
    "ok_rows",
    "rate_columns",
    "with_financial_failure",
    "summary_table",
    "paired_table",
    "points_table",
    "default_baseline",
    "format_rates_table",
]

RATE_METRICS = (
    "never_live",
    "abandoned",
    "failed",
    "financial_failure",
    "measurable_gain",
    "met_expectations",
    "business_case_met",
)
#: The rates a terminal table shows: the judgement (failed) and the money (financial failure: not
#: paid back) side by side, as each failure source measured one of them (ODD 7.5).
TABLE_RATES = ("never_live", "abandoned", "failed", "financial_failure", "measurable_gain")
PAIRED_METRICS = ("failed", "financial_failure", "never_live", "measurable_gain", "delta_profit")
SUMMARY_COLUMNS = ["scenario", "metric", "value", "ci_low", "ci_high", "n"]
PAIRED_COLUMNS = ["scenario", "baseline", "metric", "diff", "ci_low", "ci_high", "n"]


def ok_rows(runs: pd.DataFrame) -> pd.DataFrame:
    """Rows of runs that finished (no error), in run_id order."""
    if runs.empty:
        return runs
    if "error" in runs.columns:
        runs = runs[runs["error"].isna()]
    return runs.sort_values("run_id", kind="stable") if "run_id" in runs.columns else runs


def with_financial_failure(summary: pd.DataFrame) -> pd.DataFrame:
    """A summary.csv written before ``financial_failure`` was a rate of its own, with its rows
    derived from ``business_case_met``'s (``1 - p``, the interval flipped: Wilson's interval of
    the complement). A summary that has them, or lacks ``business_case_met``, is returned as is."""
    if summary is None or "metric" not in summary or "financial_failure" in set(summary.metric):
        return summary
    paid = summary[summary.metric == "business_case_met"]
    flipped = paid.assign(
        metric="financial_failure",
        value=1.0 - paid.value,
        ci_low=1.0 - paid.ci_high,
        ci_high=1.0 - paid.ci_low,
    )
    return pd.concat([summary, flipped], ignore_index=True)


def rate_columns(runs: pd.DataFrame) -> pd.DataFrame:
    """Boolean outcome columns derived from ok rows: one column per rate metric."""
    status = runs["status"].astype(str)
    met = runs["met_expectations"].astype(bool)
    paid = runs["business_case_met"].astype(bool)
    return pd.DataFrame(
        {
            "never_live": status.eq("never_live").to_numpy(),
            "abandoned": status.eq("abandoned").to_numpy(),
            "failed": (~met).to_numpy(),
            "financial_failure": (~paid).to_numpy(),
            "measurable_gain": runs["measurable_gain"].astype(bool).to_numpy(),
            "met_expectations": met.to_numpy(),
            "business_case_met": paid.to_numpy(),
        },
        index=runs.index,
    )


def _block(ok: pd.DataFrame, seed: int = 0) -> list[dict]:
    """Metric rows (metric, value, ci_low, ci_high, n) for one group of ok rows."""
    return _metrics(*_metric_arrays(ok), seed=seed)


def _metric_arrays(ok: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """What :func:`_metrics` reads from ok rows: the rate flags (one column per RATE_METRICS entry),
    final adoption and ROI, as arrays, so a table of many groups converts its rows once."""
    if not len(ok):
        return np.zeros((0, len(RATE_METRICS)), dtype=bool), np.array([]), np.array([])
    flags = rate_columns(ok)[list(RATE_METRICS)].to_numpy(dtype=bool)
    return flags, ok["adoption_final"].astype(float).to_numpy(), ok["roi"].astype(float).to_numpy()


def _metrics(flags: np.ndarray, adoption: np.ndarray, roi: np.ndarray, seed: int = 0) -> list[dict]:
    out = []
    n = len(flags)
    for j, metric in enumerate(RATE_METRICS):
        k = int(flags[:, j].sum()) if n else 0
        p, lo, hi = wilson_interval(k, n, Z95)
        out.append({"metric": metric, "value": p, "ci_low": lo, "ci_high": hi, "n": n})
    for metric, values, stat in (
        ("adoption_mean", adoption, np.mean),
        ("roi_median", roi, np.median),
    ):
        est, lo, hi = bootstrap_interval(values, stat=stat, n_boot=1000, seed=seed)
        used = int(np.sum(~np.isnan(values)))
        out.append({"metric": metric, "value": est, "ci_low": lo, "ci_high": hi, "n": used})
    return out


def _scenarios_in_order(runs: pd.DataFrame) -> list[str]:
    """Scenario names in the order of the experiment (first appearance by run_id)."""
    ordered = runs.sort_values("run_id", kind="stable") if "run_id" in runs.columns else runs
    return list(dict.fromkeys(ordered["scenario"].astype(str)))


def summary_table(runs: pd.DataFrame) -> pd.DataFrame:
    """``summary.csv``: one block of metrics per scenario, pooled over design points.

    Args:
        runs: run rows (error rows allowed; they are excluded).

    Returns:
        Long-form frame with columns scenario, metric, value, ci_low, ci_high, n. A scenario whose
        runs all failed with errors still gets a block, with n = 0.
    """
    if runs.empty:
        return pd.DataFrame(columns=SUMMARY_COLUMNS)
    ok = ok_rows(runs)
    rows = []
    for name in _scenarios_in_order(runs):
        group = ok[ok["scenario"].astype(str) == name]
        block = _block(group)
        if _has_draws(group):  # a posterior sweep: intervals over the draws (module docstring)
            block = with_draw_intervals(block, rate_columns(group), group["draw"].to_numpy())
        rows += [{"scenario": name, **r} for r in block]
    return pd.DataFrame(rows, columns=SUMMARY_COLUMNS)


def _has_draws(rows: pd.DataFrame) -> bool:
    """Rows of a posterior sweep (sim.experiments.posterior) carry their draw block."""
    return "draw" in rows.columns and bool(rows["draw"].notna().any())


def points_table(runs: pd.DataFrame, params: Sequence[str] | None = None) -> pd.DataFrame:
    """``points.csv``: the summary metrics per scenario and design point, with the point's params.

    Sweeps over a grid or a Latin hypercube are read point by point (a heat map of failure rate over
    training effort and vendor pressure); pooling them, as ``summary.csv`` does, would hide that.
    The ok rows are split by (scenario, point) once, so the cost grows linearly with the number of
    points (a sensitivity design has thousands).

    Args:
        runs: run rows.
        params: the ``param.<key>`` columns that identify a point (the design's keys); default:
            every ``param.`` column that varies across points.
    """
    if runs.empty:
        return pd.DataFrame(columns=["scenario", "point", *SUMMARY_COLUMNS[1:]])
    if params is None:
        firsts = runs.groupby("point")
        params = [
            c for c in runs.columns if c.startswith("param.") and firsts[c].first().nunique() > 1
        ]
    params = [p for p in params if p in runs.columns]
    ok = ok_rows(runs)
    flags, adoption, roi = _metric_arrays(ok)
    where = (
        ok.groupby([ok["scenario"].astype(str), ok["point"]], sort=False).indices if len(ok) else {}
    )
    none = np.array([], dtype=int)
    names = runs["scenario"].astype(str)
    rows = []
    for name in _scenarios_in_order(runs):
        for point, first in runs[names == name].groupby("point", sort=True).first().iterrows():
            i = where.get((name, point), none)
            head = {"scenario": name, "point": int(point), **{p: first[p] for p in params}}
            rows += [{**head, **r} for r in _metrics(flags[i], adoption[i], roi[i])]
    return pd.DataFrame(rows, columns=["scenario", "point", *params, *SUMMARY_COLUMNS[1:]])


def default_baseline(names: Sequence[str], requested: str | None = None) -> str | None:
    """The baseline: the requested one, else ``technology_first`` if it ran, else the first."""
    if requested:
        return requested
    if "technology_first" in names:
        return "technology_first"
    return names[0] if names else None


def paired_table(runs: pd.DataFrame, baseline: str | None = None) -> pd.DataFrame:
    """``paired.csv``: every scenario against the baseline, paired by replicate and design point.

    Replicate i of every scenario ran on the same seed, so the pair (scenario, baseline) shares the
    organisation and the random draws and their difference isolates the scenario's effect. Binary
    metrics (failed, financial_failure, never_live, measurable_gain) use Newcombe's paired score
    interval; delta_profit a bootstrap of the mean pair difference (see
    :func:`sim.experiments.stats.paired_difference`). Pairs where either run raised are dropped;
    ``n`` counts the pairs used.
    """
    if runs.empty:
        return pd.DataFrame(columns=PAIRED_COLUMNS)
    names = _scenarios_in_order(runs)
    base = default_baseline(names, baseline)
    ok = ok_rows(runs)
    if len(ok):
        flags = rate_columns(ok)
        ok = pd.concat(
            [ok.drop(columns=[c for c in flags.columns if c in ok.columns]), flags], axis=1
        )
    keys = ["replicate", "point"]
    cols = [*keys, *PAIRED_METRICS, *(["draw"] if _has_draws(ok) else [])]
    ref = ok[ok["scenario"].astype(str) == base][cols] if len(ok) else None
    rows = []
    for name in names:
        if name == base:
            continue
        for metric in PAIRED_METRICS:
            if ref is None:
                res = {"diff": math.nan, "ci_low": math.nan, "ci_high": math.nan, "n": 0}
            else:
                mine = ok[ok["scenario"].astype(str) == name][cols]
                pairs = mine.merge(ref, on=keys, suffixes=("", "_base")).sort_values(keys)
                a, b = pairs[metric].to_numpy(), pairs[f"{metric}_base"].to_numpy()
                if metric != "delta_profit":
                    a, b = a.astype(bool), b.astype(bool)
                res = paired_difference(a, b, level=0.95, n_boot=1000, seed=0)
                if "draw" in cols and len(pairs):  # a posterior sweep: over the draws
                    wide = (-1.0, 1.0) if metric != "delta_profit" else (-math.inf, math.inf)
                    d = a.astype(float) - b.astype(float)
                    over = draw_interval(d, pairs["draw"].to_numpy(), False, wide)
                    res = widened(res, over, "diff")
            rows.append(
                {
                    "scenario": name,
                    "baseline": base,
                    "metric": metric,
                    **{k: res[k] for k in ("diff", "ci_low", "ci_high", "n")},
                }
            )
    return pd.DataFrame(rows, columns=PAIRED_COLUMNS)


def _pct(value: float) -> str:
    return (
        "   -  "
        if value is None or (isinstance(value, float) and math.isnan(value))
        else f"{100 * value:5.1f}%"
    )


def format_rates_table(summary: pd.DataFrame, paired: pd.DataFrame | None = None) -> str:
    """A plain-text table for the terminal (``crmsim compare``).

    One line per scenario with each rate and its Wilson 95% interval, then, if ``paired`` is given,
    the paired difference in failure rate against the baseline in percentage points.
    """
    if summary.empty:
        return "(no finished runs)"
    metrics = [m for m in TABLE_RATES if m in set(summary["metric"])]
    width = max(12, *(len(s) for s in summary["scenario"].astype(str)))
    head = f"{'scenario':<{width}}  {'n':>5}  " + "  ".join(f"{m:>19}" for m in metrics)
    lines = [head, "-" * len(head)]
    for name, block in summary.groupby("scenario", sort=False):
        by = block.set_index("metric")
        n = int(by.loc["failed", "n"])
        cells = []
        for m in metrics:
            r = by.loc[m]
            cells.append(f"{_pct(r['value'])} [{_pct(r['ci_low'])},{_pct(r['ci_high'])}]".rjust(19))
        lines.append(f"{name:<{width}}  {n:>5}  " + "  ".join(cells))
    if paired is not None and not paired.empty:
        lines.append("")
        base = paired["baseline"].iloc[0]
        lines.append(f"paired vs {base} (same seeds), percentage points, 95% interval:")
        for name, block in paired.groupby("scenario", sort=False):
            by = block.set_index("metric")
            parts = []
            for m in [m for m in PAIRED_METRICS if m != "delta_profit" and m in by.index]:
                r = by.loc[m]
                if isinstance(r["diff"], float) and math.isnan(r["diff"]):
                    parts.append(f"{m} -")
                else:
                    parts.append(
                        f"{m} {100 * r['diff']:+.1f} "
                        f"[{100 * r['ci_low']:+.1f}, {100 * r['ci_high']:+.1f}]"
                    )
            lines.append(f"  {name:<{width}}  " + "   ".join(parts))
    return "\n".join(lines)
