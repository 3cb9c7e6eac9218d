"""The counter-based random streams (sim.model.streams): uniform, pure, shared with the baseline."""

from __future__ import annotations

import copy

import numpy as np
from scipy import stats

from sim.model import streams
from sim.model.model import CRMRolloutModel
from tests.common import small_scenario, step_customers


def _pairs(key, n):
    return np.array([streams.uniform_pair(key, c) for c in range(n)])


def test_draws_are_uniform_and_independent_halves():
    draws = _pairs(12345, 50_000)
    assert ((draws >= 0) & (draws < 1)).all()
    for column in draws.T:  # each half is uniform (deterministic: fixed key, so never flaky)
        assert stats.kstest(column, "uniform").pvalue > 0.001
    # the two halves of one output are uncorrelated, and so are neighbouring counters
    assert abs(np.corrcoef(draws[:, 0], draws[:, 1])[0, 1]) < 0.02
    assert abs(np.corrcoef(draws[:-1, 0], draws[1:, 0])[0, 1]) < 0.02
    wide = np.array([streams.uniform(7, c) for c in range(50_000)])
    assert stats.kstest(wide, "uniform").pvalue > 0.001


def test_a_draw_is_a_function_of_key_and_counter_only():
    assert streams.uniform_pair(3, 10) == streams.uniform_pair(3, 10)
    assert streams.uniform_pair(3, 10) != streams.uniform_pair(3, 11)
    assert streams.uniform_pair(3, 10) != streams.uniform_pair(4, 10)
    assert streams.uniform_pair(streams.KEY_BOUND - 1, 2**40)[0] < 1.0  # no overflow trouble


def test_run_and_counterfactual_share_the_stream_and_the_market():
    scen = small_scenario("big_bang")
    for seed in range(40):  # the first seed whose run goes live, so the two runs differ
        run = CRMRolloutModel(scen, seed=seed)
        base = CRMRolloutModel(scen, seed=seed, counterfactual=True)
        assert run._economy.key[0] == base._economy.key[0]
        for a, b in zip(run.week_draws(), base.week_draws(), strict=True):
            np.testing.assert_array_equal(a, b)
        run.run_model()
        if run.programme.golive_week is not None:
            break
    assert run.programme.golive_week is not None
    base.run_model()
    assert run.market == base.market  # the same market shocks, week after week


def test_other_seeds_get_other_streams():
    scen = small_scenario("big_bang")
    keys = {int(CRMRolloutModel(scen, seed=s)._economy.key[0]) for s in range(20)}
    assert len(keys) == 20


def test_a_churned_customer_changes_no_one_elses_draws():
    """Only active customers draw, and each draws its own numbers: churning one customer leaves
    every other customer's week exactly as it was (no shared, sequential stream to shift)."""
    model = CRMRolloutModel(small_scenario("four_ps"), seed=2)
    for _ in range(30):
        model.step()
    cus = model.customers
    results = []
    for active in (True, False):
        cus.active[5] = active
        nxt = copy.deepcopy(cus)
        step_customers(model, cus, nxt, model._week_record)
        results.append(nxt)
    others = np.arange(cus.created) != 5
    for field in ("satisfaction", "expectation", "completeness", "stage", "active"):
        a = getattr(results[0], field)[: cus.created][others]
        b = getattr(results[1], field)[: cus.created][others]
        np.testing.assert_array_equal(a, b, err_msg=field)
