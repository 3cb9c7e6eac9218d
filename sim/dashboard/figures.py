"""The dashboard's own figure: one run, week by week, against its no-CRM counterfactual.

Six panels share the week axis: adoption, customer satisfaction, active customers, the four
workstreams' readiness, spend against budget, and cumulative profit against no CRM. Each
shows the run (solid)
and, where the counterfactual has the quantity, the same organisation without a CRM programme
(dashed, same random draws). A marker line sits at the week being scrubbed, and the values at that
week are printed in each panel's title, so the page can be stepped through week by week. Money is
in thousand USD, as everywhere in the reports (:data:`sim.report.style.MONEY_UNIT`).

Comparison charts (outcome mix, paired differences, ROI) are the report's own
(:mod:`sim.report.outcome_charts`), drawn from the comparison's run rows.
"""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.ticker import FuncFormatter, PercentFormatter

from sim.model.outcomes import weekly_profit
from sim.report.style import (
    MONEY_SCALE,
    MONEY_UNIT,
    RC_PARAMS,
    WEEK_LABEL,
    WORKSTREAM_COLOURS,
    finish,
    new_figure,
    styled,
)

RUN_COLOUR = "#0072B2"
CF_STYLE = {"color": "black", "ls": "--", "lw": 1.5}


def cumulative_profit(ts: pd.DataFrame, margin: float) -> tuple[np.ndarray, np.ndarray]:
    """Cumulative profit of the run (programme spend included) and of its counterfactual."""
    spend = ts["spend"].to_numpy()
    run = weekly_profit(ts["revenue"].to_numpy(), ts["cost"].to_numpy(), spend, margin)
    none = np.zeros_like(spend)
    cf = weekly_profit(ts["cf_revenue"].to_numpy(), ts["cf_cost"].to_numpy(), none, margin)
    return np.cumsum(run), np.cumsum(cf)


def week_values(ts: pd.DataFrame, week: int, margin: float, budget: float) -> dict[str, str]:
    """What each panel prints for the scrubbed week (run vs no CRM)."""
    row = ts[ts["week"] == week].iloc[0]
    i = int(np.flatnonzero(ts["week"].to_numpy() == week)[0])
    prof, cf_prof = cumulative_profit(ts, margin)
    return {
        "adoption": f"{row['adoption']:.0%} (no CRM {row['cf_adoption']:.0%})",
        "csat": f"{row['csat']:.3f} (no CRM {row['cf_csat']:.3f})",
        "customers": f"{row['active_customers']:,.0f} (no CRM {row['cf_active_customers']:,.0f})",
        "readiness": " · ".join(
            f"{ws.capitalize()} {row[f'readiness_{ws}']:.0%}" for ws in WORKSTREAM_COLOURS
        ),
        "spend": (
            f"{row['spend'] * MONEY_SCALE:,.0f} of {budget * MONEY_SCALE:,.0f} {MONEY_UNIT} budget"
        ),
        "profit": f"{(prof[i] - cf_prof[i]) * MONEY_SCALE:+,.0f} {MONEY_UNIT} vs no CRM",
    }


