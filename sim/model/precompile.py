"""A cold first run compiles the numba week in two processes, and numba's cache writes are locked.

With an empty cache the first numba run compiles about a hundred functions: 14 to 16 s on one core
(issue 22; ``make bench``'s "cold first run"). Most of it is numba's frontend and LLVM on the week's
big pieces, which meet only in ``run_weeks``: the programme's week (``week.begin_week``:
sim.model.program_week and its rules, a third of the total), the employees' driver, the customers'
week (sim.model.calendar) and ``week.end_week``. So on a cold cache, where a second core is free,
:func:`split_once` (called by ``sim.run`` before its first world) builds a small throwaway world
of a shipped scenario, which compiles the world's own pieces (the network's rewiring, the
programme's targets, the gap tables) once, and then forks: the child (the helper) compiles the
initial measures, the programme's week and ``end_week`` (:func:`programme_half`) while this
process compiles the market's demand, the employees' driver and the customers' week
(:func:`agents_half`); this process then loads the helper's functions from the cache and compiles
only ``run_weeks`` itself. The compiled signatures depend only on the arrays' and records' types,
which every scenario shares (tests/model/test_precompile.py runs a mix after the split and finds
only ``run_weeks`` compiled). A run's numbers do not change: the same functions are compiled, only
elsewhere.

Forking after the world is built compiles nothing twice. A helper that is a fresh interpreter
(elsewhere than Linux, and on Linux before 2d9abcb) builds its own world, so both processes
compile the world's pieces and the helper imports the package again: alternated on an empty cache
(``python -m sim.bench --child first``), the fork gave 9.1 to 9.6 s to the first result and 14.1
to 14.7 s of CPU against 9.7 to 10.2 s and 16.9 to 17.7 s, and with one core kept busy by another
process 12.1 and 13.0 s against 14.8 and 16.0 s (docs/benchmarks.md). The halves are balanced by
measurement: the market's demand is compiled here because the helper reaches ``end_week``, which
calls it, seconds later and loads it from the cache.

Forking is used on Linux only (macOS does not promise that a process which has loaded system
libraries survives a fork): elsewhere the helper is a fresh interpreter that builds its own world
(``python -m sim.model.precompile``). The two processes write the same cache folder, which numba's
cache is not safe for on its own: sim.model.cache_lock locks its writes. Where that lock is missing
(no ``fcntl``: Windows) there is no split: the first run compiles in one process as before.
``sim.run`` calls :func:`split_once` (a ``World`` built directly compiles in one process).

The split is an optimisation, never a reason to fail: a helper that fails or is too slow is left
behind, and whatever it did not compile this process compiles itself.
"""

from __future__ import annotations

import glob
import os
import signal
import subprocess
import sys
import threading
import time

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
    world = _throwaway()  # the world's own compiled pieces compiled once, before the fork
    helper = start_helper(world)
    if helper is None:
        return False
    try:
        agents_half(world)
        helper.wait(timeout=HELPER_TIMEOUT_S)
    except Exception:  # noqa: BLE001 - an optimisation: the run compiles what is missing
        if helper.poll() is None:
            helper.kill()
            helper.wait()
    return True


def can_fork() -> bool:
    """Whether the helper may be this process forked: on Linux, and only while this process runs
    one thread (a fork copies only the calling thread, so a lock another thread held, numba's
    compiler lock or the import lock, would stay locked in the child: a dashboard's or a Dask
    worker's first run starts a fresh interpreter instead)."""
    linux = sys.platform.startswith("linux") and hasattr(os, "fork")
    return linux and threading.active_count() == 1


