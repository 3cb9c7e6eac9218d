"""Array kernels: the per-agent rules applied to all agents at once (the numba engine).

Three layers, as in STUMPY's ``stump.py``: a driver (``step_employees``, ``step_customers``,
``step_customers_offline``) that checks its inputs and runs the loop over every agent, chunk by
chunk; a loop over a range of agents (``_employees_range``, ``_customers_range``,
``_customers_offline_range``, inlined into the drivers: one function fewer for numba to compile and
link, a fifth of a cold start) that reads each agent's inputs from the state arrays (named tuples
of arrays, sim.model.population's ``arrays()``), calls the per-agent function and writes the
agent's next state; and the per-agent function on scalars (sim.model.agent_week), which the Mesa
agents' ``step()`` calls too. Tests hold the two engines equal to 1e-9 and each loop equal to the
plain reference in tests/reference.py.

The customers' loops also return the week's sums over the customers they updated (active
customers, their satisfaction and profile completeness, revenue and cost to serve), added in slot
order as they go: the week's measures need no second pass over the customers, and the figures are
the same as summing each new array alone (sim.model.week.end_week).

Serial and parallel: the drivers here run on one thread and are cached by numba, so a run of the
default organisation loads them from disk and calls nothing parallel (a cached function must not
call a parallel one: numba issue #8578). The ``*_parallel`` drivers, for the scale runs, hand the
same chunks to numba's threads (``prange`` over chunks) and add the chunks' sums in chunk order; the
chunks are fixed (``CHUNK`` slots), so the results are the same, to the bit, whatever the thread
count and whichever driver ran them.

Arrays that reach an inlined per-agent function cost two atomic reference-count updates per agent
(numba increments and decrements the array's count around the inlined body; measured: the customer
loop took 64 us a week for 6,000 customers with the channel bounds as an array, 34 us with them as
a tuple). So the channel bounds come as a tuple (sim.model.model), and the loops pass only scalars
and the one-element records down.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from sim.model import agent_week, jit, streams

#: Slots per chunk of a driver's loop. The chunks, not the threads, fix the order in which the sums
#: are added, so results do not depend on the thread count. An assumption: large enough that a
#: chunk (about 0.1 ms of work) dwarfs the cost of handing it to a thread, small enough that the
#: 1,000,000 customers of a scale run make about 60 chunks to balance between threads; a default
#: organisation (about 7,000 slots) is one chunk.
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
    for i in range(lo, hi):
        tm = _index(emp.team[i])
        draw_peer, draw_work = streams.uniform_pair(key, base + i)  # this employee's two draws
        lw = teams.live_week[tm]
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


@njit(cache=True)
def customers_range(lo, hi, out, slots, nxt_slots, cus, nxt, emp, teams, bounds, prm_rec, wk_rec):
    """``_customers_range`` as a function of its own, for the parallel driver (see
    ``employees_range``)."""
    return _customers_range(
        lo, hi, out, slots, nxt_slots, cus, nxt, emp, teams, bounds, prm_rec, wk_rec
    )


@jit.inner
def customers_offline_range(lo, hi, out, slots, nxt_slots, cus, nxt, experience, prm_rec, wk_rec):
    """``_customers_offline_range`` as a function of its own, for the parallel driver (see
    ``employees_range``)."""
    return _customers_offline_range(
        lo, hi, out, slots, nxt_slots, cus, nxt, experience, prm_rec, wk_rec
    )


@jit.inner
def _check_customers(slots, n, nxt_slots, bounds):
    if n > slots.shape[0] or nxt_slots.shape[0] < n:
        raise ValueError("the slot lists must hold every listed customer")
    if len(bounds) == 0 or abs(bounds[-1] - 1.0) > 1e-9:
        raise ValueError("channel bounds must be cumulative shares ending at 1")


@njit(cache=True)
def step_customers(slots, n, nxt_slots, cus, nxt, emp, teams, bounds, prm_rec, wk_rec):
    """Driver: one week of every active customer, from ``cus`` into ``nxt``; the week's sums.

    Parameters
    ----------
    slots : ndarray of int
        The active customers' slots, ascending (``slots[:n]``): the loop visits only these.
        Churned customers are never visited again: a customer who churns has its final state
        written to both buffers, so either holds it whichever is current.
    n : int
        Active customers at the start of the week.
    nxt_slots : ndarray of int
        Written: the slots still active after the week, ascending (``nxt_slots[:count]``); the
        week's arrivals are appended after them (sim.model.week.end_week).
    cus, nxt : CustomerArrays
        This week's state and next week's buffers (sim.model.population.Customers.arrays()):
        handler, active, satisfaction, expectation, completeness, stage.
    emp : EmployeeArrays
        This week's employees, the handlers (team, skill, orientation, usage, workaround,
        productivity are read).
    teams : TeamArrays
        The handlers' go-live weeks (``live_week``).
    bounds : tuple of float
        Cumulative touch-point shares ending at 1 (sim.model.context.channel_bounds); an array
        works too, more slowly (see the module docstring).
    prm_rec, wk_rec : record arrays
        The customer rule parameters and the week's context (sim.model.context).

    Returns
    -------
    (count, satisfaction, completeness, revenue, cost) : (int, float, float, float, float)
        How many customers are still active, the sums of their satisfaction and profile
        completeness, and the week's revenue and cost to serve of every customer of the week
        (those who churned included), each added in slot order.
    """
    _check_customers(slots, n, nxt_slots, bounds)
    count, ss, sd, rev, cst = 0, 0.0, 0.0, 0.0, 0.0
    for lo in range(0, n, CHUNK):
        k, s, d, r, c = _customers_range(
            lo, min(lo + CHUNK, n), count, slots, nxt_slots, cus, nxt, emp, teams, bounds,
            prm_rec, wk_rec,
        )  # fmt: skip
        count, ss, sd, rev, cst = count + k, ss + s, sd + d, rev + r, cst + c
    return count, ss, sd, rev, cst


@njit(cache=True, parallel=True)
def step_customers_parallel(slots, n, nxt_slots, cus, nxt, emp, teams, bounds, prm_rec, wk_rec):
    """``step_customers`` with its chunks shared among numba's threads (same arguments, same
    result: each chunk lists its survivors from its own start, then the lists are packed and the
    chunks' sums added in chunk order)."""
    _check_customers(slots, n, nxt_slots, bounds)
    chunks = (n + CHUNK - 1) // CHUNK
    counts, sums = np.zeros(chunks, dtype=np.int64), np.zeros((chunks, 4))
    for c in prange(chunks):
        lo = c * CHUNK
        counts[c], sums[c, 0], sums[c, 1], sums[c, 2], sums[c, 3] = customers_range(
            lo, min(lo + CHUNK, n), lo, slots, nxt_slots, cus, nxt, emp, teams, bounds,
            prm_rec, wk_rec,
        )  # fmt: skip
    return _in_order(counts, sums, nxt_slots)


