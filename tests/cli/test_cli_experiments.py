"""The experiment commands, in-process: sweep, compare, calibrate, report, and their bad inputs."""

from __future__ import annotations

import json
import shutil

import pandas as pd
import pytest

from sim.cli.main import main
from tests.common import ROOT

SMALL = ["--set", "org.employees=20", "--set", "org.customers=200", "--set", "horizon_weeks=60"]


def test_sweep_smoke_and_report(tmp_path, capsys):
    out = tmp_path / "smoke"
    assert (
        main(["sweep", str(ROOT / "experiments/smoke.toml"), "--out", str(out), "--workers", "1"])
        == 0
    )
    printed = capsys.readouterr().out
    assert "9 runs ok, 0 errors" in printed
    summary = pd.read_csv(out / "summary.csv")
    assert set(summary.metric) >= {
        "never_live",
        "abandoned",
        "failed",
        "measurable_gain",
        "met_expectations",
        "adoption_mean",
        "roi_median",
    }
    assert main(["report", str(out)]) == 0
    assert (out / "report.html").exists() and list((out / "charts").glob("*.png"))
    # a finished sweep is not silently overwritten
    assert main(["sweep", str(ROOT / "experiments/smoke.toml"), "--out", str(out)]) == 2
    assert "--resume" in capsys.readouterr().err


def test_compare_prints_table_and_writes_report(tmp_path, capsys):
    out = tmp_path / "cmp"
    rc = main(
        [
            "compare",
            str(ROOT / "scenarios/technology_first.toml"),
            str(ROOT / "scenarios/four_ps.toml"),
            "--replicates",
            "4",
            "--workers",
            "1",
            "--out",
            str(out),
            *SMALL,
        ]
    )
    assert rc == 0
    printed = capsys.readouterr().out
    assert "technology_first" in printed and "four_ps" in printed
    assert (out / "report.html").exists()


def test_calibrate_quick_writes_report_and_values(tmp_path, capsys):
    exp = tmp_path / "experiments"
    exp.mkdir()
    shutil.copytree(ROOT / "scenarios", tmp_path / "scenarios")
    text = (ROOT / "experiments/calibration.toml").read_text()
    (exp / "calibration.toml").write_text(text)
    # shrink the organisation so the quick search runs in seconds
    base = tmp_path / "scenarios" / "base.toml"
    base.write_text(
        base.read_text()
        .replace("employees = 200", "employees = 30")
        .replace("customers = 5000", "customers = 300")
    )
    before = (tmp_path / "scenarios/calibrated.toml").read_text()
    rc = main(
        [
            "calibrate",
            str(exp / "calibration.toml"),
            "--quick",
            "--workers",
            "1",
            "--out",
            str(tmp_path / "cal"),
            "--write-scenario",
        ]
    )
    assert rc == 0
    result = json.loads((tmp_path / "cal/calibration.json").read_text())
    assert set(result["parameters"]) == {
        "org.complexity",
        "employee.utaut_b0",
        "employee.productivity_gain",
    }
    assert result["n"] == 40
    assert sum(c["n"] for c in result["by_variant"].values()) == 40
    assert "## The final runs by ordering" in (tmp_path / "cal/report.md").read_text()
    after = (tmp_path / "scenarios/calibrated.toml").read_text()
    assert after != before and "Written by `crmsim calibrate" in after
    assert (tmp_path / "scenarios/calibrated.toml.bak").read_text() == before
    assert (tmp_path / "cal/calibrated.toml").read_text() == after
    tried = pd.read_csv(tmp_path / "cal/tried.csv")
    assert len(tried) == 5 and "distance" in tried


def test_calibration_report_reweights_the_technology_first_share():
    from sim.analysis.calibration_report import tf_share_rows

    def counts(n, never, failed, gain):
        return {
            "n": n,
            "never_live": never,
            "abandoned": 0,
            "failed": failed,
            "measurable_gain": gain,
        }

    by_variant = {
        "technology_first": counts(100, 10, 80, 0),
        "four_ps": counts(50, 0, 10, 25),
        "big_bang": counts(50, 5, 20, 10),
    }
    weights = {"technology_first": 0.5, "four_ps": 0.25, "big_bang": 0.25}
    rows = {r["share"]: r for r in tf_share_rows(by_variant, weights)}
    # share 0.5 reproduces the mix's own weights; the others keep their 1:1 proportion
    assert rows[0.5]["failed"] == pytest.approx(0.5 * 0.8 + 0.25 * 0.2 + 0.25 * 0.4)
    assert rows[0.3]["measurable_gain"] == pytest.approx(0.35 * 0.5 + 0.35 * 0.2)
    assert rows[0.7]["never_live"] == pytest.approx(0.7 * 0.1 + 0.15 * 0.1)
    assert rows[0.3]["failed"] < rows[0.7]["failed"]  # technology first fails most
    assert tf_share_rows({"four_ps": by_variant["four_ps"]}, weights) == []  # not in the runs


@pytest.mark.parametrize(
    "argv, key",
    [
        (["sweep", "nope.toml"], "nope.toml"),
        (["sweep", "experiments/smoke.toml", "--workers", "0"], "flags"),
        (["sweep", "experiments/smoke.toml", "--scheduler", "x", "--dask-local", "2"], "flags"),
        (["compare", "scenarios/four_ps.toml", "--replicates", "-3"], "flags"),
        (["calibrate", "scenarios/four_ps.toml"], "targets"),
        (["report", "scenarios"], "manifest"),
    ],
)
def test_bad_experiment_inputs_exit_2(argv, key, capsys, monkeypatch):
    monkeypatch.chdir(ROOT)
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("crmsim: error:") and "Traceback" not in err
    assert key in err


def test_sweep_with_a_failing_run_exits_1_and_names_it(tmp_path, capsys, monkeypatch):
    import sim

    real = sim.run

    def flaky(scenario, seed=0, engine="numba"):
        if scenario.name == "four_ps":
            raise RuntimeError("simulated failure")
        return real(scenario, seed=seed, engine=engine)

    monkeypatch.setattr(sim, "run", flaky)
    out = tmp_path / "smoke"
    rc = main(["sweep", str(ROOT / "experiments/smoke.toml"), "--out", str(out), "--workers", "1"])
    assert rc == 1
    err = capsys.readouterr().err
    assert "3 runs raised" in err and "four_ps" in err and "simulated failure" in err
    assert "Traceback" not in err
