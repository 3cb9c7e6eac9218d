"""Seaborn charts of stored results: they read DataFrames and files, never run a model.

Every chart function takes DataFrames in the layout of docs/ARCHITECTURE.md (run rows, series
rows, ``paired.csv``) and returns a :class:`matplotlib.figure.Figure` with a title, labelled axes
with units and the data source in a footnote; :func:`save_figure` writes it as PNG and SVG. Each
ordering keeps one colour in every chart (:data:`ORDERING_COLOURS`, the colour-blind-safe colours
of Okabe & Ito 2008).

:func:`run_charts` draws the single-run charts of a ``crmsim run`` folder (``summary.json`` +
``timeseries.parquet``). The comparison charts of a sweep are assembled by :mod:`sim.report`.
"""

from __future__ import annotations

import functools
import json
import math
import textwrap
import warnings
from collections.abc import Iterable, Sequence
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only, no display: charts are written, never shown

import matplotlib.pyplot as plt  # noqa: E402  (after the backend is chosen)
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import seaborn as sns  # noqa: E402
from matplotlib import patheffects  # noqa: E402
from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402
from matplotlib.patches import Patch  # noqa: E402
from matplotlib.ticker import FuncFormatter, MaxNLocator, PercentFormatter  # noqa: E402

from sim.errors import InputError  # noqa: E402

#: One colour per rollout ordering (Okabe & Ito 2008 palette, safe for colour-blind readers).
ORDERING_COLOURS: dict[str, str] = {
    "industry_mix": "#6E6E6E",  # neutral grey: the field as a whole
    "technology_first": "#D55E00",
    "big_bang": "#CC79A7",
    "start_small": "#E69F00",
    "people_process_platform": "#009E73",
    "four_ps": "#0072B2",
}
#: Colours handed to scenario names not in ORDERING_COLOURS, in order (Okabe-Ito sky blue, then
#: Paul Tol's muted scheme, also colour-blind safe).
SPARE_COLOURS = (
    "#56B4E9",
    "#882255",
    "#332288",
    "#44AA99",
    "#999933",
    "#AA4499",
    "#117733",
    "#CC6677",
    "#88CCEE",
    "#DDCC77",
)
ORDERING_LABELS = {
    "industry_mix": "Industry mix",
    "technology_first": "Technology first",
    "big_bang": "Big bang",
    "start_small": "Start small",
    "people_process_platform": "People → process → platform",
    "four_ps": "Four Ps",
}
BASELINE = "technology_first"

#: Outcome categories, worst to best; every run falls in exactly one (a live run that met
#: expectations counts as measurable gain only when its gain was measurable, DESIGN.md 2.4).
OUTCOMES = ("never_live", "abandoned", "missed", "met_no_gain", "gain")
OUTCOME_LABELS = {
    "never_live": "Never live (cancelled)",
    "abandoned": "Abandoned after go-live",
    "missed": "Live, missed expectations",
    "met_no_gain": "Met expectations, no measurable gain",
    "gain": "Measurable gain",
}
OUTCOME_COLOURS = {  # ColorBrewer RdBu: red = failure, blue = success
    "never_live": "#B2182B",
    "abandoned": "#EF8A62",
    "missed": "#FDDBC7",
    "met_no_gain": "#92C5DE",
    "gain": "#2166AC",
}
#: Published reference rates: (share, position from the bottom of the stack, label, source).
REFERENCE_RATES = (
    (0.12, 0.12, "12% never live", "AMR Research"),
    (0.55, 0.55, "≈55% failed", "Gartner 2001, Bain 2002,\nEIU 2007, Johnny Grow"),
    (0.16, 0.84, "16% measurable gain\n(line at 84%)", "AMR Research"),
)
WORKSTREAM_COLOURS = {
    "planning": "#332288",
    "people": "#117733",
    "process": "#DDAA33",
    "platform": "#CC3311",
}
WEEK_LABEL = "Week since programme start (weeks)"
_RC = {
    **sns.axes_style("whitegrid"),
    **sns.plotting_context("notebook"),
    "axes.titlesize": 12,
    "figure.titlesize": 14,
    "legend.fontsize": 9.5,
    "legend.title_fontsize": 9.5,
    "svg.hashsalt": "crmsim",
    "svg.fonttype": "path",
}


