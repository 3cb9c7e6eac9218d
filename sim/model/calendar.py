"""The numba engine's customers: visited in the weeks of their events only.

A customer's week changes it in three ways (ODD 7.3): its profile decays and consolidates, which is
the same affine map ``d -> a d + b`` for every customer; it may contact the company; it may face a
churn check. The weeks of its contacts and checks are drawn ahead (sim.model.streams.next_event),
so a week need visit only the customers with an event in it: about one in ten (the "events per
customer-week" row of docs/benchmarks.md), where a pass over every customer visited all of them.
Everything else a week needs of the customers is kept as running totals:

- the profiles, in a frame common to all customers: customer i's completeness is
  ``scale * x[i] + shift``, and a week's decay changes ``scale`` and ``shift`` alone (a customer's
  ``x`` changes only at its own contact);
- each handler's customers: how many are active and the sum of their ``x``. Revenue is linear in a
  customer's completeness (sim.model.customer_rules.weekly_revenue), so a handler's customers'
  revenue is its count and sum in the frame, whatever the handler's usage this week;
- the active customers' count and the sum of their satisfaction.

The week lists its events in a calendar: one linked list of contacts and one of churn checks per
week (``head`` and ``link``: a customer's next event is pushed on the list of its week when the
event before it is done; a churned customer's pending events are skipped). Customers enter the
calendar in the week they arrive. The customer state arrays (sim.model.population.Customers) hold
each customer's satisfaction, expectation and stage as they are; their completeness is brought up
to date at a churn and at the end of every compiled call (``settle``).

The Mesa agents apply the same rules customer by customer, every week (sim.model.agents): the two
engines draw the same events and agree to rounding (the frame and the running totals add in another
order; tests/model/test_engines.py holds them to 1e-9).
"""

from __future__ import annotations

from collections import namedtuple
from dataclasses import dataclass

import numpy as np
from numba import njit

from sim.model import agent_week, jit, streams

#: The frame and the totals between weeks (one-element record).
FRAME = np.dtype(
    [
        ("scale", np.float64),  # completeness = scale * x + shift
        ("shift", np.float64),
        ("entered", np.int64),  # customer slots entered in the calendar so far
        ("n_active", np.int64),
        ("ss", np.float64),  # the active customers' satisfaction, summed
        ("events", np.int64),  # contacts and churn checks visited so far (for sim.bench.floor)
    ]
)

#: From this many customer slots a week rebuilds its lists by a pass over the customers' event
#: weeks, in slot order, instead of following them in the order they were pushed. In a large
#: population the pushed order sends each event to a random place in memory, and the week waits
#: on memory (measured under load: a scale run of 1,000,000 customers took 10 s against 3.1 s for
#: the weekly pass the model made before); in slot order the memory is read ahead. In a small one
#: everything is in cache and the pass costs more than it saves. The threshold is an assumption
#: between the two (the default organisation has about 7,000 slots); both orders visit the same
#: events and agree to rounding (tests/model/test_engines.py).
SCAN_MIN_CUSTOMERS = 100_000

#: Below this ``scale`` the frame is reset (every active customer's ``x`` rewritten): a safeguard
#: against underflow over very long horizons with fast decay (an assumption; far from reached by the
#: shipped scenarios, whose scale stays above 0.2 over 156 weeks: tests/model/test_fast_paths.py).
MIN_SCALE = 1e-100

CalendarArrays = namedtuple("CalendarArrays", "frame contacts checks link x held count gaps")


