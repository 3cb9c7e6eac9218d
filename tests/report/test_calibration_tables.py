"""docs/calibration.md's tables come from results/reference (sim.report.calibration_tables)."""

from __future__ import annotations

import pytest

from sim.report import calibration_tables


def test_render_replaces_only_the_marked_block():
    text = "intro\n<!-- calibration:fit -->\nold | table\n<!-- /calibration:fit -->\nrest\n"
    out = calibration_tables.render(text, "| new |")
    assert out == "intro\n<!-- calibration:fit -->\n| new |\n<!-- /calibration:fit -->\nrest\n"
    assert calibration_tables.render(out, "| new |") == out  # idempotent


def test_a_missing_block_is_an_error():
    with pytest.raises(ValueError, match="calibration:fit"):
        calibration_tables.render("no markers here", "x")


def test_fit_tables_show_posteriors_predictive_intervals_and_claims():
    import pandas as pd

    params = pd.DataFrame(
        [
            {"parameter": "org.complexity", "prior": "uniform", "low": 0.4, "high": 1.6,
             "mean": float("nan"), "sd": float("nan"), "post_median": 0.81234,
             "post_low": 0.7, "post_high": 0.9},
        ]
    )  # fmt: skip
    predictive = pd.DataFrame(
        [
            {"pattern": "mix_failed", "kind": "rate", "held_out": False, "observed": 0.55,
             "low": 0.5, "high": 0.63, "pred_low": 0.52, "pred_median": 0.56,
             "pred_high": 0.6, "inside": True},
            {"pattern": "tf_vs_4ps", "kind": "difference", "held_out": True,
             "observed": float("nan"), "low": 0.0, "high": 1.0, "pred_low": 0.3,
             "pred_median": 0.4, "pred_high": 0.5, "inside": True},
        ]
    )  # fmt: skip
    claims = pd.DataFrame([{"claim": "tf fails more", "probability": 0.987}])
    text = calibration_tables.fit_tables(params, predictive, claims)
    assert "| `org.complexity` | uniform(0.4, 1.6) | 0.8123 | 0.7 to 0.9 |" in text
    assert "| mix_failed | no | 55.0% (50.0% to 63.0%) | 56.0% [52.0%, 60.0%] | yes |" in text
    assert (
        "| tf_vs_4ps | yes | +0.0 pp to +100.0 pp | +40.0 pp [+30.0 pp, +50.0 pp] | yes |" in text
    )
    assert "| tf fails more | 0.99 |" in text


def test_shipped_readme_calibration_tables_match_the_reference(capsys):
    assert calibration_tables.main(["--readme", str(calibration_tables.PAGE), "--check"]) == 0, (
        capsys.readouterr().err
    )
