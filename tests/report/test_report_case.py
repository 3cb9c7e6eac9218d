"""The report makes its case: key findings from the results, known limits, every ROI run on the
axis, reference lines on the industry-mix bar only, colours that do not clash, partial dependence
for sampled designs with readable ticks, one money unit."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from matplotlib.colors import to_rgb

from sim.report import design_charts, findings, outcome_charts, style
from sim.report.html import build_report
from sim.report.results import load_results
from tests.common import ROOT

SMALL = ROOT / "tests/fixtures/results_small"


@pytest.fixture(scope="module")
def small():
    return load_results(SMALL)


def test_findings_are_computed_with_intervals(small):
    found = findings.key_findings(small.summary, small.paired)
    assert 3 <= len(found) <= 5
    assert all("[" in f and "]" in f for f in found)  # every finding carries its interval
    s = small.summary.set_index(["scenario", "metric"])
    fail = s.loc[("industry_mix", "failed")]
    assert f"failed {fail['value']:.0%} [{fail['ci_low']:.0%}, {fail['ci_high']:.0%}]" in found[0]


def test_findings_follow_the_data():
    summary = pd.DataFrame(
        [
            ("a", "failed", 0.2, 0.1, 0.3, 100),
            ("b", "failed", 0.8, 0.7, 0.9, 100),
        ],
        columns=["scenario", "metric", "value", "ci_low", "ci_high", "n"],
    )
    found = findings.key_findings(summary, None)
    assert found == [
        "The ordering matters: the failure rate (missed expectations, never live and abandoned "
        "included) runs from 20% [10%, 30%] under A to 80% [70%, 90%] under B."
    ]
    assert findings.key_findings(None, None) == []


def test_report_opens_with_findings_and_closes_with_limits(tmp_path):
    import shutil

    folder = tmp_path / "r"
    shutil.copytree(SMALL, folder)
    page = build_report(folder).read_text()
    assert page.index("Key findings") < page.index("<img")
    assert page.rindex("Known limits of the model") > page.rindex("<img")
    assert "thousand USD" in page


def test_roi_chart_shows_every_run(small):
    runs = small.ok_runs.copy()
    runs.loc[runs.index[:3], "roi"] = [-25.0, 40.0, 7.5]  # far outside the body
    fig = outcome_charts.roi_chart(runs)
    ax = fig.axes[0]
    lo, hi = ax.get_xlim()
    assert lo <= runs["roi"].min() * 100 and hi >= runs["roi"].max() * 100
    assert ax.get_xscale() == "symlog"
    foot = " ".join(" ".join(t.get_text().split()) for t in fig.texts)
    assert f"all {len(runs)} runs shown, none clipped" in foot


def test_reference_lines_only_on_the_industry_mix_bar(small):
    fig = outcome_charts.outcome_mix_chart(small.ok_runs)
    ax = fig.axes[0]
    mix_x = style.scenario_order(small.ok_runs["scenario"]).index("industry_mix")
    refs = [ln for ln in ax.lines if ln.get_color() == "black" and len(ln.get_xdata()) == 2]
    assert len(refs) == 3
    for ln in refs:
        assert min(ln.get_xdata()) > mix_x - 0.5 and max(ln.get_xdata()) < mix_x + 0.5
    without = small.ok_runs[small.ok_runs["scenario"] != "industry_mix"]
    ax2 = outcome_charts.outcome_mix_chart(without).axes[0]
    assert not [ln for ln in ax2.lines if ln.get_color() == "black" and len(ln.get_xdata()) == 2]


def test_ordering_colours_keep_clear_of_outcome_colours():
    def dist(a, b):
        return float(np.linalg.norm(np.subtract(to_rgb(a), to_rgb(b))))

    for ordering in (*style.ORDERING_COLOURS.values(), *style.SPARE_COLOURS):
        for outcome in style.OUTCOME_COLOURS.values():
            assert dist(ordering, outcome) > 0.25, (ordering, outcome)


def test_sampled_design_gets_partial_dependence_with_readable_ticks():
    rng = np.random.default_rng(1)
    n = 400
    runs = pd.DataFrame(
        {
            "scenario": np.repeat(["four_ps", "technology_first"], n // 2),
            "param.org.complexity": rng.uniform(0.1, 10, n),
            "param.rollout.vendor_pressure": rng.uniform(0, 1, n),
            "param.org.employees": rng.integers(4, 1_000_000, n),
            "met_expectations": rng.uniform(size=n) < 0.5,
            "error": None,
        }
    )
    params = outcome_charts.grid_params(runs)
    assert len(params) == 3
    fig = design_charts.partial_dependence_chart(runs, params)
    axes = [ax for ax in fig.axes if ax.get_visible()]
    assert len(axes) == 3
    fig.canvas.draw()
    for ax in axes:
        labels = [t.get_text() for t in ax.get_xticklabels() if t.get_text()]
        assert labels and all(len(t) <= 9 for t in labels), labels
    b = design_charts.binned_failure(runs, "param.org.complexity")
    assert b.groupby("scenario")["n"].sum().to_dict() == {"four_ps": 200, "technology_first": 200}
    assert ((b["lo"] <= b["rate"]) & (b["rate"] <= b["hi"])).all()


def test_money_is_in_one_unit(small):
    fig = outcome_charts.paired_chart(small.paired, baseline="technology_first")
    labels = " ".join(ax.get_xlabel() for ax in fig.axes)
    if "delta_profit" in set(small.paired["metric"]):
        assert style.MONEY_UNIT in labels
    assert "million" not in labels


def test_arm_labels_keep_their_overrides():
    assert style.ordering_label("four_ps") == "Four Ps"
    assert style.ordering_label("trained") == "Trained"
    assert (
        style.ordering_label("four_ps[rollout.vendor_pressure=0.9]")
        == "Four Ps [rollout.vendor_pressure=0.9]"
    )


def test_measurable_gain_is_described_as_the_model_judges_it(small):
    """sim.model.outcomes.measured_gain: the last year's gain over the counterfactual against its
    own quarter-to-quarter noise, on the KPIs planning set or else the bottom line; no ROI test."""
    (gain,) = [f for f in findings.key_findings(small.summary, small.paired) if "gain (" in f]
    assert "ROI > 0" not in gain and "no ROI test" in gain
    assert "quarter-to-quarter noise" in gain and "bottom line" in gain


def test_money_stands_beside_the_judgement():
    rows = [
        ("a", "failed", 0.4, 0.3, 0.5, 100),
        ("b", "failed", 0.6, 0.5, 0.7, 100),
        ("a", "business_case_met", 0.7, 0.6, 0.8, 100),
        ("b", "business_case_met", 0.3, 0.2, 0.4, 100),
        ("a", "roi_median", 0.25, 0.1, 0.4, 100),
        ("b", "roi_median", -0.5, -0.6, -0.4, 100),
    ]
    summary = pd.DataFrame(rows, columns=["scenario", "metric", "value", "ci_low", "ci_high", "n"])
    money = findings.key_findings(summary, None)[-1]
    assert money == (
        "The money: the programme paid back its spend against the same organisation without CRM "
        "(the business case met) in 70% [60%, 80%] under A (median ROI +25% [+10%, +40%]) against "
        "30% [20%, 40%] under B (median ROI -50% [-60%, -40%])."
    )


def test_the_header_counts_every_factor_of_a_grid(tmp_path):
    import shutil

    folder = tmp_path / "grid"
    shutil.copytree(ROOT / "tests/fixtures/grid_small", folder)
    res = load_results(folder)
    ok = res.ok_runs
    points, reps = ok["point"].nunique(), res.replicates
    assert points > 1 and len(ok) == points * reps * ok["scenario"].nunique()
    page = build_report(folder).read_text()
    head = page[page.index("<p class='meta'>") : page.index("</header>")]
    assert (
        f"{len(ok):,} finished runs (1 ordering × {points} design points × {reps} replicates)"
        in head
    )
    assert "replicates per ordering" not in head


def test_paired_ticks_read_as_plain_numbers():
    assert [outcome_charts.signed_tick(v) for v in (1000, -2500.0, 0.05, 0)] == [
        "+1,000",
        "-2,500",
        "+0.05",
        "0",
    ]
    paired = pd.DataFrame(
        [("b", "a", "delta_profit", 1.5e6, 0.5e6, 2.5e6, 50)],
        columns=["scenario", "baseline", "metric", "diff", "ci_low", "ci_high", "n"],
    )
    fig = outcome_charts.paired_chart(paired, baseline="a")
    fig.canvas.draw()
    ticks = [t.get_text() for t in fig.axes[0].get_xticklabels() if t.get_text()]
    assert ticks and not any("e+" in t for t in ticks) and "+1,000" in ticks
