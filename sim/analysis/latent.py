"""The emulators' scale for a rate, apart from the emulators themselves.

Reading a calibration file (its patterns put their bands on this scale) must not load
scikit-learn: ``crmsim validate`` checks a calibration file in about a second, and scikit-learn
alone takes half of that to import. sim.analysis.emulator fits on this scale.
"""

from __future__ import annotations

import numpy as np
from scipy.special import logit

__all__ = ["to_latent"]


def to_latent(rate, n, var=None) -> tuple[np.ndarray, np.ndarray]:
    """Rates to the logit scale, with a variance there.

    ``(p n + 0.5) / (n + 1)`` keeps a rate of 0 or 1 finite (a half-run correction); the variance
    is the delta method applied to the larger of ``var`` (e.g. bootstrapped over seeds) and the
    binomial variance at that rate over ``n`` runs.
    """
    p = np.asarray(rate, dtype=float)
    n = np.maximum(np.asarray(n, dtype=float), 1.0)
    q = (p * n + 0.5) / (n + 1)
    binom = q * (1 - q) / (n + 1)
    v = binom if var is None else np.fmax(np.nan_to_num(np.asarray(var, float), nan=0.0), binom)
    return logit(q), v / (q * (1 - q)) ** 2
