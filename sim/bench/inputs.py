"""Benchmark inputs and the weekly-pass floor kernel: the model states the kernels are timed on.

:func:`floor_customers` does only the memory reads and writes of a pass over every customer (no
rules): the customers' pass the model made every week before it drew by events
(sim.bench.floor.weekly_pass_floor).
"""

from __future__ import annotations

from numba import njit, prange

from sim.shipped import source_root

ROOT = source_root()  # the checkout (sim.shipped)

SCENARIO = ROOT / "scenarios" / "four_ps.toml"

#: Default-run seed of the targets (four_ps never goes live with it; the kernels use KERNEL_SEED).
RUN_SEED = 1

#: Seed whose four_ps organisation goes live (week 46), so the kernels run their live branches.
KERNEL_SEED = 4

#: Weeks past go-live at which the kernel inputs are taken.
WEEKS_AFTER_GOLIVE = 26


def fresh_run(scenario, seed, engine="numba"):
    """``sim.run`` with the per-process counterfactual cache emptied first.

    Benchmarks time a run *and* its counterfactual; repeated runs of one seed would otherwise find
    the counterfactual cached (sim.model.outcomes) and time half the work.
    """
    import sim
    from sim.model import outcomes

    outcomes._CF_CACHE.clear()
    return sim.run(scenario, seed=seed, engine=engine)


@njit(cache=True, parallel=True)
def floor_customers(
    n,
    handler,
    active,
    satisfaction,
    expectation,
    completeness,
    stage,
    n_active,
    n_satisfaction,
    n_expectation,
    n_completeness,
    n_stage,
    emp_team,
    emp_skill,
    emp_orientation,
    emp_usage,
    emp_workaround,
    emp_productivity,
    live_week,
    t,
):
    """The memory traffic of a weekly pass over every customer (the customer loop the model ran
    before its customers were drawn by events) and nothing else.

    Compiled with ``parallel=True`` (timed on one thread), as the kernel's parallel driver is; the
    serial driver a run of the default size uses is not, so each call of the floor also pays the
    launch of a parallel region (under a microsecond on one thread): the floor is priced slightly
    high, not low.

    Same arguments (``t`` instead of the week's record), same access pattern: per customer it reads
    active, handler, satisfaction, expectation, completeness, stage, the handler's team (and its
    go-live week), usage, skill, orientation, workaround and productivity, and writes the five
    next-state arrays (the kernel's two draws are arithmetic, sim.model.streams, not memory);
    churned customers are carried over as in the kernel. Each value read
    feeds a write or the returned sum with one add (so no load can be dropped); there is no model
    arithmetic. Returns (sum, 0.0) like the kernel's (revenue, cost).
    """
    acc = 0.0
    for i in prange(n):
        if not active[i]:
            n_active[i] = False
            n_satisfaction[i] = satisfaction[i]
            n_expectation[i] = expectation[i]
            n_completeness[i] = completeness[i]
            n_stage[i] = stage[i]
            continue
        h = handler[i]
        lw = live_week[emp_team[h]]
        u = emp_usage[h] if lw >= 0 and t >= lw else 0.0
        n_satisfaction[i] = satisfaction[i] + emp_skill[h]
        n_expectation[i] = expectation[i] + emp_orientation[h]
        n_completeness[i] = completeness[i] + u + emp_workaround[h]
        n_stage[i] = stage[i]
        n_active[i] = True
        acc += emp_productivity[h]
    return acc, 0.0


def scenario(**overrides):
    """four_ps with dotted-key overrides (``org.employees`` etc.)."""
    from sim.model.scenario import load_scenario

    return load_scenario(SCENARIO, overrides=overrides or None)


def stepped_model(scn=None, seed: int = KERNEL_SEED, weeks_after: int = WEEKS_AFTER_GOLIVE):
    """A numba-engine model stepped to ``weeks_after`` weeks past go-live (or to the horizon)."""
    from sim.model.model import CRMRolloutModel

    model = CRMRolloutModel(scn if scn is not None else scenario(), seed=seed)
    stop = model.horizon - 1
    while model.steps < stop:
        model.step()
        golive = model.programme.golive_week
        if golive is not None and model.steps >= golive + weeks_after:
            break
    return model


def floor_args(model):
    """Arguments of :func:`floor_customers`: the customers' arrays one by one (the next-state
    ones copies), and ``t``."""
    cus, emp = model.customers, model.employees
    nxt = _copied(cus)
    return (
        cus.created,
        cus.handler,
        cus.active,
        cus.satisfaction,
        cus.expectation,
        cus.completeness,
        cus.stage,
        nxt.active,
        nxt.satisfaction,
        nxt.expectation,
        nxt.completeness,
        nxt.stage,
        emp.team,
        emp.skill,
        emp.orientation,
        emp.usage,
        emp.workaround,
        emp.productivity,
        model.teams.live_week,
        int(model.week.t),
    )


def employee_args(model):
    """Arguments of the employees' driver ``kernels.step_employees`` for the model's next week."""
    from sim.model import week

    return (
        model.employees.arrays(),
        model.employees_next.arrays(),
        model.teams.arrays(),
        model.team_usage,
        model._kernel_params.employee,
        week.week_values(model._week_record),
    )


def _copied(cus):
    """Copies of the customers' state arrays (a next-state buffer for the weekly-pass floor)."""
    from types import SimpleNamespace

    names = ("active", "satisfaction", "expectation", "completeness", "stage")
    return SimpleNamespace(**{f: getattr(cus, f).copy() for f in names})


def warm_kernels(model) -> None:
    """Compile (or load from the cache) the employee kernel and the floor kernels."""
    from sim.bench.floor import event_floor_args, floor_events
    from sim.model import kernels

    kernels.step_employees(*employee_args(model))
    floor_customers(*floor_args(model))
    floor_events(*event_floor_args(model))


def warm_weeks() -> None:
    """Load (or compile) the kernels and both compiled weeks, each on a tiny run: the one-thread
    week (cached) and the parallel one a scale run takes, which numba cannot cache (numba issue
    #8578) and so compiles in every process that runs one (here, not inside a timed run)."""
    from sim.model import week

    small = scenario(**{"org.employees": 50, "org.customers": 500, "horizon_weeks": 8})
    warm_kernels(stepped_model(small, seed=RUN_SEED))
    threshold, week.PARALLEL_MIN_CUSTOMERS = week.PARALLEL_MIN_CUSTOMERS, 0
    try:
        fresh_run(small, seed=RUN_SEED)
    finally:
        week.PARALLEL_MIN_CUSTOMERS = threshold
