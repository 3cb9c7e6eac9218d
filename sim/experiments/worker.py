"""What a sweep worker keeps between batches: warm kernels, one thread, resolved scenarios.

A sweep sends each worker small run specs (paths, overrides, seeds), never scenarios or models
(DESIGN.md 4), so what a worker needs to turn a spec into a run is built here once and reused:

* :func:`warm_up` runs once when a worker process starts (the pool's initializer, or
  ``Client.run`` on Dask): it pins numba to one thread and runs a tiny model so that every kernel
  is loaded from numba's on-disk cache (or compiled, the first time) before the first real batch.
  Without it the first batch of every worker pays the imports and cache loads (seconds), and a
  pool of two workers on two cores loses that time twice.
* One numba thread per worker process, serial sweeps included: a sweep's parallelism is across
  runs. The kernels are ``parallel=True``; with two threads per process on two busy cores each
  parallel region waits for a second thread that the scheduler gives to someone else (measured on
  the shared 2-core machine: 5 ms per kernel call instead of 30 us).
* :func:`scenario_for` loads each scenario file once per process and resolves each (file,
  overrides) pair once: a design point's scenario is validated once per worker, not once per run.

The counterfactual cache lives in the model (``sim.model.outcomes``: keyed by seed, engine and
organisation values), so a worker that runs every ordering of one seed computes its counterfactual
once; :func:`sim.experiments.sweep.make_batches` keeps the runs of one seed in one batch so it does.
"""

from __future__ import annotations

import json
from collections import OrderedDict
from collections.abc import Callable
from contextlib import contextmanager
from typing import Any

__all__ = ["warm_up", "scenario_for", "row_params", "one_thread", "clear"]

#: Resolved scenarios kept per process (assumption: a design rarely has more points than this per
#: batch window; older entries are dropped first, so a big design costs only re-resolution).
CACHE_SIZE = 256

#: The warm-up run: the industry mix on a tiny organisation for the whole horizon, one seed, with
#: its counterfactual. One run loads everything a sweep's runs call: the whole week is one compiled
#: function (sim.model.week.run_weeks) with every path in it, live or not, so which path a seed
#: takes does not matter (a test checks that a warm worker compiles nothing more).
WARM_SCENARIO = "industry_mix.toml"
WARM_ORG = {"org.employees": 20, "org.customers": 200}
WARM_SEEDS = (0,)

_BASE: dict[tuple, Any] = {}
_RESOLVED: OrderedDict[tuple, tuple[Any, dict]] = OrderedDict()
_WARM: set[str] = set()


def _key(overrides: dict) -> str:
    return json.dumps(overrides, sort_keys=True, default=str)


def clear() -> None:
    """Forget every cached scenario (tests; a long-lived process whose files changed)."""
    _BASE.clear()
    _RESOLVED.clear()


def scenario_for(path: str, overrides: dict, load_fn: Callable) -> tuple[Any, dict]:
    """The scenario of ``path`` with ``overrides`` applied, and its ``param.*`` row columns.

    Both are computed once per (path, overrides, loader) in this process.
    """
    key = (path, _key(overrides), load_fn)
    hit = _RESOLVED.get(key)
    if hit is not None:
        _RESOLVED.move_to_end(key)
        return hit
    base_key = (path, load_fn)
    if base_key not in _BASE:
        _BASE[base_key] = load_fn(path)
    scen = _BASE[base_key]
    if overrides:
        scen = scen.with_overrides(overrides)
    hit = (scen, row_params(scen))
    _RESOLVED[key] = hit
    if len(_RESOLVED) > CACHE_SIZE:
        _RESOLVED.popitem(last=False)
    return hit


def row_params(scen: Any) -> dict[str, Any]:
    """Every scalar parameter of a scenario as ``param.<key>`` columns (DESIGN.md 4: run rows carry
    all parameters), so any run can be reproduced or regressed on from its row alone.

    A mix scenario's own values are those of its base file, not of the member drawn for the run, so
    they would mislead; its rows carry only the experiment's overrides, and ``variant`` names the
    member.
    """
    values = getattr(scen, "values", None)
    if getattr(scen, "is_mix", False) or not isinstance(values, dict):
        return {}
    return {f"param.{k}": v for k, v in values.items() if isinstance(v, (bool, int, float, str))}


def set_threads(n: int | None) -> int | None:
    """Set numba's thread count (capped at its maximum); return the previous one, or None."""
    try:
        import numba
    except ImportError:  # pragma: no cover - numba is a dependency
        return None
    before = numba.get_num_threads()
    if n:
        numba.set_num_threads(max(1, min(int(n), numba.config.NUMBA_NUM_THREADS)))
    return before


@contextmanager
def one_thread():
    """Run the body with numba on one thread, then restore the caller's setting (serial sweeps)."""
    before = set_threads(1)
    try:
        yield
    finally:
        if before:
            set_threads(before)


def warm_up(engine: str = "numba") -> None:
    """Prepare this process for sweep batches: one numba thread, kernels loaded, imports done.

    Runs a tiny organisation for a few weeks with the real model (and its counterfactual), which
    loads every kernel the sweep will call from numba's cache. Safe to call again (a no-op) and
    never fatal: a failure here shows up, with its message, in the first run's error row instead.
    """
    set_threads(1)
    compile_here(engine)


def compile_here(engine: str = "numba") -> None:
    """Load (or compile) every compiled function of a run in this process, once.

    A sweep or the dashboard calls it before starting workers: workers that start with an empty
    numba cache would otherwise compile the same parallel functions at the same time and write
    their cache files concurrently, which numba does not make safe (numba issue #10128: a later
    process can load a mismatched pair of files and crash). Never fatal, like ``warm_up``.
    """
    if engine in _WARM:
        return
    _WARM.add(engine)
    try:
        import sim
        from sim.model import outcomes
        from sim.shipped import shipped_dir

        path = shipped_dir("scenarios") / WARM_SCENARIO
        scen = sim.load_scenario(path, overrides=WARM_ORG)
        for seed in WARM_SEEDS:
            sim.run(scen, seed=seed, engine=engine)
        cache = getattr(outcomes, "_CF_CACHE", None)
        if cache is not None:
            cache.clear()  # the tiny counterfactual is of no use to the sweep
    except Exception:  # noqa: BLE001 - warm-up is an optimisation, never a reason to fail
        return
