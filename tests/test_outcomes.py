"""The measurable-gain rule (issue 11, item 6): KPIs set up front by planning, and what is judged.

Series are made up so each figure can be worked out by hand: 52 weeks of constant revenue and cost,
so the quarterly sums are exact and the counterfactual's noise comes from one quarter that differs.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import sim
from sim.model.outcomes import kpis_set, measured_gain, weekly_profit
from tests.common import small_scenario

WEEKS = 52


def _series(planning_at_golive: float, golive_week: int = 10) -> pd.DataFrame:
    planning = np.zeros(WEEKS)
    planning[golive_week - 1 :] = planning_at_golive
    planning[: golive_week - 1] = planning_at_golive / 2
    return pd.DataFrame({"readiness_planning": planning})


def test_kpis_are_set_when_planning_is_ready_at_go_live():
    assert kpis_set(_series(0.6), 10, 0.5)
    assert not kpis_set(_series(0.4), 10, 0.5)
    assert kpis_set(_series(0.5), 10, 0.5)  # at the threshold
    assert not kpis_set(_series(0.9), None, 0.5)  # never live: nothing was measured


def _gain_case():
    """A year in which the CRM adds 100 of operating profit a week and the programme spends 80."""
    revenue = np.full(WEEKS, 1000.0)
    cost = np.full(WEEKS, 200.0)
    cf_revenue = np.full(WEEKS, 1000.0)
    cf_cost = np.full(WEEKS, 300.0)  # the CRM saves 100 a week of cost
    cf_cost[:13] += 13.0  # the counterfactual's first quarter differs: its noise
    spend = np.cumsum(np.full(WEEKS, 80.0))
    margin = 0.3
    ts = pd.DataFrame({"revenue": revenue, "cost": cost})
    profit = weekly_profit(revenue, cost, spend, margin)
    cf_profit = weekly_profit(cf_revenue, cf_cost, np.zeros(WEEKS), margin)
    quarter_diffs = np.diff([-169.0 + 0.0, 0.0, 0.0, 0.0])  # quarterly cf profit minus its mean
    noise = float(np.std(quarter_diffs, ddof=1))
    return ts, profit, cf_profit, margin, noise


def test_with_kpis_the_operating_gain_is_judged_without_the_spend():
    ts, profit, cf_profit, margin, noise = _gain_case()
    # last four quarters: 13 x 100 = 1300 a quarter, less the first quarter's 169 extra cost
    expected = (4 * 1300.0 + 169.0) / 4 / noise
    assert measured_gain(ts, profit, cf_profit, margin, kpis=True) == pytest.approx(expected)


def test_without_kpis_only_the_bottom_line_shows():
    ts, profit, cf_profit, margin, noise = _gain_case()
    # the same gain less the spend of 80 a week (1040 a quarter)
    expected = (4 * (1300.0 - 1040.0) + 169.0) / 4 / noise
    assert measured_gain(ts, profit, cf_profit, margin, kpis=False) == pytest.approx(expected)


def test_planned_orderings_set_kpis_and_unplanned_do_not():
    # seed 2: four_ps goes live (week 62), technology first goes live and is abandoned
    for name, planned in (("four_ps", True), ("technology_first", False)):
        scen = small_scenario(name, org__complexity=0.5, org__complexity_tail_share=0.0)
        summary = sim.run(scen, seed=2).summary
        assert summary["status"] != "never_live", name
        assert summary["kpis_set"] is planned, name
        if summary["status"] != "live":
            assert summary["gain_ratio"] <= 0 and not summary["measurable_gain"]
