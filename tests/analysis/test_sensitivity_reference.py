"""The shipped sensitivity results: the files other tools read, and ODD section 8 written from them.

``results/reference/sensitivity`` is the analysis folder of a run of
``experiments/sensitivity.toml``; ``results/reference/sensitivity/screening`` the Morris screening
that chose its parameters. The checks hold the files to their columns and to each other, and
docs/ODD.md section 8 to what its generator writes from them (never typed by hand).
"""

from __future__ import annotations

import json

import pandas as pd
import pytest

from sim.analysis.sensitivity_report import TOP, WIDTH_TARGET
from sim.report.odd_sensitivity import BEGIN, END, _morris, _sobol
from tests.common import ROOT

REFERENCE = ROOT / "results" / "reference" / "sensitivity"
SCREENING = REFERENCE / "screening"


def test_indices_have_salibs_columns_and_every_parameter():
    idx = pd.read_csv(REFERENCE / "indices.csv")
    assert list(idx.columns[:6]) == ["output", "parameter", "S1", "S1_conf", "ST", "ST_conf"]
    assert idx["parameter"].nunique() >= 20
    v3 = {
        "sponsor.day_job_drain",
        "sponsor.rescope_cut",
        "programme.budget_cut",
        "programme.scope_work",
        "employee.sponsor_lead",
        "sponsor.expectation_base",
    }
    assert v3 <= set(idx["parameter"])
    assert not idx.duplicated(["output", "parameter"]).any()


def test_the_verdicts_agree_with_the_table():
    """summary.json's width verdict is the table's, for every output with indices."""
    summary = json.loads((REFERENCE / "summary.json").read_text())
    idx = pd.read_csv(REFERENCE / "indices.csv")
    checks = pd.read_csv(REFERENCE / "emulator.csv").set_index("output")
    for name, entry in summary["outputs"].items():
        if name in summary["constant_outputs"]:
            continue
        top = idx[idx["output"] == name].nlargest(TOP, "ST")
        widest = float((2 * top["ST_conf"]).max())
        assert entry["widest_top_interval"] == pytest.approx(widest, rel=1e-9)
        assert entry["intervals_narrow"] == (widest <= WIDTH_TARGET)
        assert entry["emulator"]["passed"] == bool(checks.loc[name, "passed"])
        assert entry["target_met"] == (entry["intervals_narrow"] and entry["emulator"]["passed"])


#: Outputs of the shipped run whose five largest total indices' widest interval misses the 0.1
#: target, with the width docs/sensitivity.md reports: none at the 1,200-point design
#: (business_case_met's was 0.119 at 800 points and 0.102 at 1,000).
KNOWN_WIDE: dict[str, float] = {}


def test_the_shipped_run_meets_the_width_target_with_passed_emulators():
    """docs/sensitivity.md says so of the shipped run: every output's emulator passed its held-out
    check, and its five largest total indices have intervals at most 0.1 wide except the misses
    it names (KNOWN_WIDE, at the width it gives: a wider one, or a new miss, fails here)."""
    summary = json.loads((REFERENCE / "summary.json").read_text())
    outputs = {k: v for k, v in summary["outputs"].items() if k not in summary["constant_outputs"]}
    assert "failed" in outputs
    assert all(entry["emulator"]["passed"] for entry in outputs.values())
    widths = {k: v["widest_top_interval"] for k, v in outputs.items()}
    assert all(entry["target_met"] for k, entry in outputs.items() if k not in KNOWN_WIDE), widths
    for name, width in KNOWN_WIDE.items():
        assert not outputs[name]["target_met"]  # a met target belongs out of KNOWN_WIDE
        assert widths[name] == pytest.approx(width, abs=0.0005)
    text = (ROOT / "docs" / "sensitivity.md").read_text()
    for name, width in KNOWN_WIDE.items():
        assert f"{name}'s widest top-5 interval is {width}" in text


def test_odd_section_8_is_generated_from_the_shipped_results():
    text = (ROOT / "docs" / "ODD.md").read_text()
    block = text.split(BEGIN, 1)[1].split(END, 1)[0]
    assert "\n".join(_sobol(REFERENCE)) in block
    assert "\n".join(_morris(SCREENING, REFERENCE)) in block
    assert "not among the Sobol' analysis's parameters" in block


def test_screening_has_morris_columns():
    idx = pd.read_csv(SCREENING / "indices.csv")
    assert {"output", "parameter", "mu", "mu_star", "mu_star_conf", "sigma"} <= set(idx.columns)
    assert idx["parameter"].nunique() > 80


def test_the_screening_separates_its_leader_from_zero():
    """A screening that screens: for every output the largest mu* lies above its own bootstrap
    interval's half-width, so the leader is told apart from no effect. The screening of 2 runs a
    point on 10 trajectories, around params.py's defaults, failed this for every output (its
    leaders' mu* 0.075 to 2.3 against half-widths 0.14 to 1.4)."""
    idx = pd.read_csv(SCREENING / "indices.csv")
    for output, rows in idx.groupby("output"):
        top = rows.nlargest(1, "mu_star").iloc[0]
        assert top["mu_star"] > top["mu_star_conf"], (output, top["parameter"])
