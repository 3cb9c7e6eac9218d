"""The numba engine equals the agents engine, and each kernel equals its plain reference."""

from __future__ import annotations

import copy

import numpy as np
import pytest

import sim
from sim.model import kernels, streams
from sim.model.context import week_record
from sim.model.model import CRMRolloutModel
from tests import reference
from tests.common import SHIPPED, small_scenario, step_customers


@pytest.mark.parametrize("name", SHIPPED)
@pytest.mark.parametrize("seed", [1, 7])
def test_numba_equals_agents(name, seed):
    scen = small_scenario(name)
    a = sim.run(scen, seed=seed, engine="agents")
    n = sim.run(scen, seed=seed, engine="numba")
    np.testing.assert_allclose(
        a.timeseries.to_numpy(float), n.timeseries.to_numpy(float), rtol=1e-9, atol=1e-9
    )
    for key, value in a.summary.items():
        if key == "engine":
            continue
        if isinstance(value, float):
            np.testing.assert_allclose(value, n.summary[key], rtol=1e-9, atol=1e-9, equal_nan=True)
        else:
            assert value == n.summary[key], key


def test_equal_at_default_size_over_a_live_run():
    scen = sim.load_scenario("scenarios/four_ps.toml", overrides={"horizon_weeks": 70})
    a = sim.run(scen, seed=3, engine="agents")
    n = sim.run(scen, seed=3, engine="numba")
    assert a.summary["status"] == "live"
    np.testing.assert_allclose(
        a.timeseries.to_numpy(float), n.timeseries.to_numpy(float), rtol=1e-9, atol=1e-9
    )


def _model_mid_run(name="four_ps", weeks=None, seed=2, **over):
    scen = small_scenario(name, **over)
    model = CRMRolloutModel(scen, seed=seed)
    golive = None
    for _ in range(weeks or scen["horizon_weeks"] - 1):
        model.step()
        if golive is None and model.programme.golive_week:
            golive = model.steps
    return model


def _draws(model, week):
    """The week's draws on the run's stream as the kernels make them (sim.model.streams), for the
    plain reference (the customers draw at their events)."""
    return streams.week_draws(week.key, week.t, model.employees.n)


def _random_week(model, rng, **fixed):
    values = dict(
        t=int(model.steps),
        quality=rng.random(),
        fit=rng.random(),
        process_readiness=rng.random(),
        platform_readiness=rng.random(),
        people_effort=rng.random(),
        process_effort=rng.random(),
        sponsor=rng.random(),
        org_live=bool(rng.random() < 0.7),
        shock=0.3 * rng.random(),
        web_share=rng.random(),
        key=int(model._economy.key[0]),
        stride=int(model._economy.stride[0]),
    )
    values.update(fixed)
    return week_record(**values)


def _check_employees(model, week, team_usage=None):
    emp = model.employees
    team_usage = model.team_usage if team_usage is None else team_usage
    nxt = copy.deepcopy(emp)
    kernels.step_employees(
        emp.arrays(), nxt.arrays(), model.teams.arrays(), team_usage, model.employee_params, week
    )
    draw_peer, draw_work, _ = _draws(model, week[0])
    ref = reference.employees(
        emp,
        model.teams.live_week,
        model.teams.coach,
        team_usage,
        draw_peer,
        draw_work,
        model.employee_params[0],
        week[0],
        model.teams.fit,
    )
    for key, values in ref.items():
        np.testing.assert_allclose(getattr(nxt, key), values, rtol=1e-12, atol=1e-12, err_msg=key)


