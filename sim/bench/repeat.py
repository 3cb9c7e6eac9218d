"""The kernels called many times from compiled code, so that a timing sees a kernel as a run does.

Called from Python, a kernel pays numba's dispatch on every call (the arguments' types read, each
array unboxed). Measured on the benchmark's week (6,269 customers, 200 employees, one thread; the
loops below against calls from Python, 3 x 11 samples): the customer kernel 31 against 41 us, the
floor kernel 22 against 24 us, the employee kernel 10.5 against 19 us. From Python the kernel
looked slower against its floor (1.7x instead of 1.4x) and the floor of a whole run, priced per
agent from the floor kernels, higher than it is (so a run's ratio to it lower). Inside a run the
compiled week calls the kernels directly. Each function here calls its kernel ``times`` times (at
least once) in one compiled loop and returns the last call's result;
:func:`sim.bench.timing.timed_compiled` divides.
"""

from __future__ import annotations

from numba import njit

from sim.bench.floor import event_arithmetic, floor_employees, floor_events
from sim.bench.inputs import floor_customers
from sim.model import kernels


@njit(cache=True)
def employees(times, *args):
    """``kernels.step_employees(*args)``, ``times`` times."""
    for _ in range(times):
        kernels.step_employees(*args)


def _uncached(kernel):
    """``kernel(*args)``, ``times`` times, compiled anew in each process: the floor kernels are
    parallel functions, and a cached function that calls one is not (numba issue #8578)."""

    @njit(cache=False)
    def repeat(times, *args):
        out = kernel(*args)
        for _ in range(times - 1):
            out = kernel(*args)
        return out

    return repeat


#: ``floor_customers(*args)`` (sim.bench.inputs) and ``floor_employees(*args)`` (sim.bench.floor),
#: parallel functions.
floor_of_customers = _uncached(floor_customers)
floor_of_employees = _uncached(floor_employees)


@njit(cache=True)
def floor_of_events(times, *args):
    """``floor_events(*args)`` (sim.bench.floor), ``times`` times (at least once)."""
    out = floor_events(*args)
    for _ in range(times - 1):
        out = floor_events(*args)
    return out


@njit(cache=True)
def arithmetic_of_events(times, *args):
    """``event_arithmetic(*args)`` (sim.bench.floor), ``times`` times (at least once)."""
    out = event_arithmetic(*args)
    for _ in range(times - 1):
        out = event_arithmetic(*args)
    return out
