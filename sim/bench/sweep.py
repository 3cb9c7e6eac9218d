"""Sweep benchmarks: parallel efficiency (2 workers against 1) and end-to-end sweep throughput.

Parallel efficiency is the throughput of a sweep on a pool of ``workers`` processes over
``workers`` times the throughput of the same runs in one process. Both sweeps go through
:func:`sim.experiments.sweep.run_experiment` end to end (batching, dispatch, the results store,
the summary tables) into a temporary folder; the pool is started and warmed first (its start-up is
a once-per-sweep cost, reported on its own as ``pool_start_s``) so the ratio measures what scales
with the number of runs. The two are timed alternately, ``rounds`` times, each round on fresh seeds
(a new root seed: no counterfactual cached from an earlier round), and the ratio of medians is
reported, so a burst of load from other processes lands on both sides rather than on one.

On a machine shared with other work the wall-clock ratio says as much about the neighbours as about
the sweep, so a second figure, the CPU efficiency, leaves them out: the CPU seconds of the
one-process sweep over the CPU seconds of the pool sweep (parent and workers, from /proc). It is
below 1 by exactly the work the pool adds (pickling, dispatch, duplicated counterfactuals, workers
that start cold); what it cannot see is a worker left idle, which only the wall clock shows.

The end-to-end figure is ``crmsim sweep`` as a user runs it (:func:`sweep_end_to_end`): a fresh
pool, the failure-rates experiment, the store, everything, timed from the call to the return.
"""

from __future__ import annotations

import os
import statistics
import tempfile
import time
from dataclasses import replace
from pathlib import Path

from sim.bench.inputs import ROOT

EXPERIMENT = ROOT / "experiments" / "failure_rates.toml"


def _spec(replicates: int, root_seed: int):
    from sim.experiments.experiment import load_experiment

    spec = load_experiment(EXPERIMENT).with_replicates(replicates)
    return replace(spec, root_seed=int(root_seed))


def _worker_cpu_s(executor) -> float | None:
    """CPU seconds used so far by the pool's worker processes (Linux /proc; None elsewhere)."""
    procs = getattr(getattr(executor, "_pool", None), "_processes", None)
    if not procs:
        return 0.0
    tick = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
    total = 0.0
    for pid in list(procs):
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            return None
        total += (int(fields[11]) + int(fields[12])) / tick  # utime + stime
    return total


def _sweep(spec, executor, folder: Path) -> tuple[float, float | None]:
    """Wall seconds and CPU seconds (this process and the pool's workers) of one sweep."""
    from sim.experiments.executors import Execution
    from sim.experiments.sweep import run_experiment
    from sim.model import outcomes

    outcomes._CF_CACHE.clear()  # this process's counterfactuals: each round starts cold
    cpu0, w0 = time.process_time(), _worker_cpu_s(executor)
    t = time.perf_counter()
    res = run_experiment(spec, folder, execution=Execution(executor=executor), progress=False)
    wall = time.perf_counter() - t
    cpu, w1 = time.process_time() - cpu0, _worker_cpu_s(executor)
    if res["status"] != "complete" or res["errors"]:
        raise RuntimeError(f"benchmark sweep did not complete cleanly: {res}")
    return wall, (cpu + w1 - w0) if w0 is not None and w1 is not None else None


def parallel_efficiency(replicates: int, rounds: int, workers: int = 2, log=print) -> dict:
    """Throughput of ``workers`` warm pool processes against one process, on the same runs."""
    from functools import partial

    from sim.experiments import worker
    from sim.experiments.executors import PoolExecutor, SerialExecutor

    serial, pool, serial_cpu, pool_cpu = [], [], [], []
    with tempfile.TemporaryDirectory(prefix="crmsim-bench-sweep-") as tmp:
        root = Path(tmp)
        t = time.perf_counter()
        with PoolExecutor(workers, warm_up=partial(worker.warm_up, "numba")) as ex:
            # start and warm every worker: a sweep the size of a round, so that each worker has
            # run batches of every scenario before the timing (after a sweep of 2 replicates, the
            # first timed round on the pool took 0.80 to 0.93 s against 0.34 s for the rounds after
            # it, at 48 runs: a worker still cold, which made the quick-mode gate flaky)
            _sweep(_spec(max(workers, replicates), 1), ex, root / "warm-pool")
            started = time.perf_counter() - t
            _sweep(_spec(1, 2), SerialExecutor(), root / "warm-serial")
            for r in range(rounds):
                spec = _spec(replicates, 1000 + r)
                log(f"  round {r + 1}/{rounds}: 1 process, then {workers} ...")
                for out, cpus, ex_, name in (
                    (serial, serial_cpu, SerialExecutor(), "s"),
                    (pool, pool_cpu, ex, "p"),
                ):
                    wall, cpu = _sweep(spec, ex_, root / f"{name}{r}")
                    out.append(wall)
                    cpus.append(cpu)
    n = len(_spec(replicates, 0).scenario_paths) * replicates
    one, many = statistics.median(serial), statistics.median(pool)
    cpu_eff = None
    if None not in pool_cpu and None not in serial_cpu:
        cpu_eff = statistics.median(serial_cpu) / statistics.median(pool_cpu)
    return {
        "runs": n,
        "workers": workers,
        "rounds": rounds,
        "serial_s": serial,
        "pool_s": pool,
        "serial_cpu_s": serial_cpu,
        "pool_cpu_s": pool_cpu,
        "serial_runs_per_s": n / one,
        "pool_runs_per_s": n / many,
        "efficiency": (n / many) / (workers * n / one),
        "cpu_efficiency": cpu_eff,
        "pool_start_s": started,
        "loadavg_1min": os.getloadavg()[0] if hasattr(os, "getloadavg") else None,
        "cpus": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None,
    }


def sweep_end_to_end(replicates: int, workers: int = 2) -> dict:
    """``run_experiment`` of the failure-rates experiment with a fresh pool: runs per second."""
    from sim.experiments.sweep import run_experiment

    spec = _spec(replicates, 20011127)  # the experiment's own root seed
    with tempfile.TemporaryDirectory(prefix="crmsim-bench-e2e-") as tmp:
        t = time.perf_counter()
        res = run_experiment(spec, Path(tmp) / "out", execution=workers, progress=False)
        wall = time.perf_counter() - t
        parts = len(list((Path(tmp) / "out" / "runs").glob("part-*.parquet")))
    return {
        "runs": res["total"],
        "workers": workers,
        "wall_s": wall,
        "runs_per_s": res["total"] / wall,
        "errors": res["errors"],
        "parts": parts,
    }