def _check_customers(model, week, scan=False):
    cus, emp = model.customers, model.employees
    nxt, rev, cost = step_customers(model, cus, week, scan=scan)
    ref, (ref_rev, ref_cost) = reference.customers(
        cus,
        emp,
        model.teams.live_week,
        model.channel_bounds,
        model.customer_params[0],
        week[0],
    )
    n = cus.created
    for key, values in ref.items():
        np.testing.assert_allclose(
            getattr(nxt, key)[:n], values, rtol=1e-12, atol=1e-12, err_msg=key
        )
    np.testing.assert_allclose([rev, cost], [ref_rev, ref_cost], rtol=1e-12)


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("scan", [False, True])
@pytest.mark.parametrize("org_live", [False, True])
def test_kernels_match_reference_on_random_inputs(seed, scan, org_live):
    """The customers' week as a small world runs it (its lists) and as a large one does (a pass
    over the event weeks, sim.model.calendar.SCAN_MIN_CUSTOMERS) both give the twin's week.

    With the web self-service closed and open, and contacts handled by live and not-live teams:
    the engines skip the touch-point pick where it cannot matter (closed, handler not live:
    agent_week.customer_contact), the twin always picks, so a wrong shortcut shows here."""
    rng = np.random.default_rng(seed)
    model = _model_mid_run(weeks=30)
    emp, cus = model.employees, model.customers
    # scramble the state into arbitrary valid values
    emp.attitude[:] = rng.uniform(-1, 1, emp.n)
    emp.skill[:] = rng.random(emp.n)
    emp.usage[:] = rng.random(emp.n)
    emp.workaround[:] = (rng.random(emp.n) < 0.3).astype(float)
    emp.productivity[:] = rng.uniform(0.7, 1.1, emp.n)
    emp.commitment[:] = rng.random(emp.n)
    model.teams.live_week[:] = rng.integers(-1, model.steps + 1, model.teams.n)
    cus.satisfaction[:] = rng.random(cus.capacity)
    cus.completeness[:] = rng.random(cus.capacity)
    cus.stage[:] = rng.integers(0, 4, cus.capacity)
    cus.active[: cus.created] = rng.random(cus.created) < 0.8
    # about half the customers contact the company this week, and half face a churn check
    cus.next_contact[:] = model.steps + rng.integers(0, 2, cus.capacity)
    cus.next_check[:] = model.steps + rng.integers(0, 2, cus.capacity)
    model.teams.live_week[::2] = -1  # some teams not live (the draw above rarely gives one)
    week = _random_week(model, rng, org_live=org_live)
    n, t = cus.created, model.steps
    lw = model.teams.live_week[emp.team[cus.handler[:n]]]
    contact = cus.active[:n] & (cus.next_contact[:n] == t)
    live = (lw >= 0) & (t >= lw)
    assert (contact & live).any() and (contact & ~live).any()
    _check_employees(model, week, team_usage=rng.random(model.teams.n))
    _check_customers(model, week, scan)


def test_employee_with_no_peers():
    model = _model_mid_run(weeks=10)
    emp = model.employees
    # cut employee 3 out of the network
    keep = np.ones(len(emp.indices), dtype=bool)
    rows = np.repeat(np.arange(emp.n), np.diff(emp.indptr))
    keep[(rows == 3) | (emp.indices == 3)] = False
    emp.indices = emp.indices[keep]
    emp.indptr = np.concatenate([[0], np.cumsum(np.bincount(rows[keep], minlength=emp.n))])
    assert emp.indptr[4] == emp.indptr[3]
    _check_employees(model, _random_week(model, np.random.default_rng(5)))


def test_team_with_no_users_and_zero_contacts():
    model = _model_mid_run(weeks=10)
    model.employees.usage[:] = 0.0
    # nobody contacts the company this week
    model.customers.next_contact[:] = model.steps + 1
    week = _random_week(model, np.random.default_rng(6), org_live=True)
    _check_employees(model, week, team_usage=np.zeros(model.teams.n))
    before = model.customers.satisfaction.copy()
    _check_customers(model, week)
    assert np.array_equal(model.customers.satisfaction, before)


def test_every_customer_churned():
    model = _model_mid_run(weeks=10)
    model.customers.active[:] = False
    week = _random_week(model, np.random.default_rng(7))
    _check_customers(model, week)
    nxt, rev, cost = step_customers(model, model.customers, week)
    assert (rev, cost) == (0.0, 0.0) and not nxt.active.any()


def test_results_do_not_depend_on_the_thread_count(monkeypatch):
    import numba

    from sim.model import week

    scen = small_scenario("big_bang", org__customers=3000)
    monkeypatch.setattr(week, "PARALLEL_MIN_CUSTOMERS", 0)  # small runs use every thread too
    most = numba.config.NUMBA_NUM_THREADS
    if most < 2:
        pytest.skip("one core: there is no other thread count to compare")
    before = numba.get_num_threads()  # an earlier warm-up may have pinned this process to one
    try:
        numba.set_num_threads(most)
        two = sim.run(scen, seed=4)
        numba.set_num_threads(1)
        one = sim.run(scen, seed=4)
    finally:
        numba.set_num_threads(before)
    np.testing.assert_array_equal(two.timeseries.to_numpy(float), one.timeseries.to_numpy(float))


