"""Charts of a sensitivity analysis and of a scenario discovery; they read result files only.

* Sobol' indices: first-order (S1) and total (ST) per parameter, sorted by ST, one panel per
  output, with the bootstrap intervals as error bars (``sensitivity/indices.csv``).
* Morris screening: mu* against sigma per parameter, one panel per output (Campolongo et al.
  2007): far right matters, high up acts through interactions or non-linearity.
* The emulator's check: at each point held out of its fit, the emulator's prediction against the
  model's figure, both with 2 standard deviations, one panel per output
  (``sensitivity/emulator_test.csv``, ``emulator.csv``); on the diagonal a perfect emulator.
* PRIM trade-off: coverage against density along the peeling trajectory, coloured by the number
  of restricted inputs, the chosen box circled (``discovery/OUTCOME/trajectory.csv``), with its
  limits beside it (``box.csv``).
* Feature scores: extra-trees scores per input, one column per ordering (``feature_scores.csv``).

:func:`analysis_charts` lists what a results folder has data for, as (name, title, factory,
caption) tuples the HTML report adds after its own charts.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.figure import Figure

from sim.report.style import finish, new_figure, panel_grid, save_figure, styled

__all__ = [
    "sobol_chart",
    "morris_chart",
    "emulator_check_chart",
    "write_sensitivity_charts",
    "prim_tradeoff_chart",
    "feature_scores_chart",
    "analysis_charts",
]

S1_COLOUR, ST_COLOUR = "#56B4E9", "#0072B2"  # Okabe-Ito sky blue and blue


@styled
def sobol_chart(indices: pd.DataFrame, *, source: str = "", top: int = 12) -> Figure:
    """Sorted bars of S1 and ST with their intervals, per output (the 2N stage)."""
    full = indices[indices["stage"] == "2N"] if "stage" in indices else indices
    outputs = list(dict.fromkeys(full["output"]))
    n_par = min(top, full["parameter"].nunique())
    ncols = 1 if len(outputs) == 1 else 2 if len(outputs) in (2, 4) else 3
    fig = new_figure(5.2 * ncols + 2.6, (0.42 * n_par + 1.6) * math.ceil(len(outputs) / ncols) + 1)
    axes = panel_grid(fig, len(outputs), sharey=False, sharex=True)
    for ax, name in zip(axes, outputs, strict=True):
        t = full[full["output"] == name].sort_values("ST", ascending=False).head(top)
        pos = np.arange(len(t))
        ax.barh(pos - 0.2, t["ST"], 0.4, xerr=t["ST_conf"], color=ST_COLOUR, label="total (ST)")
        ax.barh(pos + 0.2, t["S1"], 0.4, xerr=t["S1_conf"], color=S1_COLOUR, label="first (S1)")
        ax.set_yticks(pos, t["parameter"])
        ax.invert_yaxis()
        ax.axvline(0, color="0.3", lw=0.8)
        title = name.replace("_", " ")
        if "emulator_passed" in t.columns and not t["emulator_passed"].astype(bool).all():
            title += "\nemulator check FAILED: these describe the emulator, not the model"
        ax.set_title(title, fontsize=11)
        ax.set_xlabel("Sobol' index (share of variance)")
    handles = axes[0].get_legend_handles_labels()[0]
    note = (
        "bars: indices of the emulators (posterior means); whiskers: 95% intervals, Monte Carlo "
        "error and the emulators' own uncertainty"
        if "ST_emulator_sd" in full.columns
        else "bars: indices from all 2N base rows; whiskers: 95% bootstrap intervals"
    )
    return finish(
        fig,
        "Which parameters drive the outcomes (Sobol' indices)",
        source,
        note,
        handles=handles,
        ncol=2,
    )


@styled
def morris_chart(indices: pd.DataFrame, *, source: str = "", label: int = 8) -> Figure:
    """mu* against sigma per output; the ``label`` largest mu* are named."""
    full = indices[indices["stage"] == "2N"] if "stage" in indices else indices
    outputs = list(dict.fromkeys(full["output"]))
    ncols = 1 if len(outputs) == 1 else 2 if len(outputs) in (2, 4) else 3
    fig = new_figure(5.6 * ncols + 0.6, 5.0 * math.ceil(len(outputs) / ncols) + 1)
    axes = panel_grid(fig, len(outputs), sharey=False, sharex=False)
    for ax, name in zip(axes, outputs, strict=True):
        t = full[full["output"] == name]
        ax.errorbar(
            t["mu_star"],
            t["sigma"],
            xerr=t["mu_star_conf"],
            fmt="o",
            color=ST_COLOUR,
            ms=5,
            ecolor="0.6",
            elinewidth=0.8,
        )
        lim = max(float(t["mu_star"].max()), float(t["sigma"].max()), 1e-12) * 1.1
        ax.plot([0, lim], [0, lim], ls="--", color="0.5", lw=0.8)
        for _, r in t.sort_values("mu_star", ascending=False).head(label).iterrows():
            ax.annotate(
                r["parameter"],
                (r["mu_star"], r["sigma"]),
                fontsize=8,
                xytext=(4, 3),
                textcoords="offset points",
            )
        ax.set_title(name.replace("_", " "), fontsize=11)
        ax.set_xlabel("mu* (mean |elementary effect| over the range)")
        ax.set_ylabel("sigma (spread of the effects)")
    return finish(
        fig,
        "Parameter screening (Morris elementary effects)",
        source,
        "right: large effect; above the dashed line (sigma > mu*): interactions or non-linearity; "
        "whiskers: 95% bootstrap intervals of mu*",
    )


@styled
def emulator_check_chart(points: pd.DataFrame, checks: pd.DataFrame, *, source: str = "") -> Figure:
    """Held-out points: the emulator's prediction against the model's figure, per output."""
    outputs = list(dict.fromkeys(points["output"]))
    ncols = 1 if len(outputs) == 1 else 2 if len(outputs) in (2, 4) else 3
    fig = new_figure(4.6 * ncols + 0.6, 4.4 * math.ceil(len(outputs) / ncols) + 1)
    axes = panel_grid(fig, len(outputs), sharey=False, sharex=False)
    verdicts = checks.set_index("output") if len(checks) else None
    for ax, name in zip(axes, outputs, strict=True):
        t = points[points["output"] == name]
        ax.errorbar(
            t["observed"],
            t["predicted"],
            xerr=2 * t["observed_sd"],
            yerr=2 * t["predicted_sd"],
            fmt="o",
            color=ST_COLOUR,
            ms=4,
            ecolor="0.65",
            elinewidth=0.8,
        )
        lo = float(min(t["observed"].min(), t["predicted"].min()))
        hi = float(max(t["observed"].max(), t["predicted"].max()))
        pad = 0.05 * (hi - lo or 1.0)
        ax.plot([lo - pad, hi + pad], [lo - pad, hi + pad], ls="--", color="0.4", lw=0.8)
        title = name.replace("_", " ")
        if verdicts is not None and name in verdicts.index:
            c = verdicts.loc[name]
            verdict = "passed" if bool(c["passed"]) else "FAILED"
            title += f"\nR² {c['r2']:.2f}, {c['coverage_2sd']:.0%} within ±2 sd: {verdict}"
        ax.set_title(title, fontsize=10)
        ax.set_xlabel("model (held-out point)")
        ax.set_ylabel("emulator")
    return finish(
        fig,
        "Does the emulator predict runs it never saw?",
        source,
        "each dot a design point held out of the emulator's fit; whiskers: 2 standard deviations "
        "(the model's: replicate noise; the emulator's: its own uncertainty); dashed: equality",
    )


@styled
def prim_tradeoff_chart(
    trajectory: pd.DataFrame, box: pd.DataFrame, outcome: str, *, source: str = ""
) -> Figure:
    """Coverage against density along PRIM's peeling trajectory, the chosen box marked."""
    fig = new_figure(11.5, 5.4)
    ax, tab = fig.subplots(1, 2, width_ratios=[1.25, 1])
    sc = ax.scatter(
        trajectory["coverage"], trajectory["density"], c=trajectory["res_dim"], cmap="viridis", s=28
    )
    fig.colorbar(sc, ax=ax, label="restricted inputs")
    chosen = trajectory[trajectory["chosen"].astype(bool)]
    ax.scatter(
        chosen["coverage"],
        chosen["density"],
        s=220,
        facecolors="none",
        edgecolors="#D55E00",
        linewidths=2,
        label="chosen box",
    )
    ax.set_xlabel("coverage (share of all cases inside the box)")
    ax.set_ylabel("density (share of the box's runs that are cases)")
    ax.set_xlim(0, 1.02)
    ax.set_ylim(0, 1.02)
    ax.legend(loc="lower left", frameon=False)
    tab.axis("off")
    lines = [f"Chosen box ({outcome.replace('_', ' ')})"]
    if len(chosen):
        r = chosen.iloc[0]
        lines.append(
            f"coverage {r['coverage']:.0%}, density {r['density']:.0%}, mass {r['mass']:.0%}"
        )
    lines.append("")
    for _, b in box.iterrows():
        numeric = isinstance(b["lower"], int | float) and isinstance(b["upper"], int | float)
        if numeric and not math.isnan(b["upper"]):
            text = f"{b['lower']:.3g} ≤ {b['input']} ≤ {b['upper']:.3g}"
        else:
            text = f"{b['input']} in {{{b['lower']}}}"
        qps = [
            q for q in (b["qp_lower"], b["qp_upper"]) if isinstance(q, float) and not math.isnan(q)
        ]
        lines.append(text)
        lines.append(f"    quasi-p {max(qps):.2g}" if qps else "    quasi-p -")
    tab.text(
        0, 1, "\n".join(lines), va="top", ha="left", fontsize=9.5, family="monospace", wrap=True
    )
    return finish(
        fig,
        f"Scenario discovery: where {outcome.replace('_', ' ')} concentrates (PRIM)",
        source,
        "each dot one box of the peeling trajectory; quasi-p values after Bryant & Lempert 2010",
    )


