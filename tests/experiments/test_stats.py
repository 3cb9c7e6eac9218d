"""Interval estimates: hand-computed values, edge cases and invariants."""

import math
from statistics import NormalDist

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.errors import InputError
from sim.experiments.stats import (
    Z95,
    band_deviations,
    bootstrap_interval,
    calibration_distance,
    inside_bands,
    newcombe_paired_interval,
    paired_difference,
    wilson_interval,
    z_for_level,
)


def test_wilson_hand_values():
    # hand values with z = 1.96 exactly; the default is Z95 = 1.95996...
    # 5/10: centre 0.5, half-width 1.96/13.8416 * sqrt(2.5 + 0.9604) = 0.26341
    p, lo, hi = wilson_interval(5, 10, 1.96)
    assert p == 0.5
    assert lo == pytest.approx(0.23659, abs=1e-5)
    assert hi == pytest.approx(0.76341, abs=1e-5)
    # 0/10: upper bound z^2 / (n + z^2) = 3.8416 / 13.8416
    p, lo, hi = wilson_interval(0, 10, 1.96)
    assert (p, lo) == (0.0, 0.0)
    assert hi == pytest.approx(3.8416 / 13.8416, abs=1e-9)
    # 10/10 mirrors 0/10
    p, lo, hi = wilson_interval(10, 10, 1.96)
    assert (p, hi) == (1.0, 1.0)
    assert lo == pytest.approx(1 - 3.8416 / 13.8416, abs=1e-9)
    # 12 of 100 (the never-live target): 0.0700 to 0.1981 (Newcombe 1998a, method 3 formula)
    p, lo, hi = wilson_interval(12, 100)
    assert lo == pytest.approx(0.070, abs=5e-4)
    assert hi == pytest.approx(0.1981, abs=5e-4)


def test_wilson_no_runs_and_bad_counts():
    p, lo, hi = wilson_interval(0, 0)
    assert math.isnan(p) and (lo, hi) == (0.0, 1.0)
    for bad in ((3, 2), (-1, 5), (1.5, 4)):
        with pytest.raises(InputError):
            wilson_interval(*bad)


@given(st.integers(0, 500).flatmap(lambda n: st.tuples(st.integers(0, n), st.just(n))))
@settings(max_examples=200, deadline=None)
def test_wilson_contains_estimate(kn):
    k, n = kn
    p, lo, hi = wilson_interval(k, n)
    if n:
        assert 0.0 <= lo <= p <= hi <= 1.0


def test_z_for_level():
    assert z_for_level(0.95) == pytest.approx(1.959964, abs=1e-6)
    assert Z95 == z_for_level(0.95) == pytest.approx(NormalDist().inv_cdf(0.975), abs=1e-15)
    assert wilson_interval(5, 10) == wilson_interval(5, 10, Z95)  # the default is the one z
    with pytest.raises(InputError):
        z_for_level(1.5)


def test_bootstrap_deterministic_and_sane():
    x = np.random.default_rng(1).normal(10, 2, 200)
    a = bootstrap_interval(x, np.mean, n_boot=500, seed=3)
    b = bootstrap_interval(x, np.mean, n_boot=500, seed=3)
    assert a == b
    est, lo, hi = a
    assert est == pytest.approx(x.mean())
    assert lo < est < hi
    # about 2 standard errors each side
    assert hi - lo == pytest.approx(2 * 1.96 * x.std() / math.sqrt(200), rel=0.25)


def test_bootstrap_edge_cases():
    assert all(math.isnan(v) for v in bootstrap_interval([]))
    assert bootstrap_interval([np.nan, 4.0]) == (4.0, 4.0, 4.0)
    assert bootstrap_interval([3.0, 3.0, 3.0]) == (3.0, 3.0, 3.0)  # no spread, no interval
    # a statistic without axis= still works
    x = np.random.default_rng(2).normal(size=40)
    est, lo, hi = bootstrap_interval(x, stat=lambda v: float(np.max(v)), n_boot=50)
    assert est == x.max() and lo <= est <= hi
    # a median no resample moves (most runs lose exactly their spend, ROI -1): BCa is undefined,
    # the percentile interval is not
    roi = np.r_[np.full(150, -1.0), np.random.default_rng(3).normal(0.5, 1, 50)]
    est, lo, hi = bootstrap_interval(roi)
    assert (est, lo, hi) == (-1.0, -1.0, -1.0)
    with pytest.raises(InputError):
        bootstrap_interval([1.0], n_boot=0)


def test_newcombe_hand_value():
    # a=both, b=only first, c=only second, d=neither: 10, 5, 1, 4 -> n=20
    a = [1] * 10 + [1] * 5 + [0] * 1 + [0] * 4
    b = [1] * 10 + [0] * 5 + [1] * 1 + [0] * 4
    diff, lo, hi = newcombe_paired_interval(a, b)
    assert diff == pytest.approx((5 - 1) / 20)
    p1, l1, u1 = wilson_interval(15, 20, 1.959963984540054)
    p2, l2, u2 = wilson_interval(11, 20, 1.959963984540054)
    big_a = 10 * 4 - 5 * 1  # 35 > n/2 = 10
    phi = (big_a - 10) / math.sqrt(15 * 5 * 11 * 9)
    lo_ref = diff - math.sqrt((p1 - l1) ** 2 - 2 * phi * (p1 - l1) * (u2 - p2) + (u2 - p2) ** 2)
    hi_ref = diff + math.sqrt((u1 - p1) ** 2 - 2 * phi * (u1 - p1) * (p2 - l2) + (p2 - l2) ** 2)
    assert (lo, hi) == pytest.approx((lo_ref, hi_ref))
    assert lo < diff < hi


