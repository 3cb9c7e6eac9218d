"""Time-series charts of a sweep's stored series: adoption, customers, the productivity J-curve.

Bands are quantiles over the runs that kept their series.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import FuncFormatter, MaxNLocator, PercentFormatter

from sim.report.data import completed
from sim.report.style import (
    WEEK_LABEL,
    finish,
    new_figure,
    ordering_label,
    ordering_palette,
    outer_labels,
    panel_grid,
    scenario_order,
    styled,
)


def _quantiles(df: pd.DataFrame, by: list[str], col: str) -> pd.DataFrame:
    q = df.groupby(by)[col].quantile([0.05, 0.25, 0.5, 0.75, 0.95]).unstack()
    q.columns = ["q05", "q25", "q50", "q75", "q95"]
    return q.reset_index()


def _golive_weeks(series: pd.DataFrame, runs: pd.DataFrame | None) -> pd.Series:
    """Go-live week per run_id: from the run rows, else the first week the series shows ``live``."""
    if runs is not None and {"run_id", "golive_week"} <= set(runs.columns):
        return completed(runs).set_index("run_id")["golive_week"]
    live = series[series["live"] > 0]
    return live.groupby("run_id")["week"].min()


def _band_panel(ax, q: pd.DataFrame, colour: str, scale: float = 1.0, bands=(90, 50)) -> None:
    if 90 in bands:
        ax.fill_between(
            q["week"], q["q05"] * scale, q["q95"] * scale, color=colour, alpha=0.13, lw=0
        )
    if 50 in bands:
        ax.fill_between(
            q["week"], q["q25"] * scale, q["q75"] * scale, color=colour, alpha=0.3, lw=0
        )
    ax.plot(q["week"], q["q50"] * scale, color=colour, lw=2)


@styled
def adoption_chart(
    series: pd.DataFrame,
    runs: pd.DataFrame | None = None,
    *,
    source: str = "",
    palette: dict | None = None,
) -> Figure:
    """Adoption over time per ordering: median, 50% and 90% bands, go-live weeks marked."""
    names = scenario_order(series["scenario"])
    palette = palette or ordering_palette(names)
    golive = _golive_weeks(series, runs)
    scen_of = (
        (completed(runs) if runs is not None else series).groupby("run_id")["scenario"].first()
    )
    fig = new_figure(12, 3.1 * math.ceil(len(names) / 3) + 1.6)
    axes = panel_grid(fig, len(names))
    q = _quantiles(series, ["scenario", "week"], "adoption")
    n_runs = series.groupby("scenario")["run_id"].nunique()
    for ax, name in zip(axes, names, strict=True):
        c = palette[name]
        _band_panel(ax, q[q["scenario"] == name], c, 100)
        gl = golive[scen_of.reindex(golive.index) == name].dropna()
        ax.plot(
            gl,
            np.full(len(gl), 0.02),
            ls="none",
            marker="|",
            markersize=9,
            color="0.2",
            alpha=0.6,
            transform=ax.get_xaxis_transform(),
        )
        med = float(gl.median()) if len(gl) else math.nan
        if len(gl):
            ax.axvline(med, color="0.2", ls="--", lw=1.1)
        when = f" · median go-live wk {med:.0f}" if len(gl) else " · none went live"
        ax.set_title(
            f"{ordering_label(name)}\n{n_runs.get(name, 0)} runs shown{when}",
            color=c,
            fontweight="bold",
            fontsize=10.5,
        )
        ax.set_ylim(0, 100)
        ax.yaxis.set_major_formatter(PercentFormatter(100))
    outer_labels(axes, WEEK_LABEL, "Adoption (% of employees\nusing the CRM)")
    handles = [
        Line2D([], [], color="0.3", lw=2, label="Median run"),
        Patch(color="0.3", alpha=0.45, label="Middle 50% of runs"),
        Patch(color="0.3", alpha=0.15, label="Middle 90% of runs"),
        Line2D(
            [],
            [],
            color="0.2",
            ls="none",
            marker="|",
            markersize=9,
            label="Go-live week of one run",
        ),
        Line2D([], [], color="0.2", ls="--", label="Median go-live week"),
    ]
    return finish(
        fig,
        "CRM adoption over time by rollout ordering",
        source,
        "adoption = share of employees logging more than half their contacts in the CRM",
        handles=handles,
        ncol=5,
    )


@styled
def customers_chart(
    series: pd.DataFrame, *, source: str = "", palette: dict | None = None
) -> Figure:
    """Customer satisfaction and active customers over time, against the no-CRM counterfactual."""
    names = scenario_order(series["scenario"])
    palette = palette or ordering_palette(names)
    fig = new_figure(12, 8.2)
    axes = fig.subplots(2, 2, sharex=True)
    rows = (
        (
            "csat",
            "Customer satisfaction\n(0–1 scale)",
            "Satisfaction vs no CRM\n(points, 0–1 scale)",
        ),
        (
            "active_customers",
            "Active customers\n(customers)",
            "Active customers vs no CRM\n(customers)",
        ),
    )
    for (col, level_label, diff_label), (ax_l, ax_d) in zip(rows, axes, strict=True):
        diff = series.assign(d=series[col] - series[f"cf_{col}"])
        cf = _quantiles(series, ["week"], f"cf_{col}")
        ax_l.plot(cf["week"], cf["q50"], color="black", ls="--", lw=2, zorder=5)
        for name in names:
            sub = series[series["scenario"] == name]
            ql = _quantiles(sub, ["week"], col)
            ax_l.plot(ql["week"], ql["q50"], color=palette[name], lw=1.8)
            qd = _quantiles(diff[diff["scenario"] == name], ["week"], "d")
            ax_d.plot(qd["week"], qd["q50"], color=palette[name], lw=1.8)
        ax_d.axhline(0, color="black", ls="--", lw=1.5)
        ax_l.set_ylabel(level_label)
        ax_d.set_ylabel(diff_label)
        ax_d.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:+,.3g}" if v else "0"))
    for ax in axes[1]:  # customers are counted in whole numbers
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    axes[1, 1].yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:+,.0f}" if v else "0"))
    axes[1, 0].yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:,.0f}"))
    axes[0, 0].set_title("Level: median run of each ordering", fontsize=11)
    axes[0, 1].set_title(
        "Difference from the same organisation without CRM\n"
        "(median of each ordering's paired differences)",
        fontsize=11,
    )
    for ax in axes[1]:
        ax.set_xlabel(WEEK_LABEL)
    n_runs = series.groupby("scenario")["run_id"].nunique()
    handles = [
        Line2D([], [], color=palette[n], lw=2.5, label=f"{ordering_label(n)} (n={n_runs[n]})")
        for n in names
    ]
    handles.append(Line2D([], [], color="black", ls="--", lw=2, label="No CRM (counterfactual)"))
    return finish(
        fig,
        "Customers with and without the CRM programme",
        source,
        handles=handles,
        ncol=min(len(handles), 4),
    )


@styled
def jcurve_chart(
    series: pd.DataFrame,
    runs: pd.DataFrame | None = None,
    *,
    source: str = "",
    palette: dict | None = None,
    window: tuple[int, int] = (-26, 78),
) -> Figure:
    """Productivity around go-live (weeks relative to each run's go-live week), vs no CRM."""
    names = scenario_order(series["scenario"])
    palette = palette or ordering_palette(names)
    golive = _golive_weeks(series, runs).dropna()
    s = series[series["run_id"].isin(golive.index)].copy()
    s["rel"] = s["week"] - s["run_id"].map(golive)
    s = s[(s["rel"] >= window[0]) & (s["rel"] <= window[1])]
    base = s["cf_productivity"] if "cf_productivity" in s else 1.0
    s["p"] = (s["productivity"] / base - 1) * 100
    fig = new_figure(11, 6.4)
    ax = fig.add_subplot()
    handles = []
    for name in names:
        sub = s[s["scenario"] == name].drop(columns="week").rename(columns={"rel": "week"})
        if sub.empty:
            continue
        q = _quantiles(sub, ["week"], "p")
        ax.fill_between(q["week"], q["q25"], q["q75"], color=palette[name], alpha=0.14, lw=0)
        ax.plot(q["week"], q["q50"], color=palette[name], lw=2.2)
        handles.append(
            Line2D(
                [],
                [],
                color=palette[name],
                lw=2.5,
                label=f"{ordering_label(name)} (n={sub['run_id'].nunique()})",
            )
        )
    ax.axhline(0, color="black", ls="--", lw=1.3)
    ax.axvline(0, color="0.25", lw=1.3)
    ax.set_xlim(max(window[0], s["rel"].min()), min(window[1], s["rel"].max()))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:+.0f}" if v else "0\ngo-live"))
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:+.0f}%" if v else "0% (no CRM)"))
    ax.set_xlabel("Weeks relative to the run's go-live week (weeks)")
    ax.set_ylabel("Employee productivity vs no CRM (%)")
    ax.set_title(
        "Median run of each ordering and middle 50% of runs; runs that never went live "
        "are left out",
        fontsize=10.5,
        color="0.25",
    )
    handles.append(Patch(color="0.4", alpha=0.3, label="Middle 50% of runs"))
    return finish(
        fig,
        "The productivity J-curve around go-live",
        source,
        handles=handles,
        ncol=min(len(handles), 4),
    )
