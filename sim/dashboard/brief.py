"""A one-page HTML brief of a comparison, for the client to keep.

It holds what the page showed: the settings (what differs from the starting scenario), the
outcome rates of each ordering with Wilson 95% intervals, the paired differences against the
baseline with their 95% intervals, the outcome-mix and ROI charts (embedded, no network needed),
how to reproduce it, and the model's main limits. The numbers come from the comparison's
``summary.csv`` and ``paired.csv``; nothing is typed in.
"""

from __future__ import annotations

import base64
import datetime as _dt
import html

import pandas as pd

from sim.report.html import rate_cells
from sim.report.style import ordering_label

RATES = (
    ("failed", "Failed (missed expectations)"),
    ("never_live", "Never live"),
    ("abandoned", "Abandoned"),
    ("measurable_gain", "Measurable gain"),
)

LIMITS = (
    "A model, not a forecast: rates are shares of simulated organisations like this profile, "
    "calibrated on published industry rates (AMR Research, Gartner, Bain), not on this client.",
    "Orderings differ here only in their rollout plan; the levers apply to every ordering alike.",
    "Intervals cover simulation noise only (Wilson 95% for rates, paired 95% for differences), "
    "not uncertainty in the model's structure or parameters.",
)

CSS = (
    "body{font-family:'Segoe UI',Helvetica,Arial,sans-serif;max-width:900px;margin:1.5em auto;"
    "color:#222;line-height:1.4;font-size:14px}h1{font-size:1.4em;margin:0 0 .2em}"
    "h2{font-size:1.1em;margin:1.2em 0 .4em;border-bottom:1px solid #ccc}"
    "table{border-collapse:collapse}th,td{padding:.25em .6em;border-bottom:1px solid #ddd;"
    "text-align:left}img{max-width:100%}.meta{color:#555}small{color:#555}"
    "@media print{body{margin:0}}"
)


def _rates_table(summary: pd.DataFrame, names: list[str]) -> str:
    s = summary.set_index(["scenario", "metric"])
    head = "".join(f"<th>{html.escape(label)}</th>" for _, label in RATES)
    rows = []
    for name in names:
        cells = rate_cells(s, name, [m for m, _ in RATES])
        rows.append(f"<tr><th>{html.escape(ordering_label(name))}</th>{''.join(cells)}</tr>")
    return f"<table><tr><th>Ordering</th>{head}</tr>{''.join(rows)}</table>"


def _paired_table(paired: pd.DataFrame, baseline: str) -> str:
    p = paired[(paired["baseline"] == baseline) & (paired["scenario"] != baseline)]
    if p.empty:
        return "<p>Only one ordering: nothing to pair.</p>"
    rows = []
    for (name, metric), r in p.set_index(["scenario", "metric"]).iterrows():
        if metric not in dict(RATES):
            continue
        rows.append(
            f"<tr><td>{html.escape(ordering_label(name))}</td><td>{dict(RATES)[metric]}</td>"
            f"<td>{r['diff'] * 100:+.1f} <small>[{r['ci_low'] * 100:+.1f}, "
            f"{r['ci_high'] * 100:+.1f}]</small></td></tr>"
        )
    return (
        "<table><tr><th>Ordering</th><th>Rate</th><th>Difference (percentage points), 95% "
        f"interval</th></tr>{''.join(rows)}</table>"
    )


def brief_html(
    *,
    title: str,
    settings: dict[str, str],
    summary: pd.DataFrame,
    paired: pd.DataFrame,
    baseline: str,
    replicates: int,
    charts: dict[str, bytes],
    reproduce: str,
) -> str:
    """The brief as one self-contained HTML page.

    Args:
        title: headline (the client or scenario name).
        settings: what was set on the page, label -> value text.
        summary, paired: the comparison's tables.
        baseline: the ordering the others are paired against.
        replicates: runs per ordering.
        charts: caption -> PNG bytes, embedded in order.
        reproduce: the command line that reproduces the comparison.
    """
    esc = html.escape
    names = list(dict.fromkeys(summary["scenario"]))
    when = _dt.datetime.now(_dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    sets = "".join(f"<tr><td>{esc(k)}</td><td>{esc(v)}</td></tr>" for k, v in settings.items())
    imgs = "".join(
        f"<figure><img alt='{esc(cap)}' src='data:image/png;base64,"
        f"{base64.b64encode(png).decode('ascii')}'><figcaption>{esc(cap)}</figcaption></figure>"
        for cap, png in charts.items()
    )
    limits = "".join(f"<li>{esc(t)}</li>" for t in LIMITS)
    return (
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
        f"<title>{esc(title)}</title><style>{CSS}</style></head><body>"
        f"<h1>{esc(title)}</h1><p class='meta'>{replicates} simulated organisations per "
        f"ordering, the same organisations and random draws for every ordering (common random "
        f"numbers) · {when}</p>"
        f"<h2>Outcome rates (Wilson 95% intervals)</h2>{_rates_table(summary, names)}"
        f"<h2>Against {esc(ordering_label(baseline))}, paired organisation by organisation</h2>"
        f"{_paired_table(paired, baseline)}"
        f"{imgs}<h2>Settings</h2><table>{sets}</table>"
        f"<h2>Reproduce</h2><pre>{esc(reproduce)}</pre>"
        f"<h2>Limits</h2><ul>{limits}</ul></body></html>\n"
    )