@styled
def feature_scores_chart(scores: pd.DataFrame, outcome: str, *, source: str = "") -> Figure:
    """Extra-trees feature scores, inputs by rows, 'all runs' and each ordering by columns."""
    table = scores.set_index("input")
    fig = new_figure(1.6 * len(table.columns) + 5.5, 0.42 * len(table) + 2.4)
    ax = fig.subplots()
    sns.heatmap(
        table,
        ax=ax,
        annot=True,
        fmt=".2f",
        cmap="Blues",
        vmin=0,
        linewidths=0.5,
        cbar_kws={"label": "feature score (share of importance)"},
    )
    ax.set_xlabel("")
    ax.set_ylabel("")
    ax.set_xticklabels(
        [t.get_text().replace("_", " ") for t in ax.get_xticklabels()], rotation=30, ha="right"
    )
    return finish(
        fig,
        f"Which inputs explain {outcome.replace('_', ' ')} (extra-trees feature scores)",
        source,
        "scores sum to 1 in each column; blank: every run of that ordering had the same outcome",
    )


def _read(path: Path) -> pd.DataFrame | None:
    try:
        return pd.read_csv(path) if path.is_file() and path.stat().st_size else None
    except (OSError, pd.errors.ParserError, pd.errors.EmptyDataError):
        return None


