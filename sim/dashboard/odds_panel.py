"""The odds tab: N replicates of the client under each chosen ordering, and the brief.

Each chosen ordering becomes the scenario file the page would run (:func:`sim.dashboard.state
.toml_for`: the ordering as its file defines it, the client's profile, the levers the user moved),
and :class:`sim.dashboard.odds.OddsRunner` compares them on common seeds. The table lists the
orderings in the charts' order, with the money beside every outcome: met expectations beside paid
back (the business case met) and the median ROI. When the calibration has written a posterior and
``compare`` can draw from it, a switch (on by default) makes the intervals posterior predictive.

The brief (:mod:`sim.dashboard.brief`) is written into the folder that holds the comparison's
scenario files, so its reproduce command names them by their bare names; the ZIP download carries
the brief and those files together.
"""

from __future__ import annotations

import io
import os
import shutil
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import solara
import solara.lab
import solara.util

from sim.dashboard import state, traits
from sim.dashboard.brief import Brief, brief_html
from sim.dashboard.figures import figure_bytes
from sim.dashboard.inputs import LEVERS, advanced_inputs, value_text
from sim.dashboard.odds import ROOT_SEED, Odds, posterior_option
from sim.dashboard.orderings import how_run
from sim.dashboard.panels import Downloads, fail, public, stale, validated
from sim.errors import InputError
from sim.model.scenario import load_scenario
from sim.report import outcome_charts
from sim.report.style import ordering_label, ordering_palette, scenario_order

#: The page's rate columns: the sponsor's judgement, the money, then how programmes ended.
TABLE_RATES = (
    ("met_expectations", "Met expectations"),
    ("business_case_met", "Paid back (business case met)"),
    ("never_live", "Never live"),
    ("abandoned", "Abandoned"),
    ("measurable_gain", "Measurable gain"),
)

#: The most replicates per ordering the page runs: about two minutes for three orderings on two
#: cores at the default size (docs/benchmarks.md: about 136 runs a second), for a comparison in
#: a meeting; the command line has no such limit (assumption: what a meeting can wait for).
MAX_REPLICATES = 5_000

UNCERTAINTY_HELP = (
    "On: each simulated organisation draws the model's parameters from the calibration's "
    "posterior, so the intervals include the uncertainty of the model's parameters, not only the "
    "replicate noise (posterior predictive). Off: the calibrated point values, noise only."
)


@dataclass
class Shown:
    """A finished comparison with the page's state when it was asked for (for the brief)."""

    odds: Odds
    client: str
    profile: list[tuple[str, str]]
    moved: list[str]
    advanced: list[str] = field(default_factory=list)
    #: the page's settings the comparison was asked with (state.odds_settings)
    asked: str = ""


#: Shown after the Cancel button stopped a comparison.
CANCELLED = "Comparison cancelled. Press Run the odds to start it again."


@solara.lab.task(prefer_threaded=True)
def odds_task(arms: dict, reps: int, base: str, posterior, labels: dict, page: dict) -> Shown:
    def progress(done, total, errors=0):
        # Cancel pressed: stop at the next finished batch. The runner removes the unfinished
        # results folder (sim.dashboard.odds); the few batches already queued on the workers
        # finish and are dropped.
        if not odds_task.is_current():
            raise solara.util.CancelledError()
        odds_task.progress = 100.0 * done / max(total, 1)

    odds = state.runner().run(arms, reps, base, progress, posterior=posterior, labels=labels)
    return Shown(odds, **page)


def posterior_in_use() -> Path | None:
    """The posterior the next comparison draws from: offered and switched on, else None."""
    offered = posterior_option(state.config().posterior)
    return offered if offered is not None and state.model_uncertainty.value else None


def _advanced_text() -> list[str]:
    """The modeller's parameters changed on the page, as ``Network k 8 (org.network_k)``."""
    start = state.initial_values()
    return [
        f"{inp.label.split(' (')[0]} {value_text(state.values.value[inp.key])} ({inp.key})"
        for inp in advanced_inputs()
        if state.values.value.get(inp.key) != start.get(inp.key)
    ]


def _moved_text() -> list[str]:
    labels = dict(LEVERS)
    return [f"{labels.get(k, k)} {value_text(v)}" for k, v in state.moved().items()]


