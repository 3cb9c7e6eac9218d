"""The experiment commands, in-process: sweep, compare, calibrate, report, and their bad inputs."""

from __future__ import annotations

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


@pytest.mark.parametrize(
    "argv, key",
    [
        (["sweep", "nope.toml"], "nope.toml"),
        (["sweep", "experiments/smoke.toml", "--workers", "0"], "--workers"),
        (
            ["sweep", "experiments/smoke.toml", "--scheduler", "x", "--dask-local", "2"],
            "--dask-local",
        ),
        (["compare", "scenarios/four_ps.toml", "--replicates", "-3"], "--replicates"),
        (["calibrate", "scenarios/four_ps.toml"], "parameters"),
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
