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


TESTS = ROOT / "tests"
FIXTURES = TESTS / "fixtures"


FAST = ["--set", "org.employees=20", "--set", "org.customers=200", "--set", "horizon_weeks=30"]


def cli_error(capsys) -> str:
    """The one-line error ``crmsim`` printed (no traceback), from pytest's ``capsys``."""
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert err.startswith("crmsim: error: ") and err.count("\n") == 1, err
    return err


def project_copy(tmp_path: Path) -> Path:
    """A copy of the shipped scenarios and experiments, safe to edit (without the ``.bak``
    copies that ``crmsim calibrate --write-scenario`` leaves beside the scenarios it replaced:
    a test of that command must see only its own)."""
    import shutil

    proj = tmp_path / "proj"
    shutil.copytree(SCENARIOS, proj / "scenarios", ignore=shutil.ignore_patterns("*.bak"))
    shutil.copytree(ROOT / "experiments", proj / "experiments")
    (proj / "pyproject.toml").write_text("")
    return proj


def stand_in_sweep(path, out, **kw):
    """A sweep of the stand-in model (tests.sweep_helpers.fake_run) on one worker, no bar."""
    from sim.experiments.sweep import run_experiment
    from tests.sweep_helpers import fake_run

    return run_experiment(path, out, execution=1, progress=False, run_fn=fake_run, **kw)


def step_customers(model, cus, week, bounds=None, scan=False):
    """One week of the customers' driver (sim.model.calendar) on a copy of ``cus`` from a fresh
    calendar (every active customer of ``cus`` enters it, with its ``next_contact`` and
    ``next_check``); returns the copy, completeness settled, and the week's (revenue, cost)."""
    import copy

    from sim.model import calendar

    out = copy.deepcopy(cus)
    cal = calendar.Calendar.empty(
        model.horizon, out.capacity, model.employees.n, model._kernel_params.customer
    )
    sums = calendar.step_customers(
        cal.arrays(),
        out.arrays(),
        model.employees.arrays(),
        model.teams.arrays(),
        out.created,
        tuple(model.channel_bounds if bounds is None else bounds),
        model.customer_params,
        week,
        scan,
    )
    calendar.settle(cal.arrays(), out.arrays())
    return out, float(sums[3]), float(sums[4])


def validation_runs(rows: list[dict]):
    """Run rows for sim.analysis.validation's tests: live industry-mix runs with every trait at
    0.5, each updated by one dict of ``rows``, prepared as the validation reads them."""
    import pandas as pd

    from sim.analysis import validation
    from sim.model.vocabulary import TRAITS

    base = {
        "scenario": "industry_mix",
        "seed": 0,
        "replicate": 0,
        "status": "live",
        "met_expectations": True,
        "business_case_met": False,
        "measurable_gain": False,
        "gain_ratio": 0.0,
        "roi": 0.0,
        "adoption_final": 0.5,
        "kpis_set": False,
        "cancelled": False,
        **dict.fromkeys(TRAITS, 0.5),
    }
    return validation.prepare(pd.DataFrame([{**base, **r} for r in rows]))