# --- colours, labels, small statistics ---------------------------------------------------------
def scenario_order(names: Iterable[str]) -> list[str]:
    """Known orderings first in a fixed order, then other names alphabetically."""
    names = list(dict.fromkeys(names))
    known = [n for n in ORDERING_COLOURS if n in names]
    return known + sorted(n for n in names if n not in ORDERING_COLOURS)


def ordering_palette(names: Iterable[str]) -> dict[str, str]:
    """Colour per scenario name: the fixed colour if known, else the next spare colour."""
    spare = iter(SPARE_COLOURS * 10)
    return {n: ORDERING_COLOURS.get(n) or next(spare) for n in scenario_order(names)}


def _wrap(label: str, width: int = 16) -> str:
    return "\n".join(textwrap.wrap(label, width, break_long_words=False)) or label


def ordering_label(name: str) -> str:
    """Readable name of an ordering (``four_ps`` -> ``Four Ps``)."""
    return ORDERING_LABELS.get(name) or name.replace("_", " ").capitalize()


def wilson_interval(k, n, z: float = 1.959964):
    """Wilson score interval for k successes in n trials (Wilson 1927); arrays welcome."""
    k, n = np.asarray(k, float), np.asarray(n, float)
    with np.errstate(invalid="ignore", divide="ignore"):
        p = k / n
        den = 1 + z**2 / n
        mid = (p + z**2 / (2 * n)) / den
        half = z * np.sqrt(p * (1 - p) / n + z**2 / (4 * n**2)) / den
    return np.clip(mid - half, 0, 1), np.clip(mid + half, 0, 1)  # clip rounding at 0 and n


def completed(runs: pd.DataFrame) -> pd.DataFrame:
    """Run rows without an error (a run that raised is recorded with a non-empty ``error``)."""
    if "error" not in runs:
        return runs
    err = runs["error"]
    return runs[err.isna() | (err.astype(str).str.strip() == "")]


def outcome_category(runs: pd.DataFrame) -> pd.Series:
    """The outcome category of each run (see OUTCOMES)."""
    met = runs["met_expectations"].astype(bool)
    gain = runs["measurable_gain"].astype(bool)
    cat = np.select(
        [runs["status"] == "never_live", runs["status"] == "abandoned", ~met, ~gain],
        ["never_live", "abandoned", "missed", "met_no_gain"],
        "gain",
    )
    return pd.Series(cat, index=runs.index, name="outcome")


def outcome_mix(runs: pd.DataFrame) -> pd.DataFrame:
    """Counts and shares of each outcome per scenario, with Wilson 95% intervals.

    Returns one row per scenario (in :func:`scenario_order`) with ``n``, ``<outcome>`` counts,
    ``share_<outcome>``, and for each boundary of the stack (the cumulative share of the outcomes up
    to and including it) ``cum_<outcome>``, ``cum_lo_<outcome>``, ``cum_hi_<outcome>``. The
    ``missed`` boundary is the failure rate; ``met_no_gain`` is one minus the measurable-gain rate.
    """
    runs = completed(runs)
    counts = pd.crosstab(runs["scenario"], outcome_category(runs)).reindex(
        index=scenario_order(runs["scenario"]), columns=list(OUTCOMES), fill_value=0
    )
    out = counts.copy()
    out.insert(0, "n", counts.sum(axis=1))
    cum = counts.cumsum(axis=1)
    for cat in OUTCOMES:
        out[f"share_{cat}"] = counts[cat] / out["n"]
        out[f"cum_{cat}"] = cum[cat] / out["n"]
        out[f"cum_lo_{cat}"], out[f"cum_hi_{cat}"] = wilson_interval(cum[cat], out["n"])
    out.index.name = "scenario"
    return out


