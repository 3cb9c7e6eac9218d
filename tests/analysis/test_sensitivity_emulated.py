"""Sobol' through an emulator: known answers through the whole path, honest draws, its files.

The stand-in models run the path the model takes (experiment file -> Latin hypercube -> design
points -> batches -> store -> figures per point -> emulators -> held-out check -> SALib on the
emulators); only the run function is a stand-in with known indices:

* Ishigami (deterministic; analytic S1 and ST: tests/analysis_helpers.py);
* a noisy rate: a run fails when its seed's uniform draw is below ``0.2 + 0.6 x1`` (common random
  numbers: the same draw at every point), so the failure rate is linear in x1 and ignores x2:
  S1 = ST = 1 for x1, 0 for x2, whatever the replicate noise.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from sim.analysis.emulator import Emulator
from sim.analysis.gp_draws import posterior_functions
from sim.analysis.sensitivity import run_sensitivity
from sim.analysis.sobol_emulated import held_out_check, point_figures
from sim.report.odd_sensitivity import section
from sim.report.sensitivity_charts import write_sensitivity_charts
from tests import analysis_helpers as ah

EMULATED = """
name = "emulated"
scenarios = ["stub.toml"]
replicates = {replicates}
root_seed = 11
batch_size = 40
[sensitivity]
method = "sobol"
samples = 1024
outputs = ["{output}"]
[sensitivity.emulator]
points = {points}
test_points = 32
draws = 16
[sensitivity.parameters]
"customer.w_base" = {{ low = 0.0, high = 1.0 }}
"customer.w_skill" = {{ low = 0.0, high = 1.0 }}
{third}
"""
THIRD = '"customer.w_orientation" = { low = 0.0, high = 1.0 }'
INDEX_COLUMNS = ["output", "parameter", "S1", "S1_conf", "ST", "ST_conf"]


def linear_rate_run(scenario, seed: int, engine: str = "numba"):
    """Fails when the seed's own uniform draw is below 0.2 + 0.6 x1 (x1 = customer.w_base)."""
    u = np.random.default_rng(seed).random()
    failed = bool(u < 0.2 + 0.6 * scenario.values["customer.w_base"])
    return ah.StubResult(ah._summary(scenario.name, seed, failed=failed, value=0.0), None)


def _file(tmp_path, output="roi", points=256, replicates=1, third=THIRD):
    ah.stub_scenarios(tmp_path)
    text = EMULATED.format(output=output, points=points, replicates=replicates, third=third)
    return ah.write_toml(tmp_path / "emulated.toml", text)


def _run(path, out, run_fn):
    return run_sensitivity(
        path, out, execution=1, progress=False, run_fn=run_fn, load_fn=ah.stub_load
    )


def test_posterior_functions_are_exact_draws_from_the_emulator():
    rng = np.random.default_rng(0)
    X = rng.random((40, 2))
    y = np.sin(4 * X[:, 0]) + X[:, 1] + rng.normal(0, 0.05, 40)
    em = Emulator([0, 0], [1, 1]).fit(X, y, np.full(40, 0.05**2))
    at = rng.random((300, 2))
    m, s = em.predict(at)
    mean, F = posterior_functions(em, at, 3000, np.random.default_rng(1))
    assert mean == pytest.approx(m, abs=1e-9)
    # 3,000 draws: the sd of a sample sd is about 1.3%; joint draws, not point-by-point noise
    assert np.median(F.std(axis=1) / s) == pytest.approx(1.0, abs=0.03)
    assert np.abs(F.mean(axis=1) - m).max() < 4 * s.max() / np.sqrt(3000) * 1.5
    near = np.corrcoef(F[0], F[np.argmin(np.linalg.norm(at - at[0], axis=1)[1:]) + 1])[0, 1]
    assert near > 0.5


def test_ishigami_through_the_emulator(tmp_path):
    result = _run(_file(tmp_path), tmp_path / "out", ah.ishigami_run)
    assert result["status"] == "complete" and result["total"] == 256 + 32
    folder = tmp_path / "out" / "sensitivity"
    idx = pd.read_csv(folder / "indices.csv")
    assert list(idx.columns[:6]) == INDEX_COLUMNS
    pd.testing.assert_frame_equal(idx, result["analysis"]["indices"], check_dtype=False)
    full = idx.set_index("parameter").loc[list(ah.ISHIGAMI_KEYS)]
    for col, truth in (("S1", ah.ISHIGAMI_S1), ("ST", ah.ISHIGAMI_ST)):
        err = np.abs(full[col].to_numpy() - np.array(truth))
        assert np.all(err <= full[f"{col}_conf"].to_numpy() + 0.01), (col, full[col].tolist())
    # informative, not just wide: x3 has no first-order effect but a clear total one
    x3 = full.loc["customer.w_orientation"]
    assert x3["ST"] - x3["ST_conf"] > 0.1 and abs(x3["S1"]) < 0.05
    check = pd.read_csv(folder / "emulator.csv").iloc[0]
    assert bool(check["passed"]) and check["r2"] > 0.95 and check["test_points"] == 32
    summary = json.loads((folder / "summary.json").read_text())
    assert summary["outputs"]["roi"]["emulator"]["passed"]
    assert summary["emulator"] == {"points": 256, "test_points": 32, "draws": 16}
    text = (folder / "report.md").read_text()
    assert "Gaussian-process emulator" in text and "passed" in text