def start_odds() -> None:
    try:
        names = [n for n in state.plan_names() if n in state.chosen.value]
        if not names:
            raise InputError("choose at least one ordering to compare", key="orderings")
        base = state.baseline.value if state.baseline.value in names else names[0]
        arms, labels = {}, {}
        for name in names:
            arms[name], _, _ = validated(name, "runs")
            labels[name] = f"the page's settings ({state.plan_label(name)})"
        reps = state.replicates.value
        if reps is None or reps < 1 or reps > MAX_REPLICATES:
            raise InputError(
                f"expected a whole number in [1, {MAX_REPLICATES:,}] (more take longer than a "
                "meeting: run `crmsim compare` instead, "
                "with the scenario files the Export tab downloads)",
                key="replicates",
                value=reps,
            )
    except InputError as exc:
        fail(exc)
        return
    state.error.value = ""
    page = {
        "client": traits.client_phrase(state.values.value),
        "profile": traits.describe(state.values.value),
        "moved": _moved_text(),
        "advanced": _advanced_text(),
        "asked": _asked_now(),
    }
    odds_task(arms, int(reps), base, posterior_in_use(), labels, page)


def _asked_now() -> str:
    """The page's settings as a comparison would be asked with them now (posterior included)."""
    names = [n for n in state.plan_names() if n in state.chosen.value]
    return f"{state.odds_settings(names, state.replicates.value)}\nposterior={posterior_in_use()}"


def _how(odds: Odds) -> dict[str, str]:
    return {n: how_run(load_scenario(p).values) for n, p in odds.scenario_files.items()}


def rates_markdown(odds: Odds, how: dict[str, str] | None = None) -> str:
    """The odds as a Markdown table, orderings in the charts' order, money beside each outcome."""
    s = odds.summary.set_index(["scenario", "metric"])
    head = " | ".join(label for _, label in TABLE_RATES)
    lines = [
        f"| Ordering | How it is run | Runs | {head} | Median ROI |",
        "|---" * (len(TABLE_RATES) + 4) + "|",
    ]
    for name in scenario_order(odds.summary["scenario"]):
        cells = []
        for m, _ in TABLE_RATES:
            if (name, m) in s.index:
                r = s.loc[(name, m)]
                cells.append(f"{r['value']:.0%} [{r['ci_low']:.0%}, {r['ci_high']:.0%}]")
            else:
                cells.append("–")
        if (name, "roi_median") in s.index:
            r = s.loc[(name, "roi_median")]
            roi = f"{r['value']:+.0%} [{r['ci_low']:+.0%}, {r['ci_high']:+.0%}]"
        else:
            roi = "–"
        n = (
            int(s.loc[(name, "met_expectations")]["n"])
            if (name, "met_expectations") in s.index
            else "–"
        )
        lines.append(
            f"| **{ordering_label(name)}** | {(how or {}).get(name, '')} | {n} | "
            + " | ".join(cells)
            + f" | {roi} |"
        )
    return "\n".join(lines)


def _where_text(folder: Path) -> str:
    """Where the brief's scenario files are, as the reader would look for them: the ZIP's folder,
    and the server's copy when it lies under the folder the server was started in."""
    text = f"the folder {folder.name}/ of the ZIP download"
    try:
        if Path.cwd() in folder.parents:
            text += f", or {os.path.relpath(folder, Path.cwd())}/ where the dashboard ran"
    except ValueError:  # another drive
        pass
    return text


def make_brief(shown: Shown, chart: bytes | None) -> tuple[str, Path]:
    """Write the brief beside the comparison's scenario files; returns (html, its folder)."""
    odds = shown.odds
    folder = next(iter(odds.scenario_files.values())).parent
    names = scenario_order(odds.summary["scenario"])
    files = " ".join(odds.scenario_files[n].name for n in names if n in odds.scenario_files)
    command = (
        f"crmsim compare {files} --replicates {odds.replicates} --seed {ROOT_SEED} "
        f"--baseline {odds.baseline}"
    )
    if odds.posterior is not None:
        shutil.copyfile(odds.posterior, folder / "posterior.parquet")
        command += " --posterior posterior.parquet"
    brief = Brief(
        names=names,
        how=_how(odds),
        client=shown.client,
        profile=shown.profile,
        moved=shown.moved,
        advanced=shown.advanced,
        summary=odds.summary,
        paired=odds.paired,
        baseline=odds.baseline,
        replicates=odds.replicates,
        posterior=odds.posterior is not None,
        reproduce=command,
        where=_where_text(folder),
        chart=chart,
    )
    text = brief_html(brief)
    state.config().results.write_text(
        text, *folder.relative_to(state.config().results.root).parts, "brief.html"
    )
    return text, folder


