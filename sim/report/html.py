"""The HTML report of a results folder: charts with a short text each, in one self-contained file.

``crmsim report RESULTS_DIR`` (and ``crmsim compare``) call :func:`build_report`, which reads the
folder written by a sweep (docs/ARCHITECTURE.md), never runs a model, and writes::

    RESULTS_DIR/charts/<chart>.png and .svg
    RESULTS_DIR/report.html     every image embedded as a data: URI, no scripts, no network

so the report opens in any browser and can be attached to an e-mail. The folder is read and
validated (:func:`sim.report.results.load_results`) before anything is written, so a bad folder
leaves no partial output.
"""

from __future__ import annotations

import base64
import datetime as _dt
import html
from pathlib import Path

import pandas as pd

from sim.errors import InputError
from sim.report import (
    data,
    design_charts,
    findings,
    outcome_charts,
    sensitivity_charts,
    series_charts,
    style,
)
from sim.report.results import Results, load_results
from sim.safepaths import atomic_write_bytes, check_output_dir, refuse_symlinks

REPORT_RATES = (
    ("never_live", "Never live"),
    ("abandoned", "Abandoned"),
    ("failed", "Failed"),
    ("financial_failure", "Not paid back"),
    ("measurable_gain", "Measurable gain"),
)

PUBLISHED = {
    "never_live": "12%",
    "abandoned": "–",
    "failed": "≈55%",
    "financial_failure": "> 50%",
    "measurable_gain": "16%",
}


def _count_text(res: Results) -> str:
    ok = res.ok_runs
    n = ok.groupby("scenario").size()
    reps = res.replicates
    text = f"{reps} replicates per ordering" if reps else f"{n.min()}–{n.max()} runs per ordering"
    points = ok["point"].nunique() if "point" in ok else 1
    if points > 1:
        text += f" at each of {points} design points"
    text += f", {len(ok)} finished runs in all"
    errors = len(res.runs) - len(ok)
    if errors:
        text += (
            "; 1 run raised an error and is left out"
            if errors == 1
            else f"; {errors} runs raised an error and are left out"
        )
    return text


def _shape_text(res: Results) -> str:
    """The header's count: finished runs and how they are made up, every factor named (a grid of
    9 points at 120 replicates is 1,080 runs of one ordering, not "120 replicates per ordering")."""
    ok = res.ok_runs
    orderings = ok["scenario"].nunique() if len(ok) else 0
    points = ok["point"].nunique() if "point" in ok and len(ok) else 1
    parts = [f"{orderings} ordering{'s' * (orderings != 1)}"]
    if points > 1:
        parts.append(f"{points} design points")
    if res.replicates:
        parts.append(f"{res.replicates} replicates")
    return f"{len(ok):,} finished runs ({' × '.join(parts)})"


def _mix_caption(res: Results) -> str:
    mix = data.outcome_mix(res.runs)
    fail = (mix["cum_missed"] * 100).round().astype(int)
    best, worst = fail.idxmin(), fail.idxmax()
    spread = (
        ""
        if best == worst
        else (
            f" The failure rate runs from {fail[best]}% ({style.ordering_label(best)}) to "
            f"{fail[worst]}% ({style.ordering_label(worst)})."
        )
    )
    return (
        "Share of simulated CRM programmes ending in each outcome, by rollout ordering; bars "
        "stack from never live (bottom, dark brown) to a measurable gain (top, teal), so the top "
        "of the cream part is the failure rate (missed expectations, never live and abandoned "
        "included). Error bars: Wilson 95% intervals of the never-live, failure and "
        "measurable-gain shares. Black lines on the industry-mix bar (when the experiment has "
        "one): the published industry-wide rates it is calibrated on, 12% never live and 16% "
        "with a measurable gain (AMR Research), about 55% failed (Gartner 2001, EIU 2007, "
        "Johnny Grow, Merkle 2016: missed expectations); they describe the industry, not any "
        "one ordering."
        f"{spread} Based on {_count_text(res)}."
    )


def _series_count(res: Results) -> str:
    n = res.series.groupby("scenario")["run_id"].nunique()
    per = f"{n.min()}" if n.min() == n.max() else f"{n.min()}–{n.max()}"
    return (
        f"Bands are drawn from the {per} runs per ordering whose weekly series were kept (the "
        f"first replicates; the experiment's keep_series), {n.sum()} in all; the experiment has "
        f"{_count_text(res)}."
    )