def _sens_caption(root: Path) -> str:
    """The verdicts of ``sensitivity/report.md`` (one bullet an output), as one paragraph."""
    try:
        text = (root / "sensitivity" / "report.md").read_text()
    except (OSError, UnicodeDecodeError):
        return ""
    return " ".join(line[2:] for line in text.splitlines() if line.startswith("- "))


def analysis_charts(root: Path | str, source: str = "") -> list[tuple[str, str, object, str]]:
    """(file name, heading, figure factory, caption) for each analysis table in the folder."""
    root = Path(root)
    out = []
    idx = _read(root / "sensitivity" / "indices.csv")
    if idx is not None and len(idx):
        caption = _sens_caption(root)
        if "ST" in idx.columns:
            out.append(
                (
                    "sobol",
                    "Sobol' sensitivity indices",
                    lambda: sobol_chart(idx, source=source),
                    caption,
                )
            )
        elif "mu_star" in idx.columns:
            out.append(
                ("morris", "Morris screening", lambda: morris_chart(idx, source=source), caption)
            )
    tests = _read(root / "sensitivity" / "emulator_test.csv")
    checks = _read(root / "sensitivity" / "emulator.csv")
    if tests is not None and len(tests) and checks is not None:
        out.append(
            (
                "emulator_check",
                "The emulator's check on held-out points",
                lambda: emulator_check_chart(tests, checks, source=source),
                "Each output's emulator predicts the design points held out of its fit; the "
                "Sobol' indices of an output whose check failed describe the emulator, not the "
                "model.",
            )
        )
    disc = root / "discovery"
    for folder in sorted(p for p in disc.glob("*") if p.is_dir()) if disc.is_dir() else []:
        outcome = folder.name
        traj, box = _read(folder / "trajectory.csv"), _read(folder / "box.csv")
        scores = _read(folder / "feature_scores.csv")
        text = (folder / "report.md").read_text() if (folder / "report.md").is_file() else ""
        caption = " ".join(line for line in text.splitlines()[2:3])
        if traj is not None and box is not None:
            out.append(
                (
                    f"prim_{outcome}",
                    f"Scenario discovery: {outcome.replace('_', ' ')}",
                    lambda t=traj, b=box, o=outcome: prim_tradeoff_chart(t, b, o, source=source),
                    caption,
                )
            )
        if scores is not None:
            out.append(
                (
                    f"features_{outcome}",
                    f"Feature scores: {outcome.replace('_', ' ')}",
                    lambda s=scores, o=outcome: feature_scores_chart(s, o, source=source),
                    "Extra-trees feature scores (EMA Workbench) of the inputs for this "
                    "outcome, over all runs and per ordering.",
                )
            )
    return out


#: The charts of the sensitivity analysis itself (not of a discovery), drawn by default.
SENSITIVITY_CHARTS = ("sobol", "morris", "emulator_check")


def write_sensitivity_charts(root: Path | str, source: str = "") -> list[Path]:
    """Draw a sensitivity results folder's charts beside its tables, in ``ROOT/sensitivity/``
    (PNG and SVG), so that folder is the whole analysis; returns the PNG paths."""
    root = Path(root)
    out = []
    for name, _title, factory, _caption in analysis_charts(root, source):
        if name in SENSITIVITY_CHARTS:
            out.append(save_figure(factory(), root / "sensitivity", name)[0])
    return out
