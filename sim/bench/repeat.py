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

from sim.bench.floor import floor_employees
from sim.bench.inputs import floor_customers
from sim.model import kernels


@njit(cache=True)
def customers(times, *args):
    """``kernels.step_customers(*args)``, ``times`` times."""
    out = kernels.step_customers(*args)
    for _ in range(times - 1):
        out = kernels.step_customers(*args)
    return out


@njit(cache=True)
def employees(times, *args):
    """``kernels.step_employees(*args)``, ``times`` times."""
    for _ in range(times):
        kernels.step_employees(*args)


@njit(cache=False)  # it calls a parallel function: not cached (numba issue #8578)
def floor_of_customers(times, *args):
    """``floor_customers(*args)`` (sim.bench.inputs), ``times`` times."""
    out = floor_customers(*args)
    for _ in range(times - 1):
        out = floor_customers(*args)
    return out


@njit(cache=False)  # it calls a parallel function: not cached (numba issue #8578)
def floor_of_employees(times, *args):
    """``floor_employees(*args)`` (sim.bench.floor), ``times`` times."""
    out = floor_employees(*args)
    for _ in range(times - 1):
        out = floor_employees(*args)
    return out
