"""Sensitivity analysis: known answers through the sweep path, replicate noise, resume, Dask.

The Ishigami test runs the whole path the model takes (experiment file -> SALib sample -> design
points -> batches -> executor -> parquet store -> replicate means -> SALib analysis); only the run
function is a stand-in with analytic indices.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from sim.analysis.sensitivity import (
    analyse_sensitivity,
    draw_sample,
    replicate_means,
    run_sensitivity,
)
from sim.analysis.sensitivity_spec import load_sensitivity, screening_range
from sim.errors import InputError
from sim.experiments.executors import Execution
from tests import analysis_helpers as ah

ISHIGAMI = """
name = "ishigami"
scenarios = ["stub.toml"]
replicates = {replicates}
root_seed = 7
batch_size = {batch}
[sensitivity]
method = "{method}"
samples = {samples}
outputs = ["roi"]
[sensitivity.parameters]
"customer.w_base" = {{ low = 0.0, high = 1.0 }}
"customer.w_skill" = {{ low = 0.0, high = 1.0 }}
"customer.w_orientation" = {{ low = 0.0, high = 1.0 }}
"""


def _ishigami_file(tmp_path, method="sobol", samples=512, replicates=1, batch=256):
    ah.stub_scenarios(tmp_path)
    text = ISHIGAMI.format(method=method, samples=samples, replicates=replicates, batch=batch)
    return ah.write_toml(tmp_path / "ishigami.toml", text)


def _run(path, out, **kw):
    return run_sensitivity(
        path, out, execution=1, progress=False, run_fn=ah.ishigami_run, load_fn=ah.stub_load, **kw
    )


def test_sobol_reproduces_ishigami_within_intervals(tmp_path):
    path = _ishigami_file(tmp_path)
    result = _run(path, tmp_path / "out")
    assert result["status"] == "complete" and result["total"] == 512 * 5
    idx = pd.read_csv(tmp_path / "out" / "sensitivity" / "indices.csv")
    assert list(idx.columns) == ["output", "parameter", "S1", "S1_conf", "ST", "ST_conf"]
    pd.testing.assert_frame_equal(idx, result["analysis"]["indices"], check_dtype=False)
    full = idx.set_index("parameter").loc[list(ah.ISHIGAMI_KEYS)]
    for col, truth in (("S1", ah.ISHIGAMI_S1), ("ST", ah.ISHIGAMI_ST)):
        err = np.abs(full[col].to_numpy() - np.array(truth))
        assert np.all(err <= full[f"{col}_conf"].to_numpy()), (col, full[col].tolist())
    # the intervals are informative, not just wide: x3 has no first-order effect but a clear total
    assert (
        full.loc["customer.w_orientation", "ST"] - full.loc["customer.w_orientation", "ST_conf"]
        > 0.1
    )
    summary = json.loads((tmp_path / "out" / "sensitivity" / "summary.json").read_text())
    assert summary["outputs"]["roi"]["top"][0]["parameter"] == "customer.w_base"


def test_morris_ranks_ishigami_inputs(tmp_path):
    path = _ishigami_file(tmp_path, method="morris", samples=40, batch=40)
    _run(path, tmp_path / "out")
    idx = pd.read_csv(tmp_path / "out" / "sensitivity" / "indices.csv")
    full = idx.set_index("parameter")
    stages = pd.read_csv(tmp_path / "out" / "sensitivity" / "convergence.csv")
    assert set(stages["stage"]) == {"N", "2N"} and {"mu_star", "n_base"} <= set(stages.columns)
    # x3 acts only through its interaction with x1: small mean effect mu, large spread sigma
    x3 = full.loc["customer.w_orientation"]
    assert abs(x3["mu"]) < 0.5 * x3["sigma"]
    assert full["mu_star"].idxmin() != "customer.w_skill"


def test_convergence_halves_are_nested_samples(tmp_path):
    spec = load_sensitivity(_ishigami_file(tmp_path, samples=16))
    from dataclasses import replace

    full = draw_sample(spec)
    half = draw_sample(replace(spec, samples=8))
    assert np.array_equal(full[: len(half)], half)


def test_replicate_noise_share():
    rng = np.random.default_rng(0)
    points, reps = 200, 4
    signal = np.linspace(0, 1, points)
    rows = []
    for p in range(points):
        for r in range(reps):
            rows.append(
                {
                    "run_id": len(rows),
                    "point": p,
                    "replicate": r,
                    "error": None,
                    "status": "live",
                    "met_expectations": True,
                    "business_case_met": True,
                    "measurable_gain": True,
                    "roi": signal[p] + rng.normal(0, 1),
                }
            )
    means, noise = replicate_means(pd.DataFrame(rows), ("roi",), points, reps)
    # noise variance of a mean of 4 is 1/4; the signal's variance is about 1/12
    expected = 0.25 / (0.25 + 1 / 12)
    assert noise.loc[0, "noise_share"] == pytest.approx(expected, abs=0.1)
    assert noise.loc[0, "noise_share_independent"] == pytest.approx(expected, abs=0.1)
    assert len(means) == points


def test_common_random_numbers_cancel_the_seed_effect():
    """Each seed shifts every point alike (an organisation that fails everywhere): with common
    random numbers that shift is no noise between point means; without them it would be."""
    rng = np.random.default_rng(1)
    points, reps = 100, 4
    signal = np.linspace(0, 1, points)
    seed_effect = rng.normal(0, 2, reps)
    rows = [
        {
            "run_id": p * reps + r,
            "point": p,
            "replicate": r,
            "error": None,
            "status": "live",
            "met_expectations": True,
            "business_case_met": True,
            "measurable_gain": True,
            "roi": signal[p] + seed_effect[r] + rng.normal(0, 0.05),
        }
        for p in range(points)
        for r in range(reps)
    ]
    _, noise = replicate_means(pd.DataFrame(rows), ("roi",), points, reps)
    assert noise.loc[0, "noise_share"] < 0.01
    assert noise.loc[0, "noise_share_independent"] == 1.0


def test_missing_replicates_are_an_input_error():
    rows = pd.DataFrame(
        {
            "run_id": [0, 1, 2],
            "point": [0, 0, 1],
            "error": [None, None, None],
            "status": ["live"] * 3,
            "met_expectations": [True] * 3,
            "business_case_met": [True] * 3,
            "measurable_gain": [True] * 3,
            "roi": [1.0, 2.0, 3.0],
        }
    )
    with pytest.raises(InputError, match="fewer than 2 finished runs"):
        replicate_means(rows, ("roi",), 2, 2)


def test_interrupted_run_resumes_to_the_same_indices(tmp_path):
    path = _ishigami_file(tmp_path, samples=32, replicates=2, batch=20)
    _run(path, tmp_path / "whole")
    ah.stop_after(150)
    try:
        with pytest.raises(KeyboardInterrupt):
            _run(path, tmp_path / "cut")
    finally:
        ah.stop_after(None)
    parts = list((tmp_path / "cut" / "runs").glob("part-*.parquet"))
    assert 0 < len(parts) < 32 * 5 * 2 / 20
    with pytest.raises(InputError, match="crmsim sensitivity"):  # refused without --resume
        _run(path, tmp_path / "cut")
    resumed = _run(path, tmp_path / "cut", resume=True)
    assert resumed["skipped"] > 0 and resumed["status"] == "complete"
    a = pd.read_csv(tmp_path / "whole" / "sensitivity" / "indices.csv")
    b = pd.read_csv(tmp_path / "cut" / "sensitivity" / "indices.csv")
    pd.testing.assert_frame_equal(a, b)


def test_dask_local_cluster_gives_the_serial_indices(tmp_path):
    pytest.importorskip("distributed")
    path = _ishigami_file(tmp_path, samples=16, replicates=1, batch=10)
    _run(path, tmp_path / "serial")
    out = run_sensitivity(
        path,
        tmp_path / "dask",
        execution=Execution(dask_local=2),
        progress=False,
        run_fn=ah.ishigami_run,
        load_fn=ah.stub_load,
    )
    assert "Dask" in out["backend"] or "dask" in out["backend"]
    a = pd.read_csv(tmp_path / "serial" / "sensitivity" / "indices.csv")
    b = pd.read_csv(tmp_path / "dask" / "sensitivity" / "indices.csv")
    pd.testing.assert_frame_equal(a, b)


def test_analyse_refuses_a_plain_sweep_folder():
    from tests.common import ROOT

    with pytest.raises(InputError, match="not a sensitivity results folder"):
        analyse_sensitivity(ROOT / "tests" / "fixtures" / "results_small")


def test_screening_ranges_stay_inside_bounds():
    from sim.model.params import PARAMS

    for key, p in PARAMS.items():
        if p.kind not in (int, float):
            continue
        r = screening_range(key, 0.5)
        if r is None:
            continue
        assert p.low <= r["low"] < r["high"] <= p.high, key
        assert r["low"] <= p.default <= r["high"], key


def test_the_screening_centres_on_the_values_the_mix_runs_with():
    """The shipped screening varies each parameter around the calibrated point the mix runs at
    (scenarios/calibrated.toml), not around params.py's defaults, and leaves out what the mix's
    members set differently (one override would erase their difference)."""
    from sim.model.params import PARAMS
    from sim.model.scenario import read_toml
    from tests.common import ROOT

    spec = load_sensitivity(ROOT / "experiments" / "screening.toml")
    calibrated = read_toml(ROOT / "scenarios" / "calibrated.toml")
    checked = 0
    for section, table in calibrated.items():
        if not isinstance(table, dict):
            continue
        for name, value in table.items():
            key = f"{section}.{name}"
            if key not in spec.parameters or value == PARAMS[key].default:
                continue
            assert screening_range(key, 0.5, value) == spec.parameters[key], key
            checked += 1
    assert checked >= 10
    assert "rollout.vendor_pressure" not in spec.parameters
    assert "rollout.pilot_weeks" not in spec.parameters
    assert screening_range("employee.utaut_b0", 0.5, -0.1) == {
        "low": pytest.approx(-0.15),
        "high": pytest.approx(-0.05),
        "type": "real",
    }


@pytest.mark.parametrize("name", ["sensitivity", "screening"])
def test_shipped_files_are_valid_and_sized(name):
    from tests.common import ROOT

    spec = load_sensitivity(ROOT / "experiments" / f"{name}.toml")

    def runs(s) -> int:
        if s.emulator:  # every arm at every design point, fit and held out
            points = s.emulator["points"] + s.emulator["test_points"]
            return points * len(s.arms) * s.experiment.replicates
        d = len(s.parameters)
        return s.samples * (d + 2 if s.method == "sobol" else d + 1) * s.experiment.replicates

    # about 15 minutes on 2 idle cores at the ~100 runs a second of the compiled week
    # (docs/sensitivity.md gives the measured times)
    assert runs(spec) <= 90_000, runs(spec)
    assert runs(spec.quick_version()) <= 2_000


def test_odd_section_is_generated_and_replaced(tmp_path):
    from sim.report.odd_sensitivity import BEGIN, section, update_odd

    path = _ishigami_file(tmp_path, samples=16, batch=40)
    _run(path, tmp_path / "sobol")
    odd = tmp_path / "ODD.md"
    odd.write_text("# ODD\n\ntext\n")
    for _ in range(2):  # the second run replaces the block instead of appending another
        update_odd(odd, section(tmp_path / "sobol", tmp_path / "none", None, "cmd"))
    text = odd.read_text()
    assert text.count(BEGIN) == 1 and text.startswith("# ODD")
    assert "`customer.w_base`" in text and "No Morris results" in text


def test_a_parameter_the_mix_members_set_differently_is_refused_as_an_arm_override():
    """Run as arms, an override would give every member one vendor pressure and erase the
    orderings' difference: refused, naming the key; a key they share passes, as does a share of
    the mix."""
    from sim.analysis.calibration_spec import mix_members
    from sim.analysis.sensitivity_ranges import check_members_agree, scenario_values
    from sim.errors import InputError
    from tests.common import ROOT

    mix = ROOT / "scenarios" / "industry_mix.toml"
    arms = mix_members(mix)
    with pytest.raises(InputError, match="rollout.vendor_pressure"):
        check_members_agree({"rollout.vendor_pressure": {}}, arms, "x.toml")
    check_members_agree({"employee.utaut_b0": {}, "mix.four_ps": {}}, arms, "x.toml")
    shared = scenario_values(mix)
    assert "employee.utaut_b0" in shared and "rollout.vendor_pressure" not in shared