CAPTIONS = {
    "adoption": lambda r: (
        "Share of employees who log more than half of their customer contacts in the CRM, week "
        "by week, for each rollout ordering. Line: median run; dark band: middle 50% of runs; "
        "light band: middle 90%. Ticks along the bottom mark the go-live week of every finished "
        "run, the dashed line their median. " + _series_count(r)
    ),
    "customers": lambda r: (
        "Left: mean customer satisfaction (0–1 scale) and active customers of the median run of "
        "each ordering, with the same organisations run without any CRM programme (dashed, the "
        "counterfactual: same random draws). Right: the difference from that counterfactual, "
        "run by run (median); above zero the CRM helps. " + _series_count(r)
    ),
    "jcurve": lambda r: (
        "Employee productivity relative to the same organisation without a CRM, aligned on each "
        "run's go-live week (week 0). The dip after go-live and the slow recovery to a gain is "
        "the productivity J-curve. Line: median run; band: middle 50% of runs; runs that never "
        "went live are left out (n per ordering in the legend). " + _series_count(r)
    ),
    "roi": lambda r: (
        "Return on the CRM investment of every finished run: profit gained against the no-CRM "
        "counterfactual, programme cost included, as a share of programme spend. Each dot is one "
        "run; the box spans the middle 50% and the line inside it is the median; the share of "
        "runs that broke even is printed on the right. Every run is on the axis, none clipped: "
        "it is linear between -100% and +100% and logarithmic beyond (shaded), and the footnote "
        f"counts the runs beyond. Based on {_count_text(r)}."
    ),
    "design": lambda r: (
        "Failure rate along each parameter the design varies (every one of them), one panel per "
        "parameter: the runs of each scenario are cut into bins of equal size along that "
        "parameter, and each point is the failure rate of a bin with its Wilson 95% interval "
        "(band); the other parameters vary across their ranges within every bin, so this is a "
        f"partial-dependence view. Based on {_count_text(r)}."
    ),
    "paired": lambda r: (
        f"Each ordering minus {style.ordering_label(_baseline(r))}, paired replicate by replicate "
        "(replicate i of every ordering shares its organisation and random draws, so the "
        "difference isolates the ordering). Dots: mean difference; bars: 95% interval, from "
        f"paired.csv ({int(r.paired['n'].max())} pairs per ordering). Arrows in the panel titles "
        "show which direction is better."
    ),
    "heatmap": lambda r: (
        "Failure rate (share of runs that missed the sponsor's expectations, never live and "
        "abandoned included) at each point of the design grid, over the two parameters the "
        "experiment varies; the black line on the colour scale marks the published rate of "
        f"about 55%. Based on {_count_text(r)}."
    ),
}


def _design_keys(res: Results) -> list[str] | None:
    """Dotted keys the experiment's design varies, from the manifest (None if it does not say)."""
    design = res.spec.get("design")
    if isinstance(design, dict) and isinstance(design.get("parameters"), dict):
        return list(design["parameters"])
    return None


def _baseline(res: Results) -> str:
    base = res.spec.get("baseline") or style.BASELINE
    bases = set(res.paired["baseline"]) if res.paired is not None else set()
    return base if base in bases or not bases else sorted(bases)[0]


def _charts(res: Results) -> list[tuple[str, str, object]]:
    """(file name, heading, figure factory) for every chart the folder has data for."""
    ok, src = res.ok_runs, res.source
    pal = style.ordering_palette(ok["scenario"])
    out = [
        (
            "outcome_mix",
            "Outcome mix by rollout ordering",
            lambda: outcome_charts.outcome_mix_chart(ok, source=src, palette=pal),
        )
    ]
    s = res.series
    if s is not None and len(s):
        out += [
            (
                "adoption",
                "Adoption over time",
                lambda: series_charts.adoption_chart(s, ok, source=src, palette=pal),
            ),
            (
                "customers",
                "Customers against the no-CRM counterfactual",
                lambda: series_charts.customers_chart(s, source=src, palette=pal),
            ),
        ]
        if ok["golive_week"].notna().any():
            out.append(
                (
                    "jcurve",
                    "Productivity J-curve around go-live",
                    lambda: series_charts.jcurve_chart(s, ok, source=src, palette=pal),
                )
            )
    out.append(
        (
            "roi",
            "Return on investment",
            lambda: outcome_charts.roi_chart(ok, source=src, palette=pal),
        )
    )
    if res.paired is not None and res.paired["diff"].notna().any():
        out.append(
            (
                "paired",
                f"Paired difference against {style.ordering_label(_baseline(res))}",
                lambda: outcome_charts.paired_chart(
                    res.paired, baseline=_baseline(res), source=src, palette=pal
                ),
            )
        )
    params = outcome_charts.grid_params(ok, _design_keys(res))
    design = res.spec.get("design")
    sampled = isinstance(design, dict) and design.get("type") == "lhs"
    if params and (sampled or len(params) != 2 or ok[params].nunique().max() > 12):
        out.append(
            (
                "design",
                "Failure rate along each design parameter",
                lambda: design_charts.partial_dependence_chart(ok, params, source=src, palette=pal),
            )
        )
    elif len(params) >= 2:
        out.append(
            (
                "heatmap",
                "Failure rate over the design grid",
                lambda: outcome_charts.failure_heatmap(ok, params[:2], source=src),
            )
        )
    return out