def start_helper(world):
    """The helper running :func:`programme_half`: this process forked, with ``world``, where
    forking is safe (Linux); a fresh interpreter elsewhere; None if it could not start."""
    if can_fork():
        return Forked.start(lambda: programme_half(world))
    try:
        return subprocess.Popen(
            [sys.executable, "-m", "sim.model.precompile"],
            # the helper's own world must not split again
            env={**os.environ, "NUMBA_CACHE_DIR": numba.config.CACHE_DIR, SPLIT_ENV: "0"},
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
    except OSError:
        return None


class Forked:
    """A forked child that runs one function and exits, with the part of ``subprocess.Popen``'s
    interface that :func:`split_if_cold` uses (``poll``, ``wait``, ``kill``).

    Not ``multiprocessing``'s fork ``Process``: a daemonic process (a ``multiprocessing.Pool``'s
    worker, single-threaded) may not start one (``AssertionError: daemonic processes are not
    allowed to have children``), and a first run there still deserves its split; and it would
    need the same adapter to ``Popen``'s interface, which the fresh-interpreter helper keeps."""

    def __init__(self, pid: int):
        self.pid = pid
        self.returncode: int | None = None

    @classmethod
    def start(cls, target) -> Forked | None:
        try:
            pid = os.fork()
        except OSError:
            return None
        if pid == 0:  # the child: it never returns into its parent's code
            code = 1
            try:
                devnull = os.open(os.devnull, os.O_WRONLY)
                os.dup2(devnull, 1)
                os.dup2(devnull, 2)
                target()
                code = 0
            finally:
                os._exit(code)
        return cls(pid)

    def poll(self) -> int | None:
        if self.returncode is None:
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid:
                self.returncode = os.waitstatus_to_exitcode(status)
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        deadline = None if timeout is None else time.monotonic() + timeout
        while (code := self.poll()) is None:
            if deadline is not None and time.monotonic() > deadline:
                raise subprocess.TimeoutExpired("precompile helper", timeout)
            time.sleep(0.005)
        return code

    def kill(self) -> None:
        if self.poll() is None:
            os.kill(self.pid, signal.SIGKILL)


def _throwaway():
    """A small world of a shipped scenario, its initial state not measured (``World._observe``,
    which the helper's half compiles), and its arguments for one week's pieces. Seeded with a
    Generator, not an int, so that it stays out of the per-process cache of drawn organisations
    (sim.model.world.draw_once)."""
    import numpy as np

    from sim.model.scenario import load_scenario
    from sim.model.world import World
    from sim.shipped import shipped_dir

    class Unmeasured(World):
        def _observe(self) -> None:
            pass

    scenario = load_scenario(shipped_dir("scenarios") / SCENARIO, overrides=SMALL_ORG)
    return Unmeasured(scenario, np.random.default_rng(0), "numba", False)


def programme_half(world=None) -> None:
    """The helper's half: the initial measures (``week.observe``), the programme's week
    (``week.begin_week``) and the week's end (``week.end_week``: arrivals, measures, row), on
    ``world`` (``_throwaway()``'s; one is built if None)."""
    from sim.model import week
    from sim.model.world import World

    w = world or _throwaway()
    World._observe(w)
    p = w._kernel_params
    emp, teams = w.employees.arrays(), w.teams.arrays()
    week.begin_week(0, w._measures, w._economy, emp, teams, w.programme.arrays(), p.week)
    sums = (w._measures[0].n_active, 0.0, 0.0, 0.0, 0.0)
    week.end_week(0, w._measures, w._economy, emp, w.customers.arrays(), w._created_by,
                  w.team_usage, w.programme.arrays(), sums, p.customer, w.series[0])  # fmt: skip


def agents_half(world=None) -> None:
    """This process's half: the market's demand (which ``end_week`` calls, and which the helper
    then loads from the cache: it reaches ``end_week`` seconds later), the employees' driver and
    the customers' week (sim.model.calendar), on ``world`` (``_throwaway()``'s; one is built if
    None)."""
    from sim.model import calendar, kernels, market, week

    w = world or _throwaway()
    market.demand(0.0, 0.5, 0.5, 0.1)
    p = w._kernel_params
    wk = week.week_values(p.week)
    emp, emp_next = w.employees.arrays(), w.employees_next.arrays()
    cus, teams = w.customers.arrays(), w.teams.arrays()
    kernels.step_employees(emp, emp_next, teams, w.team_usage, p.employee, wk)
    cal, created = w._calendar.arrays(), w._measures[0].created
    calendar.step_customers(cal, cus, emp, teams, created, p.bounds, p.customer, wk, False)
    calendar.settle(cal, cus)


if __name__ == "__main__":  # the helper process
    programme_half()