def test_a_noisy_rate_through_the_emulator(tmp_path):
    path = _file(tmp_path, output="failed", points=96, replicates=16, third="")
    result = _run(path, tmp_path / "out", linear_rate_run)
    assert result["total"] == (96 + 32) * 16
    idx = result["analysis"]["indices"].set_index("parameter")
    x1, x2 = idx.loc["customer.w_base"], idx.loc["customer.w_skill"]
    assert abs(x1["ST"] - 1) <= x1["ST_conf"] + 0.02 and abs(x1["S1"] - 1) <= x1["S1_conf"] + 0.02
    assert x2["ST"] < 0.05 and x2["ST"] - x2["ST_conf"] < 0.01
    # both parts of the interval are there, and the emulator's is not nothing
    assert (idx["ST_conf"] >= idx["ST_mc_conf"]).all() and idx["ST_emulator_sd"].max() > 0
    folder = tmp_path / "out" / "sensitivity"
    figures = pd.read_csv(folder / "point_figures.csv")
    assert set(figures["role"]) == {"fit", "test"} and len(figures) == 96 + 32
    # common random numbers: the noise left between points is far below the binomial's
    assert (figures["noise_var"] < figures["independent_var"]).mean() > 0.9
    assert json.loads((folder / "summary.json").read_text())["outputs"]["failed"]["emulator"][
        "passed"
    ]


def test_a_failed_check_is_said_and_not_hidden(tmp_path):
    """An emulator that cannot follow the model fails its check, and every text says so."""
    rng = np.random.default_rng(3)
    X = rng.random((12, 2))
    em = Emulator([0, 0], [1, 1]).fit(X, np.zeros(12), np.full(12, 1e-6))
    test = pd.DataFrame(
        {"point": range(20), "value": rng.random(20), "latent": rng.normal(0, 3, 20)}
    )
    test["latent_var"] = 1e-4
    check = held_out_check(em, rng.random((20, 2)), test, rate=False)
    assert not check["passed"] and check["r2"] < 0.5


def test_charts_and_odd_section_from_an_emulated_folder(tmp_path):
    _run(_file(tmp_path), tmp_path / "out", ah.ishigami_run)
    pngs = write_sensitivity_charts(tmp_path / "out")
    assert sorted(p.name for p in pngs) == ["emulator_check.png", "sobol.png"]
    assert all(p.stat().st_size > 10_000 for p in pngs)
    text = section(tmp_path / "out" / "sensitivity", None, None, "cmd")
    assert "emulator per output" in text and "`customer.w_base`" in text
    assert "R² " in text and "passed" in text


def test_quick_keys_and_sizes_of_the_shipped_file():
    from sim.analysis.sensitivity_spec import load_sensitivity
    from tests.common import ROOT

    spec = load_sensitivity(ROOT / "experiments" / "sensitivity.toml")
    assert spec.emulator is not None and len(spec.parameters) >= 20
    needed = {
        "sponsor.day_job_drain",
        "sponsor.rescope_cut",
        "programme.budget_cut",
        "programme.scope_work",
        "employee.sponsor_lead",
        "sponsor.expectation_base",
    }
    assert needed <= set(spec.parameters)
    # a calibration prior comes with its distribution; a share with its type
    assert spec.parameters["mix.technology_first"]["type"] == "share"
    quick = spec.quick_version()
    assert quick.emulator["points"] < spec.emulator["points"]
    arms = len(spec.arms)
    runs = (quick.emulator["points"] + quick.emulator["test_points"]) * arms
    assert runs * quick.experiment.replicates <= 2_000


def test_a_mix_share_reweights_the_arms_without_runs_of_its_own():
    """Arm a always fails, arm b never: at a point whose share of a is w the mix fails at w."""
    rows = [
        {
            "point": p,
            "scenario": arm,
            "replicate": r,
            "seed": r,
            "error": None,
            "status": "live",
            "met_expectations": arm == "b",
            "measurable_gain": False,
            "business_case_met": False,
            "roi": 1.0 if arm == "a" else 3.0,
        }
        for p in range(3)
        for r in range(4)
        for arm in ("a", "b")
    ]
    values = pd.DataFrame({"mix.a": [0.3, 0.8, 0.5], "org.mandate": [0.1, 0.2, 0.3]})
    arms = {"a": ("a.toml", 0.5), "b": ("b.toml", 0.5)}
    fig = point_figures(pd.DataFrame(rows), values, arms, ["failed", "roi"], {"failed"})
    failed = fig[fig["output"] == "failed"].set_index("point")["value"]
    roi = fig[fig["output"] == "roi"].set_index("point")["value"]
    assert failed.tolist() == pytest.approx([0.3, 0.8, 0.5])
    assert roi.tolist() == pytest.approx([0.3 + 3 * 0.7, 0.8 + 3 * 0.2, 0.5 + 3 * 0.5])
    # every seed alike: no interaction, so no noise between points beyond the numerical floor
    assert fig.loc[fig["output"] == "roi", "noise_var"].max() == pytest.approx(0.0)


def test_the_sobol_chart_says_when_an_emulator_failed():
    from sim.report.sensitivity_charts import sobol_chart

    rows = [
        {
            "output": o,
            "parameter": p,
            "S1": 0.2,
            "S1_conf": 0.01,
            "ST": 0.3,
            "ST_conf": 0.01,
            "ST_emulator_sd": 0.01,
            "emulator_passed": o == "roi",
        }
        for o in ("roi", "failed")
        for p in ("a", "b")
    ]
    fig = sobol_chart(pd.DataFrame(rows))
    titles = [ax.get_title() for ax in fig.axes if ax.get_title()]
    assert any("failed" in t and "FAILED" in t for t in titles)
    assert not any(t.startswith("roi") and "FAILED" in t for t in titles)
