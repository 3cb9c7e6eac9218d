"""Single-run charts of a ``crmsim run`` folder (``summary.json`` + ``timeseries.parquet``)."""

from __future__ import annotations

import math
from pathlib import Path

from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, PercentFormatter

from sim.report.run_data import Series, load_run
from sim.report.style import (
    MONEY_SCALE,
    MONEY_UNIT,
    WEEK_LABEL,
    WORKSTREAM_COLOURS,
    finish,
    new_figure,
    ordering_label,
    ordering_palette,
    save_figure,
    styled,
)


def _run_source(summary: dict) -> str:
    """Footnote of a single run: what reproduces it (the folder may still be a temporary one)."""
    text = (
        f"crmsim run, scenario {summary.get('scenario', '?')}, seed {summary.get('seed', '?')}, "
        f"engine {summary.get('engine', '?')}"
    )
    overrides = summary.get("overrides")
    if isinstance(overrides, dict) and overrides:
        text += ", --set " + " ".join(f"{k}={v}" for k, v in overrides.items())
    return text


def _golive(summary: dict) -> float | None:
    gl = summary.get("golive_week")
    return None if gl is None or (isinstance(gl, float) and math.isnan(gl)) else float(gl)


def _mark_events(ax, ts: Series, summary: dict) -> None:
    """Go-live (and, for a shelved CRM, the week it was abandoned) as labelled vertical lines.

    The labels go to the legend below the chart, never onto the data.
    """
    gl = _golive(summary)
    if gl is None:
        ax.plot([], [], ls="none", label=f"Never went live ({summary.get('status', '?')})")
        return
    ax.axvline(gl, color="0.25", ls="--", lw=1.3, label=f"Go-live (week {gl:.0f})")
    if summary.get("status") == "abandoned" and "live" in ts:
        off = ts["week"][(ts["week"] > gl) & (ts["live"] <= 0)]
        if len(off):
            wk = float(off[0])
            ax.axvline(wk, color="0.25", ls=":", lw=1.6, label=f"Abandoned (week {wk:.0f})")


def _run_figure(summary: dict):
    fig = new_figure(10, 5.8)
    ax = fig.add_subplot()
    ax.set_xlabel(WEEK_LABEL)
    ax.set_title(
        f"{ordering_label(str(summary.get('scenario', '')))}, seed {summary.get('seed', '?')}"
        f", outcome: {str(summary.get('status', '?')).replace('_', ' ')}",
        fontsize=10.5,
        color="0.25",
    )
    return fig, ax


def _run_colour(summary: dict) -> str:
    return ordering_palette([str(summary.get("scenario", ""))]).popitem()[1]


def _run_finish(fig, ax, ts, summary, title, source) -> Figure:
    _mark_events(ax, ts, summary)
    ax.set_xlim(ts["week"].min() - 1, ts["week"].max() + 1)
    handles, _ = ax.get_legend_handles_labels()
    return finish(fig, title, source, handles=handles, ncol=min(len(handles), 4))


@styled
def run_adoption_chart(ts: Series, summary: dict, *, source: str = "") -> Figure:
    """Adoption of one run over time, go-live marked."""
    fig, ax = _run_figure(summary)
    ax.plot(
        ts["week"],
        ts["adoption"] * 100,
        color=_run_colour(summary),
        lw=2.2,
        label="Adoption with the CRM programme",
    )
    ax.set_ylim(0, 100)
    ax.yaxis.set_major_formatter(PercentFormatter(100))
    ax.set_ylabel("Adoption (% of employees using the CRM)")
    return _run_finish(fig, ax, ts, summary, "CRM adoption over time", source)


