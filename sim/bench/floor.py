"""The physical floor of a whole run: what its memory traffic alone would cost.

A run's customers are visited at their events only (sim.model.calendar), its employees every week.
:func:`floor_events` does the reads and writes of a customer's event (its own state, its handler's)
and nothing else; :func:`floor_employees` does the employee kernel's (own state, the manager's
commitment, every peer's usage through the CSR network, one drawn peer, the team's values, and the
handler's customer totals the customers' week reads). Timed on one thread, they price an event and
an employee-week at the floor; :func:`run_floor` multiplies those prices by the events and
employee-weeks of a real run and of its counterfactual, which is the least any engine could spend
on that run without skipping an event. The whole run's time over this floor says how much of a run
is arithmetic and bookkeeping rather than memory traffic.

:func:`weekly_pass_floor` prices the floor of the customers' pass the model made before it drew by
events (every existing customer read and written every week, :func:`floor_customers`): what any
engine that visits every customer every week would spend at least.

:func:`event_arithmetic` prices the other side of an event: its draw and rule, with next to no
memory traffic. An event cannot cost less than the larger of the two (a roofline's floor, Williams,
Waterman & Patterson 2009, "Roofline", CACM 52(4)); the bench reports a run against that bound too,
beside the memory floor its target is stated on.
"""

from __future__ import annotations

from numba import njit, prange

from sim.model import agent_week, streams


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
    count,
    held,
    t,
):
    """The memory traffic of ``kernels._employees_range`` and of the customers' weekly totals by
    handler (sim.model.calendar: each handler's count and sum of profiles), and nothing else.

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
        acc += n_usage[i] + count[i] * held[i]
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
        model._calendar.count,
        model._calendar.held,
        int(model.week.t),
    )


_READ = (
    "team is_manager manager attitude skill orientation usage dip commitment indptr indices".split()
)
_WRITTEN = "attitude skill usage workaround productivity dip commitment".split()


@njit(cache=True)
def floor_events(
    slots,
    handler,
    satisfaction,
    expectation,
    x,
    stage,
    next_contact,
    emp_team,
    emp_skill,
    emp_orientation,
    emp_usage,
    emp_workaround,
    emp_productivity,
    live_week,
    t,
):
    """The memory traffic of the customers' events of a week (sim.model.calendar.step_customers)
    and nothing else: for each customer in ``slots`` it reads its handler, satisfaction,
    expectation, profile, stage and next event, the handler's team (and its go-live week), usage,
    skill, orientation, workaround and productivity, and writes its satisfaction, expectation,
    profile, stage and next event (the draws are arithmetic, sim.model.streams, not memory). Each
    value read feeds a write or the returned sum with one add, so no load can be dropped; there is
    no model arithmetic. The slots come as an array, in the order of the week's list: the kernel
    follows a linked list instead, which a floor need not.
    """
    acc = 0.0
    for k in range(slots.shape[0]):
        i = slots[k]
        h = handler[i]
        lw = live_week[emp_team[h]]
        u = emp_usage[h] if lw >= 0 and t >= lw else 0.0
        satisfaction[i] = satisfaction[i] + emp_skill[h]
        expectation[i] = expectation[i] + emp_orientation[h]
        x[i] = x[i] + u + emp_workaround[h]
        stage[i] = stage[i] + 1
        next_contact[i] = next_contact[i] + 1
        acc += emp_productivity[h]
    return acc


def event_floor_args(model):
    """Arguments of :func:`floor_events` for ``model``'s next week: the slots of the customers
    with a contact or a churn check in it, in slot order, on copies of the customers' arrays."""
    import numpy as np

    cus, emp, t = model.customers, model.employees, int(model.steps)
    n = cus.created
    due = cus.active[:n] & ((cus.next_contact[:n] == t) | (cus.next_check[:n] == t))
    return (
        np.flatnonzero(due).astype(np.int64),
        cus.handler,
        cus.satisfaction.copy(),
        cus.expectation.copy(),
        model._calendar.x.copy(),
        cus.stage.copy(),
        cus.next_contact.copy(),
        emp.team,
        emp.skill,
        emp.orientation,
        emp.usage,
        emp.workaround,
        emp.productivity,
        model.teams.live_week,
        t,
    )


def agent_weeks(scenario, seed: int) -> dict:
    """Events (contacts and churn checks visited) of a run and of its counterfactual, and the
    employee-weeks and customer-weeks (existing customers, summed over the weeks) of the run.

    Steps numba models of both; the counterfactual has the same organisation and arrivals, so the
    same employee-weeks and customer-weeks.
    """
    from sim.model.model import CRMRolloutModel

    model = CRMRolloutModel(scenario, seed=seed)
    customers = employees = weeks = 0
    while model.running:
        customers += int(model.customers.created)
        employees += int(model.employees.n)
        model.step()
        weeks += 1
    base = CRMRolloutModel(scenario, seed=seed, counterfactual=True)
    base.run_model()
    return {
        "customer_weeks": customers,
        "employee_weeks": employees,
        "weeks": weeks,
        "events": int(model._calendar.frame[0].events),
        "cf_events": int(base._calendar.frame[0].events),
    }


