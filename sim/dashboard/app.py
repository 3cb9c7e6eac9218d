"""The dashboard page (Solara): client profile and levers on the left, one run and the odds.

Served by ``crmsim dashboard``; every input is built from :mod:`sim.dashboard.inputs` (the
parameter table and the client's traits), every action writes the settings as a scenario file and
loads it with the command line's ``load_scenario`` (:mod:`sim.dashboard.settings`), one run is
``sim.run`` and the odds are ``compare`` (:mod:`sim.dashboard.odds`). Errors (an ``InputError``
from any of them) are shown at the top of the page in the command line's words.

Why not Mesa's SolaraViz for the single run: SolaraViz steps one live model, but the run shown
here is paired with its no-CRM counterfactual (a second model on the same draws) and classified
once it is over, so the page runs ``sim.run`` and then scrubs or plays the finished weeks.

The tabs switch without Vuetify's slide transition (see :data:`CSS`): during the 0.3 s slide the
new tab's buttons move under the pointer, and a click that lands where a button was a moment ago
does nothing, on the page as in a browser test.
"""

from __future__ import annotations

import ipywidgets
import solara

from sim.dashboard import state
from sim.dashboard.inputs import CUSTOM, WORKSTREAM_CHOICES
from sim.dashboard.odds_panel import OddsPanel
from sim.dashboard.panels import ExportPanel, RunPanel
from sim.dashboard.sidebar import Sidebar
from sim.errors import InputError

CSS = """
.crm-side .v-input__slot { margin-bottom: 0 !important; }
.crm-side .v-messages { min-height: 0 !important; }
.crm-side .v-text-field__details { display: none; }
.crm-figures table, .crm-odds table { font-size: 14px; width: 100%; }
.crm-figures td, .crm-figures th, .crm-odds td, .crm-odds th {
  text-align: left !important; vertical-align: top; }
.crm-figures th, .crm-odds th { color: #555; font-weight: 500; }
.crm-side .v-slider + .v-input__append-outer, .crm-side label { font-size: 13px !important; }
.crm-figures td, .crm-figures th { padding: 2px 12px 2px 0; }
.crm-help { display: block; font-size: 11.5px; color: #666; line-height: 1.25; margin: -4px 0 4px; }
.crm-spread { margin-left: 14px; }
.crm-spread label { color: #777 !important; }
.crm-trait { border-left: 3px solid #d8e4f0; padding-left: 6px; margin: 4px 0; }
.v-application .crm-section { font-weight: 600; color: #0b3c68; margin-top: 10px; }
.v-window__container--is-active, .v-window-item { transition: none !important; }
"""


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

    names = list(state.orderings())
    labels = [state.plan_label(n) for n in names]

    def copy_from(label):
        if label:
            name = names[labels.index(label)]
            state.custom_rows.value = state.plan_rows(name)
            state.custom_origin.value = name
            state.plan.value = CUSTOM

    origin = state.custom_origin.value
    solara.Markdown(
        "The **custom** plan: phases may overlap; effort is the share of a full team "
        "(0 to 5). Start from a shipped ordering and change it: the custom plan keeps that "
        "ordering's go-live style and vendor pressure, and can be run and compared like any other."
        + (f" Copied from **{state.plan_label(origin)}**." if origin else "")
    )
    solara.Select(
        "Copy a shipped ordering",
        values=labels,
        value=None,
        on_value=copy_from,
        classes=["crm-copy-plan"],
    )
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
                classes=["crm-phase-start"],
            )
            solara.InputInt(
                "Duration (weeks)",
                value=int(r["duration"]),
                on_value=lambda v, i=i: set_row(i, "duration", v),
                style={"max-width": "130px"},
                classes=["crm-phase-duration"],
            )
            solara.InputFloat(
                "Effort (share of a team)",
                value=float(r["effort"]),
                on_value=lambda v, i=i: set_row(i, "effort", v),
                style={"max-width": "170px"},
                classes=["crm-phase-effort"],
            )
            solara.Button(icon_name="mdi-delete", icon=True, on_click=lambda i=i: remove(i))
    solara.Button(
        "Add a phase", icon_name="mdi-plus", on_click=add, outlined=True, classes=["crm-add-phase"]
    )


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
    # The message sits in a column of its own, always there, so showing one does not re-create
    # the tabs (which went back to the first tab); each error gets an alert of its own (keyed by
    # its serial), since a dismissed alert stays closed.
    with solara.Column(classes=["crm-messages"]):
        if state.error.value:
            solara.Error(
                state.error.value,
                classes=["crm-error"],
                dismissible=True,
                on_dismiss=lambda: state.error.set(""),
            ).key(f"error-{state.error_serial.value}")
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
