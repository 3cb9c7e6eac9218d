"""Comparison charts of a sweep: outcome mix, ROI, paired differences, the failure heatmap.

They read run rows and ``paired.csv`` and never run a model.
"""

from __future__ import annotations

import math
import textwrap
import warnings
from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib import patheffects
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import FixedLocator, FuncFormatter, NullLocator, PercentFormatter

from sim.errors import InputError
from sim.report.data import completed, has_draws, outcome_mix
from sim.report.style import (
    BASELINE,
    MONEY_SCALE,
    MONEY_UNIT,
    OUTCOME_COLOURS,
    OUTCOME_LABELS,
    OUTCOMES,
    REFERENCE_RATES,
    REFERENCE_SCENARIO,
    colour_ticklabels,
    finish,
    new_figure,
    ordering_label,
    ordering_palette,
    panel_grid,
    scenario_order,
    styled,
    wrap_label,
)


@styled
def outcome_mix_chart(
    runs: pd.DataFrame, *, source: str = "", palette: dict | None = None
) -> Figure:
    """Stacked bars of the outcome mix per ordering, Wilson 95% intervals, published rates."""
    mix = outcome_mix(runs)
    palette = palette or ordering_palette(mix.index)
    fig = new_figure(11, 6.8)
    ax = fig.add_subplot()
    x = np.arange(len(mix))
    bottom = np.zeros(len(mix))
    for cat in OUTCOMES:
        h = mix[f"share_{cat}"].to_numpy() * 100
        ax.bar(
            x,
            h,
            bottom=bottom,
            width=0.6,
            color=OUTCOME_COLOURS[cat],
            edgecolor="white",
            linewidth=0.8,
            label=OUTCOME_LABELS[cat],
            zorder=2,
        )
        dark = cat in ("never_live", "gain")
        for xi, hi, b in zip(x, h, bottom, strict=True):
            if hi >= 5:
                ax.text(
                    xi - 0.1,
                    b + hi / 2,
                    f"{hi:.0f}%",
                    ha="center",
                    va="center",
                    fontsize=9,
                    color="white" if dark else "0.1",
                    zorder=8,
                    path_effects=[
                        patheffects.withStroke(linewidth=3, foreground=OUTCOME_COLOURS[cat])
                    ],
                )
        bottom += h
    # Wilson intervals of the three boundaries compared with published rates, staggered in x
    halo = [patheffects.withStroke(linewidth=3, foreground="white")]
    for cat, dx in (("never_live", 0.12), ("missed", 0.19), ("met_no_gain", 0.26)):
        mid = mix[f"cum_{cat}"].to_numpy() * 100
        err = np.vstack([mid - mix[f"cum_lo_{cat}"] * 100, mix[f"cum_hi_{cat}"] * 100 - mid])
        err = np.clip(err, 0, None)  # float rounding at 0% or 100%
        bars = ax.errorbar(
            x + dx, mid, yerr=err, fmt="none", ecolor="0.1", elinewidth=1.2, capsize=3, zorder=9
        )
        for art in bars.lines[1] + bars.lines[2]:
            art.set_path_effects(halo)
    span = np.array([x[0] - 0.5, x[-1] + 0.5])
    # The published rates are industry-wide figures: they are drawn across the industry-mix bar
    # only (the calibration target), never across an ordering's bar.
    refs = [i for i, name in enumerate(mix.index) if name == REFERENCE_SCENARIO]
    for (_, y, label, src), ls, mk in zip(
        REFERENCE_RATES, ("--", "-.", ":"), ("v", "D", "^"), strict=True
    ):
        for i in refs:
            ax.plot(
                [x[i] - 0.42, x[i] + 0.42],
                [y * 100, y * 100],
                ls=ls,
                color="black",
                lw=2,
                zorder=7,
            )
        if refs:
            ax.annotate(
                f"{label}\n{src}",
                xy=(1, y * 100),
                xycoords=("axes fraction", "data"),
                xytext=(10, 0),
                textcoords="offset points",
                va="center",
                fontsize=8.5,
            )
            ax.plot(
                [1.0],
                [y * 100],
                marker=mk,
                color="black",
                ms=6,
                transform=ax.get_yaxis_transform(),
                clip_on=False,
                zorder=7,
            )
    ax.set_xlim(*span)
    ax.set_ylim(0, 100)
    ax.yaxis.set_major_formatter(PercentFormatter(100))
    ax.set_ylabel("Share of simulated runs (%)")
    ax.set_xlabel("Rollout ordering (number of runs)")
    ax.set_xticks(x, [f"{wrap_label(ordering_label(s))}\n(n={n})" for s, n in mix["n"].items()])
    colour_ticklabels(ax.get_xticklabels(), list(mix.index), palette)
    ax.set_title(
        "Bars stack from worst outcome (bottom) to best (top)"
        + ("; black lines on the industry-mix bar: published rates" if refs else ""),
        fontsize=10.5,
        color="0.25",
    )
    ax.grid(axis="x", visible=False)
    handles = [Patch(color=OUTCOME_COLOURS[c], label=OUTCOME_LABELS[c]) for c in OUTCOMES]
    handles.append(
        Line2D(
            [],
            [],
            color="0.1",
            marker="_",
            markersize=10,
            lw=1.2,
            label=(
                "95% posterior predictive interval (never live, failed, gain)"
                if has_draws(runs)
                else "Wilson 95% interval (never live, failed, gain)"
            ),
        )
    )
    return finish(fig, "CRM programme outcomes by rollout ordering", source, handles=handles)


