"""Whole functions drawn from a fitted emulator's posterior, for an analysis that needs a function.

A Sobol' index is a property of a whole function, not of one point. An emulator's mean is one
function; the emulator's own uncertainty is a distribution over functions, and repeating the
analysis over functions drawn from the Gaussian process's posterior gives the spread of the
indices that this uncertainty causes (Marrel et al. 2009, Reliab. Eng. Syst. Saf. 94; Le Gratiet,
Cannamela & Iooss 2014, SIAM/ASA J. Uncertainty Quantification 2).

The draws are exact and joint: the posterior covariance of every requested point (scikit-learn's
``predict(..., return_cov=True)``) and its Cholesky factor. That costs the cube of the number of
points, so callers draw on a few thousand points (a Saltelli sample of about a hundred base rows)
and compare each draw with the mean function on the same points. Random Fourier features would
reach more points, but their prior is a few per cent off the kernel, and a posterior variance is
a small difference of large prior terms: measured here, they understated the emulator's standard
deviation by 5 to 17%.
"""

from __future__ import annotations

import numpy as np

from sim.analysis.emulator import Emulator

__all__ = ["posterior_functions", "JITTER"]

#: Diagonal added to the posterior covariance before its Cholesky factor, relative to the prior
#: variance, raised tenfold until the factor exists (assumption: a numerical floor; 1e-10 of the
#: prior variance is far below any emulator's uncertainty).
JITTER = 1e-10


def posterior_functions(
    em: Emulator, X: np.ndarray, draws: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """The emulator's posterior mean and ``draws`` functions from its posterior, at the rows of X.

    Args:
        em: a fitted :class:`~sim.analysis.emulator.Emulator`.
        X: points (rows), in the parameters' own units (as ``em.predict`` takes them).
        draws: how many functions.
        rng: their random stream.

    Returns:
        ``(mean, F)`` on the latent scale (the logit of a rate): the mean at each row, and an
        array ``len(X) x draws`` whose columns are the functions.

    Raises:
        ValueError: if the emulator is not fitted.
    """
    if em.gp is None:
        raise ValueError("the emulator is not fitted")
    unit = (np.atleast_2d(np.asarray(X, dtype=float)) - em.low) / (em.high - em.low)
    mean, cov = em.gp.predict(unit, return_cov=True)
    scale = float(em.gp.kernel_.diag(unit[:1])[0])  # the prior variance
    jitter = JITTER
    while True:
        try:
            factor = np.linalg.cholesky(cov + jitter * scale * np.eye(len(cov)))
            break
        except np.linalg.LinAlgError:
            jitter *= 10
            if jitter > 1e-2:
                raise
    F = mean[:, None] + factor @ rng.standard_normal((len(cov), draws))
    return em.mu + em.sd * mean, em.mu + em.sd * F