@dataclass
class Calendar:
    """The numba engine's customer bookkeeping for one world (see the module docstring).

    ``contacts[w]`` and ``checks[w]`` head week w's lists (-1: empty); ``link[i]`` follows customer
    i's contact, ``link[capacity + i]`` its check; ``held[h]`` and ``count[h]`` are the sum of
    ``x`` and the number of handler h's active customers; ``gaps`` the contacts' and the churn
    checks' gap tables (sim.model.streams.gap_tables).
    """

    frame: np.ndarray
    contacts: np.ndarray
    checks: np.ndarray
    link: np.ndarray
    x: np.ndarray
    held: np.ndarray
    count: np.ndarray
    gaps: np.ndarray
    #: the (contact, churn-check) gap scales ``gaps`` was built for (streams.gap_scale)
    gap_scales: tuple[float, float]

    @classmethod
    def empty(cls, horizon: int, capacity: int, n_employees: int, prm_rec) -> Calendar:
        """An empty calendar for a world's customers; ``prm_rec`` the customer rule parameters
        (their contact and churn-check probabilities choose the gap tables)."""
        frame = np.zeros(1, dtype=FRAME).view(np.recarray)
        frame[0].scale = 1.0
        scales = _gap_scales(prm_rec)
        return cls(
            frame=frame,
            contacts=np.full(horizon, -1, dtype=np.int64),
            checks=np.full(horizon, -1, dtype=np.int64),
            link=np.full(2 * capacity, -1, dtype=np.int64),
            x=np.zeros(capacity),
            held=np.zeros(n_employees),
            count=np.zeros(n_employees, dtype=np.int64),
            gaps=streams.gap_tables(*scales),
            gap_scales=scales,
        )

    def arrays(self) -> CalendarArrays:
        """The arrays as the compiled code takes them."""
        return CalendarArrays(*(getattr(self, f) for f in CalendarArrays._fields))

    def check(self, prm_rec) -> None:
        """ValueError unless the customer parameters ``prm_rec`` draw with the event probabilities
        the gap tables were built for: the compiled week would otherwise draw other gaps than
        theirs, silently. The world checks before its compiled weeks; the week itself checks
        nothing (done there once a week, the check seemed to cost 1 to 2% of the compiled weeks,
        alternated on the bench's mix seeds: about the machine's noise)."""
        if _gap_scales(prm_rec) != self.gap_scales:
            raise ValueError("the calendar's gap tables were built for other event probabilities")


def _gap_scales(prm_rec) -> tuple[float, float]:
    """The (contact, churn-check) gap scales of customer rule parameters (streams.gap_scale)."""
    return float(prm_rec[0].contact_gap), float(prm_rec[0].check_gap)


# A node is pushed on week w's list (``link[node] = head[w]; head[w] = node``, if w is inside the
# horizon) by those two lines written out where it happens, not by a helper: an inlined function
# that takes arrays costs two atomic reference-count updates per array per call (numba increfs
# and decrefs its arguments around the inlined body), four per event here. A profile (perf's
# cpu-clock samples mapped onto the compiled week's machine code) put about a fifth of the
# compiled weeks' samples in numba's NRT_incref and NRT_decref; written out, the mix runs'
# compiled weeks took 5 to 6% less (112.1 to 113.2 ms against 118.4 to 120.4 ms over the bench's
# 15 seeds), and the helper called instead of inlined took 15% more.


@jit.inner
def enter(cal, cus, hi):
    """Customer slots from ``frame.entered`` to ``hi - 1`` (arrived, their first events drawn)
    join the calendar and the totals."""
    fr = cal.frame[0]
    capacity = cus.active.shape[0]
    horizon = cal.contacts.shape[0]
    for i in range(fr.entered, hi):
        if not cus.active[i]:
            continue
        x = (cus.completeness[i] - fr.shift) / fr.scale
        cal.x[i] = x
        h = cus.handler[i]
        cal.held[h] += x
        cal.count[h] += 1
        fr.n_active += 1
        fr.ss += cus.satisfaction[i]
        w = cus.next_contact[i]
        if w < horizon:
            cal.link[i] = cal.contacts[w]
            cal.contacts[w] = i
        w = cus.next_check[i]
        if w < horizon:
            cal.link[capacity + i] = cal.checks[w]
            cal.checks[w] = capacity + i
    fr.entered = max(fr.entered, hi)


