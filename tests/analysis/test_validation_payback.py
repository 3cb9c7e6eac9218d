"""Payback at the source's age (sim.analysis.validation_payback) on made-up weekly series whose
ROI two and three years after go-live is worked out by hand."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sim.analysis import validation_payback as vp
from tests.common import ROOT

WEEKS = 300
MARGIN = 0.5
BUILD = 1000.0  # spent in the first ten weeks


def _series(run_id: str, golive: int, weekly_gain: float) -> pd.DataFrame:
    """A run that spends BUILD over its first ten weeks, then earns ``weekly_gain`` of profit a
    week over its counterfactual from its go-live week on (week w is row w - 1)."""
    week = np.arange(1, WEEKS + 1)
    spend = np.minimum(week, 10) * BUILD / 10
    revenue = np.where(week >= golive, weekly_gain / MARGIN, 0.0)
    zero = np.zeros(WEEKS)
    return pd.DataFrame(
        {"run_id": run_id, "week": week, "revenue": revenue, "cost": zero, "spend": spend,
         "cf_revenue": zero, "cf_cost": zero}
    )  # fmt: skip


def _by_hand(golive: int, weekly_gain: float, weeks: int) -> float:
    """Cumulative gain to the week the CRM has been live ``weeks`` weeks (its row golive-1+weeks:
    ``weeks + 1`` weeks of gain), less the spend, over the spend."""
    return (weekly_gain * (weeks + 1) - BUILD) / BUILD


def test_the_roi_is_read_two_and_three_years_after_each_runs_go_live():
    runs = pd.DataFrame(
        {"run_id": ["a", "late", "never"], "golive_week": [10.0, 200.0, np.nan], "seed": [7, 8, 9]}
    )  # fmt: skip
    series = pd.concat([_series("a", 10, 8.0), _series("late", 200, 8.0), _series("never", 0, 0)])
    rois = vp.roi_at_ages(series, runs, MARGIN).set_index("run_id")
    assert list(rois.index) == ["a", "late"]  # a run that never went live has no age
    assert rois.loc["a", "2 years"] == pytest.approx(_by_hand(10, 8.0, 104))  # -0.16: not yet
    assert rois.loc["a", "3 years"] == pytest.approx(_by_hand(10, 8.0, 156))  # +0.256: paid back
    assert rois.loc["a", "2 years"] < 0 < rois.loc["a", "3 years"]
    assert rois.loc["late"].isna()[["2 years", "3 years"]].all()  # live too late to be judged
    # the drawn age: whole weeks from 104 to 156, from the run's own seed
    drawn = int(np.random.default_rng(7).integers(104, 157))
    assert rois.loc["a", vp.DRAWN] == pytest.approx(_by_hand(10, 8.0, drawn))


def test_the_drawn_ages_spread_over_the_two_to_three_years():
    runs = pd.DataFrame({"run_id": [f"r{i}" for i in range(200)], "golive_week": 10.0,
                         "seed": range(200)})  # fmt: skip
    series = pd.concat([_series(r, 10, 8.0) for r in runs.run_id])
    rois = vp.roi_at_ages(series, runs, MARGIN)[vp.DRAWN]
    weeks = np.round((rois * BUILD + BUILD) / 8.0 - 1).astype(int)  # back from _by_hand
    assert weeks.min() >= 104 and weeks.max() <= 156 and weeks.nunique() > 30
    assert 120 < weeks.mean() < 140  # about 130 on average: uniform


def test_payback_rows_count_live_mix_runs_against_the_calibration_band():
    """Four live mix runs: two paid back at two years (50%, inside 25-60%), all four at three
    (100%, above); the other arm's run, an abandoned one and a late one are not counted."""
    gains = {"m1": 12.0, "m2": 12.0, "m3": 8.0, "m4": 8.0}
    rows = [
        {"run_id": r, "scenario": "industry_mix", "status": "live", "golive_week": 10.0}
        for r in gains
    ] + [
        {"run_id": "other", "scenario": "four_ps", "status": "live", "golive_week": 10.0},
        {"run_id": "gone", "scenario": "industry_mix", "status": "abandoned", "golive_week": 10.0},
        {"run_id": "late", "scenario": "industry_mix", "status": "live", "golive_week": 250.0},
    ]
    for i, row in enumerate(rows):
        row["seed"] = i
    series = pd.concat(
        [_series(r, 10, g) for r, g in gains.items()]
        + [_series("other", 10, 0.0), _series("gone", 10, 0.0), _series("late", 250, 50.0)]
    )
    two, three, drawn = vp.payback_rows(
        series, pd.DataFrame(rows), MARGIN, ROOT / "experiments/calibration.toml"
    )
    assert two["kind"] == three["kind"] == "calibrated"
    assert two["expected"] == "25.0% to 60.0%"
    assert two["model"].startswith("50.0% [") and two["holds"] is True
    assert three["model"].startswith("100.0% [") and three["holds"] is False
    assert "4 runs, 1 live too late to be judged" in two["pattern"]
    # at the drawn ages: the two 12.0 runs have paid back at any of them; an 8.0 run has paid
    # back once it has been live 125 weeks (8 x 126 > 1000)
    ages = [int(np.random.default_rng(i).integers(104, 157)) for i in (2, 3)]
    share = (2 + sum(a >= 125 for a in ages)) / 4
    assert drawn["model"].startswith(f"{100 * share:.1f}% [")
    assert "an age drawn between 2 and 3 years after go-live" in drawn["pattern"]
    assert "Nucleus" in two["source"]


def test_no_series_no_rows():
    assert (
        vp.payback_rows(
            pd.DataFrame(), pd.DataFrame(), MARGIN, ROOT / "experiments/calibration.toml"
        )
        == []
    )
