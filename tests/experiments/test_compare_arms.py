"""Comparison arms: one scenario file compared with itself under other settings, with labels."""

from __future__ import annotations

import pandas as pd
import pytest

from sim.cli.experiments import parse_arm
from sim.cli.main import main
from sim.errors import InputError
from sim.experiments.experiment import build_runs, check_scenarios, experiment_from_dict
from sim.model.scenario import load_scenario
from tests.common import ROOT

FOUR = str(ROOT / "scenarios/four_ps.toml")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("scen.toml", "scen.toml"),
        ("scen.toml:a.b=2", {"scenario": "scen.toml", "overrides": {"a.b": 2}}),
        (
            "dir/scen.toml:a.b=2,c.d=0.5@fast",
            {"scenario": "dir/scen.toml", "overrides": {"a.b": 2, "c.d": 0.5}, "label": "fast"},
        ),
        ("four_ps:x.y=true", {"scenario": "four_ps", "overrides": {"x.y": True}}),
        ("four_ps@again", {"scenario": "four_ps", "overrides": {}, "label": "again"}),
    ],
)
def test_parse_arm(text, expected):
    assert parse_arm(text) == expected


@pytest.mark.parametrize("text", ["scen.toml:novalue", "scen.toml@"])
def test_parse_arm_rejects(text):
    with pytest.raises(InputError):
        parse_arm(text)


def test_arms_of_one_file_get_labels_overrides_and_common_seeds():
    raw = {
        "name": "arms",
        "scenarios": [
            FOUR,
            {"scenario": FOUR, "label": "trained", "overrides": {"rollout.effort.people": 2.0}},
            {"scenario": FOUR, "overrides": {"rollout.vendor_pressure": 0.9}},
        ],
        "replicates": 2,
        "overrides": {"org.employees": 20},
    }
    spec = experiment_from_dict(raw, base_dir=ROOT)
    names = check_scenarios(spec, load_scenario)
    assert names == ["four_ps", "trained", "four_ps[rollout.vendor_pressure=0.9]"]
    runs = build_runs(spec, names)
    by = {(r.scenario, r.replicate): r for r in runs}
    assert by[("trained", 0)].overrides == {"org.employees": 20, "rollout.effort.people": 2.0}
    assert by[("four_ps", 0)].overrides == {"org.employees": 20}
    assert by[("trained", 1)].seed == by[("four_ps", 1)].seed != by[("four_ps", 0)].seed
    assert "scenario_sha256" in spec.to_dict()


@pytest.mark.parametrize(
    ("arm", "key"),
    [
        ({"scenario": FOUR, "label": "bad label"}, "scenarios[1].label"),
        ({"scenario": FOUR, "colour": "red"}, "scenarios[1].colour"),
        ({"scenario": FOUR}, "scenarios"),  # the same file twice with the same (no) overrides
    ],
)
def test_bad_arms_name_their_key(arm, key):
    with pytest.raises(InputError) as err:
        experiment_from_dict({"name": "x", "scenarios": [FOUR, arm]}, base_dir=ROOT)
    assert err.value.key == key


def test_bad_arm_value_is_status_2(capsys):
    assert main(["compare", FOUR, FOUR + ":rollout.effort.people=99@x", "--replicates", "1"]) == 2
    err = capsys.readouterr().err
    assert "scenarios[1].overrides.rollout.effort.people" in err and "[0, 5]" in err


def test_compare_cli_with_arms_and_labels(tmp_path, capsys):
    out = tmp_path / "cmp"
    small = "org.employees=20,org.customers=200,horizon_weeks=60"
    code = main(
        [
            "compare",
            f"{FOUR}:{small}",
            f"{FOUR}:{small},rollout.effort.people=3.0@trained",
            "--replicates",
            "3",
            "--workers",
            "1",
            "--baseline",
            "trained",
            "--out",
            str(out),
        ]
    )
    assert code == 0
    summary = pd.read_csv(out / "summary.csv")
    assert "trained" in set(summary["scenario"])
    paired = pd.read_csv(out / "paired.csv")
    assert set(paired["baseline"]) == {"trained"}
    assert (out / "report.html").is_file()