@njit(cache=True)
def reframe(cal, cus):
    """Rewrite every active customer's ``x`` in the frame ``scale = 1, shift = 0``."""
    fr = cal.frame[0]
    cal.held[:] = 0.0
    for i in range(fr.entered):
        if cus.active[i]:
            cal.x[i] = fr.scale * cal.x[i] + fr.shift
            cal.held[cus.handler[i]] += cal.x[i]
    fr.scale, fr.shift = 1.0, 0.0


@jit.inner
def _scan_week(cal, cus, t):
    """Week ``t``'s lists rebuilt from the customers' event weeks, in ascending slot order (the
    pass walks the slots down and pushes each event on its list's head)."""
    if t >= cal.contacts.shape[0]:
        return
    capacity = cus.active.shape[0]
    contacts, checks = -1, -1
    for i in range(cal.frame[0].entered - 1, -1, -1):
        contact, check = cus.next_contact[i] == t, cus.next_check[i] == t
        if (contact or check) and cus.active[i]:
            if contact:
                cal.link[i] = contacts
                contacts = i
            if check:
                cal.link[capacity + i] = checks
                checks = capacity + i
    cal.contacts[t], cal.checks[t] = contacts, checks


@njit(cache=True)
def settle(cal, cus):
    """Write every active customer's completeness to the state arrays (after a compiled call)."""
    fr = cal.frame[0]
    for i in range(fr.entered):
        if cus.active[i]:
            cus.completeness[i] = min(fr.scale * cal.x[i] + fr.shift, 1.0)


@jit.inner
def _revenue(cal, emp, teams, prm, wk):
    """The week's revenue of every active customer, from each handler's customers' totals: a
    customer's is ``base (1 + uplift d u q)`` (sim.model.customer_rules.weekly_revenue), u its
    handler's usage if the handler's team is live, d last week's completeness."""
    fr = cal.frame[0]
    t = wk.t
    total = 0.0
    for h in range(cal.count.shape[0]):
        n = cal.count[h]
        if n == 0:
            continue
        lw = teams.live_week[emp.team[h]]
        usage = emp.usage[h] if lw >= 0 and t >= lw else 0.0
        d_sum = fr.scale * cal.held[h] + fr.shift * n
        total += prm.revenue_week * (n + prm.crosssell_uplift * usage * wk.quality * d_sum)
    return total