#: The ROI axis is linear within +-this many percent of spend, logarithmic beyond.
ROI_LINEAR_PCT = 100.0


def _roi_ticks(values: pd.Series) -> list[float]:
    """Readable ticks for the symlog ROI axis: the linear part in steps of 50%, then 300%, 1,000%,
    10,000% ... on each side as far as the runs reach (a log part without ticks left a third of
    the runs unreadable: a newcomer's review). 200% would crowd 100%'s label: the log part is
    narrow (``linscale``)."""
    lo, hi = float(np.nanmin(values)), float(np.nanmax(values))
    ticks = [-100.0, -50.0, 0.0, 50.0, 100.0]
    step = 300.0
    while step <= max(abs(lo), abs(hi)) * 1.25:
        if -lo * 1.25 >= step:
            ticks.insert(0, -step)
        if hi * 1.25 >= step:
            ticks.append(step)
        step = 1_000.0 if step < 1_000 else step * 10
    return ticks


@styled
def roi_chart(runs: pd.DataFrame, *, source: str = "", palette: dict | None = None) -> Figure:
    """Distribution of ROI (delta profit / programme spend) per ordering: box plus every run."""
    runs = completed(runs).assign(roi_pct=lambda d: d["roi"] * 100)
    names = scenario_order(runs["scenario"])
    palette = palette or ordering_palette(names)
    fig = new_figure(11, 0.8 * len(names) + 2.4)
    ax = fig.add_subplot()
    with warnings.catch_warnings():  # seaborn 0.13 passes matplotlib 3.11 a deprecated `vert`
        warnings.simplefilter("ignore", DeprecationWarning)
        sns.boxplot(
            runs,
            x="roi_pct",
            y="scenario",
            hue="scenario",
            order=names,
            palette=palette,
            ax=ax,
            width=0.55,
            showfliers=False,
            legend=False,
            boxprops={"alpha": 0.35},
        )
    sns.stripplot(
        runs,
        x="roi_pct",
        y="scenario",
        hue="scenario",
        order=names,
        palette=palette,
        ax=ax,
        size=4,
        alpha=0.75,
        jitter=0.18,
        legend=False,
    )
    ax.axvline(0, color="black", ls="--", lw=1.3)
    ax.text(
        0,
        0.995,
        " break-even",
        transform=ax.get_xaxis_transform(),
        va="top",
        fontsize=9,
        bbox={"facecolor": "white", "edgecolor": "none", "pad": 1},
    )
    n = runs.groupby("scenario").size()
    pos = runs.assign(p=runs["roi"] > 0).groupby("scenario")["p"].mean()
    ax.set_yticks(range(len(names)), [f"{ordering_label(s)}\n(n={n[s]})" for s in names])
    colour_ticklabels(ax.get_yticklabels(), names, palette)
    for i, s in enumerate(names):
        ax.annotate(
            f"ROI > 0 in\n{pos[s]:.0%} of runs",
            xy=(1, i),
            xycoords=("axes fraction", "data"),
            xytext=(8, 0),
            textcoords="offset points",
            va="center",
            fontsize=9,
        )
    # Every run is on the axis: linear between -100% and +100% of spend (where most runs lie),
    # logarithmic beyond, so a few runs that lost or gained several times their spend neither
    # vanish nor squash the rest (no run is clipped).
    ax.set_xscale("symlog", linthresh=ROI_LINEAR_PCT, linscale=1.5)
    ax.xaxis.set_major_locator(FixedLocator(_roi_ticks(runs["roi_pct"])))
    ax.xaxis.set_minor_locator(NullLocator())
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:+,.0f}%" if v else "0%"))
    ax.set_xlabel(
        "Return on investment (profit vs no CRM, % of programme spend; "
        f"linear within ±{ROI_LINEAR_PCT:.0f}%, logarithmic beyond)"
    )
    ax.set_ylabel("")
    for side in ("left", "right"):  # shade the logarithmic parts of the axis
        lo, hi = ax.get_xlim()
        edge = -ROI_LINEAR_PCT if side == "left" else ROI_LINEAR_PCT
        if (side == "left" and lo < edge) or (side == "right" and hi > edge):
            a, b = (lo, edge) if side == "left" else (edge, hi)
            ax.axvspan(a, b, color="0.94", zorder=0, lw=0)
    beyond = int((runs["roi_pct"].abs() > ROI_LINEAR_PCT).sum())
    note = (
        f"all {len(runs)} runs shown, none clipped; {beyond} beyond ±{ROI_LINEAR_PCT:.0f}% "
        "(grey: logarithmic part of the axis)"
    )
    ax.set_title(
        "Each dot is one run; boxes span the middle 50%, the line inside is the median",
        fontsize=10.5,
        color="0.25",
    )
    return finish(fig, "Return on the CRM investment by rollout ordering", source, note)


