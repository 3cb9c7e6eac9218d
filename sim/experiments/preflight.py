"""The one validation path: what ``run`` and ``sweep`` check before they start.

``crmsim validate FILE`` calls the same functions (through sim.analysis.checks, which adds the
calibration), so a file it accepts is a file the command runs
and a file it rejects fails the command the same way (two paths once let validate accept misspelt
grid keys and a bad baseline that ``sweep`` then rejected, and reject the shipped calibration
file). Each ``prepare_*`` function raises :class:`sim.errors.InputError` for anything
wrong and returns what the command needs; none of them writes a file or starts a simulation.

The kind of a file is decided by explicit rules (:func:`detect_kind`), never by trying loaders in
turn: an experiment has ``scenarios``; a calibration has ``[targets]`` or ``[calibration]`` (and no
``scenarios``); anything else is a scenario.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sim.experiments import guards
from sim.experiments.experiment import (
    ExperimentSpec,
    check_scenarios,
    replicate_seeds,
)
from sim.model.scenario import load_scenario

__all__ = [
    "KINDS",
    "detect_kind",
    "prepare_run",
    "prepare_sweep",
    "sizes",
    "Prepared",
]

KINDS = ("scenario", "experiment", "calibration")
_SIZE_KEYS = ("org.employees", "org.customers")


def detect_kind(raw: dict, file: str | None = None) -> tuple[str, str]:
    """The kind of a parsed TOML file and the rule that decided it.

    Returns:
        ``(kind, reason)``, e.g. ``("experiment", "it has `scenarios`")``.
    """
    if "scenarios" in raw:
        return "experiment", "it has `scenarios`"
    if "targets" in raw or "calibration" in raw:
        return "calibration", "it has [targets] or [calibration] and no `scenarios`"
    return "scenario", "it has no `scenarios`, [targets] or [calibration]"


def sizes(scen: Any) -> list[dict[str, Any]]:
    """Parameter values that size a scenario's runs (a mix: every member)."""
    out = [getattr(scen, "values", {}) or {}]
    for v in getattr(scen, "variants", ()) or ():
        out.extend(sizes(v.scenario))
    return out


def prepare_run(
    path: str | Path,
    overrides: dict[str, Any] | None = None,
    allow_large: bool = False,
) -> Any:
    """Load and validate a scenario for ``crmsim run`` (one run and its counterfactual).

    Returns:
        The :class:`sim.model.scenario.Scenario`.
    """
    scen = load_scenario(path, overrides=overrides)
    guards.check_size(1, sizes(scen), 1, allow_large, what="this run", file=str(path), key="org")
    return scen


def _largest_overrides(spec: ExperimentSpec) -> dict[str, Any]:
    """The largest organisation any design point asks for (without expanding the design)."""
    out = {k: spec.overrides[k] for k in _SIZE_KEYS if k in spec.overrides}
    for own in getattr(spec, "arm_overrides", ()):  # an arm's own overrides (compare arms)
        for k in _SIZE_KEYS:
            v = own.get(k)
            if isinstance(v, int | float) and not isinstance(v, bool):
                out[k] = max(v, out.get(k, v))
    for key, values in spec.design.parameters.items():
        if key not in _SIZE_KEYS:
            continue
        if isinstance(values, dict):  # an lhs range
            candidates = [values.get("high")]
        else:
            candidates = values
        nums = [v for v in candidates if isinstance(v, int | float) and not isinstance(v, bool)]
        if nums:
            out[key] = max(nums)
    return out


@dataclass(frozen=True)
class Prepared:
    """A sweep ready to start: the spec, the scenario names, the loaded scenarios, the seeds."""

    spec: ExperimentSpec
    names: list[str]
    scenarios: list[Any]
    seeds: list[int]
    estimate: guards.Estimate


def prepare_sweep(
    spec: ExperimentSpec,
    load_fn: Callable | None = None,
    workers: int | None = None,
    allow_large: bool = False,
) -> Prepared:
    """Everything ``crmsim sweep`` checks before it touches the results folder.

    The run count is checked before any design is expanded; then every scenario is loaded with
    every design point's overrides (a misspelt grid key, a value out of range, a bad baseline fail
    here); then the memory estimate.
    """
    load_fn = load_fn or load_scenario
    n_points = guards.design_points(spec.design)
    runs = len(spec.scenario_paths) * n_points * spec.replicates
    what = (
        f"the experiment {spec.name!r} ({len(spec.scenario_paths)} scenarios x {n_points:,} design "
        f"points x {spec.replicates:,} replicates)"
    )
    where = {"file": spec.file, "key": "replicates" if spec.replicates >= n_points else "design"}
    guards.check_size(runs, [], 1, allow_large, what=what, **where)
    names = check_scenarios(spec, load_fn)
    scenarios = [load_fn(p) for p in spec.scenario_paths]
    run_sizes = [
        {**values, **_largest_overrides(spec)} for scen in scenarios for values in sizes(scen)
    ]
    if workers is None:
        from sim.experiments.executors import default_workers

        workers = default_workers()
    est = guards.check_size(runs, run_sizes, workers, allow_large, what=what, **where)
    seeds = replicate_seeds(spec.root_seed, spec.replicates)
    return Prepared(spec, names, scenarios, seeds, est)