def rate_cells(summary: pd.DataFrame, name: str, metrics: list[str]) -> list[str]:
    """Table cells of one scenario's rates with their Wilson intervals ("–" where missing).

    ``summary`` is a summary.csv frame indexed by (scenario, metric); the dashboard's brief uses
    the same cells.
    """
    cells = []
    for metric in metrics:
        if (name, metric) in summary.index:
            r = summary.loc[(name, metric)]
            cells.append(
                f"<td>{r['value']:.0%} <small>[{r['ci_low']:.0%}–{r['ci_high']:.0%}]</small></td>"
            )
        else:
            cells.append("<td>–</td>")
    return cells


def _rates_table(res: Results) -> str:
    if res.summary is None:
        return ""
    s = res.summary.set_index(["scenario", "metric"])
    names = style.scenario_order(res.summary["scenario"])
    head = "".join(f"<th>{html.escape(label)}</th>" for _, label in REPORT_RATES)
    rows = []
    for name in names:
        cells = rate_cells(s, name, [m for m, _ in REPORT_RATES])
        n = s.loc[name]["n"].max() if name in s.index.get_level_values(0) else ""
        rows.append(
            f"<tr><th>{html.escape(style.ordering_label(name))}</th><td>{n}</td>"
            + "".join(cells)
            + "</tr>"
        )
    pub = "".join(f"<td>{PUBLISHED[m]}</td>" for m, _ in REPORT_RATES)
    rows.append(f"<tr class='pub'><th>Published rates</th><td></td>{pub}</tr>")
    return (
        "<section id='rates'><h2>Outcome rates</h2><table><thead><tr><th>Ordering</th>"
        f"<th>Runs</th>{head}</tr><tr><td></td><td>(runs)</td>"
        + "<td>(% of runs, Wilson 95% interval)</td>"
        * len(REPORT_RATES)
        + "</tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table>"
        "<p class='caption'>From summary.csv: share of finished runs with Wilson 95% "
        "intervals. Published: AMR Research (12% never live, 16% measurable gain); Gartner "
        "2001, EIU 2007, Johnny Grow, Merkle 2016 (about 55% failed: missed "
        "expectations); Bain 2002 (more than half not paid back: the programme's cumulative "
        "profit, its spend included, below that of the same organisation without CRM)."
        "</p></section>"
    )


STYLE = """
body{font-family:"Segoe UI",Helvetica,Arial,sans-serif;max-width:1100px;margin:2em auto;
padding:0 1em;color:#222;line-height:1.45}
h1{font-size:1.6em;margin-bottom:.2em}
h2{font-size:1.25em;margin-top:2em;border-bottom:1px solid #ccc}
.meta{color:#555;font-size:.92em}figure{margin:0}img{max-width:100%;height:auto;display:block}
.caption,figcaption{font-size:.95em;color:#333;margin:.5em 0 0}
table{border-collapse:collapse;font-size:.92em}th,td{padding:.3em .7em;border-bottom:1px solid #ddd;
text-align:left}tr.pub{font-style:italic;color:#555}.note{background:#fff6e0;padding:.5em .8em}
nav ul{columns:2;font-size:.95em}footer{margin-top:3em;font-size:.85em;color:#666}
"""


