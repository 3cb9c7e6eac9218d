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
    """results/reference/failure_rates/ is the current model's output, not an older one's: the
    whole reference experiment (experiments/failure_rates.toml: six scenarios x 1,000 replicates,
    its own seeds and batches, run in this process) gives every row of its committed summary.csv
    and paired.csv, rates, means, medians and paired differences, with their intervals and counts.

    A model change that keeps behaviour passes: the faster kernels drawing the same numbers since
    the references were made (the next event's gap from a table, the go-live dip once a team, the
    calendar's push written out, the contacts that pick no touch point where it cannot matter, the
    Python around a run) all do, and on this machine every value and every interval agrees to the
    last digit. A change of behaviour fails here until the references are regenerated
    (``make reference``): a churn hazard 30% higher moved the mix's failed rate from 0.616 to
    0.618. The tolerance, one run in 1,000 on a rate and two on a paired difference, is for a
    platform whose floating point flips a borderline run. About 30 s.
    """
    from dataclasses import replace

    from sim.experiments.experiment import build_runs, check_scenarios, load_experiment
    from sim.experiments.summary import default_baseline, paired_table, summary_table
    from sim.experiments.sweep import execute_batch, make_batches

    spec = replace(load_experiment(ROOT / "experiments/failure_rates.toml"), keep_series=0)
    names = check_scenarios(spec, sim.load_scenario)
    rows = []
    for batch in make_batches(build_runs(spec, names), spec.batch_size, numba_threads=1):
        rows += execute_batch(batch).rows
    runs = pd.DataFrame(rows)
    assert len(runs) == 6 * 1000 and runs["error"].isna().all()
    reference = ROOT / "results/reference/failure_rates"
    tables = [
        ("summary.csv", summary_table(runs), ["scenario", "metric"], "value", 1.0),
        ("paired.csv", paired_table(runs, default_baseline(names, spec.baseline)),
         ["scenario", "baseline", "metric"], "diff", 2.0),
    ]  # fmt: skip
    for file, now, keys, column, runs_apart in tables:
        ref = pd.read_csv(reference / file)
        both = ref.merge(now, on=keys, how="outer", suffixes=("_ref", "_now"), indicator=True)
        assert (both["_merge"] == "both").all(), f"{file}: rows differ"
        assert (both["n_ref"] == both["n_now"]).all(), file
        tolerance = runs_apart / 1000 + 1e-12
        for col in (column, "ci_low", "ci_high"):
            gap = (both[f"{col}_ref"] - both[f"{col}_now"]).abs()
            worst = both.loc[gap.idxmax(), keys].tolist()
            assert gap.max() <= tolerance, f"{file} {col}: {worst} differs by {gap.max()}"


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
