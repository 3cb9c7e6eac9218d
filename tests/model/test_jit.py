"""sim.model.jit: numba starts without importing scipy.linalg, and numba still works."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
from numba import njit

from sim.model import jit
from tests.common import ROOT

#: A fresh process runs a small scenario and says which of the modules at stake it imported.
_RUN = """
import json, sys
import sim
from tests.common import small_scenario
sim.run(small_scenario("four_ps"), seed=3)
print(json.dumps({m: m in sys.modules for m in ("numba.np.arraymath", "scipy.linalg")}))
"""


def test_a_run_loads_numbas_array_functions_without_scipy_linalg():
    out = subprocess.run([sys.executable, "-c", _RUN], cwd=ROOT, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr[-2000:]
    loaded = json.loads(out.stdout.strip().splitlines()[-1])
    assert loaded == {"numba.np.arraymath": True, "scipy.linalg": False}


def test_the_check_is_deferred_once_and_numbas_ensure_blas_is_put_back():
    import numba.np.linalg as linalg

    assert not jit.defer_blas_check()  # this process has numba's array functions already
    assert linalg.ensure_blas.__module__ == "numba.np.linalg"


def test_compiled_correlate_and_dot_still_work():
    """np.correlate takes numba's own inner product (no BLAS found at the check); np.dot asks
    for BLAS on its first compilation, which ensure_blas, put back, then finds."""

    @njit
    def both(a, b):
        return np.correlate(a, b), np.dot(a, b)

    a, b = np.array([1.0, 2.0, 3.0]), np.array([0.5, -1.0, 2.0])
    corr, dot = both(a, b)
    assert np.allclose(corr, np.correlate(a, b))
    assert dot == np.dot(a, b)
