"""Charts of a sampled design (Latin hypercube): the failure rate along every varied parameter.

A Latin hypercube gives every run its own parameter values, so a grid heatmap of it is mostly
empty cells with six-digit labels. Here each varied parameter gets its own panel: runs are cut
into equal-count bins of that parameter (the others vary across their whole ranges inside each
bin, so this is a partial-dependence view, marginalised over the rest of the design), and the
failure rate of each bin is drawn with its Wilson 95% interval, one line per scenario. Ticks are
rounded to three significant digits. Every varied parameter is drawn, none left out.
"""

from __future__ import annotations

import math
import textwrap
from collections.abc import Sequence

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import FuncFormatter, MaxNLocator, PercentFormatter

from sim.report.data import completed, wilson_interval
from sim.report.style import (
    finish,
    new_figure,
    ordering_label,
    ordering_palette,
    scenario_order,
    styled,
)

#: Bins per parameter (equal numbers of runs); fewer when the runs are few.
BINS = 8


def _doc(key: str) -> str:
    """The parameter's meaning (with its unit) from the parameter table, wrapped for an axis."""
    try:
        from sim.model.params import PARAMS

        doc = PARAMS[key].doc
    except (ImportError, KeyError):  # a parameter this version does not describe
        doc = "parameter value"
    return "\n".join(textwrap.wrap(doc, 46))


def _tick(v, _=None) -> str:
    if v == 0:
        return "0"
    return f"{v:.3g}" if abs(v) < 1e5 else f"{v:,.0f}"


def binned_failure(runs: pd.DataFrame, col: str, bins: int = BINS) -> pd.DataFrame:
    """Failure rate per scenario and equal-count bin of ``col``: x (bin median), rate, lo, hi, n."""
    runs = completed(runs)
    rows = []
    for name, sub in runs.groupby("scenario"):
        values = sub[col].astype(float)
        k = int(min(bins, max(1, values.nunique()), max(1, len(sub) // 10)))
        if values.nunique() <= k:
            group = values
        else:
            group = pd.qcut(values.rank(method="first"), k, labels=False)
        failed = ~sub["met_expectations"].astype(bool)
        for _, idx in sub.groupby(group).groups.items():
            n = len(idx)
            f = int(failed.loc[idx].sum())
            lo, hi = wilson_interval(f, n)
            rows.append(
                {
                    "scenario": name,
                    "x": float(values.loc[idx].median()),
                    "rate": f / n,
                    "lo": float(lo),
                    "hi": float(hi),
                    "n": n,
                }
            )
    return pd.DataFrame(rows).sort_values(["scenario", "x"])


@styled
def partial_dependence_chart(
    runs: pd.DataFrame,
    params: Sequence[str],
    *,
    source: str = "",
    palette: dict | None = None,
    labels: dict[str, str] | None = None,
) -> Figure:
    """One panel per varied ``param.*`` column: failure rate by bin with a Wilson 95% band."""
    runs = completed(runs)
    names = scenario_order(runs["scenario"])
    palette = palette or ordering_palette(names)
    ncols = min(3, len(params))
    nrows = math.ceil(len(params) / ncols)
    fig = new_figure(4.3 * ncols + 0.8, 3.4 * nrows + 1.4)
    axes = fig.subplots(nrows, ncols, squeeze=False, sharey=True).ravel()
    for ax in axes[len(params) :]:
        ax.set_visible(False)
    per_bin = []
    for ax, col in zip(axes, params, strict=False):
        b = binned_failure(runs, col)
        per_bin.append(int(b["n"].median()) if len(b) else 0)
        for name in names:
            sub = b[b["scenario"] == name]
            if sub.empty:
                continue
            c = palette[name]
            ax.fill_between(sub["x"], sub["lo"] * 100, sub["hi"] * 100, color=c, alpha=0.18, lw=0)
            ax.plot(sub["x"], sub["rate"] * 100, color=c, lw=2, marker="o", ms=3.5)
        key = col.removeprefix("param.")
        ax.set_title((labels or {}).get(key, key), fontsize=10.5)
        ax.xaxis.set_major_locator(MaxNLocator(5))
        ax.xaxis.set_major_formatter(FuncFormatter(_tick))
        ax.set_ylim(0, 100)
        ax.yaxis.set_major_formatter(PercentFormatter(100))
        ax.set_xlabel(_doc(key), fontsize=8.5)
    for i in range(0, len(params), ncols):
        axes[i].set_ylabel("Failure rate (% of runs)")
    handles = [Line2D([], [], color=palette[n], lw=2.5, label=ordering_label(n)) for n in names]
    handles.append(Patch(color="0.5", alpha=0.3, label="Wilson 95% interval"))
    n_runs = len(runs)
    typical = int(np.median(per_bin)) if per_bin else 0
    return finish(
        fig,
        "Failure rate along each parameter of the design",
        source,
        f"{n_runs} runs; each point: a bin of about {typical} runs of one scenario, the other "
        "parameters varying across their ranges (partial dependence)",
        handles=handles,
        ncol=min(len(handles), 4),
    )