# --- figure plumbing ---------------------------------------------------------------------------
def _styled(func):
    """Draw the whole chart under the house style (seaborn whitegrid, notebook sizes)."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        with plt.rc_context(_RC):
            return func(*args, **kwargs)

    return wrapper


def _figure(width: float, height: float) -> Figure:
    fig = Figure(figsize=(width, height), layout="constrained")
    FigureCanvasAgg(fig)  # a canvas to measure text with before the layout is fixed
    return fig


def _finish(
    fig: Figure, title: str, source: str, note: str = "", handles=None, ncol: int = 3
) -> Figure:
    """Title on top; legend (if any) and the data-source footnote below the axes.

    The footnote and legend are measured and the constrained layout is told to keep the axes
    above them, so neither can cover data or tick labels.
    """
    fig.suptitle(title, fontweight="bold", fontsize=14)
    foot = f"Data: {source}" if source else "Data: crm-rollout-sim results"
    if note:
        foot += f"   ·   {note}"
    renderer = fig.canvas.get_renderer()
    chars = int(fig.get_figwidth() * 17)  # about 17 characters an inch at 8 pt
    foot = "\n".join(textwrap.wrap(foot, chars, subsequent_indent="    "))
    text = fig.text(0.005, 0.006, foot, fontsize=8, color="0.35", ha="left", va="bottom")
    bottom = text.get_window_extent(renderer).height / fig.bbox.height + 0.012
    if handles:
        leg = fig.legend(
            handles=handles,
            loc="lower center",
            bbox_to_anchor=(0.5, bottom),
            ncol=ncol,
            frameon=False,
        )
        bottom += leg.get_window_extent(renderer).height / fig.bbox.height + 0.008
    fig.get_layout_engine().set(rect=(0, bottom, 1, 1 - bottom), h_pad=0.06, w_pad=0.06)
    return fig


def _colour_ticklabels(labels, names: Sequence[str], palette: dict[str, str]) -> None:
    for lab, name in zip(labels, names, strict=False):
        lab.set_color(palette[name])
        lab.set_fontweight("bold")


def save_figure(fig: Figure, out_dir: Path | str, name: str) -> list[Path]:
    """Write ``out_dir/name.png`` (150 dpi) and ``out_dir/name.svg``; returns both paths."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    png, svg = out_dir / f"{name}.png", out_dir / f"{name}.svg"
    with plt.rc_context(_RC):
        fig.savefig(png, dpi=150, metadata={"Software": None})
        fig.savefig(svg, metadata={"Date": None, "Creator": None})
    return [png, svg]


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


def _outer_labels(axes, xlabel: str, ylabel: str) -> None:
    """Axis labels (and x tick labels) on the lowest panel of each column and the left column."""
    ncols = axes[0].get_subplotspec().get_gridspec().ncols
    for i, ax in enumerate(axes):
        if i + ncols >= len(axes):  # nothing drawn below this panel
            ax.xaxis.set_tick_params(labelbottom=True)
            ax.set_xlabel(xlabel)
        if i % ncols == 0:
            ax.set_ylabel(ylabel)


def _panel_grid(fig: Figure, n: int, sharey: bool = True, sharex: bool = True):
    ncols = 1 if n == 1 else 2 if n in (2, 4) else 3
    nrows = math.ceil(n / ncols)
    axes = fig.subplots(nrows, ncols, sharex=sharex, sharey=sharey, squeeze=False).ravel()
    for ax in axes[n:]:
        ax.set_visible(False)
    return axes[:n]


