"""Stand-in models with known answers for the sensitivity and discovery tests.

They plug into the sweep machinery through ``run_fn``/``load_fn`` (the same path the real model
takes: design points -> batches -> executor -> store -> analysis), and live in an importable
module so spawned pool and Dask workers can unpickle them.

* Ishigami (Ishigami & Homma 1990; a = 7, b = 0.1) on three unit-range parameters mapped to
  [-pi, pi]: analytic S1 = (0.3139, 0.4424, 0), ST = (0.5576, 0.4424, 0.2437).
* A threshold model for discovery: a run fails when its first parameter exceeds 0.7 (and, in
  the scenario named ``robust``, never), with a little noise from the seed.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import pandas as pd

#: Three model parameters with [0, 1] bounds, used as Ishigami's x1, x2, x3.
ISHIGAMI_KEYS = ("customer.w_base", "customer.w_skill", "customer.w_orientation")
ISHIGAMI_S1 = (0.3139, 0.4424, 0.0)
ISHIGAMI_ST = (0.5576, 0.4424, 0.2437)
_CALLS = {"n": 0, "stop_after": None}


@dataclass(frozen=True)
class StubScenario:
    name: str
    values: dict = field(default_factory=dict)

    def with_overrides(self, overrides: dict, file: str | None = None) -> StubScenario:
        return replace(self, values={**self.values, **overrides})


@dataclass
class StubResult:
    summary: dict
    timeseries: pd.DataFrame


def stub_load(path) -> StubScenario:
    return StubScenario(Path(path).stem)


def _summary(name: str, seed: int, *, failed: bool, value: float) -> dict:
    return {
        "scenario": name,
        "variant": name,
        "seed": seed,
        "engine": "numba",
        "status": "live",
        "golive_week": 30.0,
        "spend": 1.0,
        "budget": 1.0,
        "adoption_final": 0.5,
        "delta_profit": value,
        "roi": value,
        "delta_csat": 0.0,
        "delta_churn": 0.0,
        "met_expectations": not failed,
        "business_case_met": value >= 0,
        "measurable_gain": not failed,
    }


def ishigami(x1: float, x2: float, x3: float, a: float = 7.0, b: float = 0.1) -> float:
    return math.sin(x1) + a * math.sin(x2) ** 2 + b * x3**4 * math.sin(x1)


def ishigami_run(scenario: StubScenario, seed: int, engine: str = "numba") -> StubResult:
    """Ishigami of the scenario's three parameters (mapped from [0, 1] to [-pi, pi]) as ``roi``."""
    x = [-math.pi + 2 * math.pi * scenario.values[k] for k in ISHIGAMI_KEYS]
    _CALLS["n"] += 1
    if _CALLS["stop_after"] is not None and _CALLS["n"] > _CALLS["stop_after"]:
        raise KeyboardInterrupt  # stands for a kill: not caught as an error row
    return StubResult(_summary(scenario.name, seed, failed=False, value=ishigami(*x)), None)


def stop_after(n: int | None) -> None:
    """Make :func:`ishigami_run` raise KeyboardInterrupt after ``n`` more runs (None: never)."""
    _CALLS["n"], _CALLS["stop_after"] = 0, n


def threshold_run(scenario: StubScenario, seed: int, engine: str = "numba") -> StubResult:
    """Fails iff the first design parameter exceeds 0.7, never in scenario ``robust``; 5% flip."""
    x = scenario.values.get("customer.w_base", 0.0)
    rng = np.random.default_rng([seed, int(1e6 * x)])
    failed = x > 0.7 and scenario.name != "robust"
    if rng.random() < 0.05:
        failed = not failed
    value = -1.0 if failed else 1.0
    return StubResult(_summary(scenario.name, seed, failed=failed, value=value), None)


def write_toml(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


def stub_scenarios(folder: Path, names=("stub",)) -> list[str]:
    out = []
    for name in names:
        p = folder / f"{name}.toml"
        p.write_text(f'name = "{name}"\n')
        out.append(p.name)
    return out
