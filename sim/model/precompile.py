"""A cold first run compiles the numba week in two processes, and numba's cache writes are locked.

With an empty cache the first numba run compiles about a hundred functions: 14 to 16 s on one core
(issue 22; ``make bench``'s "cold first run"). Most of it is numba's frontend and LLVM on the week's
big pieces, which meet only in ``run_weeks``: the programme's week (``week.begin_week``:
sim.model.program_week and its rules, a third of the total), the employees' driver, the customers'
week (sim.model.calendar) and ``week.end_week``. So on a cold cache, where a second core is free,
:func:`split_once` (called by ``sim.run`` before its first world) starts a helper process
that compiles the programme's week and ``end_week`` (:func:`programme_half`) while this process
compiles the employees' driver and the customers' week (:func:`agents_half`); this process then
loads the helper's functions from the cache and compiles only ``run_weeks`` itself: a cold first
run of about 8.5 s instead of 14 (docs/benchmarks.md). The halves are balanced by measurement,
each alone on an empty cache: 6.2 and 6.1 s this way, against 7.4 and 5.4 s with the customers'
week in the helper and ``end_week`` here. Each half runs one week of a small
throwaway world of a shipped scenario: the compiled signatures depend only on the arrays' and
records' types, which every scenario shares (tests/model/test_precompile.py runs a mix after the
split and finds only ``run_weeks`` compiled). A run's numbers do not change: the same functions
are compiled, only elsewhere.

The two processes write the same cache folder, which numba's cache is not safe for on its own:
sim.model.cache_lock locks its writes. Where that lock is missing (no ``fcntl``: Windows) there is
no split: the first run compiles in one process as before. ``sim.run`` calls :func:`split_once`
(a ``World`` built directly compiles in one process).

The split is an optimisation, never a reason to fail: a helper that fails or is too slow is left
behind, and whatever it did not compile this process compiles itself.
"""

from __future__ import annotations

import glob
import os
import subprocess
import sys

import numba

from sim.model import cache_lock

#: Set to "0" to compile a cold first run in one process (a benchmark of the serial compile).
SPLIT_ENV = "CRMSIM_SPLIT_COMPILE"
#: Seconds this process waits for the helper after its own half; then it compiles the rest itself.
HELPER_TIMEOUT_S = 120.0
#: The throwaway world each half steps once: a shipped scenario, a small organisation.
SCENARIO = "four_ps.toml"
SMALL_ORG = {"org.employees": 20, "org.customers": 200}


def cache_is_cold() -> bool:
    """No cache index of ``run_weeks`` in numba's cache folder (sim.model.compiled_cache)."""
    pattern = os.path.join(glob.escape(numba.config.CACHE_DIR), "**", "week.run_weeks-*.nbi")
    return not glob.glob(pattern, recursive=True)


def free_cores() -> int:
    """CPUs this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # macOS
        return os.cpu_count() or 1


_TRIED = False


def split_once(scenario) -> bool:
    """``split_if_cold`` before this process's first programme world, if its week runs on one
    thread (cached; a world of ``week.PARALLEL_MIN_CUSTOMERS`` customers runs the parallel week,
    which is compiled apart and never cached). Called by ``sim.run`` before it builds a world,
    so that the helper's start and its world overlap this process's own. Returns whether it
    split."""
    global _TRIED
    if _TRIED:
        return False
    _TRIED = True
    from sim.model.week import PARALLEL_MIN_CUSTOMERS

    if scenario.values.get("org.customers", 0) >= PARALLEL_MIN_CUSTOMERS:
        return False
    return split_if_cold()


def split_if_cold() -> bool:
    """On a cold cache with a second core, compile the week's halves in two processes (module
    docstring). Returns whether it split."""
    if (
        os.environ.get(SPLIT_ENV, "1") == "0"
        or numba.config.DISABLE_JIT  # nothing is compiled (make coverage)
        or not cache_lock.lock_cache_writes()
        or free_cores() < 2
        or not cache_is_cold()
    ):
        return False
    try:
        helper = subprocess.Popen(
            [sys.executable, "-m", "sim.model.precompile"],
            # the helper's own world must not split again
            env={**os.environ, "NUMBA_CACHE_DIR": numba.config.CACHE_DIR, SPLIT_ENV: "0"},
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
    except OSError:
        return False
    try:
        agents_half()
        helper.wait(timeout=HELPER_TIMEOUT_S)
    except Exception:  # noqa: BLE001 - an optimisation: the run compiles what is missing
        if helper.poll() is None:
            helper.kill()
            helper.wait()
    return True


def _throwaway():
    """A small world of a shipped scenario and its arguments for one week's pieces. Seeded with a
    Generator, not an int, so that it stays out of the per-process cache of drawn organisations
    (sim.model.world.draw_once)."""
    import numpy as np

    from sim.model import week
    from sim.model.scenario import load_scenario
    from sim.model.world import World
    from sim.shipped import shipped_dir

    scenario = load_scenario(shipped_dir("scenarios") / SCENARIO, overrides=SMALL_ORG)
    w = World(scenario, np.random.default_rng(0), "numba", False)
    p = w._kernel_params
    return w, p, week.week_values(p.week), w._measures[0].n_active


def programme_half() -> None:
    """The helper's half: the programme's week and the week's end (arrivals, measures, row)."""
    from sim.model import week

    w, p, wk, n = _throwaway()
    emp, teams = w.employees.arrays(), w.teams.arrays()
    week.begin_week(0, w._measures, w._economy, emp, teams, w.programme.arrays(), p.week)
    sums = (n, 0.0, 0.0, 0.0, 0.0)
    week.end_week(0, w._measures, w._economy, emp, w.customers.arrays(), w._created_by,
                  w.team_usage, w.programme.arrays(), sums, p.customer, w.series[0])  # fmt: skip


def agents_half() -> None:
    """This process's half: the employees' driver and the customers' week (sim.model.calendar)."""
    from sim.model import calendar, kernels

    w, p, wk, n = _throwaway()
    emp, emp_next = w.employees.arrays(), w.employees_next.arrays()
    cus, teams = w.customers.arrays(), w.teams.arrays()
    kernels.step_employees(emp, emp_next, teams, w.team_usage, p.employee, wk)
    cal, created = w._calendar.arrays(), w._measures[0].created
    calendar.step_customers(cal, cus, emp, teams, created, p.bounds, p.customer, wk, False)
    calendar.settle(cal, cus)


if __name__ == "__main__":  # the helper process
    programme_half()
