"""The report's opening key findings, computed from the results, and its closing known limits.

Findings are sentences built from ``summary.csv`` (rates with Wilson 95% intervals, the median ROI
with a bootstrap interval) and ``paired.csv`` (paired differences with 95% intervals): no figure is
typed in. Which findings appear depends on what the folder holds (an industry-mix scenario, several
orderings, a paired baseline); at most five, at least one whenever there is a summary.

The limits are the model's own, as the README's "what to distrust" and docs/ODD.md state them;
they close every report so that no chart is read as a forecast.
"""

from __future__ import annotations

import pandas as pd

from sim.report.style import REFERENCE_SCENARIO, ordering_label

#: Published rates the industry mix is calibrated on (DESIGN.md 2.5): metric -> (rate, band, src).
PUBLISHED = {
    "failed": (0.55, (0.50, 0.63), "Gartner 2001, EIU 2007, Johnny Grow, Merkle 2016"),
    "never_live": (0.12, (0.09, 0.15), "AMR Research"),
    "measurable_gain": (0.16, (0.12, 0.20), "AMR Research"),
}

KNOWN_LIMITS = (
    "A model, not a forecast. Every rate is the share of simulated organisations, calibrated on "
    "the published industry mix only (DESIGN.md 2.5); the orderings' own rates are outputs of the "
    "model's mechanisms and have no published counterpart to be checked against.",
    "Intervals cover simulation noise only (Wilson 95% for rates, paired 95% intervals for "
    "differences, bootstrap for medians), not uncertainty in the model's structure, its assumed "
    "parameter values (those marked 'assumption' in `crmsim list --params`) or the published "
    "rates, which are surveys of varying method (Standish's are disputed: Eveleens & Verhoef "
    "2010).",
    "Technology first tips into failure more sharply than real programmes suggest: without process "
    "work its platform fits no known process, and some real technology-first programmes succeed. "
    "Read its rate as 'far more likely to fail', not as a law.",
    "The disruption of a big-bang go-live is modelled only through the productivity dip, so big "
    "bang may look better than practice (Panorama 2014: 51% of go-lives disrupted operations).",
    "Money is that of a stylised organisation (revenue per customer and costs per contact are "
    "assumptions or US survey figures, in thousand USD); compare orderings, not absolute amounts.",
)


def _rate(s: pd.DataFrame, name: str, metric: str) -> pd.Series | None:
    if (name, metric) in s.index:
        return s.loc[(name, metric)]
    return None


def _pct(r: pd.Series) -> str:
    return f"{r['value']:.0%} [{r['ci_low']:.0%}, {r['ci_high']:.0%}]"


def _pp(r: pd.Series) -> str:
    return f"{r['diff'] * 100:+.1f} [{r['ci_low'] * 100:+.1f}, {r['ci_high'] * 100:+.1f}]"


def key_findings(summary: pd.DataFrame | None, paired: pd.DataFrame | None) -> list[str]:
    """Three to five findings (fewer when the folder holds less), each with its interval."""
    if summary is None or summary.empty:
        return []
    s = summary.set_index(["scenario", "metric"])
    names = list(dict.fromkeys(summary["scenario"]))
    out: list[str] = []
    if REFERENCE_SCENARIO in names:
        parts = []
        inside = 0
        for metric, (rate, (lo, hi), _) in PUBLISHED.items():
            r = _rate(s, REFERENCE_SCENARIO, metric)
            if r is None:
                continue
            ok = lo <= r["value"] <= hi
            inside += ok
            parts.append(f"{metric.replace('_', ' ')} {_pct(r)} (published {rate:.0%})")
        if parts:
            out.append(
                f"The industry mix, which the model is calibrated on, lands inside {inside} of "
                f"{len(parts)} published bands: " + "; ".join(parts) + "."
            )
    orderings = [n for n in names if n != REFERENCE_SCENARIO]
    fails = {n: r for n in orderings if (r := _rate(s, n, "failed")) is not None}
    if len(fails) >= 2:
        best = min(fails, key=lambda n: fails[n]["value"])
        worst = max(fails, key=lambda n: fails[n]["value"])
        out.append(
            f"The ordering matters: the failure rate (missed expectations, never live and "
            f"abandoned included) runs from {_pct(fails[best])} under {ordering_label(best)} to "
            f"{_pct(fails[worst])} under {ordering_label(worst)}."
        )
    if paired is not None and len(paired):
        p = paired[(paired["metric"] == "failed") & paired["diff"].notna()]
        p = p[p["scenario"] != p["baseline"]]
        if len(p):
            r = p.loc[p["diff"].idxmin()]
            out.append(
                f"On the same organisations and random draws, {ordering_label(r['scenario'])} "
                f"changes the failure rate by {_pp(r)} percentage points against "
                f"{ordering_label(r['baseline'])} ({int(r['n'])} pairs)."
            )
    gains = {n: r for n in orderings if (r := _rate(s, n, "measurable_gain")) is not None}
    if gains:
        top = max(gains, key=lambda n: gains[n]["value"])
        out.append(
            f"A measurable gain (the last year's profit detectably above the same organisation "
            f"without CRM, beyond that organisation's own quarter-to-quarter noise; judged on the "
            f"KPIs planning set up front, or on the bottom line, programme spend included, where "
            f"it set none; no ROI test) is most likely under {ordering_label(top)}: "
            f"{_pct(gains[top])} of runs."
        )
    money = _money_finding(s, orderings)
    if money:
        out.append(money)
    return out[:5]


def _money_finding(s: pd.DataFrame, names: list[str]) -> str | None:
    """The money beside the judgement: how often the programme paid back (the business case met:
    cumulative profit, spend included, at least the counterfactual's) and the median ROI, for the
    orderings with the highest and the lowest payback rate."""
    paid = {n: r for n in names if (r := _rate(s, n, "business_case_met")) is not None}
    rois = {n: r for n in names if (r := _rate(s, n, "roi_median")) is not None}
    if len(paid) >= 2:
        top = max(paid, key=lambda n: paid[n]["value"])
        low = min(paid, key=lambda n: paid[n]["value"])
        parts = [
            f"{_pct(paid[n])} under {ordering_label(n)}"
            + (f" (median ROI {_roi(rois[n])})" if n in rois else "")
            for n in (top, low)
        ]
        return (
            "The money: the programme paid back its spend against the same organisation "
            f"without CRM (the business case met) in {parts[0]} against {parts[1]}."
        )
    if len(rois) >= 2:
        top = max(rois, key=lambda n: rois[n]["value"])
        low = min(rois, key=lambda n: rois[n]["value"])
        return (
            f"Median return on the programme's spend: {_roi(rois[top])} under "
            f"{ordering_label(top)} against {_roi(rois[low])} under {ordering_label(low)} "
            "(bootstrap 95% intervals)."
        )
    return None


def _roi(r: pd.Series) -> str:
    return f"{r['value']:+.0%} [{r['ci_low']:+.0%}, {r['ci_high']:+.0%}]"
