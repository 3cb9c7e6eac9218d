"""The dashboard page (Solara): client profile and levers on the left, one run and the odds.

Served by ``crmsim dashboard``; every input is built from :mod:`sim.dashboard.inputs` (the
parameter table), every action writes the settings as a scenario file and loads it with the
command line's ``load_scenario`` (:mod:`sim.dashboard.settings`), one run is ``sim.run`` and the
odds are ``compare`` (:mod:`sim.dashboard.odds`). Errors (an ``InputError`` from any of them) are
shown at the top of the page in the command line's words.

Why not Mesa's SolaraViz for the single run: SolaraViz steps one live model, but the run shown
here is paired with its no-CRM counterfactual (a second model on the same draws) and classified
once it is over, so the page runs ``sim.run`` and then scrubs or plays the finished weeks.
"""

from __future__ import annotations

import ipywidgets
import solara

from sim.dashboard import state
from sim.dashboard.inputs import (
    CUSTOM,
    PROFILE_GROUPS,
    WORKSTREAM_CHOICES,
    fit_step,
    lever_inputs,
    profile_inputs,
)
from sim.dashboard.panels import ExportPanel, OddsPanel, RunPanel
from sim.errors import InputError

CSS = """
.crm-side .v-input__slot { margin-bottom: 0 !important; }
.crm-side .v-messages { min-height: 0 !important; }
.crm-figures table, .crm-odds table { font-size: 14px; width: 100%; }
.crm-figures td, .crm-figures th, .crm-odds td, .crm-odds th {
  text-align: left !important; vertical-align: top; }
.crm-figures th, .crm-odds th { color: #555; font-weight: 500; }
.crm-side .v-slider + .v-input__append-outer, .crm-side label { font-size: 13px !important; }
.crm-figures td, .crm-figures th { padding: 2px 12px 2px 0; }
.v-application .crm-section { font-weight: 600; color: #0b3c68; margin-top: 10px; }
"""


@solara.component
def InputWidget(inp) -> None:
    """One declared input: slider, number field, select or switch (classes name its key)."""
    value = state.values.value.get(inp.key)

    def set_value(v):
        state.values.value = {**state.values.value, inp.key: v}

    classes = ["crm-input", "crm-" + inp.key.replace(".", "-")]
    shown = f"{value:g}" if isinstance(value, float) else str(value)
    label = f"{inp.label}: {shown}" if inp.widget == "slider" else inp.label
    with solara.Div(classes=classes, style={"margin": "2px 0"}):
        if inp.widget == "slider" and inp.kind is int:
            solara.SliderInt(
                label, value=int(value), min=int(inp.low), max=int(inp.high), on_value=set_value
            )
        elif inp.widget == "slider":
            solara.SliderFloat(
                label,
                value=float(value),
                min=inp.low,
                max=inp.high,
                step=fit_step(float(value), inp.low, inp.step),
                on_value=set_value,
            )
        elif inp.widget == "number":
            solara.InputInt(inp.label, value=int(value), on_value=set_value, dense=True)
        elif inp.widget == "select":
            solara.Select(inp.label, values=list(inp.choices), value=value, on_value=set_value)
        else:
            solara.Switch(label=inp.label, value=bool(value), on_value=set_value)


@solara.component
def Sidebar() -> None:
    scen = state.base_scenario()
    with solara.Column(classes=["crm-side"], gap="0px"):
        solara.Markdown(f"**Client profile** (from `{scen.name}`)", style={"margin-top": "4px"})
        solara.Button(
            "Reset to the scenario",
            text=True,
            small=True,
            on_click=lambda: state.values.set(state.initial_values()),
        )
        shown = profile_inputs()
        for i, (prefix, heading) in enumerate(PROFILE_GROUPS.items()):
            group = [inp for inp in shown if inp.key.startswith(prefix)]
            if group:
                with solara.Details(heading, expand=i == 0):
                    for inp in group:
                        InputWidget(inp)
        solara.Markdown("**Levers**", style={"margin-top": "8px"})
        for inp in lever_inputs():
            InputWidget(inp)


@solara.component
def PhaseEditor() -> None:
    """Edit the custom plan: workstream, start, duration and effort of each phase."""
    rows = state.custom_rows.value

    def set_row(i, field, v):
        new = [dict(r) for r in rows]
        new[i][field] = v
        state.custom_rows.value = new

    def remove(i):
        state.custom_rows.value = [r for j, r in enumerate(rows) if j != i]

    def add():
        end = max((r["start"] + r["duration"] for r in rows), default=0)
        row = {"workstream": "platform", "start": end, "duration": 12, "effort": 1.0}
        state.custom_rows.value = [*rows, row]

    def copy_from(name):
        if name:
            state.custom_rows.value = state.plan_rows(name)
            state.plan.value = CUSTOM

    solara.Markdown(
        "The **custom** plan: phases may overlap; effort is the share of a full team "
        "(0 to 5). Start from a shipped ordering and change it; the custom plan can be run "
        "and compared like any other."
    )
    solara.Select("Copy a shipped ordering", values=list(state.orderings()), on_value=copy_from)
    for i, r in enumerate(rows):
        with solara.Row(classes=["crm-phase"], style={"align-items": "center"}):
            solara.Select(
                "Workstream",
                values=list(WORKSTREAM_CHOICES),
                value=r["workstream"],
                on_value=lambda v, i=i: set_row(i, "workstream", v),
                style={"max-width": "160px"},
            )
            solara.InputInt(
                "Start (week)",
                value=int(r["start"]),
                on_value=lambda v, i=i: set_row(i, "start", v),
                style={"max-width": "120px"},
            )
            solara.InputInt(
                "Duration (weeks)",
                value=int(r["duration"]),
                on_value=lambda v, i=i: set_row(i, "duration", v),
                style={"max-width": "130px"},
            )
            solara.InputFloat(
                "Effort (share of a team)",
                value=float(r["effort"]),
                on_value=lambda v, i=i: set_row(i, "effort", v),
                style={"max-width": "170px"},
            )
            solara.Button(icon_name="mdi-delete", icon=True, on_click=lambda i=i: remove(i))
    solara.Button("Add a phase", icon_name="mdi-plus", on_click=add, outlined=True)


@solara.component
def Page() -> None:
    solara.Title("CRM rollout dashboard")
    solara.Style(CSS)
    try:
        state.base_scenario()
        state.runner()  # starts warming the worker pool while the consultant sets things up
    except InputError as exc:
        solara.Error(f"crmsim: error: {exc}")
        return
    with solara.AppBar():
        solara.Text("What changes the odds of this CRM programme?", style={"font-size": "16px"})
    with solara.Sidebar():
        Sidebar()
    if state.error.value:
        solara.Error(
            state.error.value,
            classes=["crm-error"],
            dismissible=True,
            on_dismiss=lambda: state.error.set(""),
        )
    with solara.lab.Tabs():
        with solara.lab.Tab("One run, week by week"):
            RunPanel()
        with solara.lab.Tab("The odds"):
            OddsPanel()
        with solara.lab.Tab("Phase editor"):
            PhaseEditor()
        with solara.lab.Tab("Export"):
            ExportPanel()


__all__ = ["Page", "ipywidgets"]
