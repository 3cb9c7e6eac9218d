"""Random numbers drawn where they are used: counter-based streams keyed by run, week and agent.

Every random number is a pure function of (the run's key, a counter). On the run's stream the
counter numbers the week and the slot of whoever uses the number (one slot per employee, one for the
market). The number is the SplitMix64 output at that counter, ``mix(key + counter x gamma)``
(Steele, Lea & Flood 2014, "Fast splittable pseudorandom number generators", OOPSLA: the generator
behind Java's SplittableRandom; it passes BigCrush), which is what counter-based generators do for
parallel simulations (Salmon et al. 2011, "Parallel random numbers: as easy as 1, 2, 3", SC11).

A customer draws at its events only. Its contacts and its churn checks each come at geometric gaps
(each week the event comes with a fixed probability: the customer's weekly trial, drawn ahead by
inversion), on two streams of their own (the run's key xor ``CONTACT_STREAM``, ``CHURN_STREAM``),
numbered by the customer's slot and the week of the event (``next_event``). So a week need visit
only the customers with an event in it (sim.model.calendar): about one in ten (docs/benchmarks.md),
where a draw for every customer every week made every week visit all of them.

Why, for this model:
- Draws happen inside the compiled loops and only where needed: a churned customer draws nothing,
  nor does a customer between its events; nothing fills a buffer of the week's numbers first.
- Common random numbers: a run and its no-CRM counterfactual have the same key (drawn from the
  model's Generator after the organisation), so employee i's draws in week t, customer i's contact
  and check weeks and the market's shock are the same numbers in both, however differently the two
  runs went.
- Both engines draw the same numbers: the Mesa agents call the same functions for their slot.

One 64-bit output gives two 32-bit uniforms (an employee's two draws of a week; at a customer's
event, the gap to the next one and the uniform the event uses); the market uses a 53-bit uniform.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

_GAMMA = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_S30, _S27, _S31, _S32, _S11 = (np.uint64(s) for s in (30, 27, 31, 32, 11))
_LOW32 = np.uint64(0xFFFFFFFF)
_TO_UNIT32 = 1.0 / 4294967296.0  # 2**-32
_TO_UNIT53 = 1.0 / 9007199254740992.0  # 2**-53

#: Keys are drawn below this bound (non-negative int64, so every engine and record holds them).
KEY_BOUND = 2**63


@njit(cache=True)
def _mix(key, counter):
    """SplitMix64's output at position ``counter`` of the stream ``key``."""
    z = np.uint64(key) + np.uint64(counter) * _GAMMA
    z = (z ^ (z >> _S30)) * _M1
    z = (z ^ (z >> _S27)) * _M2
    return z ^ (z >> _S31)


@njit(cache=True)
def uniform_pair(key, counter):
    """Two uniforms in [0, 1) from one counter (32-bit resolution each)."""
    z = _mix(key, counter)
    return (z >> _S32) * _TO_UNIT32, (z & _LOW32) * _TO_UNIT32


@njit(cache=True)
def uniform(key, counter):
    """One uniform in [0, 1) with 53-bit resolution."""
    return (_mix(key, counter) >> _S11) * _TO_UNIT53


#: Customers' events have streams of their own (the run's key xor these): contacts, churn checks.
CONTACT_STREAM = np.uint64(0x5851F42D4C957F2D)
CHURN_STREAM = np.uint64(0x14057B7EF767814F)
#: The week of an event that never comes (an event probability of zero).
NEVER = 2**40


def gap_scale(p: float) -> float:
    """``1 / log(1 - p)`` for an event of weekly probability ``p`` (``event_gap``'s second
    argument): -0.0 for p = 1 (every week), -inf for p = 0 (never)."""
    if p <= 0.0:
        return -math.inf
    if p >= 1.0:
        return -0.0
    return 1.0 / math.log1p(-p)


@njit(cache=True)
def event_gap(u, scale):
    """Weeks to a customer's next event, geometric: each week the event comes with probability
    ``p``, ``scale = gap_scale(p)``; ``u`` uniform in [0, 1) on a grid of 2**-32. At least 1;
    ``NEVER`` if p is 0.

    ``P(gap = 1) = P(log(1 - u) / log(1 - p) < 1) = P(u < p)``: the weekly Bernoulli trial it
    replaces, and so on for every gap (inversion of the geometric distribution). ``1 - u`` is exact
    on that grid; ``log(1 - u)`` rather than ``log1p(-u)``, three times slower here (measured:
    about 14 ns against 4.6 ns an event).
    """
    g = math.log(1.0 - u) * scale
    return 1 + np.int64(g) if g < NEVER else NEVER


@njit(cache=True, inline="always")
def next_event(key, stream, slot, week, capacity, scale):
    """A customer's event in ``week``: the uniform the event uses and the week of the next one.

    One counter per customer and week, on the event's own stream: ``(week + 1) x capacity + slot``
    (an arriving customer draws its first event as if from an event in the week before it
    arrived). The numbers depend on the customer, the week and the run's key only, so a customer
    contacts the company in the same weeks in a run and its counterfactual, and faces its churn
    checks in the same weeks; what differs between them is what happens at those events.
    """
    u_gap, u_event = uniform_pair(np.uint64(key) ^ stream, (week + 1) * capacity + slot)
    return u_event, week + event_gap(u_gap, scale)


def slots(n_employees: int) -> int:
    """Counters a week uses on the run's stream: employees, then the market (the week's stride)."""
    return n_employees + 1


def week_draws(key: int, week: int, n_employees: int):
    """A week's draws on the run's stream as arrays (peer, workaround, market), for tests and
    benches; the customers draw at their events (``next_event``).

    The engines never build these arrays: each agent draws its own pair where it is used.
    """
    base = week * slots(n_employees)
    peer, work = np.empty(n_employees), np.empty(n_employees)
    for i in range(n_employees):
        peer[i], work[i] = uniform_pair(key, base + i)
    market = uniform(key, base + n_employees)
    return peer, work, market
