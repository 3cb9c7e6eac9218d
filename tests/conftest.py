"""Shared fixtures: the repository root and small scenarios that run in milliseconds."""

from __future__ import annotations

from pathlib import Path

import pytest

import sim

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = ROOT / "scenarios"
SHIPPED = ["technology_first", "four_ps", "people_process_platform", "big_bang", "start_small",
           "industry_mix"]
SMALL = {"org.employees": 40, "org.customers": 400, "horizon_weeks": 80}


def small_scenario(name: str, **extra):
    """A shipped scenario shrunk to 40 employees, 400 customers and 80 weeks."""
    overrides = {**SMALL, **{k.replace("__", "."): v for k, v in extra.items()}}
    return sim.load_scenario(SCENARIOS / f"{name}.toml", overrides=overrides)


@pytest.fixture(scope="session")
def root() -> Path:
    return ROOT
