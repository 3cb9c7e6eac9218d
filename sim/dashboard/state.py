"""What the page holds: the starting scenario, the values set on it, the plans, the last results.

Solara's reactive variables are scoped to one browser session, so two people on the same server
each get their own settings. The server-wide parts (where the scenario and the results folder are,
the warm pool) come from the environment ``crmsim dashboard`` sets (:func:`config`).
"""

from __future__ import annotations

import functools
import os
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import solara

from sim.dashboard import ENV_REPLICATES, ENV_RESULTS, ENV_SCENARIO, ENV_WORKERS
from sim.dashboard.inputs import CUSTOM, lever_inputs, phase_rows, profile_inputs, shipped_orderings
from sim.dashboard.odds import DEFAULT_REPLICATES, OddsRunner
from sim.dashboard.settings import ResultsArea, scenario_toml
from sim.model.scenario import Scenario, load_scenario


@dataclass(frozen=True)
class Config:
    """Server-wide settings, fixed when the server starts."""

    scenario_path: Path
    scenarios_dir: Path
    results: ResultsArea
    workers: int | None
    replicates: int


def _repo_scenarios() -> Path:
    from sim.shipped import shipped_dir

    return shipped_dir("scenarios")


@functools.cache
def config() -> Config:
    """Read the environment set by ``crmsim dashboard`` (defaults: four Ps, results/dashboard)."""
    default = _repo_scenarios() / "four_ps.toml"
    path = Path(os.environ.get(ENV_SCENARIO) or default)
    workers = os.environ.get(ENV_WORKERS)
    reps = os.environ.get(ENV_REPLICATES)
    scen_dir = path.parent if any(path.parent.glob("*.toml")) else _repo_scenarios()
    return Config(
        scenario_path=path,
        scenarios_dir=scen_dir if (scen_dir / "base.toml").exists() else _repo_scenarios(),
        results=ResultsArea(os.environ.get(ENV_RESULTS) or Path("results") / "dashboard"),
        workers=int(workers) if workers else None,
        replicates=int(reps) if reps else DEFAULT_REPLICATES,
    )


@functools.cache
def base_scenario() -> Scenario:
    return load_scenario(config().scenario_path)


@functools.cache
def orderings() -> dict[str, tuple]:
    return shipped_orderings(config().scenarios_dir)


_RUNNER_LOCK = threading.Lock()


@functools.cache
def _runner() -> OddsRunner:
    odds = OddsRunner(config().results, config().workers)
    threading.Thread(target=odds.warm, name="crmsim-warm-pool", daemon=True).start()
    return odds


def runner() -> OddsRunner:
    """The server's one odds runner; its worker pool starts warming at once, in the background,
    so the first comparison does not pay for spawning workers and loading the kernels. Pages of
    two sessions render in two threads; the lock keeps them from starting two pools
    (``functools.cache`` alone may call the function twice)."""
    with _RUNNER_LOCK:
        return _runner()


def runner_started() -> bool:
    """Whether a page has started the odds runner (the server stops its pool on exit)."""
    return _runner.cache_info().currsize > 0


def initial_values() -> dict[str, Any]:
    """Profile and lever values of the starting scenario."""
    scen = base_scenario()
    return {i.key: scen.values[i.key] for i in (*profile_inputs(), *lever_inputs())}


def initial_plan() -> tuple[str, list[dict]]:
    """The single run's plan: the scenario's own ordering if shipped, else its phases as custom."""
    scen = base_scenario()
    plans = orderings()
    if scen.name in plans:
        return scen.name, phase_rows(plans[scen.name])
    first = next(iter(plans))
    rows = phase_rows(scen.phases) if scen.phases else phase_rows(plans[first])
    return CUSTOM, rows


values = solara.reactive(initial_values())
plan = solara.reactive(initial_plan()[0])
custom_rows = solara.reactive(initial_plan()[1])
seed = solara.reactive(1)
week = solara.reactive(1)
run_result = solara.reactive(None)  # (summary, timeseries, scenario file, margin)
odds_result = solara.reactive(None)
error = solara.reactive("")
chosen = solara.reactive(["technology_first", "four_ps"])
baseline = solara.reactive("technology_first")
replicates = solara.reactive(config().replicates)


def plan_rows(name: str) -> list[dict]:
    """Rows of a plan by name (the shipped ones, or the one edited on the page)."""
    if name == CUSTOM:
        return list(custom_rows.value)
    return phase_rows(orderings()[name])


def toml_for(name: str, with_seed: bool = True) -> str:
    """The page's settings with plan ``name`` as a self-contained scenario TOML."""
    base = base_scenario()
    desc = f"{name} plan on the client profile set in the dashboard (from {base.name})"
    return scenario_toml(
        base,
        dict(values.value),
        plan_rows(name),
        name,
        desc,
        seed.value if with_seed else None,
    )


def plan_names() -> list[str]:
    return [*orderings(), CUSTOM]