@njit(cache=True)
def step_customers(cal, cus, emp, teams, created, bounds, prm_rec, wk_rec, scan):
    """Driver: one week of every customer, visiting those with an event this week.

    Parameters
    ----------
    cal : CalendarArrays
        The calendar, the frame and the totals (``Calendar.arrays()``), updated in place.
    cus : CustomerArrays
        The customers (sim.model.population.Customers.arrays()), updated in place: a customer's
        week reads only its own state and its handler's.
    emp : EmployeeArrays
        This week's employees, the handlers (team, skill, orientation, usage, workaround,
        productivity are read).
    teams : TeamArrays
        The handlers' go-live weeks (``live_week``).
    created : int
        Customer slots created so far (the week's arrivals enter the calendar now).
    bounds : tuple of float
        Cumulative touch-point shares ending at 1 (sim.model.context.channel_bounds).
    prm_rec, wk_rec : records or one-element tuples
        The customer rule parameters and the week's context (sim.model.context). Their contact
        and churn-check probabilities must be those the calendar's gap tables were built for
        (``Calendar.check``, which the world calls before its compiled weeks).
    scan : bool
        Find the week's events by a pass over the customers' event weeks and visit them in slot
        order (``SCAN_MIN_CUSTOMERS``), instead of following the lists as they were pushed.

    Returns
    -------
    (count, satisfaction, completeness, revenue, cost) : (int, float, float, float, float)
        How many customers are still active, the sums of their satisfaction and profile
        completeness, and the week's revenue and cost to serve of every customer of the week
        (those who churned included).
    """
    prm, wk = prm_rec[0], wk_rec[0]
    fr = cal.frame[0]
    if len(bounds) == 0 or abs(bounds[-1] - 1.0) > 1e-9:
        raise ValueError("channel bounds must be cumulative shares ending at 1")
    enter(cal, cus, created)
    t = wk.t
    if scan:
        _scan_week(cal, cus, t)
    revenue = _revenue(cal, emp, teams, prm, wk)
    # the week's decay and consolidation, d -> a d + b (agent_week.profile_decay), in the frame
    b = prm.consolidation_rate * wk.process_effort
    a = prm.decay_week * (1.0 - b)
    old_scale, old_shift = fr.scale, fr.shift
    scale, shift = old_scale * a, old_shift * a + b
    fr.scale, fr.shift = scale, shift
    # the totals the events change, kept in locals while the events run (the same additions in the
    # same order as on the record, which the compiler would otherwise reload after every store)
    ss, n_active, events = fr.ss, fr.n_active, fr.events
    cost = 0.0
    capacity = cus.active.shape[0]
    key = wk.key
    horizon = cal.contacts.shape[0]
    node = cal.contacts[t] if t < cal.contacts.shape[0] else -1
    while node >= 0:
        i = np.uint64(node)  # an unsigned index: no wrap-around of negative indices (kernels)
        nxt = cal.link[i]
        if cus.active[i]:
            h = np.uint64(cus.handler[i])
            lw = teams.live_week[emp.team[h]]
            x_old = cal.x[i]
            s_old = cus.satisfaction[i]
            # streams.next_event, the gap drawn from the table (the same numbers)
            bits = streams.event_bits(key, streams.CONTACT_STREAM, node, t, capacity)
            row = streams.gap_row(bits)
            cus.next_contact[i] = t + streams.tabled_gap(
                bits, cal.gaps[row], cal.gaps[row + 1], prm.contact_gap
            )
            u = streams.event_uniform(bits)
            s, e, d, st, c = agent_week.customer_contact(
                s_old,
                cus.expectation[i],
                min(old_scale * x_old + old_shift, 1.0),
                min(scale * x_old + shift, 1.0),
                cus.stage[i],
                lw >= 0 and t >= lw,
                emp.usage[h],
                emp.skill[h],
                emp.orientation[h],
                emp.workaround[h],
                emp.productivity[h],
                u,
                bounds,
                prm_rec,
                wk_rec,
            )
            x = (d - shift) / scale
            cal.x[i] = x
            cal.held[h] += x - x_old
            ss += s - s_old
            cus.satisfaction[i], cus.expectation[i], cus.stage[i] = s, e, st
            cost += c
            events += 1
            w = cus.next_contact[i]
            if w < horizon:  # pushed on the list of its next contact's week
                cal.link[i] = cal.contacts[w]
                cal.contacts[w] = node
        node = nxt
    node = cal.checks[t] if t < cal.checks.shape[0] else -1
    while node >= 0:
        nxt = cal.link[np.uint64(node)]
        j = np.uint64(node - capacity)
        if cus.active[j]:
            events += 1
            bits = streams.event_bits(key, streams.CHURN_STREAM, node - capacity, t, capacity)
            row = streams.CHECK_TABLE + streams.gap_row(bits)
            cus.next_check[j] = t + streams.tabled_gap(
                bits, cal.gaps[row], cal.gaps[row + 1], prm.check_gap
            )
            if agent_week.churns(cus.satisfaction[j], streams.event_uniform(bits), prm_rec):
                h = np.uint64(cus.handler[j])
                cus.active[j] = False
                cus.completeness[j] = min(scale * cal.x[j] + shift, 1.0)
                cal.held[h] -= cal.x[j]
                cal.count[h] -= 1
                n_active -= 1
                ss -= cus.satisfaction[j]
            else:
                w = cus.next_check[j]
                if w < horizon:
                    cal.link[np.uint64(node)] = cal.checks[w]
                    cal.checks[w] = node
        node = nxt
    fr.ss, fr.n_active, fr.events = ss, n_active, events
    if fr.scale < MIN_SCALE:
        reframe(cal, cus)
    sd = 0.0
    for h in range(cal.count.shape[0]):
        sd += fr.scale * cal.held[h] + fr.shift * cal.count[h]
    return fr.n_active, fr.ss, sd, revenue, cost
