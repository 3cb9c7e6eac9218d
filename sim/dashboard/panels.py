"""The dashboard's single-run and export panels (the odds are :mod:`sim.dashboard.odds_panel`).

Each action writes the page's settings as a scenario file in the results folder and loads it with
``load_scenario`` (so bad values get the command line's message, shown on the page, naming the
page's settings rather than a file inside the server's results folder); one run is ``sim.run``.
"""

from __future__ import annotations

import math

import ipywidgets
import solara
import solara.lab

import sim
from sim.dashboard import state
from sim.dashboard.figures import figure_bytes, run_figure
from sim.dashboard.settings import safe_name, settings_key, write_and_load
from sim.errors import InputError, check_seed
from sim.report.style import MONEY_UNIT, money


def public(text: str) -> str:
    """An error's text with the server's results folder named as such, never as an absolute
    path inside the server's machine, and each key of a control named by the control's label
    (``Size (key 'org.employees')``) so the consultant finds the field to fix."""
    text = str(text).replace(str(state.config().results.root), "the results folder")
    for key, label in _labels().items():
        text = text.replace(f"key '{key}'", f"{label} (key '{key}')")
    return text


def _labels() -> dict[str, str]:
    """The page's labels of the keys a consultant sets: the traits' centres and the levers."""
    from sim.dashboard.inputs import LEVERS
    from sim.dashboard.traits import TRAITS

    return {**{t.centre: t.label for t in TRAITS}, **dict(LEVERS), "seed": "Seed"}


def fail(exc: Exception) -> None:
    state.error.value = public(f"crmsim: error: {exc}")
    state.error_serial.value += 1


def validated(plan: str, folder: str) -> tuple:
    """Write the settings with ``plan`` into the results folder and load them (validated)."""
    text = state.toml_for(plan)
    key = settings_key(text)
    path, scen = write_and_load(
        state.config().results,
        text,
        folder,
        f"{safe_name(plan)}-{key}.toml",
        label=f"the page's settings ({state.plan_label(plan)})",
    )
    return text, path, scen


def run_once() -> None:
    """Run the chosen plan once (with its counterfactual) and show it."""
    try:
        seed = check_seed(state.seed.value)
        text, path, scen = validated(state.plan.value, "runs")
        result = sim.run(scen, seed=seed)
    except InputError as exc:
        fail(exc)
        return
    state.error.value = ""
    state.run_settings.value = text
    gl = result.summary["golive_week"]
    state.week.value = int(gl) if isinstance(gl, float) and math.isfinite(gl) else 1
    state.run_result.value = (result.summary, result.timeseries, path, scen["economics.margin"])


def stale(shown: str, now) -> bool:
    """Whether figures made from the settings ``shown`` are out of date: ``now()`` gives the
    page's settings in the same form, compared by ``settings_key`` (without the dated header);
    settings that cannot be written are a change too."""
    try:
        return settings_key(shown) != settings_key(now())
    except (InputError, ValueError, TypeError):
        return True


def _yes(flag) -> str:
    return "yes" if flag else "no"


def figures_table(s: dict) -> str:
    """The run's outcome as one compact Markdown table row (money in thousand USD).

    The sponsor's judgement (met expectations) stands beside the money (paid back: the business
    case met, programme spend included) and the measurable gain, so neither is read alone.
    """
    gl = s["golive_week"]
    golive = f"week {gl:.0f}" if isinstance(gl, float) and math.isfinite(gl) else "never"
    paid = s.get("business_case_met")
    paid = "–" if paid is None else _yes(paid)
    return (
        "| Outcome | Go-live | Final adoption | Spend / budget | Profit vs no CRM | ROI | "
        "Satisfaction vs no CRM | Met expectations · paid back · measurable gain |\n"
        "|---|---|---|---|---|---|---|---|\n"
        f"| **{s['status'].replace('_', ' ')}** | {golive} | **{s['adoption_final']:.0%}** of "
        f"employees | {money(s['spend'])} / {money(s['budget'])} {MONEY_UNIT} | "
        f"**{money(s['delta_profit'], True)}** {MONEY_UNIT} | "
        f"**{s['roi'] * 100:+.0f}%** of spend | "
        f"{s['delta_csat']:+.3f} (0–1 scale) | {_yes(s['met_expectations'])} · {paid} · "
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
        names = state.plan_names()
        labels = [state.plan_label(n) for n in names]
        solara.Select(
            "Rollout plan",
            values=labels,
            value=state.plan_label(state.plan.value),
            on_value=lambda label: state.plan.set(names[labels.index(label)]),
            classes=["crm-plan"],
        )
        solara.InputInt(
            "Seed", value=state.seed, style={"max-width": "110px"}, classes=["crm-seed"]
        )
        solara.Button("Run", color="primary", on_click=run_once, classes=["crm-run-button"])
    chosen = state.orderings().get(state.plan.value)
    if chosen is not None:  # what the plan is, in a line ("Four Ps" alone told a client nothing)
        solara.Text(chosen.description, classes=["crm-help", "crm-plan-description"])
    res = state.run_result.value
    if res is None:
        solara.Info("Set the profile and levers on the left, choose a plan, and press Run.")
        return
    summary, ts, path, margin = res
    horizon = int(ts["week"].max())
    week = min(max(1, state.week.value), horizon)
    with solara.Column():  # always there: the mark coming and going re-creates nothing below
        if stale(state.run_settings.value, lambda: state.toml_for(state.plan.value)):
            solara.Warning(
                "The settings have changed since this run: press Run to see the run they give.",
                classes=["crm-stale"],
            )
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
            f"One simulated organisation and one set of random draws (seed {summary['seed']}): "
            "the odds tab runs hundreds to show how typical this run is. "
            f"Scenario file `{path.name}` in the results folder's runs/; "
            f"`crmsim run {path.name} --seed {summary['seed']}` reproduces this run."
        )


@solara.component
def ExportPanel() -> None:
    plan = state.plan.value
    solara.Markdown(
        f"The current settings with the **{state.plan_label(plan)}** plan (choose the plan on "
        "the first tab) as a "
        "self-contained scenario file: `crmsim validate FILE` accepts it, "
        f"`crmsim run FILE --seed {state.seed.value}` reproduces the single run."
    )
    try:
        text, path, _ = validated(plan, "exports")
    except InputError as exc:
        solara.Error(public(f"crmsim: error: {exc}"))
        return
    with solara.Div(classes=["crm-export-toml"]):
        solara.FileDownload(
            text, f"{safe_name(plan)}.toml", label="Scenario TOML", mime_type="application/toml"
        )
    solara.Preformatted(text)
