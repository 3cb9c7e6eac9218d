"""The physical floor of a whole run: what its memory traffic alone would cost.

:func:`sim.bench.inputs.floor_customers` does the customer kernel's reads and writes and nothing
else; :func:`floor_employees` does the same for the employee kernel (own state, the manager's
commitment, every peer's usage through the CSR network, one drawn peer, the team's values). Timed
per agent on one thread, they price an agent-week at the floor; :func:`run_floor` multiplies those
prices by the agent-weeks of a real run (every existing customer and every employee, every week, for
the run and for its counterfactual), which is the least any engine could spend on that run without
skipping agents. The whole run's time over this floor says how much of a run is bookkeeping around
the kernels rather than the kernels' memory traffic.
"""

from __future__ import annotations

from numba import njit, prange


@njit(cache=True, parallel=True)
def floor_employees(
    team,
    is_manager,
    manager,
    attitude,
    skill,
    orientation,
    usage,
    dip,
    commitment,
    indptr,
    indices,
    n_attitude,
    n_skill,
    n_usage,
    n_workaround,
    n_productivity,
    n_dip,
    n_commitment,
    live_week,
    coach,
    team_usage,
    t,
):
    """The memory traffic of ``kernels.employees_loop`` and nothing else.

    Same arguments (``t`` instead of the records), same access pattern: per employee its team (and
    the team's go-live week, coach and mean usage), its own seven state values, its manager's
    commitment, every peer's usage, one drawn peer's attitude and role; it writes the seven
    next-state arrays (the kernel's two draws are arithmetic, sim.model.streams, not memory).
    Each value read feeds a write with one add, so no load can be
    dropped; there is no model arithmetic. Compiled like the kernel (``parallel=True``, timed on one
    thread).
    """
    acc = 0.0
    for i in prange(team.shape[0]):
        tm = team[i]
        lw = live_week[tm]
        start = indptr[i]
        deg = indptr[i + 1] - start
        total = 0.0
        for p in range(start, start + deg):
            total += usage[indices[p]]
        peer = attitude[indices[start]] if deg > 0 else 0.0
        boss = 1.0 if deg > 0 and is_manager[indices[start]] else 0.0
        n_attitude[i] = attitude[i] + peer
        n_skill[i] = skill[i] + orientation[i]
        n_usage[i] = usage[i] + total + team_usage[tm]
        n_workaround[i] = boss
        n_productivity[i] = coach[tm] + (1.0 if lw >= 0 and t >= lw else 0.0)
        n_dip[i] = dip[i] + (1.0 if is_manager[i] else 0.0)
        n_commitment[i] = commitment[i] + commitment[manager[i]]
        acc += n_usage[i]
    return acc


def employee_floor_args(model):
    """Arguments of :func:`floor_employees`: the employees' arrays one by one, and ``t``."""
    emp, nxt, teams = model.employees, model.employees_next, model.teams
    return (
        *(getattr(emp, f) for f in _READ),
        *(getattr(nxt, f) for f in _WRITTEN),
        teams.live_week,
        teams.coach,
        model.team_usage,
        int(model.week.t),
    )


_READ = (
    "team is_manager manager attitude skill orientation usage dip commitment indptr indices".split()
)
_WRITTEN = "attitude skill usage workaround productivity dip commitment".split()


def agent_weeks(scenario, seed: int) -> dict:
    """Customer-weeks (existing customers, summed over the weeks) and employee-weeks of one run.

    Steps a numba model of the run (no counterfactual); the counterfactual has the same
    organisation and arrivals, so a run with its counterfactual has twice these agent-weeks.
    """
    from sim.model.model import CRMRolloutModel

    model = CRMRolloutModel(scenario, seed=seed)
    customers = employees = weeks = 0
    while model.running:
        customers += int(model.customers.created)
        employees += int(model.employees.n)
        model.step()
        weeks += 1
    return {"customer_weeks": customers, "employee_weeks": employees, "weeks": weeks}


def run_floor(weeks: dict, customer_s: float, employee_s: float, models: int = 2) -> float:
    """Seconds of floor for ``models`` models (run and counterfactual) of the given agent-weeks."""
    return models * (weeks["customer_weeks"] * customer_s + weeks["employee_weeks"] * employee_s)
