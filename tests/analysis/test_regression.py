"""Regression: the reproduced failure rates, pinned at a smaller replicate count (as SALib's
tests/test_regression.py pins its indices).

The runs use the seeds of experiments/failure_rates.toml (replicate i of a 1,000-replicate sweep
has the same seed at any replicate count), so these figures are the first 200 (mix) and 100
(orderings) rows of the committed reference sweep, results/reference/failure_rates/. They are
deterministic; the tolerance of one run (plus rounding) absorbs platform floating-point
differences that could flip a borderline run, and nothing more.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import sim
from sim.experiments.experiment import replicate_seeds
from tests.common import ROOT, SCENARIOS

ROOT_SEED = 20011127  # experiments/failure_rates.toml

#: scenario -> (replicates, pinned rates). Regenerate with the sweep when the model changes on
#: purpose, and say so in the commit.
PINNED = {
    "industry_mix": (
        200,
        {
            "never_live": 0.095,
            "abandoned": 0.225,
            "failed": 0.625,
            "measurable_gain": 0.09,
            "business_case_met": 0.18,
        },
    ),
    "technology_first": (
        100,
        {
            "never_live": 0.09,
            "abandoned": 0.3,
            "failed": 0.68,
            "measurable_gain": 0.05,
            "business_case_met": 0.13,
        },
    ),
    "four_ps": (
        100,
        {
            "never_live": 0.06,
            "abandoned": 0.15,
            "failed": 0.43,
            "measurable_gain": 0.12,
            "business_case_met": 0.31,
        },
    ),
}

BANDS = {"never_live": (0.09, 0.15), "measurable_gain": (0.12, 0.20), "failed": (0.50, 0.63)}


def _rates(name, replicates):
    scen = sim.load_scenario(SCENARIOS / f"{name}.toml")
    rows = [sim.run(scen, seed=s).summary for s in replicate_seeds(ROOT_SEED, replicates)]
    status = np.array([r["status"] for r in rows])
    return {
        "never_live": float((status == "never_live").mean()),
        "abandoned": float((status == "abandoned").mean()),
        "failed": float(np.mean([not r["met_expectations"] for r in rows])),
        "measurable_gain": float(np.mean([r["measurable_gain"] for r in rows])),
        "business_case_met": float(np.mean([r["business_case_met"] for r in rows])),
    }


@pytest.mark.parametrize("name", list(PINNED))
def test_pinned_rates(name):
    replicates, pinned = PINNED[name]
    got = _rates(name, replicates)
    tolerance = 1.0 / replicates + 1e-9  # one run either way
    for metric, value in pinned.items():
        assert got[metric] == pytest.approx(value, abs=tolerance), metric


def test_the_committed_reference_is_what_the_model_gives_now():
    """results/reference/failure_rates/summary.csv is the current model's output, not an older
    one's: the industry mix's 1,000 replicates (the experiment's own seeds) give its committed
    value for every metric, rates and the continuous mean adoption and median ROI alike.

    A model change that keeps behaviour (a faster kernel drawing the same numbers) passes; one
    that changes it fails here, and the references must be regenerated (``make reference``).
    On this machine every value agrees to the last digit; the tolerance, one run in 1,000 for a
    rate, is for a platform whose floating point flips a borderline run.
    """
    from sim.experiments.summary import _block

    replicates = 1000
    scen = sim.load_scenario(SCENARIOS / "industry_mix.toml")
    rows = [sim.run(scen, seed=s).summary for s in replicate_seeds(ROOT_SEED, replicates)]
    got = {r["metric"]: r["value"] for r in _block(pd.DataFrame(rows))}
    ref = pd.read_csv(ROOT / "results/reference/failure_rates/summary.csv")
    ref = ref[ref.scenario == "industry_mix"].set_index("metric")
    assert set(ref.index) == set(got) and (ref.n[ref.index != "roi_median"] == replicates).all()
    for metric, value in ref.value.items():
        assert got[metric] == pytest.approx(value, abs=1.0 / replicates + 1e-12), metric


#: A band the committed reference misses, with the figure: a strict xfail, so that the test
#: fails (and this entry must go) once a recalibration brings the figure back into its band.
KNOWN_MISSES: dict[str, str] = {
    "measurable_gain": "7.9% [6.1, 9.7] at the calibrated point of the calibration after the "
    "customers were drawn by events (the MAP draw), under the band's 12%; its posterior predictive "
    "interval, 17.4% [9.1, 28.5], agrees (docs/VALIDATION.md)",
}


@pytest.mark.parametrize(
    "metric",
    [
        pytest.param(m, marks=pytest.mark.xfail(strict=True, reason=KNOWN_MISSES[m]))
        if m in KNOWN_MISSES
        else m
        for m in BANDS
    ],
)
def test_reference_sweep_lands_in_the_published_bands(metric):
    """The committed 1,000-replicate reference: the industry mix inside every accepted band."""
    summary = pd.read_csv(ROOT / "results/reference/failure_rates/summary.csv")
    mix = summary[summary.scenario == "industry_mix"].set_index("metric")
    assert int(mix.loc[metric, "n"]) == 1000
    low, high = BANDS[metric]
    assert low <= mix.loc[metric, "value"] <= high, (metric, mix.loc[metric, "value"])
