"""What the page holds: the starting scenario, the values set on it, the plans, the last results.

Solara's reactive variables are scoped to one browser session, so two people on the same server
each get their own settings. The server-wide parts (where the scenario and the results folder are,
the warm pool) come from the environment ``crmsim dashboard`` sets (:func:`config`).

The scenario a plan runs with is built here (:func:`toml_for`): the ordering as its file defines
it, the client's profile as set on the page, and the levers the user moved
(:mod:`sim.dashboard.orderings`).
"""

from __future__ import annotations

import functools
import os
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import solara

from sim.dashboard import (
    ENV_POSTERIOR,
    ENV_REPLICATES,
    ENV_RESULTS,
    ENV_SCENARIO,
    ENV_WORKERS,
)
from sim.dashboard import orderings as orderings_mod
from sim.dashboard.inputs import CUSTOM, lever_inputs, lever_keys, phase_rows, profile_inputs
from sim.dashboard.odds import DEFAULT_REPLICATES, OddsRunner
from sim.dashboard.settings import ResultsArea, scenario_toml
from sim.model.scenario import Scenario, load_scenario
from sim.report.style import ordering_label

#: The calibration's posterior, when the calibration has written one (relative to the checkout).
POSTERIOR = Path("results") / "reference" / "calibration" / "posterior.parquet"


@dataclass(frozen=True)
class Config:
    """Server-wide settings, fixed when the server starts."""

    scenario_path: Path
    scenarios_dir: Path
    results: ResultsArea
    workers: int | None
    replicates: int
    posterior: Path


def _repo() -> Path:
    from sim.shipped import source_root

    return source_root()


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
        posterior=Path(os.environ.get(ENV_POSTERIOR) or _repo() / POSTERIOR),
    )


@functools.cache
def base_scenario() -> Scenario:
    return load_scenario(config().scenario_path)


@functools.cache
def orderings() -> dict[str, orderings_mod.Ordering]:
    return orderings_mod.shipped(config().scenarios_dir)


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
        return scen.name, phase_rows(plans[scen.name].phases)
    first = next(iter(plans.values()))
    rows = phase_rows(scen.phases) if scen.phases else phase_rows(first.phases)
    return CUSTOM, rows


def initial_chosen() -> list[str]:
    """Orderings compared at first: technology first (the industry's usual) and the start's."""
    names = [n for n in ("technology_first", base_scenario().name) if n in orderings()]
    return list(dict.fromkeys(names)) or list(orderings())[:2]


values = solara.reactive(initial_values())
plan = solara.reactive(initial_plan()[0])
custom_rows = solara.reactive(initial_plan()[1])
custom_origin = solara.reactive("")  # the shipped ordering the custom plan was copied from
#: The run tab's first seed: the README's first run (sim.report.reference_doc.FIRST_RUN), so the
#: page opens on an organisation a reader of the README has met (seed 1 of the four Ps never goes
#: live: a rarer outcome than a first view should suggest).
FIRST_SEED = 3
seed = solara.reactive(FIRST_SEED)
week = solara.reactive(1)
run_result = solara.reactive(None)  # (summary, timeseries, scenario file, margin)
run_settings = solara.reactive("")  # the settings (scenario TOML, seed included) of run_result
error = solara.reactive("")
#: Counts the errors shown, so each gets an alert of its own: a dismissed alert stays closed, and
#: the next error (even the same text) would otherwise be set on it, unseen.
error_serial = solara.reactive(0)
chosen = solara.reactive(initial_chosen())
baseline = solara.reactive(initial_chosen()[0])
replicates = solara.reactive(config().replicates)
model_uncertainty = solara.reactive(True)  # posterior predictive odds, when a posterior exists


def plan_rows(name: str) -> list[dict]:
    """Rows of a plan by name (the shipped ones, or the one edited on the page)."""
    if name == CUSTOM:
        return list(custom_rows.value)
    return phase_rows(orderings()[name].phases)


def plan_label(name: str) -> str:
    """The plan's name in words (``start_small`` -> ``Start small``)."""
    return "Custom plan (phase editor)" if name == CUSTOM else ordering_label(name)


def plan_names() -> list[str]:
    return [*orderings(), CUSTOM]


def moved() -> dict[str, Any]:
    """The levers the user moved from the starting scenario's values (applied to every plan)."""
    return orderings_mod.moved_levers(values.value, initial_values(), lever_keys())


def profile_values() -> dict[str, Any]:
    """The client's profile as set on the page (every value but the levers)."""
    levers = set(lever_keys())
    return {k: v for k, v in values.value.items() if k not in levers}


def _ordering_of(name: str) -> orderings_mod.Ordering | None:
    if name == CUSTOM:
        return orderings().get(custom_origin.value)
    return orderings()[name]


def odds_settings(names: list[str], reps) -> str:
    """What a comparison depends on besides its posterior: each chosen plan's scenario (no seed:
    the odds use their own) and the replicates; a shown comparison whose settings differ from
    the page's is stale."""
    return "\n".join([*(toml_for(n, with_seed=False) for n in names), f"replicates={reps}"])


def toml_for(name: str, with_seed: bool = True) -> str:
    """Plan ``name`` on the page's client as a self-contained scenario TOML."""
    base = base_scenario()
    page = orderings_mod.arm_values(_ordering_of(name), profile_values(), moved())
    desc = f"{plan_label(name)} on the client profile set in the dashboard (from {base.name})"
    return scenario_toml(base, page, plan_rows(name), name, desc, seed.value if with_seed else None)
