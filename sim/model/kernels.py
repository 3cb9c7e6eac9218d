"""Array kernels: the per-agent rules applied to all agents at once (the numba engine).

Three layers, as in STUMPY's ``stump.py``: a driver (``step_employees``, ``step_customers``) that
checks shapes and unpacks the state into the loop's arguments, the one place they are written out
and documented; an ``@njit`` loop over agents (``employees_loop``, ``customers_loop``) that reads
each agent's inputs from the arrays and writes its outputs; and the per-agent function on scalars
(sim.model.agent_week), which the Mesa agents' ``step()`` calls too. Tests hold the two engines
equal to 1e-9 and each loop equal to the plain reference in tests/reference.py.

The drivers are compiled too: the compiled week (sim.model.week) calls them, and so do tests and
benchmarks from Python, with the state as named tuples of arrays (sim.model.population's
``arrays()``).

The loops are ``parallel=True`` (``prange``): every agent writes only its own slots of the next
state buffers (and of the week's revenue and cost), so the result does not depend on the thread
count. They are parallel even when they run on one thread (a sweep's worker process): numba's
parallel lowering tells LLVM that the loop's arrays do not alias, which made the customer loop
three times faster on one thread than the same loop compiled serially (30 against 94 us a week for
6,000 customers). That is also why the loops take arrays one by one, not the named tuples: the
arrays themselves go down to the per-agent functions (a record passed by value breaks numba's
parallel lowering).
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from sim.model import agent_week, streams


@njit(cache=True)
def step_employees(emp, nxt, teams, team_usage, prm_rec, wk_rec):
    """Driver: one week of the employee rules for every employee, from ``emp`` into ``nxt``.

    Parameters
    ----------
    emp, nxt : EmployeeArrays
        This week's state and next week's buffers (sim.model.population.Employees.arrays()):
        team, is_manager, manager, attitude, skill, orientation, usage, workaround, productivity,
        dip, commitment, and the network in CSR (indptr, indices). Only ``nxt``'s attitude, skill,
        usage, workaround, productivity, dip and commitment are written.
    teams : TeamArrays
        Each team's go-live week (``live_week``, -1 before), manager style (``coach``) and platform
        fit this week (``fit``).
    team_usage : ndarray
        Mean usage of each team this week.
    prm_rec, wk_rec : record arrays
        The employee rule parameters and the week's context (sim.model.context).
    """
    if team_usage.shape[0] != teams.live_week.shape[0]:
        raise ValueError("need one team usage per team")
    employees_loop(
        emp.team,
        emp.is_manager,
        emp.manager,
        emp.attitude,
        emp.skill,
        emp.orientation,
        emp.usage,
        emp.dip,
        emp.commitment,
        emp.indptr,
        emp.indices,
        nxt.attitude,
        nxt.skill,
        nxt.usage,
        nxt.workaround,
        nxt.productivity,
        nxt.dip,
        nxt.commitment,
        teams.live_week,
        teams.coach,
        team_usage,
        teams.fit,
        prm_rec,
        wk_rec,
    )


@njit(cache=True, parallel=True)
def employees_loop(
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
    team_fit,
    prm_rec,
    wk_rec,
):
    """The employees' loop (arguments: see ``step_employees``, its one caller)."""
    # scalars: records cannot enter a parallel loop body
    t, key, base = wk_rec[0].t, wk_rec[0].key, wk_rec[0].t * wk_rec[0].stride
    for i in prange(team.shape[0]):
        tm = team[i]
        draw_peer, draw_work = streams.uniform_pair(key, base + i)  # this employee's two draws
        lw = live_week[tm]
        live = lw >= 0 and t >= lw
        weeks_live = t - lw if live else 0
        # peers: mean usage, and one peer drawn uniformly for bounded confidence
        start = indptr[i]
        deg = indptr[i + 1] - start
        peer_usage = 0.0
        peer_attitude = 0.0
        peer_is_manager = False
        if deg > 0:
            total = 0.0
            for p in range(start, start + deg):
                total += usage[indices[p]]
            peer_usage = total / deg
            j = indices[start + min(int(draw_peer * deg), deg - 1)]
            peer_attitude = attitude[j]
            peer_is_manager = is_manager[j]
        (
            n_attitude[i],
            n_skill[i],
            n_usage[i],
            n_workaround[i],
            n_productivity[i],
            n_dip[i],
            n_commitment[i],
        ) = agent_week.employee_week(
            attitude[i],
            skill[i],
            usage[i],
            dip[i],
            commitment[i],
            orientation[i],
            is_manager[i],
            commitment[manager[i]],
            team_usage[tm],
            coach[tm],
            live,
            weeks_live,
            peer_usage,
            deg,
            peer_attitude,
            peer_is_manager,
            draw_work,
            team_fit[tm],
            prm_rec,
            wk_rec,
        )