def run_floor(weeks: dict, event_s: float, employee_s: float) -> float:
    """Seconds of floor of a run and its counterfactual: their events and employee-weeks."""
    events = weeks["events"] + weeks["cf_events"]
    return events * event_s + 2 * weeks["employee_weeks"] * employee_s


def weekly_pass_floor(weeks: dict, customer_s: float, employee_s: float) -> float:
    """Seconds of floor of a run and its counterfactual had every existing customer been read and
    written every week (the floor of the weekly pass the model made before it drew by events)."""
    return 2 * (weeks["customer_weeks"] * customer_s + weeks["employee_weeks"] * employee_s)


@njit(cache=True)
def event_arithmetic(
    slots,
    contact,
    satisfaction,
    expectation,
    d_old,
    d,
    stage,
    handler_live,
    usage,
    skill,
    orientation,
    workaround,
    productivity,
    key,
    t,
    capacity,
    gaps,
    bounds,
    prm_rec,
    wk_rec,
):
    """The arithmetic of a week's events (sim.model.calendar.step_customers) and nothing else: for
    each event its draw (the next event's week, from the gap tables ``gaps``, and the event's
    uniform, sim.model.streams) and its
    rule (a contact's, agent_week.customer_contact, or a churn check's, agent_week.churns), on
    inputs laid out one event after the other in contiguous arrays (read ahead by the hardware:
    next to no memory cost), contacts first, then checks, as the week visits them. Every result
    feeds the returned sum, so none can be dropped; nothing is written.

    What an event costs in arithmetic alone: the customers' week cannot cost less per event than
    this (nor than :func:`floor_events`, its memory traffic alone), whatever its memory layout.
    """
    prm = prm_rec[0]
    acc = 0.0
    for k in range(slots.shape[0]):
        if contact[k]:
            bits = streams.event_bits(key, streams.CONTACT_STREAM, slots[k], t, capacity)
            row = streams.gap_row(bits)
            nxt = t + streams.tabled_gap(bits, gaps[row], gaps[row + 1], prm.contact_gap)
            u = streams.event_uniform(bits)
            s, e, d_new, st, cost = agent_week.customer_contact(
                satisfaction[k],
                expectation[k],
                d_old[k],
                d[k],
                stage[k],
                handler_live[k],
                usage[k],
                skill[k],
                orientation[k],
                workaround[k],
                productivity[k],
                u,
                bounds,
                prm_rec,
                wk_rec,
            )
            acc += s + e + d_new + st + cost + nxt
        else:
            bits = streams.event_bits(key, streams.CHURN_STREAM, slots[k], t, capacity)
            row = streams.CHECK_TABLE + streams.gap_row(bits)
            nxt = t + streams.tabled_gap(bits, gaps[row], gaps[row + 1], prm.check_gap)
            u = streams.event_uniform(bits)
            acc += nxt + (1.0 if agent_week.churns(satisfaction[k], u, prm_rec) else 0.0)
    return acc


def event_arithmetic_args(model):
    """Arguments of :func:`event_arithmetic` for ``model``'s next week: one entry per event
    (the week's contacts in slot order, then its churn checks), the customer's and its handler's
    values gathered, the customer rule parameters and the last week's context as the compiled week
    takes them (sim.model.week.KernelParams)."""
    import numpy as np

    from sim.model import week

    cus, emp, t = model.customers, model.employees, int(model.steps)
    n = cus.created
    on = cus.active[:n]
    contacts = np.flatnonzero(on & (cus.next_contact[:n] == t))
    checks = np.flatnonzero(on & (cus.next_check[:n] == t))
    slots = np.concatenate([contacts, checks]).astype(np.int64)
    h = cus.handler[slots]
    lw = model.teams.live_week[emp.team[h]]
    prm = model._kernel_params.customer
    wk = week.week_values(model._week_record)
    d_old = cus.completeness[slots].copy()
    d = np.array([min(agent_week.profile_decay(x, prm, wk), 1.0) for x in d_old])
    return (
        slots,
        np.arange(len(slots)) < len(contacts),
        cus.satisfaction[slots],
        cus.expectation[slots],
        d_old,
        d,
        cus.stage[slots],
        (lw >= 0) & (t >= lw),
        emp.usage[h],
        emp.skill[h],
        emp.orientation[h],
        emp.workaround[h],
        emp.productivity[h],
        int(model._economy.key[0]),
        t,
        cus.active.shape[0],
        model._calendar.gaps,
        model._kernel_params.bounds,
        prm,
        wk,
    )
