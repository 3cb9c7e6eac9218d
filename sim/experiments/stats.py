"""Interval estimates for sweep results: Wilson rates, bootstrap, paired differences, calibration.

A sweep ends in rates ("12% of runs never went live") and comparisons ("four_ps fails 9 points less
often than technology_first"). Both need honest uncertainty, and the published CRM failure rates the
model is calibrated against are themselves proportions, so the summary tables report:

* rates with Wilson score intervals (Wilson 1927), which keep their coverage near 0 and 1, where the
  textbook Wald interval collapses (Brown, Cai & DasGupta 2001);
* means and medians of continuous outcomes (ROI, adoption) with bias-corrected and accelerated
  (BCa) bootstrap intervals (Efron 1987; ``scipy.stats.bootstrap``) from a fixed seed, so that a
  results folder always yields the same table;
* differences between scenarios paired by replicate: every replicate i of every scenario uses the
  same seed (common random numbers, DESIGN.md section 4), so the pairs are positively correlated
  and a paired interval is much narrower than one treating the scenarios as independent samples;
* a calibration distance against the target bands of DESIGN.md section 2.5.

Everything here is pure: arrays in, numbers out, no files and no model.
"""

from __future__ import annotations

import importlib
import inspect
import math
import threading
import warnings
from collections.abc import Callable, Mapping

import numpy as np
from scipy.special import ndtri

from sim.errors import InputError

__all__ = [
    "import_bootstrap_soon",
    "Z95",
    "z_for_level",
    "wilson_interval",
    "bootstrap_interval",
    "paired_difference",
    "newcombe_paired_interval",
    "band_deviations",
    "calibration_distance",
    "inside_bands",
]


def z_for_level(level: float) -> float:
    """Two-sided standard normal quantile for a confidence level (1.959964 for 0.95).

    Raises:
        InputError: if the level is not strictly between 0 and 1.
    """
    if not (isinstance(level, (int, float)) and 0.0 < float(level) < 1.0):
        raise InputError(
            "a confidence level must be a number strictly between 0 and 1", key="level", value=level
        )
    # scipy.special's ndtri, which scipy.stats.norm.ppf calls: scipy.stats itself, imported only
    # where a bootstrap needs it, takes about 0.4 s to load and crmsim validate needs none of it
    return float(ndtri(0.5 + float(level) / 2.0))


#: The two-sided 95% standard normal quantile (1.959963984540054): the one z the package uses.
Z95 = z_for_level(0.95)


def wilson_interval(successes: int, n: int, z: float = Z95) -> tuple[float, float, float]:
    """Observed rate with its Wilson score interval.

    The Wilson interval inverts the score test, so it never leaves [0, 1] and keeps close to nominal
    coverage for small n and rates near 0 or 1 (Wilson 1927; Brown, Cai & DasGupta 2001), which is
    where "never live" rates of about 10% over a few hundred replicates sit.

    Args:
        successes: number of runs with the outcome, 0 <= successes <= n.
        n: number of runs.
        z: normal quantile; :data:`Z95` gives a 95% interval.

    Returns:
        ``(p, lo, hi)``. With ``n == 0`` there is no estimate: ``(nan, 0.0, 1.0)``, the interval
        that says nothing is known.

    Raises:
        InputError: if the counts are negative, not whole, or successes exceeds n.
    """
    if n < 0 or successes < 0 or successes > n or int(n) != n or int(successes) != successes:
        raise InputError(
            "need whole counts with 0 <= successes <= n", key="successes/n", value=(successes, n)
        )
    if z <= 0:
        raise InputError("z must be positive", key="z", value=z)
    n = int(n)
    if n == 0:
        return (math.nan, 0.0, 1.0)
    p = successes / n
    z2 = z * z
    denom = 1.0 + z2 / n
    centre = (p + z2 / (2 * n)) / denom
    half = (z / denom) * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n))
    lo = 0.0 if successes == 0 else max(0.0, centre - half)
    hi = 1.0 if successes == n else min(1.0, centre + half)
    return (p, lo, hi)


def _takes_axis(stat: Callable) -> bool:
    """True when ``stat`` accepts ``axis`` (numpy's reductions do), so scipy can vectorise it."""
    try:
        return "axis" in inspect.signature(stat).parameters
    except (TypeError, ValueError):  # some builtins have no signature
        return False