@njit(cache=True)
def step_customers(n, cus, nxt, emp, teams, bounds, prm_rec, wk_rec, revenue, cost):
    """Driver: one week of every existing customer, from ``cus`` into ``nxt``.

    Parameters
    ----------
    n : int
        Customer slots that exist this week (``[0, n)``; later slots are arrivals to come).
    cus, nxt : CustomerArrays
        This week's state and next week's buffers (sim.model.population.Customers.arrays()):
        handler, active, satisfaction, expectation, completeness, stage.
    emp : EmployeeArrays
        This week's employees, the handlers (team, skill, orientation, usage, workaround,
        productivity are read).
    teams : TeamArrays
        The handlers' go-live weeks (``live_week``).
    bounds : ndarray
        Cumulative touch-point shares ending at 1 (sim.model.context.channel_bounds).
    prm_rec, wk_rec : record arrays
        The customer rule parameters and the week's context (sim.model.context).
    revenue, cost : ndarray
        Written: each customer's revenue and cost to serve of the week (0 for a churned one). They
        are summed in one fixed order elsewhere (sim.model.week.end_week), so the totals do not
        depend on the thread count.
    """
    if bounds.shape[0] == 0 or abs(bounds[-1] - 1.0) > 1e-9:
        raise ValueError("channel bounds must be cumulative shares ending at 1")
    customers_loop(
        n,
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
        teams.live_week,
        bounds,
        prm_rec,
        wk_rec,
        revenue,
        cost,
    )


@njit(cache=True, parallel=True)
def customers_loop(
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
    bounds,
    prm_rec,
    wk_rec,
    revenue,
    cost,
):
    """The customers' loop (arguments: see ``step_customers``, its one caller)."""
    # scalars: records cannot enter a parallel loop body; customers' counters follow employees'
    t, key = wk_rec[0].t, wk_rec[0].key
    base = t * wk_rec[0].stride + emp_team.shape[0]
    for i in prange(n):
        if not active[i]:  # churned: carry the state over unchanged
            revenue[i] = 0.0
            cost[i] = 0.0
            # A slot already inactive in the next buffer holds this same final state (it was
            # carried over last week), so there is nothing to write: an exact shortcut.
            if n_active[i]:
                n_active[i] = False
                n_satisfaction[i] = satisfaction[i]
                n_expectation[i] = expectation[i]
                n_completeness[i] = completeness[i]
                n_stage[i] = stage[i]
            continue
        h = handler[i]
        lw = live_week[emp_team[h]]
        draw_contact, draw_churn = streams.uniform_pair(key, base + i)  # only active customers draw
        (
            n_satisfaction[i],
            n_expectation[i],
            n_completeness[i],
            n_stage[i],
            n_active[i],
            revenue[i],
            cost[i],
        ) = agent_week.customer_week(
            satisfaction[i],
            expectation[i],
            completeness[i],
            stage[i],
            lw >= 0 and t >= lw,
            emp_usage[h],
            emp_skill[h],
            emp_orientation[h],
            emp_workaround[h],
            emp_productivity[h],
            draw_contact,
            draw_churn,
            bounds,
            prm_rec,
            wk_rec,
        )


@njit(cache=True)
def employee_totals(usage, attitude, skill, productivity, workaround, team, team_usage):
    """Aggregates of the employees in one pass (both engines measure with this).

    Returns (adopters with usage > 0.5, sum of attitude, skill, productivity, workaround flags) and
    fills ``team_usage`` with each team's mean usage.
    """
    adopters = 0
    sa = 0.0
    sk = 0.0
    sp = 0.0
    sw = 0.0
    team_usage[:] = 0.0
    counts = np.zeros(team_usage.shape[0])
    for i in range(usage.shape[0]):
        if usage[i] > 0.5:
            adopters += 1
        sa += attitude[i]
        sk += skill[i]
        sp += productivity[i]
        sw += workaround[i]
        team_usage[team[i]] += usage[i]
        counts[team[i]] += 1.0
    for t in range(team_usage.shape[0]):
        if counts[t] > 0:
            team_usage[t] /= counts[t]
    return adopters, sa, sk, sp, sw


@njit(cache=True)
def customer_totals(n, active, satisfaction, completeness, revenue, cost, n_paid):
    """Active customers, the sums of their satisfaction and profile completeness, and the sums of
    ``revenue`` and ``cost`` over the first ``n_paid`` slots (the customers of the week), in one
    pass: five independent running sums overlap where two passes would wait on each add.

    Each sum keeps its slot order, so the figures are the same as summing each array alone.
    """
    count = 0
    ss = 0.0
    sd = 0.0
    rev = 0.0
    cst = 0.0
    for i in range(n_paid):
        rev += revenue[i]
        cst += cost[i]
        if active[i]:
            count += 1
            ss += satisfaction[i]
            sd += completeness[i]
    for i in range(n_paid, n):
        if active[i]:
            count += 1
            ss += satisfaction[i]
            sd += completeness[i]
    return count, ss, sd, rev, cst
