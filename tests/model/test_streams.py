"""The counter-based random streams (sim.model.streams): uniform, pure, shared with the baseline."""

from __future__ import annotations

import numpy as np
import pytest
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
        np.testing.assert_array_equal(run.customers.next_contact, base.customers.next_contact)
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


def test_a_churned_customer_changes_no_one_elses_week():
    """Each customer draws its own events: churning one customer leaves every other customer's week
    exactly as it was (no shared, sequential stream to shift)."""
    model = CRMRolloutModel(small_scenario("four_ps"), seed=2)
    for _ in range(30):
        model.step()
    cus = model.customers
    results = []
    for active in (True, False):
        cus.active[5] = active
        results.append(step_customers(model, cus, model._week_record)[0])
    others = np.arange(cus.created) != 5
    for field in ("satisfaction", "expectation", "completeness", "stage", "active", "next_contact"):
        a = getattr(results[0], field)[: cus.created][others]
        b = getattr(results[1], field)[: cus.created][others]
        np.testing.assert_array_equal(a, b, err_msg=field)


@pytest.mark.parametrize("p", [0.1, 0.3, 0.01])
def test_event_gaps_are_geometric(p):
    """The gap to the next event has the weekly trial's geometric law: P(gap = k) = (1-p)^(k-1) p
    (chi-square over the first weeks and the tail; deterministic draws, so never flaky)."""
    scale = streams.gap_scale(p)
    gaps = np.array(
        [streams.next_event(99, streams.CONTACT_STREAM, i, 0, 1, scale)[1] for i in range(60_000)]
    )
    assert gaps.min() >= 1
    edges = np.arange(1, int(np.ceil(3 / p)) + 1)
    observed = np.array([*(np.sum(gaps == k) for k in edges), np.sum(gaps > edges[-1])])
    expected = len(gaps) * np.array([*((1 - p) ** (edges - 1) * p), (1 - p) ** edges[-1]])
    assert stats.chisquare(observed, expected).pvalue > 0.001
    np.testing.assert_allclose(gaps.mean(), 1 / p, rtol=0.03)


def test_event_gaps_at_the_edges():
    assert streams.event_gap(0.999, streams.gap_scale(1.0)) == 1  # every week
    assert streams.event_gap(0.0, streams.gap_scale(0.0)) == streams.NEVER  # never
    assert streams.event_gap(0.5, streams.gap_scale(0.0)) == streams.NEVER
    assert streams.event_gap(0.0, streams.gap_scale(0.5)) == 1
    # the largest uniform on the 2**-32 grid gives a finite gap
    assert 1 < streams.event_gap(1 - 2**-32, streams.gap_scale(1e-6)) < streams.NEVER


def _gaps_from_table_and_log(table, scale, ms):
    """The gap of each 32-bit ``m`` from the table (as the compiled week draws it) and from the
    logarithm (``event_gap``, as the agents and the arrivals draw it)."""
    bits = np.asarray(ms, dtype=np.uint64) << np.uint64(32)
    rows = [int(streams.gap_row(b)) for b in bits]
    tabled = [
        streams.tabled_gap(b, table[r], table[r + 1], scale)
        for b, r in zip(bits, rows, strict=True)
    ]
    logged = [streams.event_gap(int(m) * 2.0**-32, scale) for m in ms]
    return np.array(tabled), np.array(logged)


@pytest.mark.parametrize("p", [0.0, 1e-4, 0.001, 0.022, 0.1, 0.37, 0.9, 1.0])
def test_the_gap_table_draws_the_gaps_of_the_logarithm(p):
    """Exactly the same gap for every m tried: both ends of every bucket, both sides of every
    step inside one (where a table could be off by one), and random ones."""
    scale = streams.gap_scale(p)
    table = streams.gap_table(scale)
    n = 1 << streams.GAP_BITS
    width = 1 << (32 - streams.GAP_BITS)
    g, m0 = table[0::2], table[1::2]
    lo = np.arange(n, dtype=np.int64) * width
    steps = m0[(g >= 0) & (m0 < 2**32)]
    rng = np.random.default_rng(11)
    ms = np.concatenate(
        [lo, lo + 1, lo + width - 1, steps, steps - 1, rng.integers(0, 2**32, 4000)]
    )
    tabled, logged = _gaps_from_table_and_log(table, scale, ms)
    np.testing.assert_array_equal(tabled, logged)
    if p >= 0.02:  # the logarithm is left to under 1% of the draws (streams.GAP_BITS)
        assert (g < 0).mean() < 0.01
    if 0.001 <= p < 1.0:
        assert len(steps) > 0  # steps inside buckets were tried


