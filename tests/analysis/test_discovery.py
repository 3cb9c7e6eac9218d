"""Scenario discovery: PRIM finds a planted box; feature scores rank the input that matters."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from sim.analysis.discovery import case_table, discover
from sim.errors import InputError
from sim.experiments.experiment import experiment_from_dict
from sim.experiments.sweep import run_experiment
from tests import analysis_helpers as ah


@pytest.fixture(scope="module")
def planted(tmp_path_factory):
    """An LHS sweep of two orderings where runs fail iff customer.w_base > 0.7 (5% flipped) in
    'fragile' and never in 'robust'."""
    tmp = tmp_path_factory.mktemp("disc")
    names = ah.stub_scenarios(tmp, ("fragile", "robust"))
    spec = experiment_from_dict(
        {
            "name": "planted",
            "scenarios": names,
            "replicates": 2,
            "root_seed": 3,
            "batch_size": 100,
            "keep_series": 0,
            "design": {
                "type": "lhs",
                "samples": 300,
                "parameters": {
                    "customer.w_base": {"low": 0.0, "high": 1.0},
                    "customer.w_skill": {"low": 0.0, "high": 1.0},
                    "org.network_k": {"low": 2, "high": 10, "type": "integer"},
                },
            },
        },
        base_dir=tmp,
    )
    out = tmp / "out"
    run_experiment(
        spec, out, execution=1, progress=False, run_fn=ah.threshold_run, load_fn=ah.stub_load
    )
    return out


def test_prim_finds_the_planted_box(planted):
    summary = discover(planted, "failed", nr_trees=50)
    box = summary["chosen_box"]
    limits = {r["input"]: r for r in box["limits"]}
    assert "customer.w_base" in limits
    assert limits["customer.w_base"]["lower"] == pytest.approx(0.7, abs=0.05)
    if "customer.w_skill" in limits:  # a spurious restriction PRIM may make is not significant
        skill = limits["customer.w_skill"]
        assert min(q for q in (skill["qp_lower"], skill["qp_upper"]) if q is not None) > 0.05
    assert limits["ordering"]["lower"] == "fragile"
    assert box["density"] > 0.8 and box["coverage"] >= 0.5
    assert limits["customer.w_base"]["qp_lower"] < 0.05
    traj = pd.read_csv(planted / "discovery" / "failed" / "trajectory.csv")
    assert {"coverage", "density", "mass", "res_dim", "chosen"} <= set(traj.columns)
    assert traj["chosen"].sum() == 1
    saved = json.loads((planted / "discovery" / "failed" / "summary.json").read_text())
    assert saved["chosen_box"]["index"] == box["index"]


def test_feature_scores_per_ordering(planted):
    discover(planted, "failed", nr_trees=50)
    scores = pd.read_csv(planted / "discovery" / "failed" / "feature_scores.csv")
    assert list(scores.columns) == ["input", "all runs", "fragile", "robust"]
    fragile = scores.set_index("input")["fragile"].dropna()
    assert fragile.idxmax() == "customer.w_base"
    # the ordering explains much of it across all runs: robust never fails
    top_two = scores.sort_values("all runs", ascending=False)["input"].head(2).tolist()
    assert "ordering" in top_two


def test_a_chosen_index_and_bad_arguments(planted):
    s = discover(planted, "failed", box=0, nr_trees=20)
    assert s["chosen_box"]["index"] == 0 and s["chosen_box"]["limits"] == []
    with pytest.raises(InputError, match="trajectory index"):
        discover(planted, "failed", box=10_000, nr_trees=20)
    with pytest.raises(InputError, match="allowed"):
        discover(planted, "roi")
    with pytest.raises(InputError, match="nothing to discover"):
        discover(planted, "never_live")
    with pytest.raises(InputError, match="not a parameter column"):
        discover(planted, "failed", inputs=["org.nonsense"])


def test_case_table_needs_a_design(tmp_path):
    runs = pd.DataFrame(
        {
            "run_id": [0, 1],
            "scenario": ["a", "a"],
            "point": [0, 0],
            "error": [None, None],
            "status": ["live", "live"],
            "met_expectations": [True, False],
            "business_case_met": [False, False],
            "measurable_gain": [False, False],
            "param.org.culture": [0.0, 0.0],
        }
    )
    with pytest.raises(InputError, match="no parameter varies"):
        case_table(runs, "failed")
