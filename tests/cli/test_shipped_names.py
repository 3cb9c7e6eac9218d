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