def _html(res: Results, figures: list[tuple[str, str, Path, str]]) -> str:
    esc = html.escape
    spec = res.spec
    meta = [
        f"Experiment <b>{esc(res.name)}</b>",
        _shape_text(res),
        f"created {esc(str(res.manifest.get('created', '?')))}",
        f"commit {esc(str(res.manifest.get('commit', '?'))[:12])}",
        f"root seed {esc(str(res.manifest.get('root_seed', spec.get('root_seed', '?'))))}",
    ]
    desc = f"<p>{esc(str(spec['description']))}</p>" if spec.get("description") else ""
    toc = "".join(f"<li><a href='#{n}'>{esc(t)}</a></li>" for n, t, _, _ in figures)
    notes = "".join(f"<p class='note'>{esc(n)}</p>" for n in res.notes)
    found = findings.key_findings(res.summary, res.paired)
    key = (
        "<section id='findings'><h2>Key findings</h2><ol>"
        + "".join(f"<li>{esc(f)}</li>" for f in found)
        + "</ol><p class='caption'>Computed from summary.csv and paired.csv of this folder; "
        "brackets are 95% intervals (Wilson for rates, paired for differences, bootstrap for "
        "medians). Money is in thousand USD throughout; rates in % of runs.</p></section>"
        if found
        else ""
    )
    limits = (
        "<section id='limits'><h2>Known limits of the model</h2><ul>"
        + "".join(f"<li>{esc(t)}</li>" for t in findings.KNOWN_LIMITS)
        + "</ul></section>"
    )
    body = []
    for name, title, png, caption in figures:
        data = base64.b64encode(png.read_bytes()).decode("ascii")
        body.append(
            f"<section id='{name}'><h2>{esc(title)}</h2><figure>"
            f"<img src='data:image/png;base64,{data}' alt='{esc(title)}'>"
            f"<figcaption>{esc(caption)}</figcaption></figure></section>"
        )
    now = _dt.datetime.now(_dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    return (
        "<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        f"<title>CRM rollout results: {esc(res.name)}</title><style>{STYLE}</style></head><body>"
        f"<header><h1>CRM rollout results: {esc(res.name)}</h1>{desc}"
        f"<p class='meta'>{' · '.join(m for m in meta if m)}</p></header>{notes}{key}"
        f"<nav><ul>{toc}<li><a href='#rates'>Outcome rates</a></li>"
        "<li><a href='#limits'>Known limits</a></li></ul></nav>"
        f"{''.join(body)}{_rates_table(res)}{limits}"
        f"<footer>Simulated with crm-rollout-sim; report written by <code>crmsim report</code> on "
        f"{now} from the results folder <code>{esc(str(res.root))}</code>. The charts are also in "
        "its charts/ folder as PNG and SVG. Charts read the stored results; no model was run."
        "</footer></body></html>\n"
    )


def build_report(results_dir: Path | str) -> Path:
    """Write ``RESULTS_DIR/charts/*.png|svg`` and a self-contained ``RESULTS_DIR/report.html``.

    Args:
        results_dir: a results folder written by ``crmsim sweep`` or ``crmsim compare``.

    Returns:
        The path of ``report.html``.

    Raises:
        InputError: a required file is missing or a file is corrupt (the message names it).
    """
    res = load_results(results_dir)
    charts_dir = res.root / "charts"
    # never write through a link planted in the results folder (sim.safepaths)
    existing = sorted(p.name for p in charts_dir.iterdir()) if charts_dir.is_dir() else []
    refuse_symlinks(res.root, ["charts", "report.html", *(f"charts/{n}" for n in existing)])
    check_output_dir(res.root, "RESULTS_DIR")  # a read-only folder: refused before any chart
    for path, folder, what in (
        (charts_dir, True, "a file where the report keeps its charts folder"),
        (res.root / "report.html", False, "a folder where the report writes its page"),
    ):
        if path.exists() and path.is_dir() != folder:
            raise InputError(f"is {what}; move it away", file=str(path))
    figures = []
    for name, title, factory in _charts(res):
        png, _svg = style.save_figure(factory(), charts_dir, name)
        figures.append((name, title, png, CAPTIONS.get(name, _mix_caption)(res)))
    figures[0] = (*figures[0][:3], _mix_caption(res))
    for name, title, factory, caption in sensitivity_charts.analysis_charts(res.root, res.source):
        png, _svg = style.save_figure(factory(), charts_dir, name)
        figures.append((name, title, png, caption))
    out = res.root / "report.html"
    atomic_write_bytes(out, _html(res, figures).encode("utf-8"))
    return out
