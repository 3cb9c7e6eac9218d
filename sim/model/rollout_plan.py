"""The rollout plan of a scenario: its phases, from explicit ``[[rollout.phases]]`` tables or the
``rollout.ordering`` shorthand (workstreams back to back, each ``rollout.durations.<workstream>``
weeks at full effort), each checked with an error naming the file, the key and what is allowed.
Split from sim.model.scenario, which loads and merges the files.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sim.errors import InputError
from sim.model.params import WORKSTREAMS


@dataclass(frozen=True)
class Phase:
    """One phase of the rollout plan: a workstream worked on from ``start`` for ``duration`` weeks.

    ``effort`` is the share of a full team on it (1 = full effort); phases may overlap.
    """

    workstream: str
    start: int
    duration: int
    effort: float = 1.0

    @property
    def end(self) -> int:
        return self.start + self.duration


def phases_from(values: dict[str, Any], plan: dict[str, Any], file: str) -> tuple[Phase, ...]:
    """Build the phase list from ``rollout.phases`` or the ``rollout.ordering`` shorthand."""
    if "phases" in plan:
        phases = []
        if not isinstance(plan["phases"], list) or not plan["phases"]:
            raise InputError("expected a list of phase tables", file=file, key="rollout.phases")
        for i, ph in enumerate(plan["phases"]):
            key = f"rollout.phases[{i}]"
            if not isinstance(ph, dict):
                raise InputError("expected a table", file=file, key=key, value=ph)
            unknown = set(ph) - {"workstream", "start", "duration", "effort"}
            if unknown:
                raise InputError(
                    "unknown field; allowed: workstream, start, duration, effort",
                    file=file,
                    key=f"{key}.{sorted(unknown)[0]}",
                )
            ws = ph.get("workstream")
            if ws not in WORKSTREAMS:
                raise InputError(
                    f"expected one of {', '.join(WORKSTREAMS)}",
                    file=file,
                    key=f"{key}.workstream",
                    value=ws,
                )
            start, duration, effort = ph.get("start", 0), ph.get("duration"), ph.get("effort", 1.0)
            for name, val, lo, hi in (("start", start, 0, 1040), ("duration", duration, 1, 1040)):
                if isinstance(val, bool) or not isinstance(val, int) or not lo <= val <= hi:
                    raise InputError(
                        f"expected an integer in [{lo}, {hi}] weeks",
                        file=file,
                        key=f"{key}.{name}",
                        value=val,
                    )
            if (
                isinstance(effort, bool)
                or not isinstance(effort, int | float)
                or not (0 <= effort <= 5)
            ):
                raise InputError(
                    "expected a number in [0, 5]", file=file, key=f"{key}.effort", value=effort
                )
            phases.append(Phase(ws, start, duration, float(effort)))
        return tuple(phases)
    ordering = plan.get("ordering")
    if ordering is None:
        raise InputError(
            "a scenario needs rollout.ordering or [[rollout.phases]] (or [[mix]] members)",
            file=file,
            key="rollout",
        )
    return ordering_phases(values, check_ordering(ordering, file))


def check_ordering(ordering: Any, file: str) -> tuple[str, ...]:
    """A validated ordering: a list of workstreams (from ``--set``, also "a,b,c")."""
    if isinstance(ordering, str) and ordering:
        ordering = [w.strip() for w in ordering.split(",")]
    if not isinstance(ordering, list) or not ordering or len(ordering) > 4 * len(WORKSTREAMS):
        raise InputError(
            f"expected a list of 1 to {4 * len(WORKSTREAMS)} workstreams from "
            f"{', '.join(WORKSTREAMS)}",
            file=file,
            key="rollout.ordering",
            value=ordering,
        )
    for ws in ordering:
        if not isinstance(ws, str) or ws not in WORKSTREAMS:
            raise InputError(
                f"expected workstreams from {', '.join(WORKSTREAMS)}",
                file=file,
                key="rollout.ordering",
                value=ws,
            )
    return tuple(ordering)


def ordering_phases(values: dict[str, Any], ordering: tuple[str, ...]) -> tuple[Phase, ...]:
    """Back-to-back phases at full effort, each lasting ``rollout.durations.<workstream>``."""
    phases, week = [], 0
    for ws in ordering:
        duration = values[f"rollout.durations.{ws}"]
        phases.append(Phase(ws, week, duration, 1.0))
        week += duration
    return tuple(phases)
