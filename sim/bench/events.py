"""What a change of streams would buy the offline customer weeks (docs/benchmarks.md).

The model draws every active customer's contact and churn numbers every week
(sim.model.streams: one counter-based hash per customer-week), so every offline week visits every
active customer: the counterfactual's 156 weeks, and a programme's weeks before go-live or after
abandonment. That visit is what bounds the default run (docs/benchmarks.md: the floor of a run
prices exactly these visits). Drawn by events instead, a customer's weeks of contact are a
Bernoulli process with the contact probability, so the gap to the next one is geometric and can
be drawn once, at the last; the churn decision ``u < h0 exp(-beta S)`` is a Bernoulli trial at rate
``h0`` (whatever S is) thinned by ``exp(-beta S)``, so its candidate weeks are drawn the same way.
In distribution the process is the model's; the numbers differ (a change of streams, which would
mean regenerating every reference).

Three passes over the same counterfactual's customers, from the same start, for a run's weeks:

- ``per_week_pass``: the model's own offline loop (sim.model.kernels), week after week;
- ``scan_pass``: draws by events, every active customer still visited every week (its profile
  decays, its sums are added in slot order, its event weeks compared with the week);
- ``calendar_pass``: draws by events, a customer visited only in the weeks of its events (a
  calendar of linked lists by week); between events the profiles' common decay is kept as one
  factor and the week's sums as running totals.

The scan and the calendar draw the same numbers, so they give the same customers, week by week;
the model's pass draws others, so it agrees with them in distribution only
(tests/benchmarks/test_events.py checks both, and that the model's pass gives the
counterfactual world's weekly active customers and satisfaction to the bit). The handlers'
experience is held at its first week's value in all three: at the shipped parameters a
counterfactual handler's does not change (its skill does not weigh, its productivity is 1, its
orientation stays), and elsewhere the passes' costs, not the counterfactual, are what is
measured. The scan differs from the model's loop in more than its draws: it writes in place (one
buffer) and branches on a contact, which the model's offline loop avoids. Drawing by events
would have to cover every week, live ones too: drawn by events in the counterfactual and week
by week in a run's live weeks, a run and its counterfactual would no longer share their numbers
after go-live. ``python -m sim.bench.counterfactual`` reports the times.
"""

from __future__ import annotations

import math
import time

import numpy as np
from numba import njit

from sim.model import customer_rules, kernels, streams, week

#: The events' draws use the run's key xor this constant (so they never meet the weekly stream's
#: counters) and count ``draw number x capacity + slot``. An assumption: any fixed odd constant.
EVENT_KEY = 0x5851F42D4C957F2D
#: Half a step of a 32-bit uniform: a draw of 0 must not reach ``log``.
_HALF_STEP = 2.0**-33
#: What each pass returns a week: active customers and the sums of their satisfaction and profile
#: completeness after the week, the week's revenue (before the market: every customer active at
#: the week's start pays the base revenue, offline), contacts.
COLUMNS = ("active", "satisfaction", "completeness", "revenue", "contacts")


@njit(cache=True)
def _gap(u, inv_log):
    """Whole weeks before the next success of a weekly trial of probability p, from a uniform
    ``u`` (``inv_log = 1 / log(1 - p)``): the geometric's inverse, ``P(gap >= g) = (1 - p)^g``."""
    return int(math.log(u + _HALF_STEP) * inv_log)


@njit(cache=True)
def _draws(key, capacity, slot, n):
    """A customer's ``n``-th pair of event draws."""
    return streams.uniform_pair(key, n * capacity + slot)


@njit(cache=True)
def per_week_pass(weeks, slots, n, slots_next, cus, nxt, experience, created_by, prm, wk_rec):
    """The model's offline customer weeks (``kernels._customers_offline_range``), ``weeks`` of
    them, with the week's arrivals appended as ``week.end_week`` does (no employees, no measures).
    ``wk_rec`` is the week's record; its ``t`` is set here. Returns the weeks' ``COLUMNS``."""
    out = np.zeros((weeks, len(COLUMNS)))
    created = created_by[0]
    for t in range(weeks):
        wk_rec[0].t = t
        k, ss, sd, rev, cost = kernels._customers_offline_range(
            0, n, 0, slots, slots_next, cus, nxt, experience, prm, week.week_values(wk_rec)
        )
        for i in range(created, created_by[t + 1]):
            cus.active[i] = True
            nxt.active[i] = True
            slots_next[k] = i
            k += 1
            ss += nxt.satisfaction[i]
            sd += nxt.completeness[i]
        created = max(created, created_by[t + 1])
        out[t, 0], out[t, 1], out[t, 2], out[t, 3] = k, ss, sd, rev
        out[t, 4] = cost / prm[0].cost_live
        n = k
        cus, nxt = nxt, cus
        slots, slots_next = slots_next, slots
    return out


