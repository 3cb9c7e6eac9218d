"""The numba engine's shorter paths give the numbers of the full ones, to the bit.

The offline path (a week when nobody uses the CRM) against the full customer week; the parallel
drivers against the one-thread ones over several chunks; the list of active customers' slots
against the active flags; the compiled week's parameters as named tuples against their records.
"""

from __future__ import annotations

import copy

import numpy as np
import pytest

from sim.model import agent_week, kernels, week
from sim.model.context import week_record
from sim.model.model import CRMRolloutModel
from tests.common import small_scenario


def _stepped(name="four_ps", weeks=30, seed=2, **over):
    model = CRMRolloutModel(small_scenario(name, **over), seed=seed)
    for _ in range(weeks):
        model.step()
    return model


def _week(model, rng, **fixed):
    values = dict(
        t=int(model.steps),
        quality=rng.random(),
        fit=rng.random(),
        process_readiness=rng.random(),
        platform_readiness=rng.random(),
        people_effort=rng.random(),
        process_effort=rng.random(),
        sponsor=rng.random(),
        org_live=False,
        shock=0.3 * rng.random(),
        web_share=rng.random(),
        key=int(model._economy.key[0]),
        stride=int(model._economy.stride[0]),
    )
    values.update(fixed)
    return week_record(**values)


def test_the_offline_customer_week_is_the_customer_week_without_the_crm():
    """customer_week_offline equals customer_week for a handler not live in an organisation not
    live, on random states and draws (the experience computed once per handler)."""
    rng = np.random.default_rng(11)
    model = _stepped(weeks=2)
    prm = model.customer_params
    for _ in range(3000):
        wk = _week(model, rng)
        s, e, d = rng.random(3)
        stage = int(rng.integers(0, 4))
        skill, orientation = rng.random(2)
        productivity = rng.uniform(0.6, 1.2)
        draw, draw_churn = rng.random(), rng.random() * (0.02 if rng.random() < 0.5 else 1.0)
        full = agent_week.customer_week(
            s, e, d, stage, False, rng.random(), skill, orientation, float(rng.random() < 0.5),
            productivity, draw, draw_churn, model.channel_bounds, prm, wk,
        )  # fmt: skip
        p = agent_week.offline_experience(skill, orientation, productivity, prm)
        short = agent_week.customer_week_offline(s, e, d, p, draw, draw_churn, prm, wk)
        assert full[3] == stage  # the stage does not change offline
        assert (full[0], full[1], full[2], full[4], full[5], full[6]) == short


def _lists(cus):
    slots = np.flatnonzero(cus.active[: cus.created]).astype(np.int64)
    return slots, np.zeros(cus.capacity, dtype=np.int64)


def _run_driver(driver, model, wk, *, offline, bounds=None):
    """One customers' driver on copies of the model's state: (sums, next state, next list)."""
    cus, nxt = copy.deepcopy(model.customers), copy.deepcopy(model.customers)
    slots, nxt_slots = _lists(cus)
    head = (slots, len(slots), nxt_slots, cus.arrays(), nxt.arrays(), model.employees.arrays())
    if offline:
        sums = driver(*head, model.customer_params, wk)
    else:
        bounds = model._kernel_params.bounds if bounds is None else bounds
        sums = driver(*head, model.teams.arrays(), bounds, model.customer_params, wk)
    return sums, nxt, cus, nxt_slots[: sums[0]]


def _assert_same(a, b):
    (sums_a, nxt_a, cus_a, list_a), (sums_b, nxt_b, cus_b, list_b) = a, b
    assert sums_a == sums_b
    np.testing.assert_array_equal(list_a, list_b)
    for field in ("active", "satisfaction", "expectation", "completeness", "stage"):
        np.testing.assert_array_equal(getattr(nxt_a, field), getattr(nxt_b, field), err_msg=field)
        np.testing.assert_array_equal(getattr(cus_a, field), getattr(cus_b, field), err_msg=field)


@pytest.mark.parametrize("seed", [0, 1])
def test_an_offline_week_equals_the_full_customer_loop(seed):
    rng = np.random.default_rng(seed)
    model = _stepped(seed=seed)
    model.teams.live_week[:] = -1  # nobody live
    model.customer_params.h0[0] = 0.05  # a churn hazard high enough that some churn this week
    wk = _week(model, rng)
    assert week.offline(model.teams.arrays(), wk)
    full = _run_driver(kernels.step_customers, model, wk, offline=False)
    short = _run_driver(kernels.step_customers_offline, model, wk, offline=True)
    assert full[0][0] < len(_lists(model.customers)[0])  # some customers churned this week
    _assert_same(full, short)


