"""How the model compiles a function with numba: one decorator for what only compiled code calls,
and numba's start without its BLAS check.

Every ``@njit`` function gets, besides its machine code, a CPython wrapper and a C wrapper so that
Python can call it; numba compiles both for each function, about 20 to 40 ms each of a cold first
run. The programme's submodels, the drivers' helpers and the week's measures are called only
from other compiled functions: ``@inner`` skips their wrappers (numba's ``no_cpython_wrapper``
and ``no_cfunc_wrapper`` flags), which cut a cold first run by about 0.8 s (issue 22). A function
Python calls (the rules the Mesa agents apply, the drivers the benchmarks time, ``begin_week`` and
``end_week``, which the agents engine calls) keeps ``@njit(cache=True)``; calling an ``@inner``
function from Python fails at once with numba's error.

Importing this module (every compiled module of the model does) also runs
``defer_blas_check``: see there why.
"""

from __future__ import annotations

import sys

from numba import njit

#: ``@njit(cache=True)`` without the wrappers Python calls through.
inner = njit(cache=True, no_cpython_wrapper=True, no_cfunc_wrapper=True)


def defer_blas_check() -> bool:
    """Load numba's array functions without importing ``scipy.linalg``; returns whether it did.

    When a process first calls a compiled function, numba loads its target's registries, among
    them ``numba.np.arraymath``, which at import asks whether a BLAS is there by importing
    ``scipy.linalg.cython_blas`` (numba 0.68: ``_HAVE_BLAS = _check_blas()``). That import, and
    scipy's array-API layer it pulls in, took about 0.1 s of a warm ``crmsim run --no-charts``
    of about 1 s (``python -X importtime``; issue 22's one-second target). The answer is used by
    one thing only: compiled ``np.correlate`` and ``np.convolve`` on floats take BLAS's inner
    product where one is found, numba's own loop otherwise. The model calls neither. So here
    the check answers "no BLAS" while that module is imported, and numba's ``ensure_blas`` is
    put back at once: compiled ``np.dot`` and ``np.linalg`` still import and use BLAS on first
    use, and ``np.correlate`` still works (tests/model/test_jit.py).

    Does nothing when the module is already imported (numba already used in this process) or
    numba's layout is not the one this was written for.
    """
    if "numba.np.arraymath" in sys.modules:
        return False
    try:
        import numba.np.linalg as linalg
    except ImportError:  # pragma: no cover - another numba layout
        return False
    ensure_blas = getattr(linalg, "ensure_blas", None)
    if ensure_blas is None:  # pragma: no cover - another numba layout
        return False

    def no_blas_here() -> None:
        raise ImportError("crmsim: BLAS check deferred (sim.model.jit.defer_blas_check)")

    linalg.ensure_blas = no_blas_here
    try:
        import numba.np.arraymath  # noqa: F401  (its import runs the check)
    finally:
        linalg.ensure_blas = ensure_blas
    return True


defer_blas_check()
