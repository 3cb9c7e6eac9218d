"""Charts of the validation (docs/VALIDATION.md): trait effects, adoption spread, the horizons.

Reads result tables only (the runs of a sweep and the tables sim.analysis.validation derives
from them); never runs a model. Each chart follows sim.report.style: one colour per ordering,
titled, labelled axes with units, the data source in a footnote.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.patches import Patch

from sim.report import style

SOURCE = "results/failure_rates (experiments/failure_rates.toml), sim.analysis.validation"


def trait_effects_chart(traits: pd.DataFrame):
    """Heatmap: success in the top third of a trait minus the bottom third, per ordering."""
    pivot = traits.pivot(index="trait", columns="scenario", values="effect")
    names = style.scenario_order(pivot.columns)
    pivot = pivot[names]
    fig = style.new_figure(9, 4.8)
    ax = fig.add_subplot()
    lim = max(0.05, float(np.nanmax(np.abs(pivot.to_numpy()))))
    im = ax.imshow(pivot.to_numpy(), cmap="RdBu", vmin=-lim, vmax=lim, aspect="auto")
    ax.set_xticks(range(len(names)), [style.wrap_label(style.ordering_label(n)) for n in names])
    ax.set_yticks(range(len(pivot.index)), [t.replace("_", " ") for t in pivot.index])
    for i in range(pivot.shape[0]):
        for j in range(pivot.shape[1]):
            ax.text(j, i, f"{100 * pivot.iloc[i, j]:+.0f}", ha="center", va="center", fontsize=9)
    fig.colorbar(im, ax=ax, label="success, top third minus bottom third (share)")
    ax.set_xlabel("ordering")
    ax.set_ylabel("organisation trait")
    return style.finish(
        fig,
        "Which traits decide success under each ordering",
        SOURCE,
        "cells: percentage points of organisations meeting expectations",
    )


def adoption_histogram(ok: pd.DataFrame):
    """Final adoption of live programmes, one panel per ordering (CSO Insights 2006 comparison)."""
    live = ok[ok.status == "live"]
    names = style.scenario_order(live.scenario.unique())
    palette = style.ordering_palette(names)
    fig = style.new_figure(10, 5.5)
    axes = fig.subplots(2, 3, sharex=True, sharey=True).ravel()
    bins = np.linspace(0, 1, 21)
    for ax, name in zip(axes, names, strict=False):
        d = live[live.scenario == name].adoption_final
        ax.hist(d, bins=bins, color=palette[name], weights=np.full(len(d), 1 / max(len(d), 1)))
        ax.axvline(0.9, color="0.3", lw=1, ls="--")
        share = (d > 0.9).mean() if len(d) else float("nan")
        ax.set_title(f"{style.ordering_label(name)}\n{len(d)} live, {100 * share:.0f}% above 90%")
    for ax in axes[len(names) :]:
        ax.set_visible(False)
    style.outer_labels(list(axes[: len(names)]), "final adoption (share of employees)", "share")
    return style.finish(
        fig,
        "Final adoption of live programmes, by ordering",
        SOURCE,
        "dashed: 90%; CSO Insights 2006: under 40% of firms above 90% adoption",
    )


def horizon_chart(horizons: pd.DataFrame):
    """Failed, financial failure and measurable gain by ordering at three, four and five years."""
    names = style.scenario_order(horizons.scenario.unique())
    palette = style.ordering_palette(names)
    labels = list(dict.fromkeys(horizons.horizon))
    fig = style.new_figure(11, 4.2)
    axes = fig.subplots(1, 3, sharey=True)
    metrics = (
        ("failed", "failed (missed expectations)"),
        ("financial_failure", "financial failure (not paid back)"),
        ("measurable_gain", "measurable gain"),
    )
    for ax, (metric, title) in zip(axes, metrics, strict=True):
        for name in names:
            d = horizons[horizons.scenario == name].set_index("horizon").reindex(labels)
            ls = "--" if name == "industry_mix" else "-"
            ax.plot(labels, 100 * d[metric], ls, color=palette[name], marker="o")
        ax.set_title(title)
        ax.set_ylim(0, 100)
    style.outer_labels(list(axes), "horizon (the organisation judged after)", "% of organisations")
    handles = [Patch(color=palette[n], label=style.ordering_label(n)) for n in names]
    return style.finish(
        fig,
        "What each ordering risks, judged at three, four and five years",
        SOURCE + "; results/validation (4 and 5 years, the same seeds)",
        handles=handles,
        ncol=6,
    )


#: The charts :func:`write_all` writes (PNG, in results/reference/validation/).
CHARTS = ("trait_effects", "adoption_by_ordering", "horizons")


def write_all(ok: pd.DataFrame, horizons: pd.DataFrame, traits: pd.DataFrame, out: Path) -> list:
    """Write the three charts into ``out``; returns their names (:data:`CHARTS`)."""
    charts = {
        "trait_effects": trait_effects_chart(traits),
        "adoption_by_ordering": adoption_histogram(ok),
        "horizons": horizon_chart(horizons),
    }
    for name, fig in charts.items():
        style.save_figure(fig, out, name)
    return list(charts)