def signed_tick(v: float) -> str:
    """A signed tick label in plain digits: ``+1,000`` and ``-0.05``, never ``+1e+03``."""
    if not v:
        return "0"
    return f"{v:+,.0f}" if abs(v) >= 100 else f"{v:+.3g}"


#: How paired differences are shown: (title, axis label, scale, lower_is_better).
PAIRED_METRICS = {
    "failed": ("Failure rate", "percentage points", 100, True),
    "financial_failure": ("Not-paid-back rate", "percentage points", 100, True),
    "never_live": ("Never-live rate", "percentage points", 100, True),
    "abandoned": ("Abandonment rate", "percentage points", 100, True),
    "met_expectations": ("Met-expectations rate", "percentage points", 100, False),
    "measurable_gain": ("Measurable-gain rate", "percentage points", 100, False),
    "roi": ("ROI", "percentage points of spend", 100, False),
    "delta_profit": ("Profit vs no CRM", MONEY_UNIT, MONEY_SCALE, False),
    "adoption_final": ("Final adoption", "percentage points", 100, False),
    "delta_csat": ("Satisfaction vs no CRM", "points on a 0–1 scale", 1, False),
    "delta_churn": ("Churn vs no CRM", "percentage points", 100, True),
}


@styled
def paired_chart(
    paired: pd.DataFrame, *, baseline: str = BASELINE, source: str = "", palette: dict | None = None
) -> Figure:
    """Paired difference of each ordering against the baseline, with its 95% interval."""
    if baseline not in set(paired["baseline"]):
        baseline = paired["baseline"].mode().iloc[0]
    p = paired[(paired["baseline"] == baseline) & (paired["scenario"] != baseline)]
    metrics = [m for m in PAIRED_METRICS if m in set(p["metric"])]
    metrics += sorted(set(p["metric"]) - set(metrics))
    names = [n for n in scenario_order(p["scenario"])]
    palette = palette or ordering_palette([*names, baseline])
    ncols = min(len(metrics), 2)
    nrows = math.ceil(len(metrics) / ncols)
    fig = new_figure(12, nrows * (0.42 * len(names) + 1.7) + 1.0)
    axes = fig.subplots(nrows, ncols, squeeze=False, sharey=True).ravel()
    for ax in axes[len(metrics) :]:
        ax.set_visible(False)
    for ax, metric in zip(axes, metrics, strict=False):
        title, unit, scale, lower_better = PAIRED_METRICS.get(
            metric, (metric, "difference", 1, False)
        )
        d = p[p["metric"] == metric].set_index("scenario").reindex(names)
        y = np.arange(len(names))[::-1]
        for yi, name in zip(y, names, strict=True):
            row = d.loc[name]
            if pd.isna(row["diff"]):
                continue
            ax.errorbar(
                row["diff"] * scale,
                yi,
                xerr=[
                    [(row["diff"] - row["ci_low"]) * scale],
                    [(row["ci_high"] - row["diff"]) * scale],
                ],
                fmt="o",
                color=palette[name],
                ms=8,
                capsize=4,
                lw=2,
            )
        ax.axvline(0, color="black", ls="--", lw=1.2)
        ax.set_yticks(y, [ordering_label(n) for n in names])
        colour_ticklabels(ax.get_yticklabels(), names, palette)
        ax.set_ylim(-0.6, len(names) - 0.4)
        ax.set_xlabel(f"Difference ({unit})")
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: signed_tick(v)))
        better = "← better" if lower_better else "better →"
        ax.set_title(f"{title}   ({better})", fontsize=11)
        ax.margins(x=0.15)
    n = int(p["n"].max()) if len(p) else 0
    return finish(
        fig,
        f"Each ordering minus {ordering_label(baseline)} (same organisations and random draws)",
        source,
        f"dots: mean paired difference over {n} replicates; bars: 95% interval",
    )