@njit(cache=True)
def _first_events(key, capacity, i, t, next_contact, next_candidate, drawn, inv_p, inv_h):
    """A customer's first contact and churn candidate from week ``t`` on (at the start or on
    arrival)."""
    u1, u2 = _draws(key, capacity, i, 0)
    next_contact[i] = t + _gap(u1, inv_p)
    next_candidate[i] = t + _gap(u2, inv_h)
    drawn[i] = 1


@njit(cache=True)
def _contact(i, t, s, e, experience, handler, key, capacity, next_contact, drawn, inv_p, prm):
    """Customer ``i``'s contact in week ``t``: the model's satisfaction and expectation updates
    (sim.model.customer_rules), then the gap to the next contact."""
    x = experience[handler[i]]
    s[i] = customer_rules.satisfaction_update(s[i], x, e[i], prm.satisfaction_rate,
                                              prm.loss_aversion)  # fmt: skip
    e[i] = customer_rules.expectation_update(e[i], x, prm.eta)
    u, _ = _draws(key, capacity, i, drawn[i])
    drawn[i] += 1
    next_contact[i] = t + 1 + _gap(u, inv_p)


@njit(cache=True)
def _churns(i, t, s, key, capacity, next_candidate, drawn, inv_h, prm):
    """Customer ``i``'s churn candidate in week ``t``: it churns with probability
    ``churn_hazard(S) / h0`` (the thinning); otherwise the gap to its next candidate."""
    u, v = _draws(key, capacity, i, drawn[i])
    drawn[i] += 1
    next_candidate[i] = t + 1 + _gap(v, inv_h)
    return u * prm.h0 < customer_rules.churn_hazard(s[i], prm.h0, prm.churn_beta)


@njit(cache=True)
def _event_state(cap, prm):
    """What drawing by events keeps for ``cap`` customer slots: the geometric gaps' inverse log
    odds, each customer's next contact and next churn candidate, and its draws so far."""
    inv_p, inv_h = 1.0 / math.log(1.0 - prm.contact_prob), 1.0 / math.log(1.0 - prm.h0)
    next_contact, next_candidate = np.empty(cap, np.int64), np.empty(cap, np.int64)
    return cap, inv_p, inv_h, next_contact, next_candidate, np.zeros(cap, np.int64)


@njit(cache=True)
def scan_pass(weeks, key, slots, n, cus, experience, created_by, prm_tuple):
    """Draws by events, every active customer visited every week (in place: a customer's update
    reads only its own state and its handler's). Returns the weeks' ``COLUMNS``."""
    prm = prm_tuple[0]
    s, e, d, handler = cus.satisfaction, cus.expectation, cus.completeness, cus.handler
    cap, inv_p, inv_h, next_contact, next_candidate, drawn = _event_state(s.shape[0], prm)
    for j in range(n):
        _first_events(key, cap, slots[j], 0, next_contact, next_candidate, drawn, inv_p, inv_h)
    out = np.zeros((weeks, len(COLUMNS)))
    created = created_by[0]
    for t in range(weeks):
        k, ss, sd, contacts = 0, 0.0, 0.0, 0
        for j in range(n):
            i = slots[j]
            d[i] *= prm.decay_week  # no process effort in the counterfactual
            if next_contact[i] == t:
                _contact(i, t, s, e, experience, handler, key, cap, next_contact, drawn, inv_p,
                         prm)  # fmt: skip
                contacts += 1
            if next_candidate[i] == t and _churns(i, t, s, key, cap, next_candidate, drawn, inv_h,
                                                  prm):  # fmt: skip
                cus.active[i] = False
                continue
            slots[k] = i
            k += 1
            ss += s[i]
            sd += d[i]
        for i in range(created, created_by[t + 1]):
            cus.active[i] = True
            _first_events(key, cap, i, t + 1, next_contact, next_candidate, drawn, inv_p, inv_h)
            slots[k] = i
            k += 1
            ss += s[i]
            sd += d[i]
        created = max(created, created_by[t + 1])
        out[t, 0], out[t, 1], out[t, 2] = k, ss, sd
        out[t, 3], out[t, 4] = n * prm.revenue_week, contacts
        n = k
    return out


@njit(cache=True)
def _schedule(i, next_contact, next_candidate, head, link, weeks):
    """Put customer ``i`` in the list of the week of its next event (none past the horizon)."""
    w = min(next_contact[i], next_candidate[i])
    if w < weeks:
        link[i] = head[w]
        head[w] = i


