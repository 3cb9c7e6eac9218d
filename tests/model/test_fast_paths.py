"""The numba engine's shorter paths give the numbers of the full ones.

The customers' calendar (sim.model.calendar) against the customers' own state: its running totals
are the sums over the active customers, and a week changes only the customers with an event in it;
the parallel employees' driver against the one-thread one, to the bit; the compiled week's
parameters as named tuples against their records.
"""

from __future__ import annotations

import copy

import numpy as np
import pytest

import sim
from sim.model import calendar, kernels, week
from sim.model.context import week_record
from sim.model.model import CRMRolloutModel
from tests.common import SHIPPED, small_scenario, step_customers


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


def test_the_parallel_employees_driver_equals_the_one_thread_one_over_several_chunks():
    """Chunks fix the order of the work, so the parallel driver gives the one-thread driver's
    numbers to the bit (here three chunks, on however many threads)."""
    rng = np.random.default_rng(8)
    model = _stepped("big_bang", weeks=3, org__employees=2 * kernels.CHUNK + 500)
    model.teams.live_week[:] = 0
    wk = _week(model, rng, org_live=True)
    emp = model.employees
    outs = []
    for driver in (kernels.step_employees, kernels.step_employees_parallel):
        nxt = copy.deepcopy(emp)
        driver(emp.arrays(), nxt.arrays(), model.teams.arrays(), model.team_usage,
               model.employee_params, wk)  # fmt: skip
        outs.append(nxt)
    for field in ("attitude", "skill", "usage", "workaround", "productivity", "dip", "commitment"):
        np.testing.assert_array_equal(getattr(outs[0], field), getattr(outs[1], field))


@pytest.mark.parametrize("name", ["start_small", "big_bang"])
def test_the_calendar_totals_are_the_customers_sums(name):
    """After every week the calendar's running totals (active customers, their satisfaction, each
    handler's customers and their profiles in the frame) are the sums over the customers' state
    (over the customers it holds: the week's arrivals enter it at the start of the next week)."""
    model = CRMRolloutModel(small_scenario(name, horizon_weeks=60), seed=5)
    while model.running:
        model.step()
        cus, cal = model.customers, model._calendar
        fr = cal.frame[0]
        n = fr.entered
        assert 0 < n < cus.created
        active = cus.active[:n]
        assert fr.n_active == active.sum()
        assert fr.n_active + cus.active[n : cus.created].sum() == model.metrics["active_customers"]
        np.testing.assert_allclose(fr.ss, cus.satisfaction[:n][active].sum(), rtol=1e-12)
        handlers = cus.handler[:n][active]
        np.testing.assert_array_equal(cal.count, np.bincount(handlers, minlength=model.employees.n))
        d = fr.scale * cal.x[:n][active] + fr.shift
        np.testing.assert_allclose(d, cus.completeness[:n][active], rtol=1e-12)
        held = np.bincount(handlers, cal.x[:n][active], minlength=model.employees.n)
        np.testing.assert_allclose(cal.held, held, rtol=1e-9, atol=1e-9)
    assert (~model.customers.active[: model.customers.created]).any()


def test_a_week_changes_only_the_customers_with_an_event():
    """A customer with neither a contact nor a churn check this week keeps its satisfaction,
    expectation, stage and events; its profile follows the week's decay alone."""
    rng = np.random.default_rng(3)
    model = _stepped("four_ps", weeks=20)
    cus, t = model.customers, model.steps
    wk = _week(model, rng, org_live=True)
    after, _, _ = step_customers(model, cus, wk)
    n = cus.created
    quiet = cus.active[:n] & (cus.next_contact[:n] != t) & (cus.next_check[:n] != t)
    assert 0 < quiet.sum() < cus.active[:n].sum()
    for field in ("satisfaction", "expectation", "stage", "next_contact", "next_check", "active"):
        np.testing.assert_array_equal(
            getattr(after, field)[:n][quiet], getattr(cus, field)[:n][quiet]
        )
    prm = model.customer_params[0]
    b = prm.consolidation_rate * wk[0].process_effort
    np.testing.assert_allclose(
        after.completeness[:n][quiet],
        cus.completeness[:n][quiet] * prm.decay_week * (1 - b) + b,
        rtol=1e-12,
    )
    events = cus.active[:n] & ~quiet
    assert (after.next_contact[:n][events] >= t).all() and (after.next_check[:n][events] >= t).all()


def test_a_new_frame_changes_a_run_by_rounding_only():
    """Rewriting every profile in a fresh frame mid-run (what the calendar does should its scale
    come near underflow) changes the run's series by rounding only."""
    scen = small_scenario("four_ps", horizon_weeks=50)
    plain, reframed = CRMRolloutModel(scen, seed=4), CRMRolloutModel(scen, seed=4)
    for _ in range(25):
        plain.step()
        reframed.step()
    calendar.reframe(reframed._calendar.arrays(), reframed.customers.arrays())
    assert reframed._calendar.frame[0].scale == 1.0
    plain.run_model()
    reframed.run_model()
    np.testing.assert_allclose(plain.series, reframed.series, rtol=1e-10, atol=1e-10)


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


@pytest.mark.parametrize("name", SHIPPED)
def test_the_frame_stays_far_from_its_reset(name):
    """The common frame's scale (the product of the weeks' decay factors) stays above 0.2 over a
    shipped scenario's 156 weeks, run and counterfactual alike, so ``calendar.MIN_SCALE`` (where
    the frame is reset) is a safeguard the shipped runs never meet."""
    from sim.model.world import World

    scen = sim.load_scenario(name)
    for seed in range(3):
        for counterfactual in (False, True):
            world = World(scen, seed, "numba", counterfactual)
            world.run_model()
            assert 0.2 < world._calendar.frame[0].scale <= 1.0
            assert world._calendar.frame[0].scale > calendar.MIN_SCALE
