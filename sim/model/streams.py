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

import functools
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
def event_bits(key, stream, slot, week, capacity):
    """The 64 random bits of a customer's event in ``week`` on the event's own stream: counter
    ``(week + 1) x capacity + slot`` (an arriving customer draws its first event as if from an
    event in the week before it arrived). The high 32 bits draw the gap to the next event, the low
    32 the uniform the event uses (``next_event``)."""
    return _mix(np.uint64(key) ^ stream, (week + 1) * capacity + slot)


@njit(cache=True, inline="always")
def event_uniform(bits):
    """The uniform in [0, 1) an event uses, from its bits' low half."""
    return (bits & _LOW32) * _TO_UNIT32


@njit(cache=True, inline="always")
def next_event(key, stream, slot, week, capacity, scale):
    """A customer's event in ``week``: the uniform the event uses and the week of the next one.

    The numbers depend on the customer, the week and the run's key only (``event_bits``), so a
    customer contacts the company in the same weeks in a run and its counterfactual, and faces its
    churn checks in the same weeks; what differs between them is what happens at those events.
    The compiled customers' week draws the same gap from a table (``gap_table``).
    """
    bits = event_bits(key, stream, slot, week, capacity)
    return event_uniform(bits), week + event_gap((bits >> _S32) * _TO_UNIT32, scale)


#: The gap table's buckets: the top GAP_BITS bits of the gap's 32 (an assumption: 8 to 12 bits
#: ran the mix's compiled weeks equally fast; 12 keep the draws left to the logarithm below 1% for
#: weekly probabilities from 0.02 up: 0.76% at the default churn check's 0.0220, 0.15% at the
#: default contact's 0.1: ``gap_table``).
GAP_BITS = 12
_GAP_SHIFT = np.uint64(32 - GAP_BITS)
#: A bucket's threshold where no gap changes inside it.
_NO_STEP = 1 << 33


@njit(cache=True)
def gap_table(scale):
    """``event_gap`` as a table over the gap's 32 random bits ``m`` (``u = m / 2**32``), so that
    the compiled week draws a gap with a load and a comparison instead of a logarithm.

    The 2**32 values of ``m`` fall in ``2**GAP_BITS`` buckets of consecutive values. Bucket b's
    entries ``[2b]`` and ``[2b + 1]`` are ``g`` and ``m0``: every ``m`` of the bucket draws the gap
    ``g + (m >= m0)``. Where two or more gaps change inside a bucket (near ``m = 2**32``, where the
    logarithm is steep), ``g`` is -1 and the draw falls back on ``event_gap``. ``m0`` is found by
    bisection on ``event_gap`` itself, so the table draws the very gaps ``event_gap`` draws, to the
    bit, as long as ``event_gap`` never decreases as ``m`` grows. It does not: from one ``m`` to
    the next, ``log(1 - u)`` falls by at least 2**-32, far more than the error of libm's logarithm
    (under an ulp, at most 2**-48 here since the logarithm stays above -23), and the rounded
    product with a negative ``scale``, the truncation and the sum keep the order
    (tests/model/test_streams.py checks every bucket's edges and steps at many probabilities).

    Why: the logarithm held about 12% of a mix run's profile samples (docs/benchmarks.md); drawn
    from the table, the mix runs' compiled weeks took 15% less.
    """
    n = 1 << GAP_BITS
    width = 1 << (32 - GAP_BITS)
    out = np.empty(2 * n, dtype=np.int64)
    for b in range(n):
        lo, hi = b * width, (b + 1) * width - 1
        g_lo = event_gap(lo * _TO_UNIT32, scale)
        g_hi = event_gap(hi * _TO_UNIT32, scale)
        if g_lo == g_hi:
            out[2 * b], out[2 * b + 1] = g_lo, _NO_STEP
        elif g_hi == g_lo + 1:
            a, z = lo, hi  # event_gap at a is g_lo, at z g_hi: bisect to the first m of g_hi
            while z - a > 1:
                mid = (a + z) // 2
                if event_gap(mid * _TO_UNIT32, scale) == g_lo:
                    a = mid
                else:
                    z = mid
            out[2 * b], out[2 * b + 1] = g_lo, z
        else:
            out[2 * b], out[2 * b + 1] = -1, 0
    return out


#: Where the churn checks' table starts in ``gap_tables``'s array (the contacts' starts at 0).
CHECK_TABLE = np.uint64(2 << GAP_BITS)


@functools.lru_cache(maxsize=64)
def gap_tables(contact_scale: float, check_scale: float) -> np.ndarray:
    """The contacts' and the churn checks' ``gap_table``, one after the other, read-only: built
    once a process for each pair of probabilities (0.1 to 0.6 ms) and shared by the worlds that
    draw with them."""
    tables = np.concatenate([gap_table(contact_scale), gap_table(check_scale)])
    tables.flags.writeable = False
    return tables


@njit(cache=True, inline="always")
def gap_row(bits):
    """Where in a ``gap_table`` the bucket of an event's gap bits starts."""
    return np.uint64(2) * (bits >> (_S32 + _GAP_SHIFT))


@njit(cache=True, inline="always")
def tabled_gap(bits, g, m0, scale):
    """The gap ``event_gap`` draws from an event's bits, given its bucket's ``g`` and ``m0``
    (``gap_table``; ``scale`` for the buckets that fall back on the logarithm)."""
    m = np.int64(bits >> _S32)
    if g >= 0:
        return g + (1 if m >= m0 else 0)
    return event_gap(m * _TO_UNIT32, scale)


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
