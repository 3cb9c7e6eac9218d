"""The page's left column: the client profile in plain words, the advanced group, the levers.

Drawn from data (:mod:`sim.dashboard.inputs`, :mod:`sim.dashboard.traits`): one row per trait of
the client (a centre slider in the client's words with its spread under it), the modeller's
parameters in a collapsed "Advanced" group, then the levers. Every control shows its parameter
row's help: the trait's question or the row's meaning under it, and the row's full text (meaning,
key, allowed values, source) on hover. A lever says whether it applies: untouched, each ordering
keeps the value its scenario file gives it; moved, the user's value applies to every ordering.
"""

from __future__ import annotations

import solara

from sim.dashboard import state
from sim.dashboard.inputs import (
    Input,
    advanced_inputs,
    fit_step,
    lever_inputs,
    trait_inputs,
    value_text,
)
from sim.dashboard.traits import PRESETS, Trait
from sim.report.style import ordering_label

#: The preset list's first entry: back to the scenario the page started from.
AS_STARTED = "As the starting scenario"


@solara.component
def InputWidget(inp: Input, caption: str | None = None, words: Trait | None = None) -> None:
    """One declared input: slider, number field, select or switch (classes name its key).

    Args:
        inp: the input's description.
        caption: the text under it (default: the parameter row's meaning).
        words: the trait whose words describe the value in the label (``0.45 (weak)``).
    """
    value = state.values.value.get(inp.key)

    def set_value(v):
        state.values.value = {**state.values.value, inp.key: v}

    key_class = "crm-" + inp.key.replace(".", "-")
    shown = value_text(value)
    if words is not None and isinstance(value, int | float):
        shown += f" ({words.word(float(value))})"
    label = f"{inp.label}: {shown}" if inp.widget == "slider" else inp.label
    with solara.v.Html(
        tag="div",
        class_=f"crm-input {key_class}",
        attributes={"title": f"{inp.help} ({inp.source})"},
        style_="margin: 2px 0",
    ):
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
            solara.InputInt(label, value=int(value), on_value=set_value)
        elif inp.widget == "select":  # shown in words ("big bang"), kept as the file's value
            words_of = {value_text(c): c for c in inp.choices}
            solara.Select(
                label,
                values=list(words_of),
                value=value_text(value),
                on_value=lambda shown: set_value(words_of[shown]),
            )
        else:
            solara.Switch(label=label, value=bool(value), on_value=set_value)
        text = inp.help if caption is None else caption
        if text:
            solara.Text(text, classes=["crm-help"])


@solara.component
def TraitRow(trait: Trait, centre: Input, spread: Input | None) -> None:
    """A trait: its centre in the client's words, its spread indented under it."""
    with solara.Column(gap="0px", classes=["crm-trait"]):
        InputWidget(centre, caption=trait.question, words=trait)
        if spread is not None:
            with solara.Div(classes=["crm-spread"]):
                InputWidget(spread, caption="")


def _apply_preset(name: str) -> None:
    if name == AS_STARTED:
        state.values.value = {**state.values.value, **_profile_start()}
        return
    for preset in PRESETS:
        if preset.name == name:
            state.values.value = preset.applied(state.values.value)


def _preset_shown() -> str | None:
    """The preset the profile still equals (the select shows it), or None once a value is moved:
    the select kept showing a preset's name after the consultant had changed the profile."""
    values = state.values.value
    if all(values.get(k) == v for k, v in _profile_start().items()):
        return AS_STARTED
    for preset in PRESETS:
        if preset.applied(values) == values:
            return preset.name
    return None


def _profile_start() -> dict:
    start = state.initial_values()
    return {k: start[k] for k in state.profile_values()}


def _lever_caption(inp: Input) -> str:
    """What a lever does now: each ordering's own value, or the user's for every ordering."""
    if inp.key in state.moved():
        return "Moved: your value applies to every ordering."
    by_value: dict[str, list[str]] = {}
    for name, o in state.orderings().items():
        if inp.key in o.own:
            by_value.setdefault(value_text(o.own[inp.key]), []).append(ordering_label(name))
    if len(by_value) < 2:
        return f"{inp.help}. Move it to apply your value to every ordering."
    common = max(by_value, key=lambda v: len(by_value[v]))
    parts = [f"{v} for {', '.join(n)}" for v, n in by_value.items() if v != common]
    return (
        f"Each ordering keeps its own until you move this: {'; '.join(parts)}; "
        f"{common} for the others."
    )


@solara.component
def Sidebar() -> None:
    scen = state.base_scenario()
    with solara.Column(classes=["crm-side"], gap="0px"):
        solara.Markdown(f"**Client profile** (from `{scen.name}`)", style={"margin-top": "4px"})
        solara.Select(
            "A typical client (illustrative values, an assumption)",
            values=[AS_STARTED, *(p.name for p in PRESETS)],
            value=_preset_shown(),
            on_value=lambda name: name and _apply_preset(name),
            classes=["crm-preset"],
        )
        solara.Text(
            "Each trait is the centre of the simulated organisations; the spread under it is how "
            "far they differ from it.",
            classes=["crm-help"],
        )
        for trait, centre, spread in trait_inputs():
            TraitRow(trait, centre, spread)
        advanced = advanced_inputs()
        if advanced:
            with solara.Details("Advanced (modeller's parameters)", expand=False):
                with solara.Div(classes=["crm-advanced"]):
                    for inp in advanced:
                        InputWidget(inp)
        with solara.Row(style={"align-items": "center", "margin-top": "8px"}):
            solara.Markdown("**Levers**")
            solara.Button(
                "Reset all to the scenario",
                text=True,
                small=True,
                on_click=lambda: state.values.set(state.initial_values()),
                classes=["crm-reset"],
            )
        for inp in lever_inputs():
            InputWidget(inp, caption=_lever_caption(inp))