def brief_zip(folder: Path) -> bytes:
    """The brief with its scenario files (and posterior), as one ZIP to hand over."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for path in sorted(folder.iterdir()):
            if path.is_file() and path.suffix in (".html", ".toml", ".parquet"):
                zf.write(path, f"{folder.name}/{path.name}")
    return buf.getvalue()


@solara.component
def UncertaintyToggle() -> None:
    """The "include model uncertainty" switch: shown only when a posterior can be used."""
    if posterior_option(state.config().posterior) is None:
        return
    with solara.Column(gap="0px", classes=["crm-uncertainty"]):
        solara.Switch(label="Include model uncertainty", value=state.model_uncertainty)
        solara.Text(UNCERTAINTY_HELP, classes=["crm-help"])


@solara.component
def OddsPanel() -> None:
    names = state.plan_names()
    labels = [state.plan_label(n) for n in names]
    by_label = dict(zip(labels, names, strict=True))
    with solara.Row(style={"align-items": "center", "flex-wrap": "wrap"}):
        solara.SelectMultiple(
            "Orderings to compare",
            values=[state.plan_label(n) for n in state.chosen.value if n in names],
            all_values=labels,
            on_value=lambda chosen: state.chosen.set([by_label[x] for x in chosen]),
            style={"width": "360px"},  # fixed widths: the button does not move as they render
            classes=["crm-chosen"],
        )
        solara.Select(
            "Baseline",
            values=labels,
            value=state.plan_label(state.baseline.value),
            on_value=lambda label: state.baseline.set(by_label[label]),
            style={"width": "220px"},
        )
        solara.InputInt(
            "Replicates per ordering",
            value=state.replicates,
            style={"width": "170px"},
            classes=["crm-replicates"],
        )
        solara.Button(
            "Run the odds",
            color="primary",
            on_click=start_odds,
            disabled=odds_task.pending,
            classes=["crm-odds-button"],
        )
        if odds_task.pending:
            solara.Button("Cancel", on_click=odds_task.cancel, classes=["crm-odds-cancel"])
    UncertaintyToggle()
    solara.ProgressLinear(odds_task.progress or True if odds_task.pending else False)
    if odds_task.error:
        solara.Error(public(f"crmsim: error: {odds_task.exception}"))
    if odds_task.cancelled:
        solara.Info(CANCELLED, classes=["crm-odds-cancelled"])
        return
    shown = odds_task.value if odds_task.finished else None
    if shown is None:
        solara.Info(
            "Each ordering runs as its scenario file defines it (go-live style, vendor pressure, "
            "phases) on the client's profile, and on the same simulated organisations and random "
            "draws (common random numbers)."
        )
        return
    odds = shown.odds
    with solara.Column():  # always there: the mark coming and going re-creates nothing below
        if stale(shown.asked, _asked_now):
            solara.Warning(
                "The settings have changed since these odds were run: press Run the odds to see "
                "the odds they give.",
                classes=["crm-stale"],
            )
    how = "read from the cache" if odds.cached else f"ran in {odds.seconds:.1f} s"
    kind = (
        "posterior predictive 95% intervals (the model's parameter uncertainty included)"
        if odds.posterior is not None
        else "95% intervals (Wilson for rates, bootstrap for the median ROI; simulation noise)"
    )
    with solara.Column(classes=["crm-odds"]):
        solara.Markdown(
            f"**{odds.replicates} replicates per ordering**, {how}; {kind}. Paid back: the "
            "programme's cumulative profit, its spend included, at least that of the same "
            "organisation without CRM. Measurable gain: in the last year, the quarterly gain "
            "over the organisation without CRM is more than twice that organisation's own "
            "quarter-to-quarter profit swings, so a programme can pay back and still be too "
            "small to see in a large business's results. "
            f"Results folder: `odds/{odds.folder.name}`.\n\n" + rates_markdown(odds, _how(odds))
        )
    pal = ordering_palette(odds.runs["scenario"])
    charts = {
        "outcome_mix": lambda: outcome_charts.outcome_mix_chart(
            odds.runs, source="crmsim dashboard", palette=pal
        ),
        "roi": lambda: outcome_charts.roi_chart(odds.runs, source="crmsim dashboard", palette=pal),
    }
    if len(odds.paired):
        charts["paired"] = lambda: outcome_charts.paired_chart(
            odds.paired, baseline=odds.baseline, source="crmsim dashboard", palette=pal
        )
    for name, factory in charts.items():
        solara.FigureMatplotlib(factory(), format="png", dependencies=[odds.key, name])
        with solara.Div(classes=[f"crm-download-{name}"]):
            Downloads(factory, f"{name}-{odds.key}")

    def brief() -> str:
        return make_brief(shown, figure_bytes(charts["outcome_mix"](), "png"))[0]

    def handover() -> bytes:
        return brief_zip(make_brief(shown, figure_bytes(charts["outcome_mix"](), "png"))[1])

    with solara.Row(classes=["crm-brief"]):
        solara.FileDownload(
            brief, f"brief-{odds.key}.html", label="One-page brief (HTML)", mime_type="text/html"
        )
        solara.FileDownload(
            handover,
            f"brief-{odds.key}.zip",
            label="Brief with its scenario files (ZIP)",
            mime_type="application/zip",
        )
