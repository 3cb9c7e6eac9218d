"""A shipped scenario or experiment is found by name from any folder (sim/shipped.py), and a file
the user names always wins over a shipped one."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import sim
from sim.cli.main import main
from sim.errors import InputError
from sim.experiments.experiment import load_experiment
from sim.shipped import find_file, shipped_dir, shipped_files
from tests.common import FAST, ROOT, SHIPPED, cli_error


@pytest.fixture
def elsewhere(tmp_path, monkeypatch):
    """A working folder that is not the checkout (nothing named scenarios/ or experiments/)."""
    folder = tmp_path / "elsewhere"
    folder.mkdir()
    monkeypatch.chdir(folder)
    return folder


def test_the_shipped_folders_are_the_checkouts_in_an_editable_install():
    assert shipped_dir("scenarios") == ROOT / "scenarios"
    assert shipped_dir("experiments") == ROOT / "experiments"
    assert {p.stem for p in shipped_files("scenarios")} == set(SHIPPED)  # base, calibrated: layers


def test_list_from_another_folder_lists_every_shipped_file(elsewhere, capsys):
    assert main(["list"]) == 0
    out = capsys.readouterr().out
    for name in SHIPPED:
        assert f"{name}.toml" in out
    for path in (ROOT / "experiments").glob("*.toml"):
        assert path.name in out


def test_run_a_shipped_scenario_by_name_from_another_folder(elsewhere, capsys):
    assert main(["run", "four_ps", "--seed", "3", "--no-charts", "--out", "r", *FAST]) == 0
    summary = json.loads((elsewhere / "r" / "summary.json").read_text())
    assert summary["scenario"] == "four_ps" and summary["seed"] == 3


@pytest.mark.parametrize(
    ("name", "says"),
    [
        ("four_ps", "valid scenario 'four_ps'"),
        ("four_ps.toml", "valid scenario 'four_ps'"),
        ("industry_mix", "valid mix scenario 'industry_mix'"),
        ("failure_rates", "valid experiment 'failure_rates'"),  # ../scenarios paths resolve
    ],
)
def test_validate_a_shipped_file_by_name(elsewhere, capsys, name, says):
    assert main(["validate", name]) == 0
    assert says in capsys.readouterr().out


def test_an_unknown_name_says_what_ships(elsewhere, capsys):
    assert main(["run", "four_pz", *FAST]) == 2
    err = cli_error(capsys)
    assert "four_pz" in err and "no shipped scenario has that name" in err
    assert "four_ps" in err  # the names that do exist
    assert list(elsewhere.iterdir()) == []  # nothing written


def test_a_file_of_the_same_name_here_wins(elsewhere, capsys):
    base = (ROOT / "scenarios" / "base.toml").as_posix()
    (elsewhere / "four_ps.toml").write_text(
        f'name = "mine"\nextends = "{base}"\n[rollout]\nordering = ["platform"]\n'
    )
    assert main(["validate", "four_ps.toml"]) == 0
    assert "valid scenario 'mine'" in capsys.readouterr().out
    assert find_file("four_ps.toml") == Path("four_ps.toml")
    assert find_file("four_ps") == ROOT / "scenarios" / "four_ps.toml"  # only .toml named it


def test_a_path_with_a_folder_is_never_looked_up(elsewhere):
    with pytest.raises(InputError, match="file not found"):
        sim.load_scenario("nowhere/four_ps.toml")
    assert find_file("nowhere/four_ps") == Path("nowhere/four_ps")  # left to the reader


def test_the_python_api_takes_names_too(elsewhere):
    assert sim.load_scenario("start_small").name == "start_small"
    spec = load_experiment("smoke")
    assert all(p.startswith(str(ROOT / "scenarios")) for p in spec.scenario_paths)


# --- a client's scenario written anywhere extends the shipped organisation and calibration ---


@pytest.mark.parametrize("base", ["base.toml", "base", "four_ps"])
def test_a_scenario_elsewhere_extends_a_shipped_one_by_name(elsewhere, capsys, base):
    from sim.model.scenario import load_scenario, uses_calibration

    (elsewhere / "client.toml").write_text(
        f'name = "client"\nextends = "{base}"\n[org]\nemployees = 120\n'
        '[rollout]\nordering = ["planning", "people", "process", "platform"]\n'
    )
    scen = load_scenario(elsewhere / "client.toml")
    shipped = load_scenario("four_ps")
    assert scen.values["org.employees"] == 120
    assert scen.values["org.complexity"] == shipped.values["org.complexity"]  # calibrated
    assert uses_calibration(elsewhere / "client.toml")
    assert main(["run", str(elsewhere / "client.toml"), "--no-charts", "--out", "r", *FAST]) == 0
    assert "note:" not in capsys.readouterr().err


def test_a_file_beside_the_scenario_wins_over_a_shipped_one(elsewhere):
    from sim.model.scenario import load_scenario

    (elsewhere / "base.toml").write_text("[org]\nemployees = 77\n")
    (elsewhere / "client.toml").write_text(
        'name = "client"\nextends = "base.toml"\n[rollout]\nordering = ["people", "platform"]\n'
    )
    assert load_scenario(elsewhere / "client.toml").values["org.employees"] == 77


def test_a_bad_extends_names_the_shipped_scenarios(elsewhere, capsys):
    (elsewhere / "client.toml").write_text('name = "client"\nextends = "bsae.toml"\n')
    assert main(["validate", str(elsewhere / "client.toml")]) == 2
    err = cli_error(capsys)
    assert "'extends'" in err and "bsae.toml" in err and "base, " in err and "four_ps" in err


def test_a_scenario_without_the_calibration_is_said_to_run_on_defaults(elsewhere, capsys):
    """Without `extends` a client's file silently ran on the parameters' defaults (another
    model's numbers): run and validate now say so on stderr, and still do what was asked."""
    (elsewhere / "bare.toml").write_text(
        'name = "bare"\n[rollout]\nordering = ["planning", "people", "process", "platform"]\n'
    )
    assert main(["validate", str(elsewhere / "bare.toml")]) == 0
    assert 'add extends = "base.toml"' in capsys.readouterr().err
    assert main(["run", str(elsewhere / "bare.toml"), "--no-charts", "--out", "r", *FAST]) == 0
    captured = capsys.readouterr()
    assert "bare" in captured.out and "runs on the parameters' defaults" in captured.err
    assert main(["validate", "four_ps"]) == 0
    assert "note:" not in capsys.readouterr().err
    # a self-contained file (the dashboard's export) writes the calibrated values themselves
    (elsewhere / "whole.toml").write_text(
        (elsewhere / "bare.toml").read_text() + "[org]\ncomplexity = 0.76\n"
    )
    assert main(["validate", str(elsewhere / "whole.toml")]) == 0
    assert "note:" not in capsys.readouterr().err
