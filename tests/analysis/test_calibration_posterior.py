"""The posterior (sim.analysis.posterior): likelihood, emcee, history matching, bound warnings.

A stand-in emulator whose figure is known in closed form lets the sampler be checked against the
analytic posterior: a uniform prior times a normal likelihood is a (truncated) normal.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.stats import norm

from sim.analysis.posterior import (
    CUTOFF,
    Z95,
    Likelihood,
    posterior_wave,
    refocus,
    sample,
    summarise,
)
from sim.analysis.priors import Prior, log_prior


class Exact:
    """An 'emulator' that knows the figure: the first parameter, with a fixed sd."""

    fitted = True

    def __init__(self, sd: float = 0.0):
        self.sd = sd

    def predict(self, X):
        X = np.atleast_2d(X)
        return X[:, 0].copy(), np.full(len(X), self.sd)


def pattern(observed=0.5, low=0.4, high=0.6, kind="difference", held_out=False):
    from sim.analysis.patterns import Pattern

    return Pattern(
        "p", kind, "a", baseline="b", observed=observed, low=low, high=high, held_out=held_out
    )


PRIORS = [Prior("x", "uniform", 0.0, 1.0, source="test"), Prior("y", "uniform", 0.0, 1.0)]


def test_sampler_recovers_the_analytic_posterior():
    """Figure = x, observed 0.5 with band [0.4, 0.6]: posterior of x is Normal(0.5, sd)."""
    sd = (0.6 - 0.4) / (2 * Z95)
    lik = Likelihood(PRIORS, [pattern()], {"p": Exact()})
    draws, diag = sample(lik, walkers=16, steps=1500, burn=300, thin=5, seed=1)
    assert draws["x"].mean() == pytest.approx(0.5, abs=0.01)
    assert draws["x"].std() == pytest.approx(sd, rel=0.15)
    assert draws["y"].mean() == pytest.approx(0.5, abs=0.05)  # y is not constrained: its prior
    assert 0.2 < diag["acceptance"] < 0.8 and len(draws) == 16 * 240
    again, _ = sample(lik, walkers=16, steps=1500, burn=300, thin=5, seed=1)
    pd.testing.assert_frame_equal(draws, again)  # seeded


def test_emulator_uncertainty_widens_the_posterior():
    sharp, _ = sample(Likelihood(PRIORS, [pattern()], {"p": Exact(0.0)}), 16, 1000, 200, 5, 2)
    wide, _ = sample(Likelihood(PRIORS, [pattern()], {"p": Exact(0.1)}), 16, 1000, 200, 5, 2)
    assert wide["x"].std() > 1.5 * sharp["x"].std()


def test_band_only_pattern_is_the_probability_of_the_band():
    lik = Likelihood(PRIORS, [pattern(None, 0.0, 0.3)], {"p": Exact(0.05)})
    theta = np.array([[0.15, 0.5], [0.3, 0.5], [0.9, 0.5]])
    ll = lik.terms(theta)[:, 0]
    assert ll[0] == pytest.approx(np.log(norm.cdf(3) - norm.cdf(-3)))  # 3 sd from each edge
    assert ll[1] == pytest.approx(np.log(0.5), abs=1e-3)  # on the edge: one half
    assert ll[2] == pytest.approx(norm.logsf(12), rel=1e-6)  # 12 sd out: finite, not log 0


def test_held_out_patterns_never_enter_the_likelihood():
    held = pattern(observed=0.9, low=0.85, high=0.95, held_out=True)
    a = Likelihood(PRIORS, [pattern()], {"p": Exact()})
    b = Likelihood(PRIORS, [pattern(), held], {"p": Exact()})
    theta = np.array([[0.5, 0.5], [0.3, 0.2]])
    np.testing.assert_allclose(a.log_prob(theta), b.log_prob(theta))


def test_prior_outside_its_box_is_minus_infinity():
    lp = log_prior(np.array([[0.5, 0.5], [1.5, 0.5]]), PRIORS)
    assert np.isfinite(lp[0]) and lp[1] == -np.inf
    normal = Prior("z", "normal", 0.0, 1.0, mean=0.6, sd=0.15)
    assert log_prior(np.array([[0.6]]), [normal])[0] > log_prior(np.array([[0.1]]), [normal])[0]


def test_refocus_keeps_non_implausible_points():
    lik = Likelihood(PRIORS, [pattern()], {"p": Exact()})
    points, share = refocus(lik, 30, seed=3, candidates=5000)
    assert points.shape == (30, 2)
    assert np.all(lik.implausibility(points) < CUTOFF)
    sd = (0.6 - 0.4) / (2 * Z95)
    assert share == pytest.approx(2 * CUTOFF * sd, abs=0.03)  # |x - 0.5| < 3 sd


def test_a_posterior_wave_lies_where_the_posterior_is():
    """Figure = x, observed 0.5: the wave's points are distinct and their x is Normal(0.5, sd)."""
    sd = (0.6 - 0.4) / (2 * Z95)
    lik = Likelihood(PRIORS, [pattern()], {"p": Exact()})
    points, acceptance = posterior_wave(lik, 40, seed=5, walkers=16, steps=800)
    assert points.shape == (40, 2) and len(np.unique(points, axis=0)) == 40
    assert abs(points[:, 0].mean() - 0.5) < 3 * sd / np.sqrt(10)  # thinned draws, correlated
    assert np.all(np.abs(points[:, 0] - 0.5) < 5 * sd)  # none in the prior's empty tails
    assert points[:, 1].std() > 0.15  # y unconstrained: spread over its prior
    assert 0.0 < acceptance < 1.0


def test_a_posterior_against_a_bound_is_flagged():
    rng = np.random.default_rng(4)
    draws = pd.DataFrame({"x": rng.uniform(0.0, 0.04, 500), "y": rng.uniform(0, 1, 500)})
    table = summarise(draws, PRIORS).set_index("parameter")
    assert table.loc["x", "piled"] == "low" and table.loc["y", "piled"] == ""
    assert table.loc["x", "post_high"] <= 0.04


def test_each_design_point_has_its_own_seeds():
    """No two design points share a seed; a point's seeds do not depend on the waves after it."""
    from sim.analysis.calibration import design_seeds

    first_wave = design_seeds(2026, 5, 0, 8)
    second_wave = design_seeds(2026, 5, 8, 6)
    every = [s for point in first_wave + second_wave for s in point]
    assert all(len(point) == 5 for point in first_wave + second_wave)
    assert len(set(every)) == len(every) == 14 * 5
    assert design_seeds(2026, 5, 0, 14)[:8] == first_wave  # the same points, the same seeds
    assert design_seeds(2026, 5, 0, 14)[8:] == second_wave