@njit(cache=True)
def calendar_pass(weeks, key, slots, n, cus, experience, created_by, prm_tuple):
    """Draws by events (the same numbers as ``scan_pass``), a customer visited only in the weeks
    of its events. Between events every profile decays by the same factor, kept once
    (``completeness = scale x stored``); satisfaction and completeness are summed as running
    totals. Returns the weeks' ``COLUMNS``."""
    prm = prm_tuple[0]
    s, e, d, handler = cus.satisfaction, cus.expectation, cus.completeness, cus.handler
    cap, inv_p, inv_h, next_contact, next_candidate, drawn = _event_state(s.shape[0], prm)
    head, link = np.full(weeks + 1, -1, np.int64), np.empty(cap, np.int64)
    active, ss, stored = 0, 0.0, 0.0
    for j in range(n):
        i = slots[j]
        _first_events(key, cap, i, 0, next_contact, next_candidate, drawn, inv_p, inv_h)
        _schedule(i, next_contact, next_candidate, head, link, weeks)
        active, ss, stored = active + 1, ss + s[i], stored + d[i]
    out = np.zeros((weeks, len(COLUMNS)))
    created, scale = created_by[0], 1.0
    for t in range(weeks):
        scale *= prm.decay_week
        contacts, paying = 0, active
        i = head[t]
        while i >= 0:
            later = link[i]
            if next_contact[i] == t:
                before = s[i]
                _contact(i, t, s, e, experience, handler, key, cap, next_contact, drawn, inv_p,
                         prm)  # fmt: skip
                ss += s[i] - before
                contacts += 1
            if next_candidate[i] == t and _churns(i, t, s, key, cap, next_candidate, drawn, inv_h,
                                                  prm):  # fmt: skip
                cus.active[i] = False
                active, ss, stored = active - 1, ss - s[i], stored - d[i]
                d[i] *= scale  # its final profile
            else:
                _schedule(i, next_contact, next_candidate, head, link, weeks)
            i = later
        for i in range(created, created_by[t + 1]):
            cus.active[i] = True
            _first_events(key, cap, i, t + 1, next_contact, next_candidate, drawn, inv_p, inv_h)
            _schedule(i, next_contact, next_candidate, head, link, weeks)
            d[i] /= scale  # stored in the decayed frame
            active, ss, stored = active + 1, ss + s[i], stored + d[i]
        created = max(created, created_by[t + 1])
        out[t, 0], out[t, 1], out[t, 2] = active, ss, scale * stored
        out[t, 3], out[t, 4] = paying * prm.revenue_week, contacts
    for i in range(created):  # the survivors' profiles out of the decayed frame
        if cus.active[i]:
            d[i] *= scale
    return out


def _start(world):
    """A counterfactual world's customers before its first week, as each pass takes them."""
    from sim.model.world import _buffer_copy

    cus, nxt = _buffer_copy(world.customers), _buffer_copy(world.customers)
    n = int(world._measures.n_active[0])
    slots = world._slots.copy()
    experience = kernels.offline_experiences(world.employees.arrays(), world.customer_params)
    return cus, nxt, n, slots, experience


def passes(world) -> dict:
    """Each pass over ``world``'s (a counterfactual World, not yet run) weeks, from copies of its
    customers: ``{name: (CPU seconds, weekly COLUMNS)}``."""
    weeks, created_by = world.horizon, world._created_by
    key = int(world._economy.key[0])
    p = world._kernel_params.customer[0]
    if not (0.0 < p.contact_prob < 1.0 and 0.0 < p.h0 < 1.0):
        raise ValueError(
            f"drawing by events needs a contact probability and a baseline churn hazard in (0, 1),"
            f" not {p.contact_prob} and {p.h0}"
        )
    rec = world._week_record.copy()
    rec.key[0], rec.stride[0] = key, int(world._economy.stride[0])
    prm = world._kernel_params.customer
    out = {}
    for name in ("per_week", "scan", "calendar"):
        cus, nxt, n, slots, experience = _start(world)
        t0 = time.process_time()
        if name == "per_week":
            res = per_week_pass(weeks, slots, n, np.zeros_like(slots), cus.arrays(), nxt.arrays(),
                                experience, created_by, prm, rec)  # fmt: skip
        else:
            fn = scan_pass if name == "scan" else calendar_pass
            res = fn(weeks, key ^ EVENT_KEY, slots, n, cus.arrays(), experience, created_by, prm)
        out[name] = (time.process_time() - t0, res)
    return out
