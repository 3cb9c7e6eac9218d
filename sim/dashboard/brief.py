"""A one-page brief of a comparison, for the consultant to hand over (A4 or Letter, printed).

What the client needs on one page: what was compared (the title), the client as they described
themselves (the profile in words), the odds of each ordering with their intervals and the money
beside them (met expectations beside the business case met, i.e. paid back, and the median ROI),
the paired differences against the baseline, the outcome-mix chart, the model's limits in three
lines, and a short command that reproduces it from the scenario files written beside the brief.
The numbers come from the comparison's ``summary.csv`` and ``paired.csv``; nothing is typed in.

The page is sized for print (``@page``: A4 with 12 mm margins, which also fits Letter); the
browser test prints it to PDF and counts one page.
"""

from __future__ import annotations

import base64
import datetime as _dt
import html
import math
from dataclasses import dataclass, field

import pandas as pd

from sim.report.html import rate_cells
from sim.report.style import MONEY_SCALE, MONEY_UNIT, ordering_label

#: The rates of the brief's table, in reading order: the sponsor's judgement, then the money.
RATES = (
    ("met_expectations", "Met expectations"),
    ("business_case_met", "Paid back"),
    ("never_live", "Never live"),
    ("abandoned", "Abandoned"),
    ("measurable_gain", "Measurable gain"),
)

#: The paired differences shown: (metric, label, sign, scale, unit). ``failed`` is shown as its
#: opposite, met expectations, so the table reads like the one above it.
PAIRED = (
    ("failed", "Met expectations", -1, 100, "pp"),
    ("never_live", "Never live", 1, 100, "pp"),
    ("measurable_gain", "Measurable gain", 1, 100, "pp"),
    ("delta_profit", "Profit", 1, MONEY_SCALE, MONEY_UNIT),
)

LIMITS = (
    "A model, not a forecast: rates are shares of simulated organisations like this client, "
    "calibrated on industry-wide rates (AMR Research, Gartner, Bain), not on this client.",
    "Money is a stylised organisation's (revenue and costs per contact are assumptions, in "
    "thousand USD): compare orderings, not amounts.",
)
NOISE_ONLY = (
    "Intervals (95%: Wilson for rates, bootstrap for the median ROI, paired for differences) "
    "cover simulation noise only, not the uncertainty of the model's parameters or structure."
)
WITH_POSTERIOR = (
    "Intervals (95%) are posterior predictive: each simulated organisation draws the model's "
    "parameters from the calibration's posterior, so they include the uncertainty of the "
    "parameters as well as the simulation noise, not that of the model's structure."
)

CSS = (
    "@page{size:A4;margin:12mm}"
    "body{font-family:'Segoe UI',Helvetica,Arial,sans-serif;max-width:186mm;margin:8mm auto;"
    "color:#222;line-height:1.28;font-size:9.5pt}"
    "h1{font-size:14.5pt;margin:0 0 1mm;color:#0b3c68}"
    "h2{font-size:10.5pt;margin:3mm 0 1mm;border-bottom:1px solid #bbb;color:#0b3c68}"
    "h2 small{font-weight:400}"
    "table{border-collapse:collapse;width:100%;font-size:9pt}th,td{padding:.6mm 1.2mm;"
    "border-bottom:1px solid #ddd;text-align:left;vertical-align:top}th{font-weight:600}"
    ".rates td small{display:block;white-space:nowrap}small,.meta{color:#555}"
    ".meta{margin:1mm 0}"
    ".how{display:block;font-weight:400;font-size:8pt;color:#555}"
    ".profile{columns:2;column-gap:8mm;margin:0;padding:0;list-style:none}"
    ".profile li{break-inside:avoid}"
    ".duo{display:flex;gap:5mm;align-items:flex-start;margin-top:2mm}"
    ".duo figure{flex:0 0 52%;margin:0;text-align:center}.duo>div{flex:1}"
    "figure img{max-width:100%;max-height:58mm}figcaption{font-size:8pt;color:#555}"
    "pre{white-space:pre-wrap;word-break:break-word;background:#f4f4f4;padding:1.5mm;"
    "margin:0;font-size:8.5pt}ul.limits{margin:0;padding-left:4.5mm;font-size:8.5pt}"
    "@media print{body{margin:0}}"
)

#: Under the odds table: what its money columns mean.
LEGEND = (
    "Paid back: the business case met, i.e. by the horizon the programme's cumulative profit, "
    "its spend included, is at least that of the same organisation without CRM. Measurable gain: "
    "the last year's profit detectably above that organisation's. ROI: profit gained against the "
    "organisation without CRM, as a share of the programme's spend."
)


