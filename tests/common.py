"""Shared test helpers: the repository root, the shipped scenarios, small scenarios.

A module of its own (not conftest.py): tests/benchmarks has a conftest.py too, and two modules
named conftest cannot both be imported by name.
"""

from __future__ import annotations

from pathlib import Path

import sim

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = ROOT / "scenarios"
SHIPPED = [
    "technology_first",
    "four_ps",
    "people_process_platform",
    "big_bang",
    "start_small",
    "industry_mix",
]
SMALL = {"org.employees": 40, "org.customers": 400, "horizon_weeks": 80}


def small_scenario(name: str, **extra):
    """A shipped scenario shrunk to 40 employees, 400 customers and 80 weeks."""
    overrides = {**SMALL, **{k.replace("__", "."): v for k, v in extra.items()}}
    return sim.load_scenario(SCENARIOS / f"{name}.toml", overrides=overrides)
