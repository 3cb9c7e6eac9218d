"""Whole-process timings: what a user waits for, from the shell prompt back to the shell prompt.

Each command runs in a fresh interpreter (``python -m sim.cli.main ...``, as the ``crmsim`` script
does) with numba's cache warm: a first, untimed call of each command fills it. The figure is the
median wall time of ``repeats`` calls, with the CPU seconds of the child beside it (the machine's
other work shows in the wall time, much less in the CPU time).

The sweep figure is ``crmsim sweep`` of the failure-rates experiment with its own fresh pool,
process start included (:func:`sweep_process`).
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from sim.bench.inputs import ROOT
from sim.bench.timing import children_cpu

#: The commands timed, by label: crmsim's arguments (``{out}`` is a fresh folder each call).
COMMANDS = {
    "crmsim --version": ["--version"],
    "crmsim validate four_ps": ["validate", "four_ps"],
    "crmsim run four_ps --no-charts": ["run", "four_ps", "--no-charts", "--out", "{out}"],
    "crmsim run four_ps (4 PNG charts)": ["run", "four_ps", "--out", "{out}"],
}


def _crmsim(argv: list[str]) -> tuple[float, float]:
    """Wall and CPU seconds of ``crmsim ARGV`` in a fresh interpreter; a failure raises."""
    cpu0, t = children_cpu(), time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "sim.cli.main", *argv],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    wall, cpu = time.perf_counter() - t, children_cpu() - cpu0
    if proc.returncode != 0:
        raise RuntimeError(f"crmsim {' '.join(argv)} failed:\n{proc.stderr[-2000:]}")
    return wall, cpu


def time_command(args: list[str], repeats: int) -> dict:
    """Median wall and CPU seconds of ``crmsim ARGS`` in a fresh process (after one warm call)."""
    walls, cpus = [], []
    with tempfile.TemporaryDirectory(prefix="crmsim-bench-cli-") as tmp:
        for i in range(repeats + 1):
            argv = [a.replace("{out}", str(Path(tmp) / f"run{i}")) for a in args]
            wall, cpu = _crmsim(argv)
            if i:  # the first call warms numba's cache and the file system
                walls.append(wall)
                cpus.append(cpu)
    return {"wall_s": statistics.median(walls), "cpu_s": statistics.median(cpus), "args": args}


def command_times(repeats: int = 3) -> dict:
    """Each of ``COMMANDS`` timed by :func:`time_command`."""
    return {label: time_command(args, repeats) for label, args in COMMANDS.items()}


def sweep_process(replicates: int, workers: int = 2, repeats: int = 3) -> dict:
    """``crmsim sweep experiments/failure_rates.toml`` in a fresh process: runs per second, the
    interpreter's start, the pool's start and the results store included; the median of
    ``repeats`` sweeps, each into a fresh folder (one sweep's wall time moved by a tenth between
    calls on the shared machine)."""
    from sim.experiments.experiment import load_experiment

    experiment = ROOT / "experiments" / "failure_rates.toml"
    walls, cpus = [], []
    with tempfile.TemporaryDirectory(prefix="crmsim-bench-sweep-cli-") as tmp:
        for i in range(repeats):
            argv = [
                "sweep",
                str(experiment),
                "--replicates",
                str(replicates),
                "--workers",
                str(workers),
                "--out",
                str(Path(tmp) / f"out{i}"),
            ]
            wall, cpu = _crmsim(argv)
            walls.append(wall)
            cpus.append(cpu)
    runs = replicates * len(load_experiment(experiment).scenarios)
    wall = statistics.median(walls)
    return {
        "runs": runs,
        "workers": workers,
        "repeats": repeats,
        "wall_s": wall,
        "walls_s": walls,
        "cpu_s": statistics.median(cpus),
        "runs_per_s": runs / wall,
    }


def batch_throughput(points: int, seeds: int) -> dict:
    """Runs per second of :func:`sim.experiments.batch.run_points` in this process (one thread):
    the calibration's and the sensitivity analysis's way of running the model, per process."""
    from sim.experiments.batch import run_points
    from sim.experiments.experiment import replicate_seeds
    from sim.experiments.worker import one_thread
    from sim.model import outcomes

    pressures = [0.1 + 0.8 * i / max(points - 1, 1) for i in range(points)]
    grid = [{"rollout.vendor_pressure": p} for p in pressures]
    run_points("four_ps", grid[:1], [1])  # warm
    outcomes._CF_CACHE.clear()
    with one_thread():
        cpu0, t = time.process_time(), time.perf_counter()
        rows = run_points("four_ps", grid, replicate_seeds(777, seeds))
        wall, cpu = time.perf_counter() - t, time.process_time() - cpu0
    return {
        "runs": len(rows),
        "points": points,
        "seeds": seeds,
        "wall_s": wall,
        "cpu_s": cpu,
        "runs_per_s": len(rows) / wall,
        "runs_per_cpu_s": len(rows) / cpu,
    }