@dataclass
class Brief:
    """What the brief says, gathered by the page (:mod:`sim.dashboard.odds_panel`).

    Attributes:
        names: the orderings, in the charts' order.
        how: ordering -> how it is run, in words (go-live, vendor pressure...).
        client: the client in one phrase.
        profile: the profile in words, (trait, text) pairs.
        moved: the levers set on the page for every ordering, in words.
        advanced: the modeller's parameters changed on the page, in words (label, value, key).
        summary, paired: the comparison's tables.
        baseline: the ordering the others are paired against.
        replicates: simulated organisations per ordering.
        posterior: whether the intervals are posterior predictive.
        reproduce: the command that reproduces the comparison (relative paths).
        where: the folder holding the brief's scenario files, as the user would name it.
        chart: the outcome-mix chart as PNG (None: left out).
    """

    names: list[str]
    how: dict[str, str]
    client: str
    profile: list[tuple[str, str]]
    moved: list[str]
    summary: pd.DataFrame
    paired: pd.DataFrame
    baseline: str
    replicates: int
    posterior: bool
    reproduce: str
    where: str
    chart: bytes | None = None
    advanced: list[str] = field(default_factory=list)
    when: str = field(
        default_factory=lambda: _dt.datetime.now(_dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    )


def title(names: list[str]) -> str:
    """The brief's title: what was compared."""
    labels = [ordering_label(n) for n in names]
    if len(labels) == 1:
        return f"{labels[0]}: the odds of this CRM rollout"
    if len(labels) <= 3:
        return f"{' vs '.join(labels)}: the odds of this CRM rollout"
    return f"{len(labels)} rollout orderings compared: the odds of this CRM rollout"


def _roi_cell(s: pd.DataFrame, name: str) -> str:
    if (name, "roi_median") not in s.index:
        return "<td>–</td>"
    r = s.loc[(name, "roi_median")]
    interval = (
        f" <small>[{r['ci_low']:+.0%}, {r['ci_high']:+.0%}]</small>"
        if math.isfinite(r["ci_low"]) and math.isfinite(r["ci_high"])
        else ""  # every run's ROI the same (all never live: -100%): no interval to show
    )
    return f"<td>{r['value']:+.0%}{interval}</td>"


def rates_table(b: Brief) -> str:
    s = b.summary.set_index(["scenario", "metric"])
    head = "".join(f"<th>{html.escape(label)}</th>" for _, label in RATES)
    rows = []
    for name in b.names:
        cells = rate_cells(s, name, [m for m, _ in RATES])
        how = f"<span class='how'>{html.escape(b.how.get(name, ''))}</span>"
        rows.append(
            f"<tr><th>{html.escape(ordering_label(name))}{how}</th>{''.join(cells)}"
            f"{_roi_cell(s, name)}</tr>"
        )
    return (
        f"<table class='rates'><tr><th>Ordering <span class='how'>how it is run</span></th>"
        f"{head}<th>Median ROI</th></tr>{''.join(rows)}</table>"
    )


def paired_table(b: Brief) -> str:
    p = b.paired[(b.paired["baseline"] == b.baseline) & (b.paired["scenario"] != b.baseline)]
    if p.empty:
        return ""
    p = p.set_index(["scenario", "metric"])
    head = "".join(
        f"<th>{html.escape(label)} <small>({unit})</small></th>" for _, label, _, _, unit in PAIRED
    )
    rows = []
    for name in b.names:
        if name == b.baseline:
            continue
        cells = []
        for metric, _, sign, scale, _ in PAIRED:
            if (name, metric) not in p.index:
                cells.append("<td>–</td>")
                continue
            r = p.loc[(name, metric)]
            digits = 1 if scale == 100 else 0
            diff, lo, hi = (
                round(sign * v * scale, digits) + 0.0  # + 0.0: never "-0.0"
                for v in (r["diff"], r["ci_low"], r["ci_high"])
            )
            lo, hi = sorted((lo, hi))
            cells.append(
                f"<td>{diff:+,.{digits}f} "
                f"<small>[{lo:+,.{digits}f}, {hi:+,.{digits}f}]</small></td>"
            )
        rows.append(f"<tr><th>{html.escape(ordering_label(name))}</th>{''.join(cells)}</tr>")
    return (
        f"<h2>Against {html.escape(ordering_label(b.baseline))}, organisation by organisation"
        f"</h2><table class='paired'><tr><th>Ordering</th>{head}</tr>{''.join(rows)}</table>"
    )


def brief_html(b: Brief) -> str:
    """The brief as one self-contained HTML page (images embedded, no scripts, no network)."""
    esc = html.escape
    heading = title(b.names)
    profile = "".join(f"<li><b>{esc(k)}:</b> {esc(v)}</li>" for k, v in b.profile)
    levers = (
        "Set on the page for every ordering: " + "; ".join(esc(m) for m in b.moved) + "."
        if b.moved
        else "Nothing set on the page: each ordering runs as its scenario file defines it."
    )
    if b.advanced:
        levers += " Modeller's parameters changed: " + "; ".join(esc(a) for a in b.advanced) + "."
    chart = (
        "<figure><img alt='Outcome mix by ordering' src='data:image/png;base64,"
        f"{base64.b64encode(b.chart).decode('ascii')}'><figcaption>How the programmes ended, "
        "by ordering.</figcaption></figure>"
        if b.chart
        else ""
    )
    limits = "".join(
        f"<li>{esc(t)}</li>" for t in (*LIMITS, WITH_POSTERIOR if b.posterior else NOISE_ONLY)
    )
    return (
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
        f"<title>{esc(heading)}</title><style>{CSS}</style></head><body>"
        f"<h1>{esc(heading)}</h1><p class='meta'>For {esc(b.client)}; {b.replicates} simulated "
        "organisations per ordering, the same ones for every ordering (common random numbers) · "
        f"{esc(b.when)}</p>"
        "<h2>The client <small>(centre ± how far the simulated organisations differ)</small>"
        f"</h2><ul class='profile'>{profile}</ul><p class='meta'>{levers}</p>"
        f"<h2>The odds <small>(share of simulated organisations, 95% interval)</small></h2>"
        f"{rates_table(b)}<p class='meta'><small>{esc(LEGEND)}</small></p>{paired_table(b)}"
        f"<div class='duo'>{chart}<div><h2>Limits</h2><ul class='limits'>{limits}</ul></div></div>"
        f"<h2>Reproduce</h2><p class='meta'>In the folder that holds this brief and its scenario "
        f"files ({esc(b.where)}):</p><pre>{esc(b.reproduce)}</pre>"
        "</body></html>\n"
    )
