"""Array kernels: the employees' rules applied to all employees at once (the numba engine).

Three layers, as in STUMPY's ``stump.py``: a driver (``step_employees``) that checks its inputs and
runs the loop over every employee, chunk by chunk; a loop over a range of employees
(``_employees_range``, inlined into the driver: one function fewer for numba to compile and link)
that reads each employee's inputs from the state arrays (named tuples of arrays,
sim.model.population's ``arrays()``), calls the per-agent function and writes the employee's next
state; and the per-agent function on scalars (sim.model.agent_week), which the Mesa agents'
``step()`` calls too. The customers' week is sim.model.calendar's: it visits only the customers
with an event. Tests hold the two engines equal to 1e-9 and each loop equal to the plain reference
in tests/reference.py.

Serial and parallel: ``step_employees`` runs on one thread and is cached by numba, so a run of the
default organisation loads it from disk and calls nothing parallel (a cached function must not call
a parallel one: numba issue #8578). ``step_employees_parallel``, for the scale runs, hands the same
chunks to numba's threads (``prange`` over chunks); an employee's week reads last week's state only,
so the results are the same, to the bit, whatever the thread count.

Arrays that reach an inlined per-agent function cost two atomic reference-count updates per agent
(numba increments and decrements the array's count around the inlined body; measured: the customer
loop took 64 us a week for 6,000 customers with the channel bounds as an array, 34 us with them as
a tuple). So the loops pass only scalars and the one-element records down.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from sim.model import agent_week, jit, rules, streams

#: Employees per chunk of the driver's loop. An assumption: large enough that a chunk dwarfs the
#: cost of handing it to a thread, small enough that the 50,000 employees of a scale run make a few
#: chunks to balance between threads; a default organisation (200 employees) is one chunk.
CHUNK = 16_384


@jit.inner
def _check_employees(emp, teams, team_usage):
    if team_usage.shape[0] != teams.live_week.shape[0]:
        raise ValueError("need one team usage per team")
    if emp.indptr.shape[0] != emp.team.shape[0] + 1:
        raise ValueError("the network needs one row pointer per employee, plus one")


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
    _check_employees(emp, teams, team_usage)
    n = emp.team.shape[0]
    for lo in range(0, n, CHUNK):
        _employees_range(lo, min(lo + CHUNK, n), emp, nxt, teams, team_usage, prm_rec, wk_rec)


@njit(cache=True, parallel=True)
def step_employees_parallel(emp, nxt, teams, team_usage, prm_rec, wk_rec):
    """``step_employees`` with its chunks shared among numba's threads (same arguments)."""
    _check_employees(emp, teams, team_usage)
    n = emp.team.shape[0]
    for c in prange((n + CHUNK - 1) // CHUNK):
        lo = c * CHUNK
        employees_range(lo, min(lo + CHUNK, n), emp, nxt, teams, team_usage, prm_rec, wk_rec)


@njit(cache=True, inline="always")
def _employees_range(lo, hi, emp, nxt, teams, team_usage, prm_rec, wk_rec):
    """The employees' loop over employees ``lo`` to ``hi - 1`` (arguments: ``step_employees``)."""
    t, key, base = wk_rec[0].t, wk_rec[0].key, wk_rec[0].t * wk_rec[0].stride
    indptr, indices, usage, attitude = emp.indptr, emp.indices, emp.usage, emp.attitude
    recovery_weeks = prm_rec[0].recovery_weeks
    last_team, dip_left = -1, 1.0
    for i in range(lo, hi):
        team = emp.team[i]
        tm = _index(team)
        draw_peer, draw_work = streams.uniform_pair(key, base + i)  # this employee's two draws
        lw = teams.live_week[tm]
        live = lw >= 0 and t >= lw
        weeks_live = t - lw if live else 0
        if team != last_team:  # the dip left is the team's: computed again only where the team
            last_team = team  # changes, so once a team (employees are numbered team by team)
            dip_left = rules.dip_left(weeks_live, recovery_weeks) if live else 1.0
        # peers: mean usage, and one peer drawn uniformly for bounded confidence
        start = indptr[i]
        deg = indptr[i + 1] - start
        peer_usage = 0.0
        peer_attitude = 0.0
        peer_is_manager = False
        if deg > 0:
            if live:  # the peers' usage is read by a live employee only (agent_week.employee_week)
                total = 0.0
                for p in range(start, start + deg):
                    total += usage[_index(indices[p])]
                peer_usage = total / deg
            j = _index(indices[start + min(int(draw_peer * deg), deg - 1)])
            peer_attitude = attitude[j]
            peer_is_manager = emp.is_manager[j]
        (
            nxt.attitude[i],
            nxt.skill[i],
            nxt.usage[i],
            nxt.workaround[i],
            nxt.productivity[i],
            nxt.dip[i],
            nxt.commitment[i],
        ) = agent_week.employee_week(
            attitude[i],
            emp.skill[i],
            usage[i],
            emp.dip[i],
            emp.commitment[i],
            emp.orientation[i],
            emp.is_manager[i],
            emp.commitment[_index(emp.manager[i])],
            team_usage[tm],
            teams.coach[tm],
            live,
            weeks_live,
            dip_left,
            peer_usage,
            deg,
            peer_attitude,
            peer_is_manager,
            draw_work,
            teams.fit[tm],
            prm_rec,
            wk_rec,
        )


@jit.inner
def employees_range(lo, hi, emp, nxt, teams, team_usage, prm_rec, wk_rec):
    """The employees' loop over employees ``lo`` to ``hi - 1`` (arguments: ``step_employees``), as
    a function of its own for the parallel driver's chunks (the one-thread driver inlines the
    loop; numba's parallel loop must not: inlined into a ``prange`` body it gave wrong results)."""
    _employees_range(lo, hi, emp, nxt, teams, team_usage, prm_rec, wk_rec)


@njit(cache=True, inline="always")
def _index(i):
    """A slot or employee number as an unsigned index: numba then skips the wrap-around of
    negative indices on every array access it makes (measured: a sixth of the offline loop)."""
    return np.uint64(i)


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
def customer_totals(lo, hi, active, satisfaction, completeness, count, ss, sd):
    """The active customers among slots ``lo`` to ``hi - 1`` and the sums of their satisfaction and
    profile completeness, added in slot order to the running ``count``, ``ss`` and ``sd``.

    The week's arrivals continue the sums of the customers just updated this way (and the initial
    measures start them), so every sum keeps its slot order.
    """
    for i in range(lo, hi):
        if active[i]:
            count += 1
            ss += satisfaction[i]
            sd += completeness[i]
    return count, ss, sd


@njit(cache=True)
def agents_totals(n, cus, revenue, cost):
    """What sim.model.calendar.step_customers returns, for the agents engine, which updates every
    slot ``[0, n)`` in place (churned ones unchanged) and writes each customer's week of revenue
    and cost to ``revenue`` and ``cost``: the active customers, the sums of their satisfaction and
    completeness, the week's revenue and cost, in slot order."""
    rev = 0.0
    cst = 0.0
    for i in range(n):
        rev += revenue[i]
        cst += cost[i]
    count, ss, sd = customer_totals(
        0, n, cus.active, cus.satisfaction, cus.completeness, 0, 0.0, 0.0
    )
    return count, ss, sd, rev, cst
