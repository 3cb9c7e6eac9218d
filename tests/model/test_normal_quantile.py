"""``sim.model.market.normal_quantile`` (AS241, compiled) against the standard library's
``statistics.NormalDist().inv_cdf``, which implements the same algorithm in Python.

The kernels cannot call ``statistics`` (numba compiles them), so the model carries its own copy of
Wichura's (1988) algorithm; this pins it to the reference implementation across both of AS241's
branches (|q| <= 0.425, and the tails with r <= 5 and r > 5) and both signs.
"""

from __future__ import annotations

from statistics import NormalDist

import numpy as np
import pytest

from sim.model.market import normal_quantile

REFERENCE = NormalDist()

#: Central branch, first tail branch, far tail branch (r = sqrt(-log(min(p, 1 - p))) > 5 from
#: p < exp(-25) ~ 1.4e-11), mirrored.
PROBABILITIES = np.concatenate(
    [
        np.linspace(0.075, 0.925, 171),
        np.geomspace(1e-10, 0.075, 200),
        np.geomspace(1e-300, 1e-12, 100),
    ]
)


def test_matches_statistics_normaldist():
    upper = 1.0 - PROBABILITIES[PROBABILITIES > 1e-15]  # 1 - p is exactly 1.0 below that
    for probabilities in (PROBABILITIES, upper):
        ours = np.array([normal_quantile(float(p)) for p in probabilities])
        theirs = np.array([REFERENCE.inv_cdf(float(p)) for p in probabilities])
        np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=0)


def test_is_the_python_reference_when_not_compiled():
    """The pure-Python body (numba's ``py_func``, what coverage and NUMBA_DISABLE_JIT run) agrees
    with the compiled one."""
    for p in (1e-20, 0.01, 0.3, 0.5, 0.8, 0.999):
        assert normal_quantile.py_func(p) == pytest.approx(normal_quantile(p), rel=1e-14)


def test_symmetry_and_the_median():
    assert normal_quantile(0.5) == 0.0
    for p in (1e-9, 0.02, 0.2, 0.4):
        assert normal_quantile(p) == pytest.approx(-normal_quantile(1.0 - p), rel=1e-9)
