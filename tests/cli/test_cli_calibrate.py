"""``crmsim calibrate --quick`` end to end, in-process, on tiny organisations (CI runs this).

The shipped file's quick table is shrunk further (20 employees, 60 weeks, a few points and draws)
so the whole pipeline (design runs, emulators, emcee, fresh predictive runs, claims, report,
charts) runs in seconds; every file and column other tools read is checked, and the scenario
file the shipped scenarios load changes only when asked.
"""

from __future__ import annotations

import json
import tomllib

import pandas as pd
import pytest

from sim.analysis.calibration import FILES
from sim.analysis.predictive import PREDICTIVE_COLUMNS
from sim.cli.main import main
from sim.report.calibration_charts import CHART_FILES
from tests import toml_writer
from tests.common import cli_error, project_copy

TINY = {
    "points": 8,
    "replicates": 3,
    "walkers": 40,  # at least twice the 20 parameters
    "steps": 60,
    "burn": 20,
    "thin": 2,
    "predictive_draws": 3,
    "predictive_replicates": 3,
    "overrides": {"org.employees": 20, "org.customers": 200, "horizon_weeks": 60},
}


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    """A project whose calibration file's quick mode is tiny; the calibration run once."""
    proj = project_copy(tmp_path_factory.mktemp("calibrate"))
    path = proj / "experiments/calibration.toml"
    doc = tomllib.loads(path.read_text())
    doc["calibration"]["quick"].update(TINY)
    path.write_text(toml_writer.dumps(doc))
    before = (proj / "scenarios/calibrated.toml").read_bytes()
    out = proj / "cal"
    argv = ["calibrate", str(path), "--quick", "--workers", "1", "--out", str(out)]
    rc = main(argv)
    return proj, doc, out, before, rc, argv


def test_quick_mode_writes_every_file_and_leaves_the_scenario_alone(tiny, capsys):
    proj, doc, out, before, rc, _ = tiny
    assert rc == 0
    assert {*FILES, *CHART_FILES} <= {p.name for p in out.iterdir()}
    assert (proj / "scenarios/calibrated.toml").read_bytes() == before
    assert not (proj / "scenarios/calibrated.toml.bak").exists()


def test_files_have_the_columns_other_tools_read(tiny):
    _, doc, out, _, _, _ = tiny
    keys = list(doc["parameters"])
    posterior = pd.read_parquet(out / "posterior.parquet")
    assert list(posterior.columns) == keys  # dotted names, no weight column: equal weights
    quick = doc["calibration"]["quick"]
    walkers, kept = quick["walkers"], range(quick["burn"], quick["steps"], quick["thin"])
    assert len(posterior) == walkers * len(kept)
    for key, prior in doc["parameters"].items():
        assert posterior[key].between(prior["low"], prior["high"]).all()
    pred = pd.read_csv(out / "predictive.csv")
    assert list(pred.columns) == PREDICTIVE_COLUMNS
    assert list(pred["pattern"]) == list(doc["patterns"])
    held = {k for k, p in doc["patterns"].items() if p.get("held_out")}
    assert set(pred.loc[pred["held_out"], "pattern"]) == held
    assert (pred["draws"] == quick["predictive_draws"]).all()
    assert (pred["pred_low"] <= pred["pred_median"]).all()
    assert (pred["pred_median"] <= pred["pred_high"]).all()
    claims = pd.read_csv(out / "claims.csv")
    assert list(claims["claim"]) == [c["claim"] for c in doc["claims"]]
    assert claims["probability"].between(0, 1).all()
    design = pd.read_csv(out / "design.csv")
    assert {"wave", "point", "pattern", "value", "var", "latent", *keys} <= set(design.columns)
    assert design["point"].nunique() == quick["points"]
    checks = pd.read_csv(out / "emulators.csv")
    assert {"pattern", "r2", "z_rms", "coverage_2sd"} <= set(checks.columns)
    params = pd.read_csv(out / "parameters.csv")
    assert list(params["parameter"]) == keys and params["source"].notna().all()


