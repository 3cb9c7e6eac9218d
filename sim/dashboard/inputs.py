"""The dashboard's inputs, declared as data from the parameter table.

Mesa's SolaraViz takes a ``model_params`` dict of slider descriptions; this module builds the same
kind of description from :data:`sim.model.params.PARAMS`, so a trait added to the organisation
profile (any ``org.*`` or ``profile.*`` parameter) appears on the page without touching the
dashboard. Bounds,
defaults and help texts come from the table, so the page can never offer a value the command line
would refuse (and when it does through a typed field, the same ``load_scenario`` names the error).

The shipped orderings are read from the rollout plans of ``scenarios/*.toml``; on the page an
ordering is the phase plan only: the levers (go-live style, training, vendor pressure, budget) are
applied to every ordering alike, so ordering against ordering differs in nothing but the plan.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sim.errors import InputError
from sim.model.params import PARAMS, WORKSTREAMS
from sim.model.scenario import Phase, load_scenario

#: Parameter-key prefixes that make up the client profile, with the heading each group gets on
#: the page: the organisation (``org.*``) and, from model v2 on, the organisation profile drawn per
#: run around the given values (``profile.*``: package fit, scope, budget realism, ...).
PROFILE_GROUPS = {
    "org.": "Organisation",
    "profile.": "Organisation profile (drawn per run around these values)",
}
PROFILE_PREFIXES = tuple(PROFILE_GROUPS)

#: The levers a consultant pulls, in page order: (dotted key, label). Keys missing from the
#: parameter table are left out, so a renamed parameter hides its lever instead of breaking.
LEVERS = (
    ("rollout.golive", "Go-live style"),
    ("rollout.effort.people", "Training (effort multiplier on people work)"),
    ("rollout.vendor_pressure", "Vendor pressure"),
    ("org.budget_contingency", "Budget contingency (share above planned cost)"),
)

#: Integer parameters whose range is too wide for a slider get a number field instead.
SLIDER_MAX_STEPS = 400

#: Scenario files that are not orderings: shared bases, and mixes (drawn per organisation).
NOT_ORDERINGS = ("base", "calibrated")

#: Name of the plan edited on the page.
CUSTOM = "custom"


@dataclass(frozen=True)
class Input:
    """One input on the page, in the spirit of a SolaraViz ``model_params`` entry.

    Attributes:
        key: dotted parameter key.
        label: text beside the widget.
        widget: ``"slider"``, ``"number"``, ``"select"`` or ``"switch"``.
        kind: ``float``, ``int``, ``bool`` or ``str``.
        low, high, step: numeric bounds (from the parameter table) and slider step.
        choices: allowed strings, for a select.
        help: the parameter's meaning and source.
    """

    key: str
    label: str
    widget: str
    kind: type
    low: float | None = None
    high: float | None = None
    step: float | None = None
    choices: tuple[str, ...] | None = None
    help: str = ""

    def as_model_param(self, value: Any) -> dict:
        """The SolaraViz-style dict for this input at ``value``."""
        spec = {"type": self.widget, "label": self.label, "value": value}
        if self.low is not None:
            spec.update(min=self.low, max=self.high, step=self.step)
        if self.choices:
            spec["values"] = list(self.choices)
        return spec


def _label(key: str) -> str:
    return key.split(".", 1)[-1].replace("_", " ").replace(".", " ").capitalize()


def describe(key: str, label: str | None = None) -> Input:
    """The widget description of one parameter, from its row of the parameter table."""
    p = PARAMS[key]
    help_text = f"{p.doc} [{p.source}]; allowed: {p.allowed()}"
    label = label or _label(key)
    if p.kind is bool:
        return Input(key, label, "switch", bool, help=help_text)
    if p.kind is str:
        return Input(key, label, "select", str, choices=tuple(p.choices or ()), help=help_text)
    low, high = float(p.low), float(p.high)
    if p.kind is int:
        widget = "slider" if high - low <= SLIDER_MAX_STEPS else "number"
        return Input(key, label, widget, int, low, high, 1, help=help_text)
    return Input(key, label, "slider", float, low, high, _step(low, high), help=help_text)


def _step(low: float, high: float) -> float:
    """A round slider step of about a hundredth of the range."""
    span = (high - low) / 100
    for step in (0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 100, 1000):
        if step >= span:
            return step
    return span


def fit_step(value: float, low: float, step: float) -> float:
    """The slider step, made finer until ``value`` lies on the slider's grid.

    A slider snaps its value to ``low + k * step`` when it is drawn, which would silently change
    a scenario's value (0.25 on a grid of 0.02 becomes 0.26); a finer step keeps it exact.
    """
    for divisor in (1, 2, 5, 10, 20, 50, 100, 1_000, 10_000):
        fine = step / divisor
        k = (value - low) / fine
        if abs(k - round(k)) < 1e-6:
            return fine
    return step / 100_000


def lever_inputs() -> list[Input]:
    """The levers present in this version's parameter table."""
    return [describe(k, label) for k, label in LEVERS if k in PARAMS]


def profile_inputs() -> list[Input]:
    """Every organisation-profile parameter (``org.*``) that is not already a lever."""
    levers = {k for k, _ in LEVERS}
    return [
        describe(k)
        for k in PARAMS
        if k.startswith(PROFILE_PREFIXES) and k not in levers and PARAMS[k].kind is not str
    ] + [
        describe(k)
        for k in PARAMS
        if k.startswith(PROFILE_PREFIXES) and k not in levers and PARAMS[k].kind is str
    ]


def model_params(values: dict[str, Any]) -> dict[str, dict]:
    """Every input as a SolaraViz-style ``model_params`` dict at the given values."""
    return {
        i.key: i.as_model_param(values.get(i.key, PARAMS[i.key].default))
        for i in (*profile_inputs(), *lever_inputs())
    }


def shipped_orderings(scenarios_dir: Path | str) -> dict[str, tuple[Phase, ...]]:
    """Rollout plans of the shipped scenarios (mixes and shared bases left out), by name.

    Raises:
        InputError: when the folder holds no ordering at all.
    """
    plans: dict[str, tuple[Phase, ...]] = {}
    for path in sorted(Path(scenarios_dir).glob("*.toml")):
        if path.stem in NOT_ORDERINGS:
            continue
        scen = load_scenario(path)
        if not scen.is_mix and scen.phases:
            plans[scen.name] = scen.phases
    if not plans:
        raise InputError("no rollout orderings found (scenarios/*.toml)", file=str(scenarios_dir))
    return plans


def phase_rows(phases: tuple[Phase, ...]) -> list[dict]:
    """Phases as editable rows (plain dicts) for the phase editor."""
    return [
        {"workstream": p.workstream, "start": p.start, "duration": p.duration, "effort": p.effort}
        for p in phases
    ]


WORKSTREAM_CHOICES = WORKSTREAMS