@styled
def run_figure(
    ts: pd.DataFrame, summary: dict, week: int, margin: float, *, source: str = ""
) -> Figure:
    """The six-panel week-by-week figure of one run, marked at ``week``."""
    week = int(min(max(week, ts["week"].min()), ts["week"].max()))
    budget = float(summary.get("budget") or 0.0)
    vals = week_values(ts, week, margin, budget)
    fig = new_figure(13, 7.6)
    axes = fig.subplots(2, 3, sharex=True).ravel()
    w = ts["week"]
    ax = axes[0]
    ax.plot(w, ts["adoption"] * 100, color=RUN_COLOUR, lw=2.2)
    ax.plot(w, ts["cf_adoption"] * 100, **CF_STYLE)
    ax.set_ylim(0, 102)
    ax.yaxis.set_major_formatter(PercentFormatter(100))
    ax.set_ylabel("Adoption (% of employees)")
    ax.set_title(f"Adoption: {vals['adoption']}", fontsize=10.5)
    ax = axes[1]
    ax.plot(w, ts["csat"], color=RUN_COLOUR, lw=2.2)
    ax.plot(w, ts["cf_csat"], **CF_STYLE)
    ax.set_ylabel("Customer satisfaction (0–1 scale)")
    ax.set_title(f"Satisfaction: {vals['csat']}", fontsize=10.5)
    ax = axes[2]
    ax.plot(w, ts["active_customers"], color=RUN_COLOUR, lw=2.2)
    ax.plot(w, ts["cf_active_customers"], **CF_STYLE)
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:,.0f}"))
    ax.set_ylabel("Active customers (customers)")
    ax.set_title(f"Customers: {vals['customers']}", fontsize=10.5)
    ax = axes[3]
    for ws, colour in WORKSTREAM_COLOURS.items():
        ax.plot(w, ts[f"readiness_{ws}"] * 100, color=colour, lw=2, label=ws.capitalize())
    ax.set_ylim(0, 102)
    ax.yaxis.set_major_formatter(PercentFormatter(100))
    ax.set_ylabel("Readiness (% of fully ready)")
    ax.set_title(f"Workstream readiness (none without CRM)\n{vals['readiness']}", fontsize=9.5)
    ax.legend(loc="lower right", fontsize=8.5, frameon=True, ncol=2)
    ax = axes[4]
    ax.plot(w, ts["spend"] * MONEY_SCALE, color=RUN_COLOUR, lw=2.2)
    ax.axhline(0, **CF_STYLE)
    if budget > 0:
        ax.axhline(budget * MONEY_SCALE, color="0.3", ls="-.", lw=1.4)
        ax.text(w.min(), budget * MONEY_SCALE, " budget", va="bottom", fontsize=8.5, color="0.3")
    ax.set_ylabel(f"Programme spend ({MONEY_UNIT})")
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:,.0f}"))
    ax.set_title(f"Spend: {vals['spend']}", fontsize=10.5)
    ax = axes[5]
    prof, cf_prof = cumulative_profit(ts, margin)
    ax.plot(w, (prof - cf_prof) * MONEY_SCALE, color=RUN_COLOUR, lw=2.2)
    ax.axhline(0, **CF_STYLE)
    ax.set_ylabel(f"Cumulative profit vs no CRM\n({MONEY_UNIT})")
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:,.0f}"))
    ax.set_title(f"Profit: {vals['profit']}", fontsize=10.5)
    gl = summary.get("golive_week")
    for ax in axes:
        ax.axvline(week, color="#D55E00", lw=1.6, alpha=0.9, zorder=6)
        if isinstance(gl, int | float) and np.isfinite(gl):
            ax.axvline(gl, color="0.35", ls=":", lw=1.3)
    for ax in axes[3:]:
        ax.set_xlabel(WEEK_LABEL)
    status = str(summary.get("status", "?")).replace("_", " ")
    handles = [
        Line2D([], [], color=RUN_COLOUR, lw=2.2, label="With the CRM programme"),
        Line2D([], [], label="No CRM (counterfactual, same draws)", **CF_STYLE),
        Line2D([], [], color="#D55E00", lw=1.6, label=f"Week shown ({week})"),
        Line2D([], [], color="0.35", ls=":", lw=1.3, label="Go-live"),
    ]
    return finish(
        fig,
        f"One run, week by week: {summary.get('scenario', '')}, seed {summary.get('seed', '?')}"
        f" (outcome: {status})",
        source,
        handles=handles,
        ncol=4,
    )


def figure_bytes(fig: Figure, fmt: str) -> bytes:
    """A figure as PNG (150 dpi) or SVG bytes, for a download button."""
    import matplotlib.pyplot as plt

    buf = io.BytesIO()
    with plt.rc_context(RC_PARAMS):
        if fmt == "png":
            fig.savefig(buf, format="png", dpi=150, metadata={"Software": None})
        else:
            fig.savefig(buf, format="svg", metadata={"Date": None, "Creator": None})
    return buf.getvalue()