@jit.inner
def _in_order(counts, sums, nxt_slots):
    """Pack the chunks' survivor lists (chunk c listed from ``c * CHUNK``) and add the chunks'
    sums in chunk order, as the serial driver does."""
    count, ss, sd, rev, cst = 0, 0.0, 0.0, 0.0, 0.0
    for c in range(counts.shape[0]):
        lo = c * CHUNK
        if lo != count:
            nxt_slots[count : count + counts[c]] = nxt_slots[lo : lo + counts[c]]
        count += counts[c]
        ss, sd, rev, cst = ss + sums[c, 0], sd + sums[c, 1], rev + sums[c, 2], cst + sums[c, 3]
    return count, ss, sd, rev, cst


@njit(cache=True, inline="always")
def _customers_range(lo, hi, out, slots, nxt_slots, cus, nxt, emp, teams, bounds, prm_rec, wk_rec):
    """The customers' loop over ``slots[lo:hi]``, listing the survivors from ``nxt_slots[out]``
    (the other arguments and the result: ``step_customers``; the count is of this range)."""
    t, key = wk_rec[0].t, wk_rec[0].key
    base = t * wk_rec[0].stride + emp.team.shape[0]  # customers' counters follow employees'
    k, ss, sd, rev, cst = 0, 0.0, 0.0, 0.0, 0.0
    for j in range(lo, hi):
        slot = slots[j]
        i, h = _index(slot), _index(cus.handler[_index(slot)])
        lw = teams.live_week[emp.team[h]]
        draw_contact, draw_churn = streams.uniform_pair(key, base + slot)
        s, e, d, st, active, revenue, cost = agent_week.customer_week(
            cus.satisfaction[i],
            cus.expectation[i],
            cus.completeness[i],
            cus.stage[i],
            lw >= 0 and t >= lw,
            emp.usage[h],
            emp.skill[h],
            emp.orientation[h],
            emp.workaround[h],
            emp.productivity[h],
            draw_contact,
            draw_churn,
            bounds,
            prm_rec,
            wk_rec,
        )
        nxt.satisfaction[i], nxt.expectation[i], nxt.completeness[i] = s, e, d
        nxt.stage[i], nxt.active[i] = st, active
        rev += revenue
        cst += cost
        if active:
            nxt_slots[out + k] = slot
            k += 1
            ss += s
            sd += d
        else:
            _churned(i, nxt, cus)
    return k, ss, sd, rev, cst


@njit(cache=True, inline="always")
def _index(i):
    """A slot or employee number as an unsigned index: numba then skips the wrap-around of
    negative indices on every array access it makes (measured: a sixth of the offline loop)."""
    return np.uint64(i)


