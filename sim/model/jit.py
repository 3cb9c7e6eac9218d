"""How the model compiles a function with numba: one decorator for what only compiled code calls.

Every ``@njit`` function gets, besides its machine code, a CPython wrapper and a C wrapper so that
Python can call it; numba compiles both for each function, about 20 to 40 ms each of a cold first
run. The programme's submodels, the drivers' helpers and the week's measures are called only
from other compiled functions: ``@inner`` skips their wrappers (numba's ``no_cpython_wrapper``
and ``no_cfunc_wrapper`` flags), which cut a cold first run by about 0.8 s (issue 22). A function
Python calls (the rules the Mesa agents apply, the drivers the benchmarks time, ``begin_week`` and
``end_week``, which the agents engine calls) keeps ``@njit(cache=True)``; calling an ``@inner``
function from Python fails at once with numba's error.
"""

from __future__ import annotations

from numba import njit

#: ``@njit(cache=True)`` without the wrappers Python calls through.
inner = njit(cache=True, no_cpython_wrapper=True, no_cfunc_wrapper=True)