# --- comparison charts (sweep / compare results) ------------------------------------------------
@_styled
def outcome_mix_chart(
    runs: pd.DataFrame, *, source: str = "", palette: dict | None = None
) -> Figure:
    """Stacked bars of the outcome mix per ordering, Wilson 95% intervals, published rates."""
    mix = outcome_mix(runs)
    palette = palette or ordering_palette(mix.index)
    fig = _figure(11, 6.8)
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
    gaps = np.r_[span[0], x + 0.5]
    for (_, y, label, src), ls, mk in zip(
        REFERENCE_RATES, ("--", "-.", ":"), ("v", "D", "^"), strict=True
    ):
        ax.plot(
            gaps,
            np.full(len(gaps), y * 100),
            ls=ls,
            color="black",
            lw=1.6,
            marker=mk,
            markersize=6,
            zorder=6,
            clip_on=False,
        )
        ax.annotate(
            f"{label}\n{src}",
            xy=(1, y * 100),
            xycoords=("axes fraction", "data"),
            xytext=(10, 0),
            textcoords="offset points",
            va="center",
            fontsize=8.5,
        )
    ax.set_xlim(*span)
    ax.set_ylim(0, 100)
    ax.yaxis.set_major_formatter(PercentFormatter(100))
    ax.set_ylabel("Share of simulated runs (%)")
    ax.set_xlabel("Rollout ordering (number of runs)")
    ax.set_xticks(x, [f"{_wrap(ordering_label(s))}\n(n={n})" for s, n in mix["n"].items()])
    _colour_ticklabels(ax.get_xticklabels(), list(mix.index), palette)
    ax.set_title(
        "Bars stack from worst outcome (bottom) to best (top); black lines: published rates",
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
            label="Wilson 95% interval (never live, failed, gain)",
        )
    )
    return _finish(fig, "CRM programme outcomes by rollout ordering", source, handles=handles)


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


@_styled
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
    fig = _figure(12, 3.1 * math.ceil(len(names) / 3) + 1.6)
    axes = _panel_grid(fig, len(names))
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
    _outer_labels(axes, WEEK_LABEL, "Adoption (% of employees\nusing the CRM)")
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
    return _finish(
        fig,
        "CRM adoption over time by rollout ordering",
        source,
        "adoption = share of employees logging more than half their contacts in the CRM",
        handles=handles,
        ncol=5,
    )


@_styled
def customers_chart(
    series: pd.DataFrame, *, source: str = "", palette: dict | None = None
) -> Figure:
    """Customer satisfaction and active customers over time, against the no-CRM counterfactual."""
    names = scenario_order(series["scenario"])
    palette = palette or ordering_palette(names)
    fig = _figure(12, 8.2)
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
    handles = [Line2D([], [], color=palette[n], lw=2.5, label=ordering_label(n)) for n in names]
    handles.append(Line2D([], [], color="black", ls="--", lw=2, label="No CRM (counterfactual)"))
    return _finish(
        fig,
        "Customers with and without the CRM programme",
        source,
        handles=handles,
        ncol=min(len(handles), 4),
    )


@_styled
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
    fig = _figure(11, 6.4)
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
    return _finish(
        fig,
        "The productivity J-curve around go-live",
        source,
        handles=handles,
        ncol=min(len(handles), 4),
    )


@_styled
def roi_chart(runs: pd.DataFrame, *, source: str = "", palette: dict | None = None) -> Figure:
    """Distribution of ROI (delta profit / programme spend) per ordering: box plus every run."""
    runs = completed(runs).assign(roi_pct=lambda d: d["roi"] * 100)
    names = scenario_order(runs["scenario"])
    palette = palette or ordering_palette(names)
    fig = _figure(11, 0.8 * len(names) + 2.4)
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
    _colour_ticklabels(ax.get_yticklabels(), names, palette)
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
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:+.0f}%" if v else "0%"))
    ax.set_xlabel("Return on investment (profit vs no CRM, % of programme spend)")
    ax.set_ylabel("")
    note = ""
    q1, q3 = np.nanpercentile(runs["roi_pct"], [25, 75])
    lo, hi = q1 - 4 * (q3 - q1), q3 + 4 * (q3 - q1)  # far beyond any box whisker
    outside = (runs["roi_pct"] < lo) | (runs["roi_pct"] > hi)
    if q3 > q1 and outside.any():  # a few extreme runs would squash the rest
        inside = runs.loc[~outside, "roi_pct"]
        pad = 0.05 * (inside.max() - inside.min())
        ax.set_xlim(min(inside.min() - pad, -pad), max(inside.max() + pad, pad))
        k = int(outside.sum())
        note = f"{k} extreme run{'s' if k != 1 else ''} beyond the axis not shown"
    ax.set_title(
        "Each dot is one run; boxes span the middle 50%, the line inside is the median",
        fontsize=10.5,
        color="0.25",
    )
    return _finish(fig, "Return on the CRM investment by rollout ordering", source, note)