@styled
def run_satisfaction_chart(ts: Series, summary: dict, *, source: str = "") -> Figure:
    """Customer satisfaction of one run against its no-CRM counterfactual."""
    fig, ax = _run_figure(summary)
    ax.plot(
        ts["week"], ts["csat"], color=_run_colour(summary), lw=2.2, label="With the CRM programme"
    )
    ax.plot(
        ts["week"], ts["cf_csat"], color="0.55", ls="-", lw=1.8, label="No CRM (counterfactual)"
    )
    ax.set_ylabel("Mean customer satisfaction (0–1 scale)")
    return _run_finish(
        fig, ax, ts, summary, "Customer satisfaction with and without the CRM", source
    )


@styled
def run_readiness_chart(ts: Series, summary: dict, *, source: str = "") -> Figure:
    """Readiness of the four workstreams over time."""
    fig, ax = _run_figure(summary)
    for ws, colour in WORKSTREAM_COLOURS.items():
        ax.plot(
            ts["week"],
            ts[f"readiness_{ws}"] * 100,
            color=colour,
            lw=2.2,
            label=f"{ws.capitalize()} workstream",
        )
    ax.set_ylim(0, 102)
    ax.yaxis.set_major_formatter(PercentFormatter(100))
    ax.set_ylabel("Workstream readiness (% of fully ready)")
    return _run_finish(fig, ax, ts, summary, "Readiness of the four workstreams", source)


@styled
def run_spend_chart(ts: Series, summary: dict, *, source: str = "") -> Figure:
    """Cumulative programme spend against the budget."""
    fig, ax = _run_figure(summary)
    budget = summary.get("budget")
    budget = float(budget) if isinstance(budget, int | float) and budget > 0 else None
    top = max(float(ts["spend"].max()), budget or 0.0)
    scale, unit = MONEY_SCALE, MONEY_UNIT  # one money unit in every chart and table
    ax.plot(
        ts["week"],
        ts["spend"] * scale,
        color=_run_colour(summary),
        lw=2.2,
        label="Cumulative programme spend",
    )
    if budget:
        ax.axhline(
            budget * scale,
            color="black",
            ls="-.",
            lw=1.5,
            label=f"Budget ({budget * scale:,.0f} {unit})",
        )
    ax.set_ylim(0, top * scale * 1.08)
    ax.yaxis.set_major_formatter(
        FuncFormatter(lambda v, _: f"{v:,.{0 if v >= 10 or v == 0 else 1}f}")
    )
    ax.set_ylabel(f"Programme spend ({unit})")
    return _run_finish(fig, ax, ts, summary, "Programme spend against budget", source)


RUN_CHARTS = {
    "run_adoption": run_adoption_chart,
    "run_satisfaction": run_satisfaction_chart,
    "run_readiness": run_readiness_chart,
    "run_spend": run_spend_chart,
}


def run_charts(
    run_dir: Path | str,
    out_dir: Path | str | None = None,
    *,
    source: str | None = None,
    formats: tuple[str, ...] = ("png", "svg"),
) -> list[Path]:
    """Write the single-run charts of a ``crmsim run`` folder to ``run_dir/charts`` (PNG + SVG).

    Args:
        run_dir: folder with ``summary.json`` and ``timeseries.parquet``.
        out_dir: where the charts go (default ``run_dir/charts``).
        source: footnote text (default: scenario, seed, engine and overrides from the summary).
        formats: the files written of each chart (``crmsim run`` asks for PNG only unless
            ``--svg``: each format is a full render, about 0.3 s a chart).

    Returns:
        The paths written: ``run_adoption``, ``run_satisfaction``, ``run_readiness`` and
        ``run_spend``, each in every format asked.

    Raises:
        InputError: ``summary.json`` or ``timeseries.parquet`` is missing or corrupt (named).
    """
    summary, ts = load_run(run_dir)
    out_dir = Path(out_dir) if out_dir else Path(run_dir) / "charts"
    source = source or _run_source(summary)
    paths: list[Path] = []
    for name, chart in RUN_CHARTS.items():
        paths += save_figure(chart(ts, summary, source=source), out_dir, name, formats)
    return paths