@jit.inner
def _churned(i, nxt, cus):
    """A customer who churned this week: the final state (in ``nxt``) copied to the other buffer,
    so both hold it and the loops need never visit the slot again."""
    cus.active[i] = False
    cus.satisfaction[i] = nxt.satisfaction[i]
    cus.expectation[i] = nxt.expectation[i]
    cus.completeness[i] = nxt.completeness[i]
    cus.stage[i] = nxt.stage[i]


@njit(cache=True)
def offline_experiences(emp, prm_rec):
    """Each employee's ``agent_week.offline_experience`` this week (one per possible handler)."""
    out = np.empty(emp.team.shape[0])
    for h in range(out.shape[0]):
        out[h] = agent_week.offline_experience(
            emp.skill[h], emp.orientation[h], emp.productivity[h], prm_rec
        )
    return out


@njit(cache=True)
def step_customers_offline(slots, n, nxt_slots, cus, nxt, emp, prm_rec, wk_rec):
    """Driver: ``step_customers`` in a week when nobody uses the CRM (no team live, the
    organisation not live: sim.model.week.offline), the same result by a shorter path
    (sim.model.agent_week.customer_week_offline). Arguments and result as ``step_customers``."""
    _check_customers(slots, n, nxt_slots, (1.0,))
    experience = offline_experiences(emp, prm_rec)
    count, ss, sd, rev, cst = 0, 0.0, 0.0, 0.0, 0.0
    for lo in range(0, n, CHUNK):
        k, s, d, r, c = _customers_offline_range(
            lo, min(lo + CHUNK, n), count, slots, nxt_slots, cus, nxt, experience, prm_rec, wk_rec
        )
        count, ss, sd, rev, cst = count + k, ss + s, sd + d, rev + r, cst + c
    return count, ss, sd, rev, cst


@njit(cache=True, parallel=True)
def step_customers_offline_parallel(slots, n, nxt_slots, cus, nxt, emp, prm_rec, wk_rec):
    """``step_customers_offline`` with its chunks shared among numba's threads."""
    _check_customers(slots, n, nxt_slots, (1.0,))
    experience = offline_experiences(emp, prm_rec)
    chunks = (n + CHUNK - 1) // CHUNK
    counts, sums = np.zeros(chunks, dtype=np.int64), np.zeros((chunks, 4))
    for c in prange(chunks):
        lo = c * CHUNK
        counts[c], sums[c, 0], sums[c, 1], sums[c, 2], sums[c, 3] = customers_offline_range(
            lo, min(lo + CHUNK, n), lo, slots, nxt_slots, cus, nxt, experience, prm_rec, wk_rec
        )
    return _in_order(counts, sums, nxt_slots)


@njit(cache=True, inline="always")
def _customers_offline_range(lo, hi, out, slots, nxt_slots, cus, nxt, experience, prm_rec, wk_rec):
    """The offline customers' loop over ``slots[lo:hi]`` (as ``customers_range``); ``experience``
    holds each employee's ``offline_experience`` (one per handler)."""
    t, key = wk_rec[0].t, wk_rec[0].key
    base = t * wk_rec[0].stride + experience.shape[0]  # customers' counters follow employees'
    k, ss, sd, rev, cst = 0, 0.0, 0.0, 0.0, 0.0
    for j in range(lo, hi):
        slot = slots[j]
        i = _index(slot)
        draw_contact, draw_churn = streams.uniform_pair(key, base + slot)
        s, e, d, active, revenue, cost = agent_week.customer_week_offline(
            cus.satisfaction[i],
            cus.expectation[i],
            cus.completeness[i],
            experience[_index(cus.handler[i])],
            draw_contact,
            draw_churn,
            prm_rec,
            wk_rec,
        )
        nxt.satisfaction[i], nxt.expectation[i], nxt.completeness[i] = s, e, d
        nxt.stage[i], nxt.active[i] = cus.stage[i], active  # the stage does not change offline
        rev += revenue
        cst += cost
        if active:
            nxt_slots[out + k] = slot
            k += 1
            ss += s
            sd += d
        else:
            _churned(i, nxt, cus)
    return k, ss, sd, rev, cst


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
def agents_totals(n, cus, revenue, cost, nxt_slots):
    """What ``step_customers`` returns, for the agents engine, which updates every slot ``[0, n)``
    (churned ones carried over) and writes each customer's week of revenue and cost to ``revenue``
    and ``cost``: the same sums in slot order, and the survivors listed in ``nxt_slots``."""
    rev = 0.0
    cst = 0.0
    for i in range(n):
        rev += revenue[i]
        cst += cost[i]
    count, ss, sd = 0, 0.0, 0.0
    for i in range(n):
        if cus.active[i]:
            nxt_slots[count] = i
            count += 1
            ss += cus.satisfaction[i]
            sd += cus.completeness[i]
    return count, ss, sd, rev, cst
