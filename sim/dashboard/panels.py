"""The dashboard's three working panels: one run, the odds, export.

Each action writes the page's settings as a scenario file in the results folder and loads it with
``load_scenario`` (so bad values get the command line's message, shown on the page); one run is
``sim.run``, the odds are ``compare`` on a warm pool (:mod:`sim.dashboard.odds`).
"""

from __future__ import annotations

import math

import ipywidgets
import solara
import solara.lab

import sim
from sim.dashboard import state
from sim.dashboard.brief import brief_html
from sim.dashboard.figures import figure_bytes, run_figure
from sim.dashboard.odds import ROOT_SEED
from sim.dashboard.settings import safe_name, settings_key, write_and_load
from sim.errors import InputError
from sim.report import outcome_charts
from sim.report.style import MONEY_UNIT, money, ordering_label, ordering_palette


def _fail(exc: Exception) -> None:
    state.error.value = f"crmsim: error: {exc}"


def _validated(plan: str, folder: str) -> tuple:
    """Write the settings with ``plan`` into the results folder and load them (validated)."""
    text = state.toml_for(plan)
    key = settings_key(text)
    path, scen = write_and_load(
        state.config().results, text, folder, f"{safe_name(plan)}-{key}.toml"
    )
    return text, path, scen


def run_once() -> None:
    """Run the chosen plan once (with its counterfactual) and show it."""
    try:
        _, path, scen = _validated(state.plan.value, "runs")
        result = sim.run(scen, seed=int(state.seed.value))
    except InputError as exc:
        _fail(exc)
        return
    state.error.value = ""
    gl = result.summary["golive_week"]
    state.week.value = int(gl) if isinstance(gl, float) and math.isfinite(gl) else 1
    state.run_result.value = (result.summary, result.timeseries, path, scen["economics.margin"])


def _yes(flag) -> str:
    return "yes" if flag else "no"


def figures_table(s: dict) -> str:
    """The run's outcome as one compact Markdown table row (money in thousand USD)."""
    gl = s["golive_week"]
    golive = f"week {gl:.0f}" if isinstance(gl, float) and math.isfinite(gl) else "never"
    return (
        "| Outcome | Go-live | Final adoption | Spend / budget | Profit vs no CRM | ROI | "
        "Satisfaction vs no CRM | Met expectations / measurable gain |\n"
        "|---|---|---|---|---|---|---|---|\n"
        f"| **{s['status'].replace('_', ' ')}** | {golive} | **{s['adoption_final']:.0%}** of "
        f"employees | {money(s['spend'])} / {money(s['budget'])} {MONEY_UNIT} | "
        f"**{money(s['delta_profit'], True)}** {MONEY_UNIT} | "
        f"**{s['roi'] * 100:+.0f}%** of spend | "
        f"{s['delta_csat']:+.3f} (0–1 scale) | {_yes(s['met_expectations'])} / "
        f"{_yes(s['measurable_gain'])} ({_judged_on(s)}) |\n"
    )


def _judged_on(s: dict) -> str:
    """How the gain was judged: on the KPIs planning set up front, or on the bottom line."""
    return "on the KPIs set in planning" if s.get("kpis_set") else "no KPIs set: bottom line only"


@solara.component
def Downloads(fig_factory, name: str) -> None:
    """PNG and SVG download buttons for a chart (drawn when asked for)."""
    with solara.Row():
        solara.FileDownload(
            lambda: figure_bytes(fig_factory(), "png"),
            f"{name}.png",
            label="PNG",
            mime_type="image/png",
        )
        solara.FileDownload(
            lambda: figure_bytes(fig_factory(), "svg"),
            f"{name}.svg",
            label="SVG",
            mime_type="image/svg+xml",
        )


@solara.component
def RunPanel() -> None:
    with solara.Row(style={"align-items": "center", "flex-wrap": "wrap"}):
        solara.Select("Rollout plan", values=state.plan_names(), value=state.plan)
        solara.InputInt(
            "Seed", value=state.seed, style={"max-width": "110px"}, classes=["crm-seed"]
        )
        solara.Button("Run", color="primary", on_click=run_once, classes=["crm-run-button"])
    res = state.run_result.value
    if res is None:
        solara.Info("Set the profile and levers on the left, choose a plan, and press Run.")
        return
    summary, ts, path, margin = res
    horizon = int(ts["week"].max())
    week = min(max(1, state.week.value), horizon)
    with solara.Column(classes=["crm-figures"]):
        solara.Markdown(figures_table(summary))
    with solara.Row(style={"align-items": "center"}):
        solara.Text("Scrub or play the weeks:", style={"font-weight": "600"})
        ipywidgets.Play.element(
            value=week, min=1, max=horizon, step=1, interval=120, on_value=state.week.set
        )
        with solara.Div(style={"flex-grow": "1"}):
            solara.SliderInt("Week", value=week, min=1, max=horizon, on_value=state.week.set)
    title = f"{summary['scenario']}, seed {summary['seed']}"

    def fig():
        return run_figure(ts, summary, week, margin, source=f"crmsim dashboard: {title}")

    solara.FigureMatplotlib(fig(), format="png", dependencies=[id(ts), week])
    with solara.Row(style={"align-items": "center"}):
        Downloads(fig, f"run-{safe_name(summary['scenario'])}-seed{summary['seed']}-week{week}")
        solara.Markdown(
            f"Scenario file `{path.name}` in the results folder; "
            f"`crmsim run {path.name} --seed {summary['seed']}` reproduces this run."
        )


