"""The README's calibration tables come from results/reference (sim.report.calibration_tables)."""

from __future__ import annotations

import pytest

from sim.report import calibration_tables
from tests.common import ROOT


def test_render_replaces_only_the_marked_block():
    text = "intro\n<!-- calibration:fit -->\nold | table\n<!-- /calibration:fit -->\nrest\n"
    out = calibration_tables.render(text, "| new |")
    assert out == "intro\n<!-- calibration:fit -->\n| new |\n<!-- /calibration:fit -->\nrest\n"
    assert calibration_tables.render(out, "| new |") == out  # idempotent


def test_a_missing_block_is_an_error():
    with pytest.raises(ValueError, match="calibration:fit"):
        calibration_tables.render("no markers here", "x")


def test_fit_tables_show_targets_and_bounds():
    result = {
        "targets": {"failed": {"target": 0.55, "low": 0.5, "high": 0.63}},
        "intervals": {"failed": [0.6, 0.57, 0.63]},
        "parameters": {"org.complexity": 0.81234},
    }
    text = calibration_tables.fit_tables(result, {"org.complexity": (0.65, 0.95)})
    assert "| failed | 55% | 60.0% | 57.0 to 63.0% |" in text
    assert "| `org.complexity` | 0.8123 | 0.65 to 0.95 |" in text


def test_shipped_readme_calibration_tables_match_the_reference(capsys):
    assert calibration_tables.main(["--readme", str(ROOT / "README.md"), "--check"]) == 0, (
        capsys.readouterr().err
    )