#: How paired differences are shown: (title, axis label, scale, lower_is_better).
PAIRED_METRICS = {
    "failed": ("Failure rate", "percentage points", 100, True),
    "never_live": ("Never-live rate", "percentage points", 100, True),
    "abandoned": ("Abandonment rate", "percentage points", 100, True),
    "met_expectations": ("Met-expectations rate", "percentage points", 100, False),
    "measurable_gain": ("Measurable-gain rate", "percentage points", 100, False),
    "roi": ("ROI", "percentage points of spend", 100, False),
    "delta_profit": ("Profit vs no CRM", "million USD", 1e-6, False),
    "adoption_final": ("Final adoption", "percentage points", 100, False),
    "delta_csat": ("Satisfaction vs no CRM", "points on a 0–1 scale", 1, False),
    "delta_churn": ("Churn vs no CRM", "percentage points", 100, True),
}


@_styled
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
    fig = _figure(12, nrows * (0.42 * len(names) + 1.7) + 1.0)
    axes = fig.subplots(nrows, ncols, squeeze=False, sharey=True).ravel()
    for ax in axes[len(metrics) :]:
        ax.set_visible(False)
    for ax, metric in zip(axes, metrics, strict=False):
        title, unit, scale, lower_better = PAIRED_METRICS.get(
            metric, (metric, "difference", 1, False)
        )
        d = p[p["metric"] == metric].set_index("scenario").reindex(names)
        if unit == "million USD" and d[["ci_low", "ci_high"]].abs().max().max() < 1e6:
            unit, scale = "thousand USD", 1e-3  # small organisations: keep the digits readable
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
        _colour_ticklabels(ax.get_yticklabels(), names, palette)
        ax.set_ylim(-0.6, len(names) - 0.4)
        ax.set_xlabel(f"Difference ({unit})")
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:+.3g}" if v else "0"))
        better = "← better" if lower_better else "better →"
        ax.set_title(f"{title}   ({better})", fontsize=11)
        ax.margins(x=0.15)
    n = int(p["n"].max()) if len(p) else 0
    return _finish(
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
        from sim.params import PARAMS

        doc = PARAMS[key].doc
    except (ImportError, KeyError):  # a parameter this version does not describe
        doc = "scenario parameter value"
    return f"{key}\n" + "\n".join(textwrap.wrap(f"({doc})", 48))


@_styled
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
    fig = _figure(6.2 * min(len(names), 2) + 1.8, 5.8 * math.ceil(len(names) / 2) + 0.8)
    axes = _panel_grid(fig, len(names), sharey=False, sharex=False)
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
    return _finish(
        fig,
        "Failure rate over the design grid",
        source,
        "failed = missed the sponsor's expectations (never live and abandoned included)",
    )


# --- single-run charts ---------------------------------------------------------------------------
RUN_COLUMNS = (
    "week",
    "adoption",
    "csat",
    "cf_csat",
    "readiness_planning",
    "readiness_people",
    "readiness_process",
    "readiness_platform",
    "spend",
)


def load_run(run_dir: Path | str) -> tuple[dict, pd.DataFrame]:
    """Read a ``crmsim run`` folder: ``summary.json`` and ``timeseries.parquet``, validated."""
    run_dir = Path(run_dir)
    summ, tsf = run_dir / "summary.json", run_dir / "timeseries.parquet"
    for f in (summ, tsf):
        if not f.is_file():
            raise InputError(
                "missing: a run folder holds summary.json and timeseries.parquet", file=str(f)
            )
    try:
        summary = json.loads(summ.read_text())
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError(f"not readable JSON ({exc})", file=str(summ)) from None
    if not isinstance(summary, dict):
        raise InputError("expected a JSON object of outcome fields", file=str(summ))
    try:
        ts = pd.read_parquet(tsf)
    except Exception as exc:  # pyarrow raises several types for a damaged file
        raise InputError(
            f"not a readable parquet file ({type(exc).__name__}: {exc})", file=str(tsf)
        ) from None
    missing = [c for c in RUN_COLUMNS if c not in ts.columns]
    if missing:
        raise InputError(f"missing columns {missing}", file=str(tsf))
    return summary, ts.sort_values("week")


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


def _mark_events(ax, ts: pd.DataFrame, summary: dict) -> None:
    """Go-live (and, for a shelved CRM, the week it was abandoned) as labelled vertical lines.

    The labels go to the legend below the chart, never onto the data.
    """
    gl = _golive(summary)
    if gl is None:
        ax.plot([], [], ls="none", label=f"Never went live ({summary.get('status', '?')})")
        return
    ax.axvline(gl, color="0.25", ls="--", lw=1.3, label=f"Go-live (week {gl:.0f})")
    if summary.get("status") == "abandoned" and "live" in ts:
        off = ts[(ts["week"] > gl) & (ts["live"] <= 0)]
        if len(off):
            wk = float(off["week"].iloc[0])
            ax.axvline(wk, color="0.25", ls=":", lw=1.6, label=f"Abandoned (week {wk:.0f})")


def _run_figure(summary: dict):
    fig = _figure(10, 5.8)
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
    return _finish(fig, title, source, handles=handles, ncol=min(len(handles), 4))


@_styled
def run_adoption_chart(ts: pd.DataFrame, summary: dict, *, source: str = "") -> Figure:
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


@_styled
def run_satisfaction_chart(ts: pd.DataFrame, summary: dict, *, source: str = "") -> Figure:
    """Customer satisfaction of one run against its no-CRM counterfactual."""
    fig, ax = _run_figure(summary)
    ax.plot(
        ts["week"], ts["csat"], color=_run_colour(summary), lw=2.2, label="With the CRM programme"
    )
    ax.plot(
        ts["week"], ts["cf_csat"], color="black", ls="--", lw=1.6, label="No CRM (counterfactual)"
    )
    ax.set_ylabel("Mean customer satisfaction (0–1 scale)")
    return _run_finish(
        fig, ax, ts, summary, "Customer satisfaction with and without the CRM", source
    )


@_styled
def run_readiness_chart(ts: pd.DataFrame, summary: dict, *, source: str = "") -> Figure:
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


@_styled
def run_spend_chart(ts: pd.DataFrame, summary: dict, *, source: str = "") -> Figure:
    """Cumulative programme spend against the budget."""
    fig, ax = _run_figure(summary)
    budget = summary.get("budget")
    budget = float(budget) if isinstance(budget, int | float) and budget > 0 else None
    top = max(float(ts["spend"].max()), budget or 0.0)
    scale, unit = (1e-6, "million USD") if top >= 1e6 else (1e-3, "thousand USD")
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
            label=f"Budget ({budget * scale:,.{1 if scale == 1e-3 else 2}f} {unit})",
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
    run_dir: Path | str, out_dir: Path | str | None = None, *, source: str | None = None
) -> list[Path]:
    """Write the single-run charts of a ``crmsim run`` folder to ``run_dir/charts`` (PNG + SVG).

    Args:
        run_dir: folder with ``summary.json`` and ``timeseries.parquet``.
        out_dir: where the charts go (default ``run_dir/charts``).
        source: footnote text (default: scenario, seed, engine and overrides from the summary).

    Returns:
        The paths written: ``run_adoption``, ``run_satisfaction``, ``run_readiness`` and
        ``run_spend``, each as ``.png`` and ``.svg``.

    Raises:
        InputError: ``summary.json`` or ``timeseries.parquet`` is missing or corrupt (named).
    """
    summary, ts = load_run(run_dir)
    out_dir = Path(out_dir) if out_dir else Path(run_dir) / "charts"
    source = source or _run_source(summary)
    paths: list[Path] = []
    for name, chart in RUN_CHARTS.items():
        paths += save_figure(chart(ts, summary, source=source), out_dir, name)
    return paths
