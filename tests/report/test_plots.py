"""Charts build from the stored results fixture, without running any model.

The fixture (tests/fixtures/, written by make_fixture.py) is a small sweep over the six orderings, a
two-parameter grid and one single-run folder. Besides "it draws", the tests check what a client
would stumble over: titles, axis labels, the data-source footnote, one colour per ordering, and
legends or footnotes that cover the plotted data.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from matplotlib.colors import to_hex

from sim.errors import InputError
from sim.report import data, outcome_charts, run_charts, run_data, series_charts, style

FIX = Path(__file__).resolve().parents[1] / "fixtures"
SWEEP = FIX / "results_small"
GRID = FIX / "grid_small"
RUN = FIX / "run_single"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def _parts(folder: Path) -> pd.DataFrame:
    return pd.concat(
        [pd.read_parquet(p) for p in sorted(folder.glob("part-*.parquet"))], ignore_index=True
    )


@pytest.fixture(scope="module")
def runs() -> pd.DataFrame:
    return _parts(SWEEP / "runs")


@pytest.fixture(scope="module")
def series() -> pd.DataFrame:
    return _parts(SWEEP / "series")


@pytest.fixture(scope="module")
def paired() -> pd.DataFrame:
    return pd.read_csv(SWEEP / "paired.csv")


@pytest.fixture(scope="module")
def grid_runs() -> pd.DataFrame:
    return _parts(GRID / "runs")


def _charts(runs, series, paired, grid_runs):
    pal = style.ordering_palette(runs["scenario"])
    src = "tests/fixtures/results_small"
    return {
        "outcome_mix": lambda: outcome_charts.outcome_mix_chart(runs, source=src, palette=pal),
        "adoption": lambda: series_charts.adoption_chart(series, runs, source=src, palette=pal),
        "customers": lambda: series_charts.customers_chart(series, source=src, palette=pal),
        "jcurve": lambda: series_charts.jcurve_chart(series, runs, source=src, palette=pal),
        "roi": lambda: outcome_charts.roi_chart(runs, source=src, palette=pal),
        "paired": lambda: outcome_charts.paired_chart(paired, source=src, palette=pal),
        "heatmap": lambda: outcome_charts.failure_heatmap(
            grid_runs, source="tests/fixtures/grid_small"
        ),
    }


CHARTS = ["outcome_mix", "adoption", "customers", "jcurve", "roi", "paired", "heatmap"]


def _visible_axes(fig):
    """Data axes (colour bars left out)."""
    return [ax for ax in fig.axes if ax.get_visible() and ax.get_label() != "<colorbar>"]


def _check_readable(fig) -> None:
    """Title, footnote, labelled axes, and nothing below the axes covering them."""
    assert fig._suptitle is not None and fig._suptitle.get_text().strip()
    texts = [t.get_text() for t in fig.texts]
    assert any(t.startswith("Data: ") for t in texts), texts
    axes = _visible_axes(fig)
    assert axes
    assert any(ax.get_xlabel().strip() for ax in axes)
    # a y axis has a label with units, or names categories (orderings) in its tick labels
    assert any(ax.get_ylabel().strip() for ax in axes) or any(
        t.get_text().strip() for ax in axes for t in ax.get_yticklabels()
    )
    fig.canvas.draw()
    r = fig.canvas.get_renderer()
    foot = next(t for t in fig.texts if t.get_text().startswith("Data: "))
    below = [foot.get_window_extent(r)] + [leg.get_window_extent(r) for leg in fig.legends]
    for ax in axes:
        box = ax.get_tightbbox(r)
        for other in below:
            assert not box.overlaps(other), f"legend or footnote overlaps {ax.get_title()!r}"
    fbox = foot.get_window_extent(r)
    for leg in fig.legends:
        assert not fbox.overlaps(leg.get_window_extent(r)), "footnote overlaps the legend"
    # nothing is drawn outside the figure
    fig_box = fig.bbox
    assert fbox.x1 <= fig_box.x1 + 1, "footnote runs off the right edge"
    for leg in fig.legends:
        lb = leg.get_window_extent(r)
        assert lb.x0 >= fig_box.x0 - 1 and lb.x1 <= fig_box.x1 + 1 and lb.y0 >= fig_box.y0 - 1


@pytest.mark.parametrize("name", CHARTS)
def test_each_chart_builds_from_the_fixture(name, runs, series, paired, grid_runs, tmp_path):
    fig = _charts(runs, series, paired, grid_runs)[name]()
    _check_readable(fig)
    png, svg = style.save_figure(fig, tmp_path, name)
    assert png.read_bytes()[:8] == PNG_MAGIC
    assert b"<svg" in svg.read_bytes()[:2000]
    assert png.stat().st_size > 20_000


def test_palette_is_fixed_for_known_orderings_and_distinct_for_new_ones():
    names = ["zeta_plan", "four_ps", "alpha_plan", "technology_first"]
    pal = style.ordering_palette(names)
    assert pal["four_ps"] == style.ORDERING_COLOURS["four_ps"]
    assert pal["technology_first"] == style.ORDERING_COLOURS["technology_first"]
    assert len(set(pal.values())) == len(names)
    assert set(pal.values()).isdisjoint(
        {pal["four_ps"], pal["technology_first"]} - {pal["four_ps"], pal["technology_first"]}
    )
    assert not {pal["alpha_plan"], pal["zeta_plan"]} & set(style.ORDERING_COLOURS.values())
    assert style.ordering_palette(reversed(names)) == pal  # order of appearance does not matter
    assert list(pal)[:2] == ["technology_first", "four_ps"]


def test_ordering_keeps_its_colour_in_every_chart(runs, series):
    colour = style.ORDERING_COLOURS["four_ps"]
    fig = series_charts.jcurve_chart(series, runs)
    lines = {to_hex(line.get_color()).upper() for ax in fig.axes for line in ax.get_lines()}
    assert colour.upper() in lines
    fig = outcome_charts.outcome_mix_chart(runs)
    ticks = {
        t.get_text().split("\n")[0]: to_hex(t.get_color()).upper()
        for t in fig.axes[0].get_xticklabels()
    }
    assert ticks["Four Ps"] == colour.upper()


def test_wilson_interval_matches_the_closed_form():
    lo, hi = data.wilson_interval(12, 100)
    assert lo == pytest.approx(0.0700, abs=5e-4) and hi == pytest.approx(0.1981, abs=5e-4)
    lo, hi = data.wilson_interval(0, 30)
    assert lo == pytest.approx(0.0, abs=1e-12) and 0.10 < hi < 0.12
    lo, hi = data.wilson_interval(np.array([5, 25]), np.array([30, 30]))
    assert lo[0] == pytest.approx(1 - hi[1]) and hi[0] == pytest.approx(1 - lo[1])


def test_outcome_mix_partitions_runs_and_leaves_out_error_rows(runs):
    mix = data.outcome_mix(runs)
    shares = mix[[f"share_{c}" for c in style.OUTCOMES]].sum(axis=1)
    assert np.allclose(shares, 1.0)
    ok = data.completed(runs)
    assert len(ok) == len(runs) - 1  # the fixture holds one error row (big_bang)
    assert mix.loc["big_bang", "n"] == 29 and mix.loc["four_ps", "n"] == 30
    failed = (~ok["met_expectations"].astype(bool)).groupby(ok["scenario"]).mean()
    assert np.allclose(mix["cum_missed"], failed.reindex(mix.index))
    gain = ok["measurable_gain"].astype(bool).groupby(ok["scenario"]).mean()
    assert np.all(1 - mix["cum_met_no_gain"] <= gain.reindex(mix.index) + 1e-12)
    assert np.all(mix["cum_lo_missed"] <= mix["cum_missed"])
    assert np.all(mix["cum_missed"] <= mix["cum_hi_missed"])


def test_roi_chart_keeps_extreme_runs_from_squashing_the_rest(runs):
    extreme = runs.reset_index(drop=True).copy()
    extreme.loc[0, "roi"] = 60.0  # +6000%: a run that spent almost nothing
    fig = outcome_charts.roi_chart(extreme, source="test")
    ax = fig.axes[0]
    assert ax.get_xlim()[1] >= 6000  # the extreme run is on the axis (symlog), not clipped
    x0, x1 = ax.transData.transform([(-100, 0), (100, 0)])[:, 0]
    width = ax.get_window_extent().width
    assert (x1 - x0) / width > 0.3  # and the body between -100% and +100% keeps its room
    foot = " ".join(" ".join(t.get_text().split()) for t in fig.texts)
    assert "runs shown, none clipped" in foot


def test_heatmap_needs_two_varying_parameters(runs, grid_runs):
    assert outcome_charts.grid_params(grid_runs) == [
        "param.rollout.vendor_pressure",
        "param.rollout.effort.people",
    ]
    assert outcome_charts.grid_params(runs) == []
    with pytest.raises(InputError, match="two param"):
        outcome_charts.failure_heatmap(runs)


def test_grid_params_ignore_parameters_that_differ_between_orderings():
    # real run rows carry every scenario parameter; orderings differ in go-live style and
    # vendor pressure, which is no design grid
    real = _parts(FIX / "smoke_real" / "runs")
    assert real.groupby("scenario")["param.rollout.vendor_pressure"].first().nunique() > 1
    assert outcome_charts.grid_params(real) == []
    grid = _parts(GRID / "runs")
    assert outcome_charts.grid_params(grid, ["rollout.vendor_pressure"]) == [
        "param.rollout.vendor_pressure"
    ]


def test_run_charts_write_the_single_run_charts(tmp_path):
    run_dir = tmp_path / "run"
    shutil.copytree(RUN, run_dir)
    paths = run_charts.run_charts(run_dir)
    names = {p.name for p in paths}
    for chart in ("run_adoption", "run_satisfaction", "run_readiness", "run_spend"):
        assert {f"{chart}.png", f"{chart}.svg"} <= names
    assert all(p.parent == run_dir / "charts" and p.stat().st_size > 10_000 for p in paths)
    summary, ts = run_data.load_run(run_dir)
    for chart in run_charts.RUN_CHARTS.values():
        _check_readable(chart(ts, summary, source="run"))


def test_run_charts_never_live_run(tmp_path):
    summary, ts = run_data.load_run(RUN)
    summary = {**summary, "status": "never_live", "golive_week": float("nan")}
    fig = run_charts.run_spend_chart(ts, summary, source="run")
    labels = [t.get_text() for leg in fig.legends for t in leg.get_texts()]
    assert "Never went live (never_live)" in labels


@pytest.mark.parametrize(
    "damage",
    [
        "no_timeseries",
        "no_summary",
        "bad_json",
        "bad_parquet",
        "missing_column",
        "text_column",
        "missing_values",
    ],
)
def test_run_folder_damage_raises_input_error_naming_the_file(damage, tmp_path):
    run_dir = tmp_path / "run"
    shutil.copytree(RUN, run_dir)
    target = {
        "no_timeseries": "timeseries.parquet",
        "no_summary": "summary.json",
        "bad_json": "summary.json",
        "bad_parquet": "timeseries.parquet",
        "missing_column": "timeseries.parquet",
        "text_column": "timeseries.parquet",
        "missing_values": "timeseries.parquet",
    }[damage]
    path = run_dir / target
    if damage.startswith("no_"):
        path.unlink()
    elif damage == "bad_json":
        path.write_text("{not json")
    elif damage == "bad_parquet":
        path.write_bytes(b"PAR1 this is not parquet")
    elif damage == "missing_column":
        pd.read_parquet(path).drop(columns=["csat"]).to_parquet(path)
    else:
        frame = pd.read_parquet(path)
        frame["csat"] = "high" if damage == "text_column" else None
        frame.to_parquet(path)
    with pytest.raises(InputError) as err:
        run_charts.run_charts(run_dir)
    assert target in str(err.value)
    assert not (run_dir / "charts").exists()


def test_fixture_summary_matches_its_run_rows():
    """The stored fixture is self-consistent (guards hand edits of the fixture)."""
    runs = _parts(SWEEP / "runs")
    summary = pd.read_csv(SWEEP / "summary.csv").set_index(["scenario", "metric"])
    ok = data.completed(runs)
    for name, g in ok.groupby("scenario"):
        assert summary.loc[(name, "failed"), "value"] == pytest.approx(
            (~g["met_expectations"].astype(bool)).mean()
        )
    manifest = json.loads((SWEEP / "manifest.json").read_text())
    assert manifest["spec"]["replicates"] == runs.groupby("scenario")["replicate"].nunique().max()


def test_outcome_mix_of_a_posterior_sweep_has_intervals_over_its_draws():
    """The chart's whiskers are the posterior predictive intervals summary.csv gives, not Wilson."""
    from sim.experiments.posterior import draw_interval
    from sim.report.data import outcome_mix

    rng = np.random.default_rng(11)
    draws = np.repeat(np.arange(40), 10)
    p_never = rng.beta(1.0, 6.0, 40)[draws]  # parameters that matter: rates differ by draw
    never = rng.random(400) < p_never
    runs = pd.DataFrame(
        {
            "scenario": "four_ps",
            "status": np.where(never, "never_live", "live"),
            "met_expectations": ~never & (rng.random(400) < 0.6),
            "measurable_gain": ~never & (rng.random(400) < 0.3),
            "draw": draws,
        }
    )
    mix = outcome_mix(runs).loc["four_ps"]
    _, lo, hi = draw_interval(never, draws)
    assert mix["cum_never_live"] == pytest.approx(never.mean())
    assert (mix["cum_lo_never_live"], mix["cum_hi_never_live"]) == pytest.approx((lo, hi))
    wilson = outcome_mix(runs.drop(columns="draw")).loc["four_ps"]
    assert mix["cum_hi_never_live"] - mix["cum_lo_never_live"] > (
        wilson["cum_hi_never_live"] - wilson["cum_lo_never_live"]
    )


def test_the_roi_axis_labels_its_logarithmic_part_where_runs_reach_it():
    """Runs beyond +-100% sit on the logarithmic part of the axis, which had no labels (a third
    of a demo's runs unreadable); 200% would crowd 100%'s label, so the first is 300%."""
    inside = outcome_charts._roi_ticks(pd.Series([-80.0, 40.0]))
    assert inside == [-100.0, -50.0, 0.0, 50.0, 100.0]
    wide = outcome_charts._roi_ticks(pd.Series([-263.0, 10.0, 5_500.0]))
    assert wide == [-300.0, -100.0, -50.0, 0.0, 50.0, 100.0, 300.0, 1_000.0]
    assert outcome_charts._roi_ticks(pd.Series([0.0, 9_000.0]))[-1] == 10_000.0  # within 25%
