"""Payback measured as its source measured it: the ROI of a live CRM two and three years after its
go-live, and at an age drawn between them, for docs/VALIDATION.md.

The calibration's payback pattern (experiments/calibration.toml, ``payback``) takes its figure from
Nucleus Research (via destinationCRM, Myron 2003): 57% of 21 SAP CRM and 61% of Siebel reference
customers had no positive ROI "after 2 to 3 years". The calibration and the reference sweep judge
every run at the horizon, 156 weeks from the start of the programme, that is one to two and a half
years after a typical go-live. Here the same figure is measured at the source's ages, on the weekly
series of the five-year sweep (sim.analysis.validation_runs.horizon_runs): for each industry-mix run
that is live at five years, its ROI as ``classify`` computes it (sim.model.outcomes: the profit
over its counterfactual's, the programme's spend included, over that spend), but with both sums
taken from the first week to the week its CRM had been live two (three) years, or an age drawn
per run between them (:data:`DRAWN`: the survey's firms were each at their own age). The band is
the calibration file's, so the rows say whether the calibrated model pays back as often as the
source found when it is asked at the source's age. The rows are of kind ``calibrated``: the
calibration fitted this source's figure (at another age), so they test the fit, not the model.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from sim.analysis.calibration_spec import load_calibration
from sim.analysis.validation import MIX_ARM, pattern_row, rate_text
from sim.model.outcomes import weekly_profit

#: The ages of a live CRM at which its ROI is read: the ends of the source's "2 to 3 years".
AGES = {"2 years": 104, "3 years": 156}
#: And an age drawn per run between them (whole weeks, uniform; from a generator seeded with the
#: run's seed, so it is the same at every reading): the source surveyed firms 2 to 3 years after
#: their go-live, each at its own age, and its figure is the share over all of them. The uniform
#: spread of the firms' ages is an assumption (the source gives none).
DRAWN = "an age drawn between 2 and 3 years"
#: The calibration file's pattern whose source and band the rows take.
PATTERN = "payback"


def roi_at_ages(series: pd.DataFrame, runs: pd.DataFrame, margin: float) -> pd.DataFrame:
    """One row per run with kept series that went live: its go-live week and its ROI at each age
    of :data:`AGES` (NaN where the run ended before its CRM reached that age).

    ``series`` is a results folder's weekly series (sorted by run and week, as ``read_series``
    returns them), ``runs`` its run rows, ``margin`` the scenario's ``economics.margin``.
    """
    golive = runs.set_index("run_id")["golive_week"]
    seeds = runs.set_index("run_id")["seed"]
    low, high = AGES["2 years"], AGES["3 years"]
    rows = []
    for run_id, ts in series.groupby("run_id", sort=False):
        week = golive.get(run_id, np.nan)
        if not np.isfinite(week):
            continue
        spend = ts["spend"].to_numpy()
        none = np.zeros(len(spend))
        gain = weekly_profit(ts["revenue"].to_numpy(), ts["cost"].to_numpy(), spend, margin)
        cf = weekly_profit(ts["cf_revenue"].to_numpy(), ts["cf_cost"].to_numpy(), none, margin)
        delta = np.cumsum(gain - cf)
        row = {"run_id": run_id, "golive_week": int(week)}
        drawn = int(np.random.default_rng(int(seeds[run_id])).integers(low, high + 1))
        for label, weeks in (*AGES.items(), (DRAWN, drawn)):
            at = int(week) - 1 + weeks  # the row of the week the CRM has been live `weeks` weeks
            inside = at < len(delta) and spend[at] > 0
            row[label] = float(delta[at] / spend[at]) if inside else np.nan
        rows.append(row)
    return pd.DataFrame(rows, columns=["run_id", "golive_week", *AGES, DRAWN])


def payback_rows(
    series: pd.DataFrame, runs: pd.DataFrame, margin: float, calibration: Path
) -> list[dict]:
    """The pattern rows: live industry-mix runs with a positive ROI two and three years after
    go-live, against the band of the calibration file's payback pattern (none if it has none)."""
    spec = {p.name: p for p in load_calibration(calibration).patterns}.get(PATTERN)
    if spec is None or series is None or series.empty:
        return []
    live = runs[(runs["scenario"].astype(str) == MIX_ARM) & (runs["status"] == "live")]
    rois = roi_at_ages(series[series["run_id"].isin(live["run_id"])], live, margin)
    rows = []
    for label in (*AGES, DRAWN):
        known = rois[label].dropna()
        positive = (known > 0).to_numpy()
        share = positive.mean() if len(positive) else np.nan
        late = len(rois) - len(known)
        rows.append(
            pattern_row(
                f"payback at the source's age: share of live {MIX_ARM} runs with roi > 0 "
                + (
                    f"at {label} after go-live, as the surveyed firms were"
                    if label == DRAWN
                    else f"{label} after go-live"
                )
                + f" (five-year runs; {len(known)} runs"
                + (f", {late} live too late to be judged" if late else "")
                + ")",
                "calibrated",
                f"{spec.source}; the calibration fits it at the horizon instead",
                f"{100 * spec.low:.1f}% to {100 * spec.high:.1f}%",
                rate_text(positive) if len(positive) else "no runs",
                bool(spec.low <= share <= spec.high) if len(positive) else None,
            )
        )
    return rows