def test_newcombe_identical_conditions():
    x = np.array([True, False] * 20)
    diff, lo, hi = newcombe_paired_interval(x, x)
    assert diff == 0.0 and lo < 0 < hi and hi - lo < 0.15  # tight: perfectly paired


def test_paired_is_narrower_than_unpaired_for_correlated_pairs():
    rng = np.random.default_rng(5)
    base = rng.random(400) < 0.55
    flip = rng.random(400) < 0.08
    treat = np.where(flip, ~base, base)
    res = paired_difference(treat, base)
    assert res["method"] == "newcombe" and res["n"] == 400
    _, l1, u1 = wilson_interval(int(treat.sum()), 400)
    _, l2, u2 = wilson_interval(int(base.sum()), 400)
    unpaired_width = math.hypot(u1 - l1, u2 - l2)
    assert res["ci_high"] - res["ci_low"] < unpaired_width


def test_bootstrap_is_bca_from_scipy():
    """Skewed data (a Pareto-like cost tail): BCa moves the interval towards the long tail, where
    the percentile interval of the same resamples stays nearly symmetric; same bounds as scipy's."""
    from scipy import stats

    x = np.random.default_rng(4).lognormal(0.0, 1.0, 150)
    est, lo, hi = bootstrap_interval(x, np.mean, n_boot=2000, seed=1)
    assert hi - est > est - lo  # longer on the side of the tail
    ref = stats.bootstrap(
        (x,), np.mean, n_resamples=2000, method="BCa", random_state=np.random.default_rng(1)
    ).confidence_interval
    assert (lo, hi) == (ref.low, ref.high)


def test_bootstrap_of_a_large_sample_is_batched_and_unchanged():
    """BCa's jackknife of n values is an n x n array unbatched (about 2.5 GB at n = 12,000; a
    summary of 30,000 runs was killed for memory). The interval comes in batches, with scipy's
    unbatched bounds to the bit, in a small fraction of that memory."""
    import tracemalloc

    from scipy import stats

    x = np.random.default_rng(7).lognormal(0.0, 1.0, 3_000)
    ref = stats.bootstrap(
        (x,), np.median, n_resamples=500, method="BCa", random_state=np.random.default_rng(2)
    ).confidence_interval
    assert bootstrap_interval(x, np.median, n_boot=500, seed=2)[1:] == (ref.low, ref.high)
    big = np.random.default_rng(8).lognormal(0.0, 1.0, 12_000)
    tracemalloc.start()
    try:
        est, lo, hi = bootstrap_interval(big, np.median, n_boot=200, seed=3)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert lo < est < hi
    assert peak < 400e6, f"{peak / 1e6:.0f} MB"


def test_paired_bootstrap_keeps_the_pairs():
    """Common random numbers: a and b share most of their variation, so the paired interval of
    mean(a - b) is far narrower than the intervals of the two means."""
    rng = np.random.default_rng(6)
    shared = rng.lognormal(0.0, 1.0, 300)
    a, b = shared + rng.normal(0.1, 0.05, 300), shared
    res = paired_difference(a, b, n_boot=1000)
    assert res["ci_low"] < res["diff"] < res["ci_high"]
    assert res["ci_low"] > 0  # the shift of 0.1 is found
    _, lo_a, hi_a = bootstrap_interval(a, np.mean, n_boot=1000)
    assert res["ci_high"] - res["ci_low"] < (hi_a - lo_a) / 5


def test_paired_difference_continuous_drops_nan_pairs():
    a = np.array([1.0, 2.0, np.nan, 4.0, 5.0])
    b = np.array([0.5, 1.5, 1.0, np.nan, 4.5])
    res = paired_difference(a, b, n_boot=200)
    assert res["method"] == "bootstrap" and res["n"] == 3
    assert res["diff"] == pytest.approx(0.5)
    with pytest.raises(InputError):
        paired_difference([1.0, 2.0], [1.0])


TARGETS = {
    "never_live": {"target": 0.12, "low": 0.09, "high": 0.15},
    "measurable_gain": {"target": 0.16, "accepted": [0.12, 0.20]},
    "failed": {"target": 0.55, "low": 0.50, "high": 0.63},
}


def test_calibration_distance_and_bands():
    on_target = {"never_live": 0.12, "measurable_gain": 0.16, "failed": 0.55}
    assert calibration_distance(on_target, TARGETS) == 0.0
    assert inside_bands(on_target, TARGETS)
    edge = {"never_live": 0.15, "measurable_gain": 0.12, "failed": 0.63}
    dev = band_deviations(edge, TARGETS)
    assert dev == pytest.approx({"never_live": 1.0, "measurable_gain": -1.0, "failed": 1.0})
    assert inside_bands(edge, TARGETS)
    assert calibration_distance(edge, TARGETS) == pytest.approx(3.0)
    # asymmetric band: 0.47 is 0.03 below target with a 0.05 lower half-band
    off = {**on_target, "failed": 0.47}
    assert band_deviations(off, TARGETS)["failed"] == pytest.approx(-1.6)
    assert not inside_bands(off, TARGETS)


def test_calibration_bad_targets_name_the_key():
    with pytest.raises(InputError, match="never_live"):
        calibration_distance({}, {"never_live": TARGETS["never_live"]})
    with pytest.raises(InputError, match="failed"):
        calibration_distance({"failed": 0.5}, {"failed": {"target": 0.7, "low": 0.5, "high": 0.6}})