def test_a_week_is_offline_only_when_nobody_uses_the_crm():
    model = _stepped()
    teams = model.teams.arrays()
    rng = np.random.default_rng(3)
    model.teams.live_week[:] = -1
    assert week.offline(teams, _week(model, rng))
    assert not week.offline(teams, _week(model, rng, org_live=True))
    model.teams.live_week[3] = model.steps  # one team goes live this week
    assert not week.offline(teams, _week(model, rng))
    model.teams.live_week[3] = model.steps + 1  # next week: not yet
    assert week.offline(teams, _week(model, rng))


def test_every_counterfactual_week_is_offline():
    model = CRMRolloutModel(small_scenario("big_bang"), seed=4, counterfactual=True)
    while model.running:
        model.step()
        assert week.offline(model.teams.arrays(), model._week_record)


@pytest.mark.parametrize("live", [True, False])
def test_parallel_drivers_equal_the_one_thread_ones_over_several_chunks(live):
    """Chunks fix the order of the sums and of the survivors' list, so the parallel drivers give
    the one-thread drivers' numbers to the bit (here three chunks, on however many threads)."""
    rng = np.random.default_rng(8)
    model = _stepped("big_bang", weeks=3, org__customers=2 * kernels.CHUNK + 500)
    if live:
        model.teams.live_week[:] = 0
    wk = _week(model, rng, org_live=live)
    assert len(_lists(model.customers)[0]) > 2 * kernels.CHUNK
    pairs = [(kernels.step_customers, kernels.step_customers_parallel, False)]
    if not live:
        pairs.append(
            (kernels.step_customers_offline, kernels.step_customers_offline_parallel, True)
        )
    for serial, parallel, offline in pairs:
        _assert_same(
            _run_driver(serial, model, wk, offline=offline),
            _run_driver(parallel, model, wk, offline=offline),
        )
    emp = model.employees
    outs = []
    for driver in (kernels.step_employees, kernels.step_employees_parallel):
        nxt = copy.deepcopy(emp)
        driver(emp.arrays(), nxt.arrays(), model.teams.arrays(), model.team_usage,
               model.employee_params, wk)  # fmt: skip
        outs.append(nxt)
    for field in ("attitude", "skill", "usage", "workaround", "productivity", "dip", "commitment"):
        np.testing.assert_array_equal(getattr(outs[0], field), getattr(outs[1], field))


@pytest.mark.parametrize("engine", ["numba", "agents"])
def test_the_active_list_follows_the_active_flags(engine):
    """After every week the list of active slots is the active flags' (both engines keep it), and
    a churned customer's final state is in both buffers."""
    model = CRMRolloutModel(small_scenario("start_small", horizon_weeks=40), seed=5, engine=engine)
    while model.running:
        model.step()
        cus = model.customers
        n = int(model._measures.n_active[0])
        np.testing.assert_array_equal(model._slots[:n], np.flatnonzero(cus.active[: cus.created]))
        assert n == model.metrics["active_customers"]
    if engine == "numba":
        churned = ~model.customers.active[: model.customers.created]
        assert churned.any()
        for field in ("active", "satisfaction", "expectation", "completeness", "stage"):
            a = getattr(model.customers, field)[: model.customers.created][churned]
            b = getattr(model.customers_next, field)[: model.customers.created][churned]
            np.testing.assert_array_equal(a, b, err_msg=field)


def test_the_parameters_as_named_tuples_are_the_records():
    model = _stepped(weeks=3)
    for values, record in (
        (model._kernel_params.employee, model.employee_params),
        (model._kernel_params.customer, model.customer_params),
        (week.week_values(model._week_record), model._week_record),
    ):
        assert values[0]._fields == record.dtype.names
        assert tuple(values[0]) == tuple(record[0].tolist())


@pytest.mark.parametrize("name", ["industry_mix", "start_small"])
@pytest.mark.parametrize("engine", ["numba", "agents"])
def test_the_counterfactual_twin_is_the_counterfactual_model(name, engine):
    """A run's counterfactual copied from the run's model before its first week is the model that
    CRMRolloutModel(counterfactual=True) draws afresh: the same series, the same Generator after."""
    scen = small_scenario(name, horizon_weeks=40)
    for seed in (3, 9):
        run = CRMRolloutModel(scen, seed=seed, engine=engine)
        twin = run.counterfactual_twin()
        fresh = CRMRolloutModel(scen, seed=seed, engine=engine, counterfactual=True)
        assert twin.variant.name == fresh.variant.name and twin.counterfactual
        assert twin.rng.random() == fresh.rng.random()
        run.run_model()  # the run's weeks do not reach the twin's state
        twin.run_model()
        fresh.run_model()
        np.testing.assert_array_equal(twin.series, fresh.series)
    with pytest.raises(RuntimeError):
        run.counterfactual_twin()  # after the first week there is no initial state to copy