def test_the_gap_tables_are_shared_and_read_only():
    a = streams.gap_tables(streams.gap_scale(0.1), streams.gap_scale(0.022))
    assert a is streams.gap_tables(streams.gap_scale(0.1), streams.gap_scale(0.022))
    assert not a.flags.writeable
    assert len(a) == 2 * int(streams.CHECK_TABLE)
    contacts = streams.gap_table(streams.gap_scale(0.1))
    checks = streams.gap_table(streams.gap_scale(0.022))
    np.testing.assert_array_equal(a[: int(streams.CHECK_TABLE)], contacts)
    np.testing.assert_array_equal(a[int(streams.CHECK_TABLE) :], checks)


def test_a_calendar_refuses_other_event_probabilities():
    """The compiled week draws its gaps from the calendar's tables: a world whose parameters
    carry other contact or check probabilities than those the tables were built for stops
    before its compiled weeks."""
    from sim.model import calendar

    model = CRMRolloutModel(small_scenario("four_ps"), seed=1)
    prm = model._kernel_params.customer
    model._calendar.check(prm)  # built for them
    other = model.customer_params.copy()
    other[0].check_gap = streams.gap_scale(0.3)
    cal = calendar.Calendar.empty(model.horizon, model.customers.capacity, model.employees.n, other)
    with pytest.raises(ValueError, match="gap tables"):
        cal.check(prm)
    model._calendar = cal
    with pytest.raises(ValueError, match="gap tables"):
        model.step()


def test_an_event_is_a_function_of_key_customer_and_week_only():
    args = (7, streams.CONTACT_STREAM, 3, 12, 5000, streams.gap_scale(0.1))
    assert streams.next_event(*args) == streams.next_event(*args)
    for changed in ((8, *args[1:]), (7, streams.CHURN_STREAM, *args[2:]), (*args[:2], 4, *args[3:]),
                    (*args[:3], 13, *args[4:])):  # fmt: skip
        assert streams.next_event(*changed)[0] != streams.next_event(*args)[0]


def test_a_customer_contacts_in_the_same_weeks_in_a_run_and_its_counterfactual():
    """Common random numbers: the weeks of a customer's contacts are drawn from the customer's own
    stream, whatever happens at them, so the run and the counterfactual share them."""
    scen = small_scenario("big_bang")
    run = CRMRolloutModel(scen, seed=3)
    base = CRMRolloutModel(scen, seed=3, counterfactual=True)
    for _ in range(40):
        run.step()
        base.step()
        both = run.customers.active & base.customers.active
        np.testing.assert_array_equal(
            run.customers.next_contact[both], base.customers.next_contact[both]
        )
    assert run.programme.golive_week is not None


@pytest.mark.parametrize("h0", [0.01, 0.4, 2.5])
def test_churn_by_thinning_has_the_weekly_hazard(h0):
    """A check comes in a week with probability min(h0, 1) and keeps the customer unless
    ``u * c < h0 exp(-beta S)``: over both draws the weekly churn probability is
    min(h0 exp(-beta S), 1), the model's hazard, also where h0 exceeds 1."""
    from collections import namedtuple

    from sim.model import agent_week

    Prm = namedtuple("Prm", "check_prob h0 churn_beta")
    prm = (Prm(min(h0, 1.0), h0, 3.0),)
    u = (np.arange(20_000) + 0.5) / 20_000  # the thinning draw, evenly over [0, 1)
    for s in (0.0, 0.3, 0.9):
        kept = np.mean([agent_week.churns(s, x, prm) for x in u])
        weekly = min(h0, 1.0) * kept  # a check's probability times leaving at it
        assert weekly == pytest.approx(min(h0 * np.exp(-3.0 * s), 1.0), abs=1e-4)
