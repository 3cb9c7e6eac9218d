"""Benchmark timing: medians after a warm-up, and child processes for the scale and cold-start runs.

The scale and cold-start figures run in a subprocess each (``python -m sim.bench --child ...``), so
the peak RSS and the numba cache state are the child's own.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

from sim.bench.inputs import (
    ROOT,
    RUN_SEED,
    SCENARIO,
    fresh_run,
    scenario,
    warm_weeks,
)

GIB = 1024**3


def timed(fn, repeats: int, warmup: int = 1, target_s: float = 0.0) -> dict:
    """Median (and spread) seconds per call of ``fn``: ``repeats`` samples after ``warmup`` calls.

    With ``target_s`` > 0, each sample loops ``fn`` enough times to last about that long (for
    microsecond kernels), and reports the time per call.
    """
    for _ in range(warmup):
        fn()
    number = 1
    if target_s > 0:
        t = time.perf_counter()
        fn()
        once = max(time.perf_counter() - t, 1e-7)
        number = max(1, int(target_s / once))
    samples = []
    for _ in range(repeats):
        t = time.perf_counter()
        for _ in range(number):
            fn()
        samples.append((time.perf_counter() - t) / number)
    return {
        "median_s": statistics.median(samples),
        "min_s": min(samples),
        "max_s": max(samples),
        "repeats": repeats,
        "number": number,
    }


def timed_compiled(repeat, args: tuple, repeats: int, target_s: float) -> dict:
    """``timed`` of a kernel called from compiled code: ``repeat(number, *args)`` calls it
    ``number`` times in one compiled loop (sim.bench.repeat), ``number`` chosen so that a sample
    lasts about ``target_s``; the times are per call of the kernel."""
    repeat(1, *args)  # compiled or loaded before any timing
    t = time.perf_counter()
    repeat(1, *args)
    number = max(1, int(target_s / max(time.perf_counter() - t, 1e-7)))
    out = timed(lambda: repeat(number, *args), repeats)
    for key in ("median_s", "min_s", "max_s"):
        out[key] /= number
    out["number"] = number
    return out


def children_cpu() -> float:
    """CPU seconds (user and system) of this process's children and their descendants, those
    that have ended and been waited for (``RUSAGE_CHILDREN``)."""
    import resource

    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_child(args: list[str], env: dict | None = None) -> tuple[dict, float]:
    """Run ``python -m sim.bench --child ...``; return its JSON line and the wall time. The JSON
    gains ``process_cpu_s``: the CPU of the child and of every process it waited for (a cold
    first run's compile helper: sim.model.precompile)."""
    cpu0, t = children_cpu(), time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "sim.bench", "--child", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    wall, cpu = time.perf_counter() - t, children_cpu() - cpu0
    if proc.returncode != 0:
        raise RuntimeError(f"bench child {args} failed:\n{proc.stderr[-2000:]}")
    rec = json.loads(proc.stdout.strip().splitlines()[-1])
    rec["process_cpu_s"] = cpu
    return rec, wall


def peak_rss_bytes() -> int:
    """This process's peak resident set (VmHWM; ru_maxrss where /proc is missing)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    import resource

    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return rss if sys.platform == "darwin" else rss * 1024


def compile_counts() -> tuple[int, int]:
    """(cache misses, cache hits) summed over every cached numba dispatcher of the sim package.

    The parallel week (sim.model.week.run_weeks_parallel, used only by runs of
    ``PARALLEL_MIN_CUSTOMERS`` slots and more) is not cached by design (numba issue #8578) and is
    not counted; the one-thread week a default run takes is cached, so a warm process compiles
    nothing.
    """
    from numba.core.caching import NullCache
    from numba.core.registry import CPUDispatcher

    misses = hits = 0
    for name, mod in list(sys.modules.items()):
        if not (name == "sim" or name.startswith("sim.")) or mod is None:
            continue
        for obj in vars(mod).values():
            if isinstance(obj, CPUDispatcher) and not isinstance(obj._cache, NullCache):
                st = obj.stats
                misses += sum(st.cache_misses.values())
                hits += sum(st.cache_hits.values())
    return misses, hits


def child_scale(employees: int, customers: int, weeks: int) -> dict:
    """One scale run (sim.run: run and counterfactual) in this process; its time and peak memory."""

    # Warm-up on a tiny organisation: loads (or, if a kernel's source changed, compiles) the
    # serial and parallel kernels, so the timed run pays no compile and the peak is the run's own.
    warm_weeks()
    rss_import = peak_rss_bytes()
    before, _ = compile_counts()
    scn = scenario(
        **{"org.employees": employees, "org.customers": customers, "horizon_weeks": weeks}
    )
    t = time.perf_counter()
    result = fresh_run(scn, seed=RUN_SEED, engine="numba")
    run_s = time.perf_counter() - t
    misses = compile_counts()[0] - before
    return {
        "employees": employees,
        "customers": customers,
        "weeks": weeks,
        "run_s": run_s,
        "peak_rss_bytes": peak_rss_bytes(),
        "baseline_rss_bytes": rss_import,
        "compiles": misses,
        "status": result.summary["status"],
    }


def child_first(launched: float) -> dict:
    """Time to the first result of a default run in a fresh process, then a second run.

    ``launched`` is the parent's ``time.time()`` just before starting this process, so
    ``to_first_result_s`` covers interpreter start, imports, compile (or cache loads) and the run.
    """
    import sim

    t1 = time.perf_counter()
    started = time.time() - launched
    scn = sim.load_scenario(SCENARIO)
    fresh_run(scn, seed=RUN_SEED)
    t2 = time.perf_counter()
    first = time.time() - launched
    fresh_run(scn, seed=RUN_SEED)
    t3 = time.perf_counter()
    misses, hits = compile_counts()
    return {
        "start_and_import_s": started,
        "first_run_s": t2 - t1,
        "second_run_s": t3 - t2,
        "to_first_result_s": first,
        "compiles": misses,
        "cache_hits": hits,
    }
