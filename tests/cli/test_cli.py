"""The ``crmsim`` command line, in process: run, validate, list, and input errors (DESIGN.md 5).

Every bad input must exit with status 2 and one line on stderr naming the file and/or key, the value
and what is allowed, with no traceback and nothing written to the output folder.
"""

from __future__ import annotations

import json
import math
import textwrap

import pandas as pd
import pytest

from sim.cli.main import main
from sim.model.outcomes import OUTCOME_FIELDS
from sim.model.params import PARAMS
from tests.common import ROOT, SCENARIOS, SHIPPED

FAST = ["--set", "org.employees=30", "--set", "org.customers=300", "--set", "horizon_weeks=60"]
TREATMENT_COLUMNS = [
    "adoption",
    "attitude",
    "skill",
    "data_quality",
    "readiness_planning",
    "readiness_people",
    "readiness_process",
    "readiness_platform",
    "fit",
    "commitment",
    "productivity",
    "csat",
    "active_customers",
    "revenue",
    "cost",
    "spend",
    "live",
]
CF_COLUMNS = [
    "cf_" + c
    for c in (
        "adoption",
        "attitude",
        "skill",
        "data_quality",
        "productivity",
        "csat",
        "active_customers",
        "revenue",
        "cost",
    )
]


# --- crmsim run -------------------------------------------------------------------------------


def test_run_writes_summary_and_timeseries(tmp_path, capsys):
    out = tmp_path / "out"
    rc = main(["run", str(SCENARIOS / "four_ps.toml"), "--seed", "7", *FAST, "--no-charts",
               "--out", str(out)])  # fmt: skip
    captured = capsys.readouterr()
    assert rc == 0, captured.err
    assert captured.err == ""
    assert sorted(p.name for p in out.iterdir()) == [
        "summary.json",
        "timeseries.csv",
        "timeseries.parquet",
    ]
    summary = json.loads((out / "summary.json").read_text())
    for field in ("scenario", "variant", "seed", "engine", *OUTCOME_FIELDS):
        assert field in summary, field
    assert summary["scenario"] == "four_ps"
    assert summary["variant"] == "four_ps"
    assert summary["seed"] == 7
    assert summary["engine"] == "numba"
    assert summary["status"] in ("never_live", "abandoned", "live")
    assert (summary["golive_week"] is None) == (summary["status"] == "never_live")
    assert isinstance(summary["met_expectations"], bool)
    assert isinstance(summary["measurable_gain"], bool)
    assert summary["overrides"] == {
        "org.employees": 30,
        "org.customers": 300,
        "horizon_weeks": 60,
    }
    ts = pd.read_parquet(out / "timeseries.parquet")
    assert len(ts) == 60
    assert ts["week"].tolist() == list(range(1, 61))
    for col in TREATMENT_COLUMNS + CF_COLUMNS:
        assert col in ts.columns, col
    assert ts["spend"].iloc[-1] == pytest.approx(summary["spend"])
    assert ts["adoption"].iloc[-1] == pytest.approx(summary["adoption_final"])
    csv = pd.read_csv(out / "timeseries.csv")
    assert list(csv.columns) == list(ts.columns)
    pd.testing.assert_frame_equal(csv, ts, check_dtype=False, atol=1e-9, rtol=1e-9)
    # The printed summary says what was written.
    assert "four_ps" in captured.out and "summary.json" in captured.out
    assert not list(tmp_path.glob(".crmsim-*"))  # no temporary folder left behind


def test_run_with_charts(tmp_path, capsys):
    out = tmp_path / "out"
    rc = main(["run", str(SCENARIOS / "start_small.toml"), *FAST, "--out", str(out)])
    assert rc == 0, capsys.readouterr().err
    assert not list((out / "charts").glob("*.svg"))  # PNG only unless asked for SVG
    rc = main(["run", str(SCENARIOS / "start_small.toml"), *FAST, "--out", str(out), "--svg"])
    assert rc == 0, capsys.readouterr().err
    pngs = sorted(p.name for p in (out / "charts").glob("*.png"))
    svgs = sorted(p.name for p in (out / "charts").glob("*.svg"))
    assert pngs and len(pngs) == len(svgs)
    for png in (out / "charts").glob("*.png"):
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "charts" in capsys.readouterr().out


