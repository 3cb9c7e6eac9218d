"""Charts of a calibration; they read its files only (posterior.parquet, parameters.csv,
predictive.csv).

* Prior against posterior: one panel per parameter, the prior's density (a line) under the
  posterior's histogram, the prior's bounds at the panel's edges, so a posterior piled against a
  bound shows at once.
* The posterior's pair plot (seaborn): the marginals on the diagonal, the pairs below it, so
  parameters the patterns only pin down together (a ridge) are seen as such.
* The predictive check: per pattern, the source's band (grey; the observed figure a black tick)
  against the 95% posterior predictive interval from fresh runs (a line, its median a dot), one
  panel per kind of figure (rates, paired differences, other figures), held-out patterns in
  their own colour.

``python -m sim.report.calibration_charts DIR`` draws them into DIR (``crmsim calibrate`` does after
writing the files).
"""

from __future__ import annotations

import io
import math
import sys
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from scipy import stats

from sim.report.style import RC_PARAMS, finish, new_figure, panel_grid, styled
from sim.safepaths import atomic_write_bytes

__all__ = [
    "prior_posterior_chart",
    "pair_chart",
    "predictive_chart",
    "draw_charts",
    "CHART_FILES",
]

CHART_FILES = ("prior_posterior.png", "posterior_pairs.png", "predictive_check.png")
POSTERIOR, PRIOR = "#0072B2", "0.45"  # Okabe-Ito blue; grey
FITTED, HELD_OUT = "#0072B2", "#D55E00"  # Okabe-Ito blue and vermillion
#: Draws shown in the pair plot (assumption: enough for its histograms, small enough to draw fast).
PAIR_DRAWS = 2000


def _prior(row) -> stats.rv_continuous:
    if row.prior == "uniform":
        return stats.uniform(row.low, row.high - row.low)
    a, b = (row.low - row.mean) / row.sd, (row.high - row.mean) / row.sd
    return stats.truncnorm(a, b, loc=row.mean, scale=row.sd)


@styled
def prior_posterior_chart(
    params: pd.DataFrame, posterior: pd.DataFrame, source: str = ""
) -> Figure:
    """One panel per parameter: the prior's density and the posterior's histogram."""
    n = len(params)
    ncols = 1 if n == 1 else 2 if n in (2, 4) else 3
    fig = new_figure(4.0 * ncols, 2.6 * math.ceil(n / ncols) + 1.0)
    axes = panel_grid(fig, n, sharey=False, sharex=False)
    for ax, row in zip(axes, params.itertuples(), strict=True):
        x = np.linspace(row.low, row.high, 200)
        ax.hist(posterior[row.parameter], bins=30, range=(row.low, row.high), density=True,
                color=POSTERIOR, alpha=0.75)  # fmt: skip
        ax.plot(x, _prior(row).pdf(x), color=PRIOR, lw=2)
        ax.set_xlim(row.low, row.high)
        ax.set_title(row.parameter + ("  (piled: " + row.piled + ")" if row.piled else ""),
                     fontsize=10)  # fmt: skip
        ax.set_yticks([])
    handles = [
        Line2D([], [], color=PRIOR, lw=2, label="prior"),
        Line2D([], [], color=POSTERIOR, lw=8, alpha=0.75, label="posterior"),
    ]
    return finish(fig, "Prior against posterior", source, handles=handles, ncol=2)


