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
from tests.common import SCENARIOS, small_scenario

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
    """A year in which the CRM saves 100 of cost a week and the programme spends 80 a week.

    The counterfactual's first quarter costs 169 more (13 weeks x 13): its quarterly profits are
    ``base - 169, base, base, base``, so its quarter-to-quarter noise is the sd of (169, 0, 0).
    """
    revenue = np.full(WEEKS, 1000.0)
    cost = np.full(WEEKS, 200.0)
    cf_cost = np.full(WEEKS, 300.0)
    cf_cost[:13] += 13.0
    spend = np.cumsum(np.full(WEEKS, 80.0))
    margin = 0.3
    operating = weekly_profit(revenue, cost, np.zeros(WEEKS), margin)
    profit = weekly_profit(revenue, cost, spend, margin)
    cf_profit = weekly_profit(revenue, cf_cost, np.zeros(WEEKS), margin)
    noise = float(np.std([169.0, 0.0, 0.0], ddof=1))
    return operating, profit, cf_profit, noise


def test_the_operating_gain_is_judged_without_the_spend():
    operating, _, cf_profit, noise = _gain_case()
    # last four quarters: 13 x 100 = 1300 a quarter, and the first quarter's 169 on top
    expected = (4 * 1300.0 + 169.0) / 4 / noise
    assert measured_gain(operating, cf_profit) == pytest.approx(expected)


def test_the_bottom_line_carries_the_spend():
    _, profit, cf_profit, noise = _gain_case()
    # the same gain less the spend of 80 a week (1040 a quarter)
    expected = (4 * (1300.0 - 1040.0) + 169.0) / 4 / noise
    assert measured_gain(profit, cf_profit) == pytest.approx(expected)


def test_classify_judges_on_kpis_only_where_planning_set_them():
    # seed 2: four_ps goes live (week 62, KPIs set) and technology first (no planning) goes live
    # and is abandoned: its gain is not measurable at any threshold
    for name, planned in (("four_ps", True), ("technology_first", False)):
        scen = small_scenario(name, org__complexity=0.5, org__complexity_tail_share=0.0)
        res = sim.run(scen, seed=2)
        summary, ts = res.summary, res.timeseries
        assert summary["status"] != "never_live", name
        assert summary["kpis_set"] is planned, name
        margin = scen["economics.margin"]
        cf = weekly_profit(
            ts.cf_revenue.to_numpy(), ts.cf_cost.to_numpy(), np.zeros(len(ts)), margin
        )
        spend = ts.spend.to_numpy() if not planned else np.zeros(len(ts))
        judged = weekly_profit(ts.revenue.to_numpy(), ts.cost.to_numpy(), spend, margin)
        ratio = measured_gain(judged, cf)
        if summary["status"] == "live":
            assert summary["gain_ratio"] == pytest.approx(ratio), name
        else:
            assert summary["gain_ratio"] == pytest.approx(min(ratio, 0.0)), name
            assert not summary["measurable_gain"]


@pytest.mark.parametrize(
    ("overrides", "status", "cancelled"),
    [
        ({"sponsor.commitment_initial": 0.1}, "never_live", True),  # below the floor: stopped
        ({"horizon_weeks": 20}, "never_live", False),  # four Ps go live at week 62: still building
        ({}, "live", False),
    ],
)
def test_cancelled_tells_a_stopped_programme_from_one_still_being_built(
    overrides, status, cancelled
):
    """ODD 7.5: never live is cancelled or still being built at the horizon; only the first is a
    decision to stop, which the abandonment studies counted."""
    scen = sim.load_scenario(SCENARIOS / "four_ps.toml", overrides=overrides)
    summary = sim.run(scen, seed=3).summary
    assert summary["status"] == status
    assert summary["cancelled"] is cancelled


@pytest.mark.parametrize(
    ("name", "planning_beside_build"), [("big_bang", True), ("four_ps", False)]
)
def test_the_overrun_is_measured_against_the_budget_at_the_decision_to_build(
    name, planning_beside_build
):
    """ODD 7.5: the divisor is the budget when work beyond planning first had effort. A big bang
    plans beside its build, so planning raises the budget after that week: the overrun against the
    final budget would be smaller. The four Ps plan first: the budget is set before the build."""
    from sim.model.world import World

    scen = sim.load_scenario(SCENARIOS / f"{name}.toml")
    world = World(scen, 3, "numba", False)
    initial = world.programme.budget
    world.run_model()
    prog = world.programme
    summary = sim.run(scen, seed=3).summary
    assert prog.build_budget > 0
    expected = (prog.spend - prog.improve_spend) / prog.build_budget
    assert summary["overrun"] == pytest.approx(expected, rel=1e-12)
    if planning_beside_build:
        assert prog.build_budget == pytest.approx(initial, rel=1e-12)
        assert prog.budget > prog.build_budget * 1.01  # raised by planning during the build
    else:
        assert prog.build_budget > initial * 1.01  # planning re-baselined it first


def test_no_spend_is_the_same_profit_as_a_spend_of_zero():
    """``weekly_profit`` with no spend (``None``: what ``classify`` passes for the operating and
    the counterfactual's profit) gives, to the bit, what a spend of zero every week gives."""
    rng = np.random.default_rng(3)
    revenue, cost = rng.random(WEEKS) * 1000.0, rng.random(WEEKS) * 300.0
    none = weekly_profit(revenue, cost, None, 0.3)
    zero = weekly_profit(revenue, cost, np.zeros(WEEKS), 0.3)
    assert np.array_equal(none, zero)
    assert not np.array_equal(none, weekly_profit(revenue, cost, np.cumsum(cost), 0.3))
