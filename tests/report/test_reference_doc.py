"""The README's reference tables are the committed reference sweep's, written by a command."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sim.report import reference_doc
from tests.common import ROOT


def _block(text: str, name: str) -> str:
    start = text.index(f"<!-- reference:{name} -->\n") + len(f"<!-- reference:{name} -->\n")
    return text[start : text.index(f"\n<!-- /reference:{name} -->")]


def test_readme_tables_are_the_reference_sweep():
    """From the posterior sweep (predictive intervals) when it is committed, else the point one."""
    posterior = ROOT / "results/reference/failure_rates_posterior/summary.csv"
    if posterior.exists():
        summary, label = pd.read_csv(posterior), reference_doc.POSTERIOR_LABEL
    else:
        summary = pd.read_csv(ROOT / "results/reference/failure_rates/summary.csv")
        label = reference_doc.POINT_LABEL
    readme = (ROOT / "README.md").read_text()
    assert _block(readme, "mix") == reference_doc.mix_table(summary, label)
    assert _block(readme, "orderings") == reference_doc.orderings_table(summary)


def test_tables_show_each_rate_with_its_interval():
    metrics = ("never_live", "abandoned", "failed", "financial_failure", "measurable_gain")
    summary = pd.DataFrame(
        [
            ("industry_mix", m, v, v - 0.01, v + 0.02, 1000)
            for m, v in zip(metrics, (0.1, 0.3, 0.6, 0.65, 0.15), strict=True)
        ],
        columns=["scenario", "metric", "value", "ci_low", "ci_high", "n"],
    )
    table = reference_doc.orderings_table(summary)
    # financial failure (not paid back), summary.csv's own rate, beside failed
    assert "| industry_mix | 10.0% [9.0, 12.0] | 30.0% [29.0, 32.0] | 60.0% [59.0, 62.0] |" in table
    assert "| 65.0% [64.0, 67.0] | 15.0% [14.0, 17.0] |" in table
    mix = reference_doc.mix_table(summary, reference_doc.POSTERIOR_LABEL)
    assert "| figure | model (industry mix) | 95% posterior predictive |" in mix
    assert "| failed (missed expectations) | 60.0% | 59.0% to 62.0% | 55% |" in mix
    assert "| financial failure (not paid back) | 65.0% | 64.0% to 67.0% | more than half |" in mix


def test_a_readme_without_markers_is_refused():
    with pytest.raises(ValueError, match="reference:mix"):
        reference_doc.replace_block("no markers here", "mix", "table")
    text = "a\n<!-- reference:mix -->\nold\n<!-- /reference:mix -->\nb"
    assert reference_doc.replace_block(text, "mix", "new") == (
        "a\n<!-- reference:mix -->\nnew\n<!-- /reference:mix -->\nb"
    )
    empty = "<!-- reference:mix -->\n<!-- /reference:mix -->"
    assert reference_doc.replace_block(empty, "mix", "t") == (
        "<!-- reference:mix -->\nt\n<!-- /reference:mix -->"
    )


def test_bench_block_keeps_the_report_without_its_title():
    from sim.bench.readme import bench_block

    md = "# crmsim bench (full)\n\n2 CPUs, load 1\n\n| figure | value |\n|---|---|\n| a | 1 |\n"
    assert bench_block(md) == "2 CPUs, load 1\n\n| figure | value |\n|---|---|\n| a | 1 |"


def test_bench_figures_go_into_their_blocks_or_the_page_stays(tmp_path, monkeypatch, capsys):
    """``python -m sim.bench.readme``: every block written, or (a missing file, a block the page
    lacks) status 2, the reason, and the page as it was."""
    from sim.bench import readme

    page = tmp_path / "benchmarks.md"
    before = "<!-- reference:bench -->\n<!-- /reference:bench -->\n"
    page.write_text(before)
    monkeypatch.setattr(readme, "PAGE", page)
    monkeypatch.setattr(readme, "ROOT", tmp_path)
    (tmp_path / "bench.md").write_text("# title\n\n| a | 1 |\n")
    (tmp_path / "profile.txt").write_text("120 runs\npart  s\n")
    for argv, why in (
        ([str(tmp_path / "bench.md"), str(tmp_path / "profile.txt")], "profile"),
        ([str(tmp_path / "missing.md")], "missing.md"),
    ):
        with pytest.raises(SystemExit) as exit_:
            readme.main(argv)
        assert exit_.value.code == 2
        assert why in capsys.readouterr().err
        assert page.read_text() == before
    assert readme.main([str(tmp_path / "bench.md")]) == 0
    assert page.read_text() == "<!-- reference:bench -->\n| a | 1 |\n<!-- /reference:bench -->\n"


def test_readme_first_run_is_what_the_command_prints(tmp_path, capsys, monkeypatch):
    """The README's "A first run" block is `crmsim run scenarios/four_ps.toml --seed 3`'s output.

    When the model changes: ``python -m sim.report.reference_doc --first-run``.
    """
    from sim.cli.main import main

    monkeypatch.chdir(ROOT)
    assert main(["run", "scenarios/four_ps.toml", "--seed", "3", "--out", str(tmp_path / "r")]) == 0
    printed = capsys.readouterr().out.strip().splitlines()
    block = _block((ROOT / "README.md").read_text(), "first-run").strip("`\n").splitlines()
    assert block[:-1] == printed[:-1]  # all but the "wrote FOLDER/..." line
    assert block[-1].startswith("  wrote results/runs/four_ps-seed3/") and "wrote" in printed[-1]


def test_readme_claims_are_the_calibration_and_validation_tables():
    claims = ROOT / "results/reference/calibration/claims.csv"
    horizons = ROOT / "results/reference/validation/claims_by_horizon.csv"
    if not (claims.exists() and horizons.exists()):
        pytest.skip("the reference calibration or validation is not committed yet")
    expected = reference_doc.claims_table(pd.read_csv(claims), pd.read_csv(horizons))
    assert _block((ROOT / "README.md").read_text(), "claims") == expected


def test_claims_table_says_where_a_claim_depends_on_the_horizon():
    claims = pd.DataFrame({"claim": ["a fails more than b"], "probability": [0.93]})
    horizons = pd.DataFrame(
        {
            "claim": ["a fails more than b"],
            "3 years": ["+5.0 pp [+1.0, +9.0]"],
            "3 years holds": [True],
            "5 years": ["+1.0 pp [-2.0, +4.0]"],
            "5 years holds": [False],
        }
    )
    table = reference_doc.claims_table(claims, horizons)
    assert "| claim | posterior probability | at 3 years | at 5 years |" in table
    assert (
        "| a fails more than b | 0.93 | holds (+5.0 pp [+1.0, +9.0]) | "
        "not shown (+1.0 pp [-2.0, +4.0]) |" in table
    )


def test_readme_validation_block_is_the_validation_table():
    patterns = ROOT / "results/reference/validation/patterns.csv"
    if not patterns.exists():
        pytest.skip("the reference validation is not committed yet")
    expected = reference_doc.misses_block(pd.read_csv(patterns))
    assert _block((ROOT / "README.md").read_text(), "validation") == expected


def test_validation_block_counts_independent_patterns_and_lists_every_miss():
    patterns = pd.DataFrame(
        {
            "pattern": ["a", "b", "c", "d"],
            "kind": ["independent", "independent", "calibrated", "built in"],
            "model": ["10%", "+2 pp [-1, +5]", "70%", "-"],
            "expected": ["20% to 30%", "> 0, interval above 0", "25% to 60%", "all -1"],
            "predictive": [np.nan, "+3 pp [-9, +15] (sweep over 100 draws)", np.nan, np.nan],
            "holds": [True, False, False, np.nan],
        }
    )
    block = reference_doc.misses_block(patterns)
    assert block.startswith("**1 of 2 independent patterns hold**")
    assert "- a " not in block and "- d " not in block  # held, and not judged
    assert (
        "- b (independent): +2 pp [-1, +5] against > 0, interval above 0; posterior predictive: +3"
        in block
    )
    assert "- c (calibrated): 70% against 25% to 60%" in block