@solara.lab.task(prefer_threaded=True)
def odds_task(arms: dict, reps: int, base: str):
    def progress(done, total, errors=0):
        odds_task.progress = 100.0 * done / max(total, 1)

    return state.runner().run(arms, reps, base, progress)


def start_odds() -> None:
    try:
        names = [n for n in state.plan_names() if n in state.chosen.value]
        if not names:
            raise InputError("choose at least one ordering to compare", key="orderings")
        base = state.baseline.value if state.baseline.value in names else names[0]
        arms = {}
        for name in names:
            text, _, _ = _validated(name, "runs")
            arms[name] = text
        reps = state.replicates.value
        if reps is None or reps < 1 or reps > 100_000:
            raise InputError("expected a whole number in [1, 100000]", key="replicates", value=reps)
    except InputError as exc:
        _fail(exc)
        return
    state.error.value = ""
    odds_task(arms, int(reps), base)


def rates_markdown(odds) -> str:
    s = odds.summary.set_index(["scenario", "metric"])
    lines = [
        "| Ordering | Runs | Failed | Never live | Abandoned | Measurable gain | Median ROI |",
        "|---|---|---|---|---|---|---|",
    ]
    for name in sorted(
        dict.fromkeys(odds.summary["scenario"]), key=lambda n: (n != odds.baseline, n)
    ):
        cells = []
        for m in ("failed", "never_live", "abandoned", "measurable_gain"):
            r = s.loc[(name, m)]
            cells.append(f"{r['value']:.0%} [{r['ci_low']:.0%}, {r['ci_high']:.0%}]")
        roi = (
            f"{s.loc[(name, 'roi_median')]['value'] * 100:+.0f}%"
            if (name, "roi_median") in s.index
            else "–"
        )
        n = int(s.loc[(name, "failed")]["n"])
        lines.append(f"| {ordering_label(name)} | {n} | " + " | ".join(cells) + f" | {roi} |")
    return "\n".join(lines)


@solara.component
def OddsPanel() -> None:
    names = state.plan_names()
    with solara.Row(style={"align-items": "center", "flex-wrap": "wrap"}):
        solara.SelectMultiple(
            "Orderings to compare",
            values=state.chosen.value,
            all_values=names,
            on_value=state.chosen.set,
            style={"min-width": "330px"},
        )
        solara.Select("Baseline", values=names, value=state.baseline, style={"max-width": "220px"})
        solara.InputInt(
            "Replicates per ordering", value=state.replicates, style={"max-width": "180px"}
        )
        solara.Button(
            "Run the odds",
            color="primary",
            on_click=start_odds,
            disabled=odds_task.pending,
            classes=["crm-odds-button"],
        )
    solara.ProgressLinear(odds_task.progress or True if odds_task.pending else False)
    if odds_task.error:
        solara.Error(f"crmsim: error: {odds_task.exception}")
    odds = odds_task.value if odds_task.finished else None
    if odds is None:
        solara.Info(
            "Each ordering runs on the same simulated organisations and random draws (common "
            "random numbers), so differences come from the ordering alone."
        )
        return
    how = "read from the cache" if odds.cached else f"ran in {odds.seconds:.1f} s"
    with solara.Column(classes=["crm-odds"]):
        solara.Markdown(
            f"**{odds.replicates} replicates per ordering**, {how}; rates with Wilson 95% "
            f"intervals. Results folder: `{odds.folder.name}`.\n\n" + rates_markdown(odds)
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
        Downloads(factory, f"{name}-{odds.key}")

    def brief() -> str:
        pngs = {
            "Outcome mix by ordering": figure_bytes(charts["outcome_mix"](), "png"),
            "Return on investment, every run": figure_bytes(charts["roi"](), "png"),
        }
        page = {
            k: f"{v:g}" if isinstance(v, float) else str(v) for k, v in state.values.value.items()
        }
        files = " ".join(str(p) for p in odds.scenario_files.values())
        return brief_html(
            title=f"CRM rollout odds for {state.base_scenario().name}",
            settings=page,
            summary=odds.summary,
            paired=odds.paired,
            baseline=odds.baseline,
            replicates=odds.replicates,
            charts=pngs,
            reproduce=f"crmsim compare {files} --replicates {odds.replicates} "
            f"--seed {ROOT_SEED} --baseline {odds.baseline}",
        )

    solara.FileDownload(
        brief, f"brief-{odds.key}.html", label="One-page HTML brief", mime_type="text/html"
    )


@solara.component
def ExportPanel() -> None:
    plan = state.plan.value
    solara.Markdown(
        f"The current settings with the **{plan}** plan (choose the plan on the first tab) as a "
        "self-contained scenario file: `crmsim validate FILE` accepts it, "
        f"`crmsim run FILE --seed {state.seed.value}` reproduces the single run."
    )
    try:
        text, path, _ = _validated(plan, "exports")
    except InputError as exc:
        solara.Error(f"crmsim: error: {exc}")
        return
    with solara.Div(classes=["crm-export-toml"]):
        solara.FileDownload(
            text, f"{safe_name(plan)}.toml", label="Scenario TOML", mime_type="application/toml"
        )
    solara.Preformatted(text)