def import_bootstrap_soon() -> None:
    """Start importing scipy.stats, which the bootstrap intervals need, on a daemon thread.

    Its import takes about 1 s (measured in a 2,400-run ``crmsim sweep`` under cProfile: 1.12 of
    the summary's 1.28 s), which a sweep otherwise pays after its last run. A pool's parent calls
    this while it waits for its workers to start, when a core is free; a later ``import`` of the
    same module waits on Python's import lock for this one to finish, never imports it twice.
    """
    threading.Thread(
        target=importlib.import_module, args=("scipy.stats",), daemon=True, name="import-scipy"
    ).start()


#: Most values scipy's bootstrap holds in one batch of resamples or jackknife rows (2**22 values:
#: 32 MiB of float64, the same again of indices). An assumption: small enough for any summary on a
#: laptop, large enough that the batches cost nothing measurable.
RESAMPLE_ELEMENTS = 2**22


def _bca(data: tuple[np.ndarray, ...], stat: Callable, n_boot: int, seed: int, level: float,
         paired: bool = False, method: str = "BCa") -> tuple[float, float]:  # fmt: skip
    """The BCa interval of ``stat`` over ``data`` (``scipy.stats.bootstrap``), deterministic
    (``method="percentile"`` for the plain percentile interval).

    The resamples and BCa's jackknife go to scipy in batches of at most ``RESAMPLE_ELEMENTS``
    values: unbatched, the jackknife of n values is an n x n array (a summary of 30,000 runs
    asked for about 24 GB and was killed). Batching changes no number (the same resamples in the
    same order; tests/experiments/test_stats.py) and was faster in every size measured.
    """
    from scipy import stats as _scipy_stats

    n = max(len(sample) for sample in data)

    with warnings.catch_warnings():  # a near-degenerate resample distribution: nan, not a warning
        warnings.simplefilter("ignore", RuntimeWarning)
        warnings.simplefilter("ignore", _scipy_stats.DegenerateDataWarning)
        res = _scipy_stats.bootstrap(
            data,
            stat,
            n_resamples=int(n_boot),
            confidence_level=level,
            method=method,
            paired=paired,
            vectorized=_takes_axis(stat),
            batch=max(1, RESAMPLE_ELEMENTS // max(n, 1)),
            random_state=np.random.default_rng(seed),
        )
    return float(res.confidence_interval.low), float(res.confidence_interval.high)


def bootstrap_interval(
    values,
    stat: Callable = np.median,
    n_boot: int = 1000,
    seed: int = 0,
    level: float = 0.95,
) -> tuple[float, float, float]:
    """Statistic of a sample with a BCa bootstrap interval (Efron 1987; Efron & Tibshirani 1993,
    ch. 14), computed by ``scipy.stats.bootstrap``.

    Used for continuous outcomes (median ROI, mean adoption) whose distributions across replicates
    are skewed and heavy-tailed (cost overruns have a Pareto tail), where a normal interval would
    mislead; BCa corrects the percentile interval for the bias and skew of the statistic's
    resampling distribution. The resampling generator is seeded, so the same results always give
    the same table.

    Args:
        values: the sample; NaN entries are dropped (a run that never spent has no ROI).
        stat: the statistic; vectorised over resamples when it accepts ``axis``.
        n_boot: number of resamples.
        seed: seed of the resampling generator.
        level: confidence level of the two-sided interval.

    Returns:
        ``(estimate, lo, hi)``; all NaN for an empty sample, and ``lo == hi == estimate`` for a
        sample whose values are all equal (one value included). Where BCa is undefined (a
        resampling distribution without spread, e.g. a median that no resample moves: the median
        ROI of an ordering whose runs mostly lose exactly their spend, ROI -1) the interval is the
        percentile interval of the same resamples.

    Raises:
        InputError: if ``n_boot`` is not a positive whole number or ``level`` is outside (0, 1).
    """
    z_for_level(level)
    if not isinstance(n_boot, (int, np.integer)) or isinstance(n_boot, bool) or n_boot < 1:
        raise InputError("n_boot must be a whole number >= 1", key="n_boot", value=n_boot)
    x = np.asarray(values, dtype=float).ravel()
    x = x[~np.isnan(x)]
    if x.size == 0:
        return (math.nan, math.nan, math.nan)
    estimate = float(stat(x))
    if np.ptp(x) == 0:
        return (estimate, estimate, estimate)
    lo, hi = _bca((x,), stat, n_boot, seed, level)
    if math.isnan(lo) or math.isnan(hi):
        lo, hi = _bca((x,), stat, n_boot, seed, level, method="percentile")
    return (estimate, lo, hi)


def newcombe_paired_interval(a, b, level: float = 0.95) -> tuple[float, float, float]:
    """Difference of two paired proportions, mean(a) - mean(b), with Newcombe's score interval.

    Newcombe (1998, Statistics in Medicine 17:2635, method 10) combines the Wilson intervals of the
    two marginal rates and corrects for the correlation of the pairs with the phi coefficient of the
    paired 2x2 table; phi is shrunk towards zero as in that paper (and Altman et al. 2000,
    "Statistics with confidence", ch. 6): ``A = ad - bc``, ``phi* = (A - n/2)/sqrt(efgh)`` if ``A >
    n/2``, ``0`` if ``0 <= A <= n/2``, ``A/sqrt(efgh)`` if ``A < 0``. It keeps good coverage when
    discordant pairs are few, which is typical here: with common random numbers most runs end the
    same way under both orderings.

    Args:
        a: booleans (or 0/1) of the first condition, one per pair.
        b: booleans of the second condition, same length and order.
        level: confidence level.

    Returns:
        ``(diff, lo, hi)``; all NaN for no pairs.
    """
    z = z_for_level(level)
    x = np.asarray(a, dtype=bool)
    y = np.asarray(b, dtype=bool)
    n = int(x.size)
    if n == 0:
        return (math.nan, math.nan, math.nan)
    both = int(np.sum(x & y))  # a in Newcombe's notation
    only_x = int(np.sum(x & ~y))  # b
    only_y = int(np.sum(~x & y))  # c
    neither = n - both - only_x - only_y  # d
    p1, l1, u1 = wilson_interval(both + only_x, n, z)
    p2, l2, u2 = wilson_interval(both + only_y, n, z)
    diff = p1 - p2
    margins = (both + only_x) * (only_y + neither) * (both + only_y) * (only_x + neither)
    phi = 0.0
    if margins > 0:
        big_a = both * neither - only_x * only_y
        if big_a > n / 2:
            phi = (big_a - n / 2) / math.sqrt(margins)
        elif big_a < 0:
            phi = big_a / math.sqrt(margins)
    delta = math.sqrt(max(0.0, (p1 - l1) ** 2 - 2 * phi * (p1 - l1) * (u2 - p2) + (u2 - p2) ** 2))
    eps = math.sqrt(max(0.0, (u1 - p1) ** 2 - 2 * phi * (u1 - p1) * (p2 - l2) + (p2 - l2) ** 2))
    return (diff, max(-1.0, diff - delta), min(1.0, diff + eps))


def paired_difference(a, b, level: float = 0.95, n_boot: int = 1000, seed: int = 0) -> dict:
    """Paired difference between two conditions run on the same seeds: ``mean(a) - mean(b)``.

    Binary outcomes (bool arrays, e.g. ``failed``) use Newcombe's paired score interval
    (:func:`newcombe_paired_interval`); continuous outcomes (e.g. ``delta_profit``) use a paired
    BCa bootstrap (``scipy.stats.bootstrap(..., paired=True)``): whole pairs are resampled, so the
    correlation induced by common random numbers is kept. Pairs where either side is NaN are
    dropped.

    Args:
        a: outcomes of the first condition, one per pair.
        b: outcomes of the baseline, same length and order as ``a``.
        level: confidence level.
        n_boot: bootstrap resamples (continuous outcomes only).
        seed: bootstrap seed (continuous outcomes only).

    Returns:
        dict with ``diff``, ``ci_low``, ``ci_high``, ``n`` (pairs used) and ``method``
        (``"newcombe"`` or ``"bootstrap"``).

    Raises:
        InputError: if the arrays differ in length.
    """
    x = np.asarray(a)
    y = np.asarray(b)
    if x.shape != y.shape:
        raise InputError(
            "paired samples must have the same length", key="a/b", value=(x.size, y.size)
        )
    if x.dtype == bool and y.dtype == bool:
        diff, lo, hi = newcombe_paired_interval(x, y, level)
        return {"diff": diff, "ci_low": lo, "ci_high": hi, "n": int(x.size), "method": "newcombe"}
    xf = x.astype(float)
    yf = y.astype(float)
    keep = ~(np.isnan(xf) | np.isnan(yf))
    xf, yf = xf[keep], yf[keep]
    d = xf - yf
    if d.size == 0:
        diff = lo = hi = math.nan
    elif np.ptp(d) == 0:
        diff = lo = hi = float(d[0])
    else:
        diff = float(d.mean())
        lo, hi = _bca((xf, yf), _mean_difference, n_boot, seed, level, paired=True)
    return {"diff": diff, "ci_low": lo, "ci_high": hi, "n": int(d.size), "method": "bootstrap"}


def _mean_difference(a: np.ndarray, b: np.ndarray, axis: int = -1) -> np.ndarray:
    """The statistic of a paired difference: ``mean(a - b)`` along ``axis``."""
    return np.mean(a - b, axis=axis)


def _band(name: str, spec) -> tuple[float, float, float]:
    """Read one target: ``{target, low, high}`` or ``{target, accepted = [low, high]}``."""
    if not isinstance(spec, Mapping):
        raise InputError(
            "a target must be a table with target and low/high (or accepted = [lo, hi])",
            key=name,
            value=spec,
        )
    try:
        target = float(spec["target"])
        if "accepted" in spec:
            low, high = (float(v) for v in spec["accepted"])
        else:
            low, high = float(spec["low"]), float(spec["high"])
    except (KeyError, TypeError, ValueError) as exc:
        raise InputError(
            "a target needs numbers: target and low/high (or accepted = [lo, hi])",
            key=name,
            value=dict(spec),
        ) from exc
    if not low <= target <= high or low == high:
        raise InputError(
            "need low <= target <= high and low < high", key=name, value=(low, target, high)
        )
    return target, low, high


def band_deviations(achieved: Mapping[str, float], targets: Mapping[str, Mapping]) -> dict:
    """Deviation of each achieved figure from its target, in units of the accepted half-band.

    The deviation is ``(achieved - target) / (high - target)`` above the target and
    ``(target - achieved) / (low - target)`` below it (negative), so ``|dev| <= 1`` exactly when the
    figure is inside its accepted band, even when the band is asymmetric (failed: 55%, 50 to 63%).

    Raises:
        InputError: if a target has no achieved value or is malformed.
    """
    out = {}
    for name, spec in targets.items():
        target, low, high = _band(name, spec)
        if name not in achieved:
            raise InputError(f"no achieved value for target; have {sorted(achieved)}", key=name)
        value = float(achieved[name])
        if value == target:
            out[name] = 0.0
        elif value > target:
            out[name] = (value - target) / (high - target) if high > target else math.inf
        else:
            out[name] = -(target - value) / (target - low) if target > low else -math.inf
    return out


def calibration_distance(achieved: Mapping[str, float], targets: Mapping[str, Mapping]) -> float:
    """Sum of squared band-normalised deviations: the objective a calibration search minimises.

    Normalising by the accepted band weighs each published figure by how precisely the literature
    pins it down (DESIGN.md section 2.5), so the 9-15% never-live band counts as much as the 50-63%
    failure band. A value below 1 per target means every figure is within its band.

    Args:
        achieved: figure name -> rate achieved by the model (e.g. ``{"never_live": 0.11}``).
        targets: figure name -> ``{"target": t, "low": lo, "high": hi}``.

    Returns:
        The distance (0 when every figure hits its target exactly).
    """
    return float(sum(d * d for d in band_deviations(achieved, targets).values()))


def inside_bands(achieved: Mapping[str, float], targets: Mapping[str, Mapping]) -> bool:
    """True when every achieved figure lies inside its accepted band (bounds included)."""
    return all(abs(d) <= 1.0 for d in band_deviations(achieved, targets).values())