def grid_params(runs: pd.DataFrame, design_keys: Iterable[str] | None = None) -> list[str]:
    """The ``param.*`` columns a design varies (the axes of a grid), most values first.

    Run rows carry every scenario parameter, and parameters differ between orderings (go-live
    style, vendor pressure...), so only variation *within* a scenario counts. ``design_keys``
    (the dotted keys of the experiment's design, from the manifest) narrows the choice further.
    """
    cols = [c for c in runs.columns if c.startswith("param.")]
    if design_keys is not None:
        wanted = {f"param.{k}" for k in design_keys}
        cols = [c for c in cols if c in wanted]
    if not cols or runs.empty:
        return []
    within = runs.groupby("scenario")[cols].nunique(dropna=True).max()
    varying = [c for c in cols if within[c] >= 2]
    return sorted(varying, key=lambda c: -within[c])


def _tick(v) -> str:
    return f"{v:g}" if isinstance(v, int | float | np.number) else str(v)


def _param_label(col: str) -> str:
    key = col.removeprefix("param.")
    try:
        from sim.model.params import PARAMS

        doc = PARAMS[key].doc
    except (ImportError, KeyError):  # a parameter this version does not describe
        doc = "scenario parameter value"
    return f"{key}\n" + "\n".join(textwrap.wrap(f"({doc})", 48))


@styled
def failure_heatmap(
    runs: pd.DataFrame, params: Sequence[str] | None = None, *, source: str = ""
) -> Figure:
    """Failure rate (share of runs that missed expectations) over two ``param.*`` columns."""
    runs = completed(runs)
    params = list(params or grid_params(runs)[:2])
    if len(params) != 2:
        raise InputError("a failure-rate heatmap needs two param.* columns that vary", value=params)
    x, y = params
    names = scenario_order(runs["scenario"])
    fig = new_figure(6.2 * min(len(names), 2) + 1.8, 5.8 * math.ceil(len(names) / 2) + 0.8)
    axes = panel_grid(fig, len(names), sharey=False, sharex=False)
    for ax, name in zip(axes, names, strict=True):
        sub = runs[runs["scenario"] == name].assign(failed=lambda d: ~d["met_expectations"])
        rate = sub.pivot_table(index=y, columns=x, values="failed", aggfunc="mean") * 100
        sns.heatmap(
            rate.sort_index(ascending=False),
            ax=ax,
            vmin=0,
            vmax=100,
            cmap="YlOrRd",
            annot=True,
            fmt=".0f",
            linewidths=0.5,
            linecolor="white",
            annot_kws={"fontsize": 10},
            cbar_kws={"format": PercentFormatter(100)},
        )
        cbar = ax.collections[0].colorbar
        cbar.set_label(
            "Failure rate (% of runs that missed expectations)\n"
            "black line: published rate ≈55% (Gartner, Bain, EIU, Johnny Grow)",
            fontsize=10,
        )
        cbar.ax.tick_params(labelsize=9.5)
        cbar.ax.axhline(55, color="black", lw=2.5)
        for t in ax.texts:
            t.set_text(t.get_text() + "%")
        ax.set_xticklabels([_tick(v) for v in rate.columns])
        ax.set_yticklabels([_tick(v) for v in rate.sort_index(ascending=False).index], rotation=0)
        ax.set_xlabel(_param_label(x), fontsize=10)
        ax.set_ylabel(_param_label(y), fontsize=10)
        n = sub.groupby([x, y]).size()
        ax.set_title(
            f"{ordering_label(name)}  ({n.min()}–{n.max()} runs per cell)"
            if n.min() != n.max()
            else f"{ordering_label(name)}  ({n.min()} runs per cell)",
            fontsize=11,
        )
    return finish(
        fig,
        "Failure rate over the design grid",
        source,
        "failed = missed the sponsor's expectations (never live and abandoned included)",
    )