def pair_chart(posterior: pd.DataFrame, params: pd.DataFrame, source: str = "") -> Figure:
    """seaborn's pair plot of (at most :data:`PAIR_DRAWS` evenly spaced) posterior draws."""
    keys = list(params["parameter"])
    step = max(1, len(posterior) // PAIR_DRAWS)
    data = posterior[keys].iloc[::step]
    data.columns = [k.replace(".", "\n") for k in keys]  # long dotted names on two lines
    with plt.rc_context(RC_PARAMS):
        grid = sns.pairplot(
            data,
            corner=True,
            kind="hist",
            diag_kind="hist",
            height=1.6,
            plot_kws={"bins": 25, "color": POSTERIOR},
            diag_kws={"bins": 25, "color": POSTERIOR},
        )
        for row in params.itertuples():
            j = keys.index(row.parameter)
            for ax in grid.axes[:, j]:
                if ax is not None:
                    ax.set_xlim(row.low, row.high)
                    ax.tick_params(labelsize=8)
            for ax in grid.axes[j, :j]:  # the row's panels below the diagonal: its y range
                if ax is not None:
                    ax.set_ylim(row.low, row.high)
        grid.figure.suptitle("The posterior's pair plot", fontweight="bold", fontsize=14, y=1.01)
        grid.figure.text(0.01, -0.01, f"Data: {source}", fontsize=8, color="0.35")
    return grid.figure


@styled
def predictive_chart(predictive: pd.DataFrame, source: str = "") -> Figure:
    """Each pattern's band against its 95% posterior predictive interval, a panel per kind."""
    contrasts = (predictive["kind"] == "contrast").any()  # a trait's effect: not paired
    differences = "differences (pp)" if contrasts else "paired differences (pp)"
    groups = [("rate", "rates (%)", 100), ("difference", differences, 100)]
    groups.append(("other", "other figures", 1))
    kind = predictive["kind"].replace({"contrast": "difference"})
    kind = kind.where(kind.isin(["rate", "difference"]), "other")
    used = [(k, t, s) for k, t, s in groups if (kind == k).any()]
    heights = [max(1.0, 0.42 * int((kind == k).sum())) for k, _, _ in used]
    fig = new_figure(8.5, sum(heights) + 1.6)
    axes = fig.subplots(len(used), 1, squeeze=False, height_ratios=heights).ravel()
    for ax, (k, title, scale) in zip(axes, used, strict=True):
        part = predictive[kind == k].reset_index(drop=True)
        for i, r in part.iterrows():
            y = len(part) - 1 - i
            span = [r.pred_low, r.pred_high, r.observed, r.low, r.high]
            finite = [v for v in span if np.isfinite(v)]
            lo = r.low if np.isfinite(r.low) else min(finite)
            hi = r.high if np.isfinite(r.high) else max(finite)
            ax.barh(y, (hi - lo) * scale, left=lo * scale, height=0.6, color="0.85")
            if np.isfinite(r.observed):
                ax.plot([r.observed * scale] * 2, [y - 0.3, y + 0.3], color="black", lw=2)
            colour = HELD_OUT if r.held_out else FITTED
            ax.plot([r.pred_low * scale, r.pred_high * scale], [y, y], color=colour, lw=2.5)
            ax.plot(r.pred_median * scale, y, "o", color=colour, ms=6)
        ax.set_yticks(range(len(part)))
        ax.set_yticklabels(list(part["pattern"])[::-1], fontsize=9)
        ax.set_title(title, fontsize=10, loc="left")
    handles = [
        Line2D([], [], color="0.85", lw=8, label="source's band"),
        Line2D([], [], color="black", lw=2, label="observed figure"),
        Line2D([], [], color=FITTED, lw=2.5, marker="o", label="predictive 95% (fitted)"),
        Line2D([], [], color=HELD_OUT, lw=2.5, marker="o", label="predictive 95% (held out)"),
    ]
    return finish(fig, "Posterior predictive check", source, handles=handles, ncol=2)


def _save_png(fig: Figure, path: Path) -> Path:
    buf = io.BytesIO()
    with plt.rc_context(RC_PARAMS):
        fig.savefig(buf, format="png", dpi=130, bbox_inches="tight", metadata={"Software": None})
    atomic_write_bytes(path, buf.getvalue())
    plt.close(fig)
    return path


def draw_charts(folder: str | Path) -> list[Path]:
    """Draw :data:`CHART_FILES` into a calibration's folder from its files; returns their paths."""
    folder = Path(folder)
    params = pd.read_csv(folder / "parameters.csv", dtype={"piled": str})
    params["piled"] = params["piled"].fillna("")
    posterior = pd.read_parquet(folder / "posterior.parquet")
    predictive = pd.read_csv(folder / "predictive.csv")
    source = f"{folder.name}/posterior.parquet, predictive.csv"
    return [
        _save_png(prior_posterior_chart(params, posterior, source), folder / CHART_FILES[0]),
        _save_png(pair_chart(posterior, params, source), folder / CHART_FILES[1]),
        _save_png(predictive_chart(predictive, source), folder / CHART_FILES[2]),
    ]


if __name__ == "__main__":
    for path in draw_charts(sys.argv[1] if len(sys.argv) > 1 else "results/calibration"):
        print(path)