def test_report_timing_and_calibrated_point(tiny):
    _, doc, out, _, _, _ = tiny
    report = (out / "report.md").read_text()
    for section in ("## Method", "## Priors and posterior", "## Predictive check",
                    "## Ordering claims", "## Emulators", "## Sampler and time"):  # fmt: skip
        assert section in report
    for chart in CHART_FILES:
        assert f"({chart})" in report
    result = json.loads((out / "calibration.json").read_text())
    assert result["quick"] is True
    stages = result["seconds"]
    assert {"design runs", "emulator fits", "MCMC", "predictive runs", "total"} <= set(stages)
    quick = doc["calibration"]["quick"]
    arms = len(result["arms"])
    runs = arms * quick["replicates"] * quick["points"]
    runs += arms * quick["predictive_draws"] * quick["predictive_replicates"]
    assert result["runs"] == runs
    point = tomllib.loads((out / "calibrated.toml").read_text())
    model_keys = [k for k in doc["parameters"] if not k.startswith("mix.")]
    for key in model_keys:
        section, name = key.rsplit(".", 1)
        prior = doc["parameters"][key]
        assert prior["low"] <= point[section][name] <= prior["high"]
    assert "mix" not in point  # a mix share is not an organisation's parameter


def test_write_scenario_replaces_the_file_and_keeps_a_backup(tiny, capsys):
    proj, _, out, before, _, argv = tiny
    capsys.readouterr()
    assert main([*argv, "--write-scenario"]) == 0
    after = (proj / "scenarios/calibrated.toml").read_text()
    assert "Written by `crmsim calibrate" in after and after.encode() != before
    assert (proj / "scenarios/calibrated.toml.bak").read_bytes() == before
    assert (out / "calibrated.toml").read_text() == after


def test_a_pattern_the_rows_cannot_support_stops_after_the_first_batch(tiny, capsys):
    proj, doc, _, _, _, _ = tiny
    bad = dict(doc, claims=[dict(doc["claims"][0], outcome="roi")])
    path = proj / "experiments/bad_claim.toml"
    path.write_text(toml_writer.dumps(bad))
    out = proj / "bad"
    assert main(["calibrate", str(path), "--quick", "--workers", "1", "--out", str(out)]) == 2
    err = cli_error(capsys)
    assert "bad_claim.toml" in err and "not a true/false field" in err
    assert not out.exists() or not any(out.iterdir())  # nothing half-written


def test_a_sweep_draws_from_the_calibrations_posterior(tiny, capsys):
    proj, doc, out, _, _, _ = tiny
    folder = proj / "drawn"
    argv = [
        "compare",
        str(proj / "scenarios/four_ps.toml"),
        str(proj / "scenarios/industry_mix.toml"),
    ]
    argv += ["--replicates", "6", "--workers", "1", "--out", str(folder), "--per-draw", "2"]
    for key, value in TINY["overrides"].items():
        argv += ["--set", f"{key}={value}"]
    capsys.readouterr()
    assert main([*argv, "--posterior", str(out / "posterior.parquet")]) == 0
    rows = pd.read_parquet(folder / "runs")
    assert sorted(rows["draw"].unique()) == [0, 1, 2]
    for key in (k for k in doc["parameters"] if not k.startswith("mix.")):
        assert rows.groupby("replicate")[f"param.{key}"].nunique().max() == 1  # same draw, all arms
    mix = rows[rows["scenario"] == "industry_mix"]
    assert mix["param.mix.technology_first"].notna().all()
    assert "param.mix.technology_first" not in rows[rows["scenario"] == "four_ps"].dropna(axis=1)
    assert main([*argv[:-2], "--out", str(proj / "x"), "--posterior", str(proj / "nope")]) == 2
    assert "--posterior" in cli_error(capsys)
