"""Shared helpers for the sweep tests: tiny experiments on the real model, or a stand-in.

The sweep machinery (experiment, executors, store) is tested on the real model with tiny
organisations when ``sim.run`` exists. The stand-in model below (``fake_load``/``fake_run``) keeps
the tests meaningful while the model is unavailable and is used for the failure-injection tests. It
lives in an importable module so spawned worker processes can unpickle it.
"""

from __future__ import annotations

import os
import time
import zlib
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import pandas as pd

import sim
from sim.errors import InputError

REPO = Path(__file__).resolve().parents[1]
REAL = (
    hasattr(sim, "run")
    and hasattr(sim, "load_scenario")
    and (REPO / "scenarios" / "technology_first.toml").exists()
)
TINY = {"org.employees": 20, "org.customers": 200, "horizon_weeks": 40}
FAKE_KEYS = {
    "org.employees",
    "org.customers",
    "horizon_weeks",
    "rollout.vendor_pressure",
    "rollout.effort.people",
    "explode",
}


@dataclass(frozen=True)
class FakeScenario:
    """Stand-in scenario: a name and validated dotted-key values."""

    name: str
    values: dict = field(default_factory=dict)

    def with_overrides(self, overrides: dict, file: str | None = None) -> FakeScenario:
        for key, value in overrides.items():
            if key not in FAKE_KEYS:
                raise InputError("unknown key", file=file or "--set", key=key, value=value)
            if key == "org.employees" and value < 4:
                raise InputError("must be >= 4", file=file or "--set", key=key, value=value)
        return replace(self, values={**self.values, **overrides})


def fake_load(path) -> FakeScenario:
    return FakeScenario(Path(path).stem)


@dataclass
class FakeResult:
    summary: dict
    timeseries: pd.DataFrame


def fake_run(scenario, seed: int, engine: str = "numba") -> FakeResult:
    """Deterministic in (scenario name, values, seed); raises when ``explode`` is set."""
    if scenario.values.get("explode"):
        raise RuntimeError("boom: explode was set")
    salt = zlib.crc32(scenario.name.encode())
    rng = np.random.default_rng([seed, salt])
    pressure = float(scenario.values.get("rollout.vendor_pressure", 0.3))
    u = rng.random(4)
    status = "never_live" if u[0] < 0.12 else ("abandoned" if u[0] < 0.25 else "live")
    met = status == "live" and u[1] > 0.3 + 0.3 * pressure
    weeks = int(scenario.values.get("horizon_weeks", 20))
    ts = pd.DataFrame({"week": np.arange(1, weeks + 1), "adoption": rng.random(weeks)})
    delta_profit = float(rng.normal())
    return FakeResult(
        {
            "scenario": scenario.name,
            "variant": scenario.name,
            "seed": seed,
            "engine": engine,
            "status": status,
            "golive_week": float("nan") if status == "never_live" else 30.0,
            "spend": 100.0 * (1 + u[2]),
            "budget": 110.0,
            "adoption_final": float(u[3]),
            "delta_profit": delta_profit,
            "roi": float(rng.normal()),
            "delta_csat": 0.01,
            "delta_churn": -0.01,
            "met_expectations": bool(met),
            "business_case_met": delta_profit >= 0,
            "measurable_gain": bool(met and u[2] > 0.5),
        },
        ts,
    )


#: Environment variable naming a folder where every process that runs a :class:`SlowRun` leaves a
#: file named by its PID: how a test knows that each pool worker is up (past its initializer, so
#: its parent watch is armed) rather than still starting.
STARTED_DIR_ENV = "CRMSIM_TEST_STARTED_DIR"


class SlowRun:
    """Wraps a run function with a sleep per run, so a sweep lasts long enough to be killed."""

    def __init__(self, delay: float, inner=None):
        self.delay = delay
        self.inner = inner

    def __call__(self, scenario, seed, engine="numba"):
        started = os.environ.get(STARTED_DIR_ENV)
        if started:
            Path(started, str(os.getpid())).touch()
        time.sleep(self.delay)
        inner = self.inner or (sim.run if REAL else fake_run)
        return inner(scenario, seed=seed, engine=engine)


def model_kwargs() -> dict:
    """run_fn/load_fn for run_experiment: the real model when it exists, else the stand-in."""
    return {} if REAL else {"run_fn": fake_run, "load_fn": fake_load}


def scenario_files(tmp_path: Path, names) -> list[str]:
    """Paths of scenarios to sweep: the repository's when real, else stand-in files."""
    if REAL:
        return [str(REPO / "scenarios" / f"{n}.toml") for n in names]
    out = []
    for n in names:
        p = tmp_path / f"{n}.toml"
        p.write_text(f'name = "{n}"\n')
        out.append(str(p))
    return out


def toml_value(v) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, str):
        return f'"{v}"'
    if isinstance(v, list):
        return "[" + ", ".join(toml_value(x) for x in v) + "]"
    return repr(v)


def write_experiment(
    tmp_path: Path,
    names=("technology_first", "four_ps"),
    replicates=4,
    batch_size=2,
    keep_series=1,
    extra: str = "",
    overrides=None,
    filename="exp.toml",
) -> Path:
    """Write a tiny experiment file and return its path."""
    files = scenario_files(tmp_path, names)
    over = {**TINY, **(overrides or {})}
    lines = [
        'name = "tiny"',
        "scenarios = [" + ", ".join(f'"{f}"' for f in files) + "]",
        f"replicates = {replicates}",
        "root_seed = 12345",
        f"batch_size = {batch_size}",
        f"keep_series = {keep_series}",
        extra,
        "[overrides]",
        *(f'"{k}" = {toml_value(v)}' for k, v in over.items()),
    ]
    path = tmp_path / filename
    path.write_text("\n".join(lines) + "\n")
    return path