def test_run_is_reproducible_and_mix_names_its_variant(tmp_path, capsys):
    args = ["run", str(SCENARIOS / "industry_mix.toml"), "--seed", "3", *FAST, "--no-charts"]
    assert main([*args, "--out", str(tmp_path / "a")]) == 0
    assert main([*args, "--out", str(tmp_path / "b")]) == 0
    a = json.loads((tmp_path / "a" / "summary.json").read_text())
    b = json.loads((tmp_path / "b" / "summary.json").read_text())
    assert a == b
    assert a["scenario"] == "industry_mix"
    assert a["variant"] in SHIPPED and a["variant"] != "industry_mix"
    capsys.readouterr()


def test_run_agents_engine(tmp_path, capsys):
    out = tmp_path / "out"
    rc = main(["run", str(SCENARIOS / "big_bang.toml"), "--engine", "agents",
               "--set", "org.employees=20", "--set", "org.customers=200",
               "--set", "horizon_weeks=40", "--no-charts", "--out", str(out)])  # fmt: skip
    assert rc == 0, capsys.readouterr().err
    assert json.loads((out / "summary.json").read_text())["engine"] == "agents"


def test_run_default_out_folder(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    rc = main(["run", str(SCENARIOS / "four_ps.toml"), "--seed", "5", *FAST, "--no-charts"])
    assert rc == 0, capsys.readouterr().err
    (folder,) = (tmp_path / "results" / "runs").iterdir()  # the --set values hashed in its name
    assert folder.name.startswith("four_ps-seed5-") and (folder / "summary.json").is_file()


def test_run_overwrites_a_previous_result(tmp_path, capsys):
    out = tmp_path / "out"
    base = ["run", str(SCENARIOS / "four_ps.toml"), *FAST, "--no-charts", "--out", str(out)]
    assert main([*base, "--seed", "1"]) == 0
    assert main([*base, "--seed", "1"]) == 0  # the same run again: replaced quietly
    assert main([*base, "--seed", "2"]) == 2  # another run: refused (issue 14) ...
    assert "--overwrite" in capsys.readouterr().err
    assert json.loads((out / "summary.json").read_text())["seed"] == 1
    assert main([*base, "--seed", "2", "--overwrite"]) == 0  # ... unless asked
    assert json.loads((out / "summary.json").read_text())["seed"] == 2
    capsys.readouterr()


# --- validate and list ------------------------------------------------------------------------


@pytest.mark.parametrize("name", SHIPPED)
def test_validate_shipped_scenarios(name, capsys):
    assert main(["validate", str(SCENARIOS / f"{name}.toml")]) == 0
    out = capsys.readouterr().out
    assert f"'{name}'" in out
    assert ("valid mix scenario" if name == "industry_mix" else "valid scenario") in out


@pytest.mark.parametrize("name", ["base", "calibrated"])
def test_validate_accepts_the_shared_settings_every_scenario_extends(name, capsys):
    # base.toml and calibrated.toml are not runnable (no rollout), but they are valid files
    assert main(["validate", str(SCENARIOS / f"{name}.toml")]) == 0
    out = capsys.readouterr().out
    assert f"valid settings '{name}'" in out and "not a runnable scenario" in out


def test_validate_checks_the_values_of_shared_settings(tmp_path, capsys):
    (tmp_path / "shared.toml").write_text('name = "shared"\n[sponsor]\nescalation = -1\n')
    assert main(["validate", str(tmp_path / "shared.toml")]) == 2
    err = capsys.readouterr().err
    assert "shared.toml" in err and "sponsor.escalation" in err and "[0, 10]" in err


def test_running_shared_settings_says_a_rollout_is_missing(tmp_path, capsys):
    assert main(["run", str(SCENARIOS / "base.toml"), "--out", str(tmp_path / "r")]) == 2
    assert "a scenario needs rollout.ordering" in capsys.readouterr().err
    assert not (tmp_path / "r").exists()


def test_validate_lists_the_plan(capsys):
    assert main(["validate", str(SCENARIOS / "four_ps.toml")]) == 0
    out = capsys.readouterr().out
    for ws in ("planning", "people", "process", "platform"):
        assert ws in out


def test_list_scenarios_and_experiments(capsys):
    assert main(["list", "--root", str(ROOT)]) == 0
    out = capsys.readouterr().out
    assert "scenarios:" in out and "experiments:" in out
    for name in SHIPPED:
        assert f"{name}.toml" in out
    assert "base.toml" not in out and "calibrated.toml" not in out
    for path in (ROOT / "experiments").glob("*.toml"):
        assert path.name in out


def test_list_params(capsys):
    assert main(["list", "--params"]) == 0
    lines = capsys.readouterr().out.splitlines()
    keys = [line.split()[0] for line in lines if line.strip()]
    assert keys == list(PARAMS)
    assert any("King & He 2006" in line for line in lines)


# --- input errors -----------------------------------------------------------------------------

PLAN = '[rollout]\nordering = ["planning", "platform"]\n'


def _files(tmp_path):
    """The bad (and good) input files the error cases refer to, by short name."""
    files = {
        "unknown_key": "[org]\nfoo = 1\n" + PLAN,
        "out_of_range": "[org]\nemployees = 1\n" + PLAN,
        "wrong_type": '[org]\nculture = "high"\n' + PLAN,
        "bad_syntax": "[org\nemployees = 30\n",
        "touchpoints": "[touchpoints]\nweb = 0.9\n" + PLAN,
        "bad_workstream": '[rollout]\nordering = ["planning", "marketing"]\n',
        "negative_duration": textwrap.dedent(
            """
            [[rollout.phases]]
            workstream = "people"
            start = 0
            duration = -3
            """
        ),
        "loop_a": 'extends = "loop_b.toml"\n' + PLAN,
        "loop_b": 'extends = "loop_a.toml"\n',
        "member_a": 'name = "member_a"\n' + PLAN,
        "member_b": 'name = "member_b"\n[rollout]\nordering = ["platform"]\n',
        "negative_weight": textwrap.dedent(
            """
            [[mix]]
            scenario = "member_a.toml"
            weight = 1
            [[mix]]
            scenario = "member_b.toml"
            weight = -1
            """
        ),
        "good_mix": '[[mix]]\nscenario = "member_a.toml"\nweight = 1\n',
        "mix_of_mix": '[[mix]]\nscenario = "good_mix.toml"\nweight = 1\n',
        "no_plan": "[org]\nemployees = 30\n",
        "good": "[org]\nemployees = 30\ncustomers = 300\n" + PLAN,
    }
    for name, text in files.items():
        (tmp_path / f"{name}.toml").write_text(text)
    (tmp_path / "a_folder").mkdir()
    (tmp_path / "a_file_out").write_text("not a folder")


# (case id, argv after the command with {d} for the tmp folder, substrings the message must hold)
ERRORS = [
    ("unknown key", ["run", "{d}/unknown_key.toml"],
     ["unknown_key.toml", "org.foo", "unknown parameter"]),
    ("out of range", ["run", "{d}/out_of_range.toml"],
     ["out_of_range.toml", "org.employees", "1", "an integer in [4, 1000000]"]),
    ("wrong type", ["run", "{d}/wrong_type.toml"],
     ["wrong_type.toml", "org.culture", "'high'", "a number in [-1, 1]"]),
    ("bad TOML", ["run", "{d}/bad_syntax.toml"], ["bad_syntax.toml", "not valid TOML"]),
    ("missing file", ["run", "{d}/missing.toml"], ["missing.toml", "not found"]),
    ("folder not file", ["run", "{d}/a_folder"], ["a_folder", "folder"]),
    ("touch points", ["run", "{d}/touchpoints.toml"],
     ["touchpoints.toml", "touchpoints", "add up to 1"]),
    ("unknown workstream", ["run", "{d}/bad_workstream.toml"],
     ["bad_workstream.toml", "rollout.ordering", "'marketing'", "planning, people, process"]),
    ("negative duration", ["run", "{d}/negative_duration.toml"],
     ["negative_duration.toml", "rollout.phases[0].duration", "-3", "[1, 1040]"]),
    ("extends loop", ["run", "{d}/loop_a.toml"], ["loop_a.toml", "extends", "loops"]),
    ("unknown engine", ["run", "{d}/good.toml", "--engine", "gpu"],
     ["--engine", "'gpu'", "numba", "agents"]),
    ("unknown flag", ["run", "{d}/good.toml", "--frobnicate"], ["--frobnicate"]),
    ("bad seed", ["run", "{d}/good.toml", "--seed", "abc"], ["--seed", "'abc'"]),
    ("set without =", ["run", "{d}/good.toml", "--set", "org.employees50"],
     ["--set", "'org.employees50'", "key=value"]),
    ("set unknown key", ["run", "{d}/good.toml", "--set", "org.colture=0.2"],
     ["good.toml", "org.colture", "unknown parameter"]),
    ("set out of range", ["run", "{d}/good.toml", "--set", "org.culture=3"],
     ["good.toml", "org.culture", "3", "a number in [-1, 1]"]),
    ("set wrong type", ["run", "{d}/good.toml", "--set", "org.employees=many"],
     ["org.employees", "'many'", "an integer"]),
    ("set bad choice", ["run", "{d}/good.toml", "--set", "rollout.golive=soft"],
     ["rollout.golive", "'soft'", "'big_bang', 'phased'"]),
    ("negative mix weight", ["run", "{d}/negative_weight.toml"],
     ["negative_weight.toml", "mix[1].weight", "-1", "positive number"]),
    ("mix of a mix", ["run", "{d}/mix_of_mix.toml"],
     ["mix_of_mix.toml", "mix[0].scenario", "good_mix.toml", "cannot itself be a mix"]),
    ("no rollout plan", ["run", "{d}/no_plan.toml"],
     ["no_plan.toml", "rollout", "rollout.ordering or [[rollout.phases]]"]),
    ("out is a file", ["run", "{d}/good.toml", "--out", "{d}/a_file_out"],
     ["--out", "a_file_out", "folder"]),
    ("validate unknown key", ["validate", "{d}/unknown_key.toml"],
     ["unknown_key.toml", "org.foo", "unknown parameter"]),
    ("validate bad TOML", ["validate", "{d}/bad_syntax.toml"],
     ["bad_syntax.toml", "not valid TOML"]),
    ("validate missing", ["validate", "{d}/missing.toml"], ["missing.toml", "not found"]),
    ("validate folder", ["validate", "{d}/a_folder"], ["a_folder", "folder"]),
    ("unknown command", ["fly"], ["'fly'", "run", "validate"]),
    ("no command", [], ["command"]),
]  # fmt: skip


@pytest.mark.parametrize("argv, needles", [e[1:] for e in ERRORS], ids=[e[0] for e in ERRORS])
def test_input_errors_exit_2_with_one_line(tmp_path, capsys, argv, needles):
    _files(tmp_path)
    out = tmp_path / "out"
    argv = [a.format(d=tmp_path) for a in argv]
    if argv and argv[0] == "run" and "--out" not in argv:
        argv += ["--no-charts", "--out", str(out)]
    rc = main(argv)
    captured = capsys.readouterr()
    err = captured.err
    assert rc == 2, err
    assert "Traceback" not in err
    assert err.startswith("crmsim: error: ")
    assert err.endswith("\n") and err.count("\n") == 1, err
    for needle in needles:
        assert needle in err, f"{needle!r} not in {err!r}"
    assert not out.exists()
    assert (tmp_path / "a_file_out").read_text() == "not a folder"
    assert not list(tmp_path.glob(".crmsim-*"))
    assert not (tmp_path / "results").exists()


def test_error_cases_cover_the_brief():
    # At least twelve distinct bad inputs, each a separate parametrised case above.
    assert len({e[0] for e in ERRORS}) == len(ERRORS) >= 12


def test_error_leaves_an_existing_result_untouched(tmp_path, capsys):
    out = tmp_path / "out"
    good = ["run", str(SCENARIOS / "four_ps.toml"), *FAST, "--no-charts", "--out", str(out)]
    assert main(good) == 0
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    assert main([*good, "--set", "org.culture=3"]) == 2
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    capsys.readouterr()


def test_summary_nan_golive_is_json_null(tmp_path, capsys):
    # A run that cannot go live within 5 weeks: golive_week is NaN in Python, null in JSON.
    out = tmp_path / "out"
    rc = main(["run", str(SCENARIOS / "four_ps.toml"), *FAST, "--set", "horizon_weeks=5",
               "--no-charts", "--out", str(out)])  # fmt: skip
    assert rc == 0
    text = (out / "summary.json").read_text()
    assert "NaN" not in text
    summary = json.loads(text)
    assert summary["golive_week"] is None
    assert summary["status"] == "never_live"
    assert "never went live" in capsys.readouterr().out
    assert not math.isnan(summary["spend"])
