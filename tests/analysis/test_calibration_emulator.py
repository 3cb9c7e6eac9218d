"""The Gaussian-process emulator (sim.analysis.emulator): fits known functions, says how sure."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.special import expit

from sim.analysis.emulator import MIN_POINTS, Emulator, to_latent


def _design(n: int, d: int, seed: int = 0) -> np.ndarray:
    from scipy.stats import qmc

    return qmc.LatinHypercube(d=d, seed=np.random.default_rng(seed)).random(n)


def truth(X: np.ndarray) -> np.ndarray:
    """A smooth function of the first two inputs; the third is ignored."""
    return np.sin(3 * X[:, 0]) + 0.5 * X[:, 1] ** 2


def test_it_learns_a_smooth_function_and_ignores_an_idle_input():
    rng = np.random.default_rng(1)
    X = _design(40, 3)
    noise = 0.05
    y = truth(X) + rng.normal(0, noise, len(X))
    em = Emulator(np.zeros(3), np.ones(3), seed=0).fit(X, y, np.full(len(X), noise**2))
    new = _design(200, 3, seed=2)
    m, s = em.predict(new)
    assert np.sqrt(np.mean((m - truth(new)) ** 2)) < 0.1
    z = (m - truth(new)) / s
    assert 0.3 < np.sqrt(np.mean(z**2)) < 3  # the stated sd is of the right size
    ls = em.length_scales
    assert ls[2] > 3 * max(ls[0], ls[1])  # the idle input gets a long length scale
    check = em.check()
    assert check.n == 40 and check.r2 > 0.9 and 0.5 < check.z_rms < 2 and check.coverage >= 0.8


def test_rates_are_emulated_on_the_logit_scale():
    rng = np.random.default_rng(3)
    X = _design(50, 2, seed=4)
    p = expit(-1 + 3 * X[:, 0])
    n = 200
    rates = rng.binomial(n, p) / n
    em = Emulator(np.zeros(2), np.ones(2), "logit", seed=0).fit_rates(X, rates, np.full(50, n))
    new = _design(100, 2, seed=5)
    fig, sd = em.predict_figure(new)
    assert np.max(np.abs(fig - expit(-1 + 3 * new[:, 0]))) < 0.08
    assert np.all((fig > 0) & (fig < 1) & (sd > 0))


def test_it_does_not_chase_replicate_noise():
    """Pure noise around a constant: with the noise as alpha the emulator stays flat."""
    rng = np.random.default_rng(6)
    X = _design(40, 2, seed=7)
    y = 0.5 + rng.normal(0, 0.2, 40)
    em = Emulator(np.zeros(2), np.ones(2), seed=0).fit(X, y, np.full(40, 0.04))
    m, _ = em.predict(_design(100, 2, seed=8))
    assert np.ptp(m) < 0.25  # the data themselves span about 0.8


def test_latent_transform_is_finite_at_the_edges():
    y, v = to_latent([0.0, 1.0, 0.5], [50, 50, 50])
    assert np.all(np.isfinite(y)) and np.all(v > 0)
    assert y[0] < 0 < y[1] and y[2] == pytest.approx(0.0)
    _, wider = to_latent([0.5], [50], var=[0.05])
    _, binom = to_latent([0.5], [50])
    assert wider[0] > binom[0]  # a larger bootstrap variance is kept


def test_too_few_points_leaves_it_unfit():
    X = _design(MIN_POINTS - 1, 2)
    em = Emulator(np.zeros(2), np.ones(2)).fit(X, np.arange(len(X)), np.ones(len(X)))
    assert not em.fitted
    m, s = em.predict(X)
    assert np.isnan(m).all() and np.isnan(s).all()
    assert np.isnan(em.check().r2)
