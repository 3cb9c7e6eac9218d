"""A Gaussian-process emulator of one simulated figure over a parameter box, with its own check.

A run of the model costs tens of milliseconds and a figure such as "the mix fails 57% of the time"
needs hundreds of runs, so a posterior sampler that asks for the figure a hundred thousand times
cannot ask the model. It asks an emulator instead: a Gaussian process fitted to the figure at a few
dozen design points (Kennedy & O'Hagan 2001; Andrianakis et al. 2015 for agent-based models), which
returns a mean and a standard deviation anywhere in the box, so the sampler knows how far to trust
it. The calibration (sim.analysis.calibration) and the Sobol' analysis reuse this one class.

Choices, each stated where it is made:

* the design's simulation noise is not signal: each design point's sampling variance (binomial,
  or bootstrapped over seeds) is the GP's per-point ``alpha``, so the emulator does not chase the
  noise of a finite number of replicates, and its predictive variance is the uncertainty of the
  figure's *expected* value;
* rates are emulated on the logit scale (``to_latent``), where a GP's Gaussian errors and its
  unbounded mean fit a bounded rate; other figures as they are;
* inputs are scaled to the unit cube and targets standardised before fitting, so one set of
  hyperparameter bounds serves every figure; the kernel is a constant times an anisotropic
  Matern 5/2 (one length scale per parameter: an input the figure ignores gets a long one), the
  hyperparameters maximise the marginal likelihood with a few seeded restarts (scikit-learn);
* :meth:`Emulator.check` holds design points out of the fit (k-fold, the hyperparameters kept
  from the full fit, as leave-out checks of GP emulators usually do: Bastos & O'Hagan 2009) and
  reports R^2 and the standardised errors, whose root mean square is near 1 and 95% of which lie
  within +-2 when the emulator's stated uncertainty is honest.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass

import numpy as np
from scipy.special import expit
from sklearn.exceptions import ConvergenceWarning
from sklearn.gaussian_process import GaussianProcessRegressor
from sklearn.gaussian_process.kernels import ConstantKernel, Matern
from sklearn.metrics import r2_score
from sklearn.model_selection import KFold

from sim.analysis.latent import to_latent

__all__ = ["Emulator", "EmulatorCheck", "to_latent", "MIN_POINTS"]

#: Fewest design points with a finite figure that an emulator is fitted on (assumption: a GP
#: needs a few points per dimension to say anything; below this the figure is reported unfit).
MIN_POINTS = 5
#: Hyperparameter bounds on the unit cube and standardised targets (assumption: a length scale
#: from 1/20 of a parameter's range to 100 ranges; a signal variance from 1/1000 to 100 times
#: the targets' variance).
LENGTH_BOUNDS = (0.05, 100.0)
SCALE_BOUNDS = (1e-3, 1e2)


@dataclass(frozen=True)
class EmulatorCheck:
    """The held-out check of one emulator.

    Attributes:
        n: design points checked (each predicted by a fit that never saw it).
        r2: coefficient of determination of the held-out predictions (latent scale).
        z_rms: root mean square of the standardised errors (about 1 when the stated
            uncertainty is right; above 1: overconfident).
        coverage: share of standardised errors within +-2 (about 0.95 when right).
        z: the standardised errors themselves.
    """

    n: int
    r2: float
    z_rms: float
    coverage: float
    z: np.ndarray


class Emulator:
    """A Gaussian-process emulator of one figure over a box of parameters.

    Args:
        low, high: the box (one bound per parameter); inputs are scaled to the unit cube.
        transform: ``"logit"`` for a rate (fit with :meth:`fit_rates`), ``"identity"`` otherwise.
        restarts: restarts of the hyperparameter optimiser (seeded by ``seed``).
        seed: seed of the restarts and of the held-out folds.

    Attributes (read by sim.analysis.gp_draws, which draws functions from the fitted process):
        gp: the fitted ``GaussianProcessRegressor`` (None while unfit), on the unit cube and the
            standardised latent figure.
        low, high: the box.
        mu, sd: the standardisation: latent figure = mu + sd x the GP's target.
        n_fit: design points it was fitted on.
    """

    def __init__(self, low, high, transform: str = "identity", restarts: int = 2, seed: int = 0):
        self.low = np.asarray(low, dtype=float)
        self.high = np.asarray(high, dtype=float)
        if transform not in ("logit", "identity"):
            raise ValueError(f"transform must be 'logit' or 'identity', not {transform!r}")
        self.transform = transform
        self.restarts = restarts
        self.seed = seed
        self.gp: GaussianProcessRegressor | None = None
        self.mu, self.sd = 0.0, 1.0
        self.n_fit = 0
        self._data: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None

    @property
    def fitted(self) -> bool:
        """False when too few design points had a finite figure to fit on."""
        return self.gp is not None

    def _unit(self, X) -> np.ndarray:
        return (np.atleast_2d(np.asarray(X, dtype=float)) - self.low) / (self.high - self.low)

    def fit(self, X, y, var) -> Emulator:
        """Fit on design points ``X`` (rows) with latent figures ``y`` and their variances ``var``.

        Points whose figure or variance is not finite are left out; with fewer than
        :data:`MIN_POINTS` left the emulator stays unfit (``fitted`` is False).
        """
        X, y, var = np.atleast_2d(X), np.asarray(y, float), np.asarray(var, float)
        keep = np.isfinite(y) & np.isfinite(var)
        X, y, var = X[keep], y[keep], np.maximum(var[keep], 1e-12)
        self._data = (X, y, var)
        self.n_fit = len(y)
        if len(y) < MIN_POINTS:
            self.gp = None
            return self
        self.mu = float(y.mean())
        self.sd = float(y.std()) or 1.0
        d = X.shape[1]
        kernel = ConstantKernel(1.0, SCALE_BOUNDS) * Matern(
            length_scale=np.full(d, 0.5), length_scale_bounds=LENGTH_BOUNDS, nu=2.5
        )
        self.gp = self._gp(kernel, var, self.restarts)
        with warnings.catch_warnings():  # a length scale at its bound: an ignored input, fine
            warnings.simplefilter("ignore", ConvergenceWarning)
            self.gp.fit(self._unit(X), (y - self.mu) / self.sd)
        return self

    def _gp(self, kernel, var, restarts, optimizer="fmin_l_bfgs_b") -> GaussianProcessRegressor:
        return GaussianProcessRegressor(
            kernel=kernel,
            alpha=var / self.sd**2,
            normalize_y=False,
            optimizer=optimizer,
            n_restarts_optimizer=restarts,
            random_state=self.seed,
        )

    def fit_rates(self, X, rates, n, var=None) -> Emulator:
        """Fit on rates observed over ``n`` runs at each point (``transform="logit"``)."""
        y, v = to_latent(rates, n, var)
        return self.fit(X, y, v)

    def predict(self, X) -> tuple[np.ndarray, np.ndarray]:
        """Mean and standard deviation of the latent figure (logit of a rate) at each row of X.

        The standard deviation is the emulator's uncertainty about the figure's expected value;
        it does not include the design's replicate noise. An unfit emulator returns NaN.
        """
        X = np.atleast_2d(X)
        if self.gp is None:
            nan = np.full(len(X), np.nan)
            return nan, nan
        m, s = self.gp.predict(self._unit(X), return_std=True)
        return self.mu + self.sd * m, self.sd * s

    def predict_figure(self, X) -> tuple[np.ndarray, np.ndarray]:
        """Mean and sd on the figure's own scale (a rate: the inverse logit of the latent mean,
        the sd by the delta method)."""
        m, s = self.predict(X)
        if self.transform == "identity":
            return m, s
        p = expit(m)
        return p, s * p * (1 - p)

    @property
    def length_scales(self) -> np.ndarray:
        """The fitted length scales, one per parameter, in units of its range."""
        if self.gp is None:
            return np.full(len(self.low), np.nan)
        return np.atleast_1d(self.gp.kernel_.k2.length_scale)

    def check(self, folds: int = 5) -> EmulatorCheck:
        """Predict every design point from a fit on the other folds (hyperparameters kept)."""
        if self.gp is None or self._data is None:
            return EmulatorCheck(self.n_fit, math.nan, math.nan, math.nan, np.array([]))
        X, y, var = self._data
        k = min(folds, len(y))
        z = np.full(len(y), np.nan)
        pred = np.full(len(y), np.nan)
        split = KFold(n_splits=k, shuffle=True, random_state=self.seed).split(X)
        for train, test in split:
            gp = self._gp(self.gp.kernel_, var[train], 0, optimizer=None)
            gp.fit(self._unit(X[train]), (y[train] - self.mu) / self.sd)
            m, s = gp.predict(self._unit(X[test]), return_std=True)
            pred[test] = self.mu + self.sd * m
            z[test] = (y[test] - pred[test]) / np.sqrt((self.sd * s) ** 2 + var[test])
        r2 = float(r2_score(y, pred)) if len(y) > 1 else math.nan
        return EmulatorCheck(
            len(y), r2, float(np.sqrt(np.mean(z**2))), float(np.mean(np.abs(z) <= 2)), z
        )