def test_small_runs_take_the_cached_one_thread_week(monkeypatch):
    """Below PARALLEL_MIN_CUSTOMERS a run calls the cached one-thread week (no thread pool, the
    caller's thread count untouched); at or above it, the parallel week."""
    import numba

    from sim.model import outcomes, week

    calls = []
    for name in ("run_weeks", "run_weeks_parallel"):
        compiled = getattr(week, name)
        monkeypatch.setattr(
            week, name, lambda *a, _n=name, _f=compiled: (calls.append(_n), _f(*a))[1]
        )
    before = numba.get_num_threads()
    outcomes._CF_CACHE.clear()
    sim.run(small_scenario("big_bang"), seed=4)
    assert calls == ["run_weeks", "run_weeks"]  # the run and its counterfactual
    assert numba.get_num_threads() == before
    calls.clear()
    outcomes._CF_CACHE.clear()
    monkeypatch.setattr(week, "PARALLEL_MIN_CUSTOMERS", 0)
    sim.run(small_scenario("big_bang"), seed=4)
    assert calls == ["run_weeks_parallel", "run_weeks_parallel"]


def test_drivers_reject_inconsistent_inputs():
    model = _model_mid_run(weeks=5)
    week = _random_week(model, np.random.default_rng(1))
    emp = model.employees
    with pytest.raises(ValueError):
        kernels.step_employees(
            emp.arrays(),
            copy.deepcopy(emp).arrays(),
            model.teams.arrays(),
            model.team_usage[:1],
            model.employee_params,
            week,
        )
    with pytest.raises(ValueError):
        step_customers(model, model.customers, week, model.channel_bounds[:-1])


def test_counterfactual_cache_gives_the_uncached_series(monkeypatch):
    """The per-process counterfactual cache is keyed on everything a no-CRM run reads."""
    from sim.model import outcomes

    seeds = [3, 11]
    outcomes._CF_CACHE.clear()
    cached = {}
    for name in SHIPPED:
        for seed in seeds:
            cached[name, seed] = sim.run(small_scenario(name), seed=seed).timeseries
    assert len(outcomes._CF_CACHE) < len(SHIPPED) * len(seeds)  # orderings shared their runs
    monkeypatch.setattr(outcomes, "_CF_CACHE_SIZE", 0)
    for (name, seed), ts in cached.items():
        outcomes._CF_CACHE.clear()
        fresh = sim.run(small_scenario(name), seed=seed).timeseries
        np.testing.assert_array_equal(ts.to_numpy(float), fresh.to_numpy(float))
    # a change to the organisation is a different counterfactual
    outcomes._CF_CACHE.clear()
    a = sim.run(small_scenario("four_ps"), seed=3).timeseries
    b = sim.run(small_scenario("four_ps", customer__contact_prob=0.2), seed=3).timeseries
    assert not np.array_equal(a["cf_csat"], b["cf_csat"])


def test_a_world_and_the_mesa_model_give_the_same_run():
    """sim.run's numba path builds a World (no Mesa); CRMRolloutModel is a World and a mesa.Model:
    the same seed gives the same series and programme, bit for bit."""
    from sim.model.world import World

    scen = small_scenario("industry_mix")
    for seed in (2, 9):
        world, model = World(scen, seed=seed), CRMRolloutModel(scen, seed=seed)
        world.run_model()
        model.run_model()
        np.testing.assert_array_equal(world.series, model.series)
        assert world.programme.state == model.programme.state
        assert world.variant.name == model.variant.name
        assert not hasattr(world, "datacollector")
        frame = model.datacollector.get_model_vars_dataframe()
        np.testing.assert_array_equal(frame.to_numpy(float), model.series[:, : frame.shape[1]])


def test_employees_match_reference_with_their_teams_interleaved():
    """The compiled employees' week computes the dip left once per run of employees of one team
    (kernels._employees_range); numbered out of team order, with teams live for different spans,
    it still gives the twin's week, which computes it for every employee."""
    rng = np.random.default_rng(4)
    model = _model_mid_run(weeks=30)
    emp = model.employees
    emp.team[:] = rng.permutation(emp.team)
    assert (np.diff(emp.team) != 0).sum() > model.teams.n  # interleaved
    model.teams.live_week[:] = rng.integers(0, model.steps + 1, model.teams.n)
    model.teams.live_week[::3] = -1
    emp.dip[:] = rng.uniform(0.1, 0.3, emp.n)
    _check_employees(model, _random_week(model, rng), team_usage=rng.random(model.teams.n))
