"""Orderings as their scenario files define them, on the client's profile.

A shipped ordering is more than a phase plan: ``scenarios/start_small.toml`` goes live phased,
with a pilot of its own and less vendor pressure than ``technology_first.toml``. On the page each
ordering therefore runs as its file defines it, so its numbers are those of ``crmsim run`` and of
the README's rows of the same name, and only the client differs:

* **the ordering's own values**: its whole ``rollout`` section (go-live style, pilot, vendor
  pressure, effort multipliers...) and any other value its file sets apart from the shared base
  (``scenarios/base.toml``), with its phases;
* **the client's values**: everything else, from the scenario the page started from with the
  profile as set on the page;
* **the page's levers**, only where the user moved them: a lever left at its starting value keeps
  each ordering's own value; one moved applies the user's value to every ordering, and the brief
  lists it (:func:`moved_levers`).

The custom plan of the phase editor takes the values of the ordering it was copied from (or of the
starting scenario) with the edited phases.
"""

from __future__ import annotations

import json
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sim.errors import InputError
from sim.model.params import defaults
from sim.model.scenario import Phase, Scenario, load_scenario

#: Scenario files that are not orderings: shared bases, and mixes (drawn per organisation).
NOT_ORDERINGS = ("base", "calibrated")
#: The shared base the shipped orderings extend (what "set apart" is measured against).
SHARED_BASE = "base.toml"
#: Keys an ordering always defines: how the programme is run.
ORDERING_PREFIX = "rollout."


@dataclass(frozen=True)
class Ordering:
    """A shipped ordering: its plan and the values its file defines.

    Attributes:
        name: the scenario's name (``start_small``).
        description: the scenario's one line.
        phases: the rollout plan.
        own: dotted key -> value for every value the ordering defines (see the module's text).
    """

    name: str
    description: str
    phases: tuple[Phase, ...]
    own: dict[str, Any] = field(default_factory=dict)


def shared_base_values(scenarios_dir: Path | str) -> dict[str, Any]:
    """Values of the shared base (``base.toml``), or the parameter table's defaults without one.

    The base has no rollout plan of its own, so it is read through a one-line file that extends
    it with a plan (written to a temporary folder, removed at once).
    """
    path = (Path(scenarios_dir) / SHARED_BASE).resolve()
    if not path.is_file():
        return defaults()
    with tempfile.TemporaryDirectory(prefix="crmsim-base-") as tmp:
        probe = Path(tmp) / "probe.toml"
        probe.write_text(
            f'name = "probe"\nextends = {json.dumps(str(path))}\n'
            '[rollout]\nordering = ["planning"]\n',
            encoding="utf-8",
        )
        return dict(load_scenario(probe).values)


def own_values(scen: Scenario, shared: dict[str, Any]) -> dict[str, Any]:
    """What a scenario defines as an ordering: its rollout section and what it sets apart."""
    return {
        k: v
        for k, v in scen.values.items()
        if k.startswith(ORDERING_PREFIX) or v != shared.get(k, v)
    }


def shipped(scenarios_dir: Path | str) -> dict[str, Ordering]:
    """Every ordering of a scenarios folder (mixes and shared bases left out), by name.

    Raises:
        InputError: when the folder holds no ordering at all.
    """
    shared = shared_base_values(scenarios_dir)
    out: dict[str, Ordering] = {}
    for path in sorted(Path(scenarios_dir).glob("*.toml")):
        if path.stem in NOT_ORDERINGS:
            continue
        scen = load_scenario(path)
        if not scen.is_mix and scen.phases:
            out[scen.name] = Ordering(
                scen.name, scen.description, scen.phases, own_values(scen, shared)
            )
    if not out:
        raise InputError("no rollout orderings found (scenarios/*.toml)", file=str(scenarios_dir))
    return out


def moved_levers(
    values: dict[str, Any], initial: dict[str, Any], levers: list[str]
) -> dict[str, Any]:
    """The levers the user moved away from the starting scenario's value."""
    return {k: values[k] for k in levers if k in values and values[k] != initial.get(k)}


def arm_values(
    ordering: Ordering | None,
    profile: dict[str, Any],
    moved: dict[str, Any],
) -> dict[str, Any]:
    """The page's values for one ordering, laid over the starting scenario.

    Args:
        ordering: the shipped ordering (None: the starting scenario's own rollout values).
        profile: the client's values as set on the page (traits and advanced).
        moved: the levers the user moved (:func:`moved_levers`).
    """
    own = dict(ordering.own) if ordering is not None else {}
    return {**own, **profile, **moved}


def how_run(values: dict[str, Any]) -> str:
    """How an ordering's programme is run, in words (go-live style, pilot, vendor pressure,
    training), from its scenario's values."""
    parts = []
    if values.get("rollout.golive") == "phased":
        share = values.get("rollout.pilot_share")
        parts.append(f"phased go-live (pilot {share:.0%} of teams)" if share else "phased go-live")
    elif "rollout.golive" in values:
        parts.append("big-bang go-live")
    if "rollout.vendor_pressure" in values:
        parts.append(f"vendor pressure {values['rollout.vendor_pressure']:g}")
    people = values.get("rollout.effort.people", 1.0)
    if people != 1.0:
        parts.append(f"training x{people:g}")
    return ", ".join(parts)
