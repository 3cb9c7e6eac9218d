"""The dashboard's inputs, declared as data from the parameter table.

Mesa's SolaraViz takes a ``model_params`` dict of slider descriptions; this module builds the same
kind of description from :data:`sim.model.params.PARAMS`. Bounds, defaults and help texts come from
the table, so the page can never offer a value the command line would refuse (and when it does
through a typed field, the same ``load_scenario`` names the error). Which inputs there are comes
from two tables: the client's traits (:data:`sim.dashboard.traits.TRAITS`: a centre with its
spread, in plain words) and the levers below; every other organisation parameter lands in the
"Advanced" group, so a parameter added to the model appears on the page without a code change.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sim.dashboard import orderings, traits
from sim.model.params import PARAMS, WORKSTREAMS
from sim.model.scenario import Phase

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

#: Name of the plan edited on the page.
CUSTOM = "custom"

WORKSTREAM_CHOICES = WORKSTREAMS


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
        help: the parameter row's meaning (shown under the widget).
        source: the row's source and allowed values (shown on hover).
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
    source: str = ""

    def as_model_param(self, value: Any) -> dict:
        """The SolaraViz-style dict for this input at ``value``."""
        spec = {"type": self.widget, "label": self.label, "value": value}
        if self.low is not None:
            spec.update(min=self.low, max=self.high, step=self.step)
        if self.choices:
            spec["values"] = list(self.choices)
        return spec


def value_text(value: Any) -> str:
    """A value as the page prints it (``1,200``, ``0.45``, ``big bang``, ``yes``): a number to
    three significant digits (a calibrated 0.01325 reads 0.0132; the file keeps every digit)."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value:,}"
    return f"{value:.3g}" if isinstance(value, float) else str(value).replace("_", " ")


def _label(key: str) -> str:
    return key.split(".", 1)[-1].replace("_", " ").replace(".", " ").capitalize()


def describe(key: str, label: str | None = None) -> Input:
    """The widget description of one parameter, from its row of the parameter table."""
    p = PARAMS[key]
    text = {"help": p.doc, "source": f"{key}: {p.allowed()}; source: {p.source}"}
    label = label or _label(key)
    if p.kind is bool:
        return Input(key, label, "switch", bool, **text)
    if p.kind is str:
        return Input(key, label, "select", str, choices=tuple(p.choices or ()), **text)
    low, high = float(p.low), float(p.high)
    if p.kind is int:
        widget = "slider" if high - low <= SLIDER_MAX_STEPS else "number"
        return Input(key, label, widget, int, low, high, 1, **text)
    return Input(key, label, "slider", float, low, high, _step(low, high), **text)


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


def lever_keys() -> list[str]:
    return [k for k, _ in LEVERS if k in PARAMS]


def lever_inputs() -> list[Input]:
    """The levers present in this version's parameter table."""
    return [describe(k, label) for k, label in LEVERS if k in PARAMS]


def trait_inputs() -> list[tuple[traits.Trait, Input, Input | None]]:
    """(trait, centre input, spread input or None) for every trait, in the client's words."""
    out = []
    for t in traits.traits():
        spread = describe(t.spread, "varies between organisations by ±") if t.spread else None
        out.append((t, describe(t.centre, t.label), spread))
    return out


def advanced_inputs() -> list[Input]:
    """The modeller's organisation parameters (numbers first), labelled with their keys."""
    keys = traits.advanced_keys(set(lever_keys()))
    keys.sort(key=lambda k: PARAMS[k].kind is str)
    return [describe(k, f"{_label(k)} ({k})") for k in keys]


def profile_inputs() -> list[Input]:
    """Every input of the client profile: trait centres and spreads, then the advanced group."""
    out: list[Input] = []
    for _, centre, spread in trait_inputs():
        out += [centre, spread] if spread else [centre]
    return out + advanced_inputs()


def model_params(values: dict[str, Any]) -> dict[str, dict]:
    """Every input as a SolaraViz-style ``model_params`` dict at the given values."""
    return {
        i.key: i.as_model_param(values.get(i.key, PARAMS[i.key].default))
        for i in (*profile_inputs(), *lever_inputs())
    }


def shipped_orderings(scenarios_dir) -> dict[str, tuple[Phase, ...]]:
    """Rollout plans of the shipped orderings, by name (their phases only; see
    :func:`sim.dashboard.orderings.shipped` for the values each defines).

    Raises:
        InputError: when the folder holds no ordering at all.
    """
    return {name: o.phases for name, o in orderings.shipped(scenarios_dir).items()}


def phase_rows(phases: tuple[Phase, ...]) -> list[dict]:
    """Phases as editable rows (plain dicts) for the phase editor."""
    return [
        {"workstream": p.workstream, "start": p.start, "duration": p.duration, "effort": p.effort}
        for p in phases
    ]
