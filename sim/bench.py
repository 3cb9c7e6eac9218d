"""Benchmarks: the kernels one by one, whole runs of both engines, the scale run, compile cost.

``main(quick, out)`` measures everything with ``time.perf_counter`` (a warm-up round first, so
compile time stays out, then repeats; medians), writes ``out/bench.json`` (every figure, plus the
machine) and ``out/bench.md`` (figure, value, target, met, ratio), prints the table and returns 0:
a missed target is reported, not raised. ``crmsim bench [--quick]`` and ``make bench`` call it;
tests/benchmarks holds the pytest-benchmark versions of the same measurements.

Targets (the issue; measured as ratios in one run, never as timed assertions in tests):

* default run (four_ps, seed 1, counterfactual included), numba engine: >= 100x faster than the
  agents engine and under 50 ms median;
* scale run, 50,000 employees and 1,000,000 customers for 156 weeks: under 60 s and 2 GiB peak
  memory (each size in its own subprocess, which reports its peak RSS);
* customer kernel within 3x of :func:`floor_customers`, a kernel that does only the same memory
  reads and writes;
* compile: a cold first run (empty numba cache) under 20 s; a warm one compiles nothing.

Quick mode (``--quick``, and the test that ``make test`` runs) shrinks every size so the whole
report takes well under a minute; its table says which figures were measured on reduced sizes.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from numba import njit, prange

ROOT = Path(__file__).resolve().parents[1]
SCENARIO = ROOT / "scenarios" / "four_ps.toml"
GIB = 1024**3

#: Default-run seed of the targets (four_ps never goes live with it; the kernels use KERNEL_SEED).
RUN_SEED = 1
#: Seed whose four_ps organisation goes live (week 46), so the kernels run their live branches.
KERNEL_SEED = 4
#: Weeks past go-live at which the kernel inputs are taken.
WEEKS_AFTER_GOLIVE = 26

FULL_SCALE = [(5_000, 100_000), (20_000, 400_000), (50_000, 1_000_000)]
QUICK_SCALE = [(1_000, 20_000), (5_000, 100_000)]
FULL_SCALE_WEEKS = 156
QUICK_SCALE_WEEKS = 52
#: The agents engine in quick mode runs on this reduced organisation (and so does its numba twin).
QUICK_AGENTS_ORG = {"org.employees": 50, "org.customers": 1_250}

TARGETS = {
    "default_run_ms": 50.0,
    "speedup_vs_agents": 100.0,
    "scale_run_s": 60.0,
    "scale_peak_gib": 2.0,
    "kernel_vs_floor": 3.0,
    "cold_first_run_s": 20.0,
    "warm_compiles": 0,
}


# --- the floor kernel ----------------------------------------------------------------------------


def fresh_run(scenario, seed, engine="numba"):
    """``sim.run`` with the per-process counterfactual cache emptied first.

    Benchmarks time a run *and* its counterfactual; repeated runs of one seed would otherwise find
    the counterfactual cached (sim.outcomes) and time half the work.
    """
    import sim
    from sim import outcomes

    outcomes._CF_CACHE.clear()
    return sim.run(scenario, seed=seed, engine=engine)


@njit(cache=True, parallel=True)
def floor_customers(
    n,
    handler,
    active,
    satisfaction,
    expectation,
    completeness,
    stage,
    n_active,
    n_satisfaction,
    n_expectation,
    n_completeness,
    n_stage,
    emp_team,
    emp_skill,
    emp_orientation,
    emp_usage,
    emp_workaround,
    emp_productivity,
    live_week,
    draw_contact,
    draw_churn,
    t,
):
    """The memory traffic of ``kernels._customers_loop`` and nothing else.

    Compiled the same way as the kernel (``parallel=True``, timed on one thread), so the comparison
    isolates the model arithmetic and not numba's aliasing assumptions.

    Same arguments (``t`` instead of the week's record), same access pattern: per customer it reads
    active, handler, satisfaction, expectation, completeness, stage, the two draws, the handler's
    team (and its go-live week), usage, skill, orientation, workaround and productivity, and writes
    the five next-state arrays; churned customers are carried over as in the kernel. Each value read
    feeds a write or the returned sum with one add (so no load can be dropped); there is no model
    arithmetic. Returns (sum, 0.0) like the kernel's (revenue, cost).
    """
    acc = 0.0
    for i in prange(n):
        if not active[i]:
            n_active[i] = False
            n_satisfaction[i] = satisfaction[i]
            n_expectation[i] = expectation[i]
            n_completeness[i] = completeness[i]
            n_stage[i] = stage[i]
            continue
        h = handler[i]
        lw = live_week[emp_team[h]]
        u = emp_usage[h] if lw >= 0 and t >= lw else 0.0
        n_satisfaction[i] = satisfaction[i] + emp_skill[h]
        n_expectation[i] = expectation[i] + emp_orientation[h]
        n_completeness[i] = completeness[i] + u + emp_workaround[h]
        n_stage[i] = stage[i]
        n_active[i] = draw_churn[i] >= 0.0
        acc += draw_contact[i] + emp_productivity[h]
    return acc, 0.0


# --- inputs -------------------------------------------------------------------------------------


def scenario(**overrides):
    """four_ps with dotted-key overrides (``org.employees`` etc.)."""
    from sim.scenario import load_scenario

    return load_scenario(SCENARIO, overrides=overrides or None)


def stepped_model(scn=None, seed: int = KERNEL_SEED, weeks_after: int = WEEKS_AFTER_GOLIVE):
    """A numba-engine model stepped to ``weeks_after`` weeks past go-live (or to the horizon)."""
    from sim.model import CRMRolloutModel

    model = CRMRolloutModel(scn if scn is not None else scenario(), seed=seed)
    stop = model.horizon - 1
    while model.steps < stop:
        model.step()
        golive = model.programme.golive_week
        if golive is not None and model.steps >= golive + weeks_after:
            break
    model._draw()  # this week's draws, as step() would make them
    return model


def customer_args(model):
    """Arguments of ``kernels._customers_loop`` for the model's next week."""
    cus, nxt, emp = model.customers, model.customers_next, model.employees
    wk_rec = model._week_record  # the week just stepped: the kernels see a live organisation
    return (
        cus.created,
        cus.handler,
        cus.active,
        cus.satisfaction,
        cus.expectation,
        cus.completeness,
        cus.stage,
        nxt.active,
        nxt.satisfaction,
        nxt.expectation,
        nxt.completeness,
        nxt.stage,
        emp.team,
        emp.skill,
        emp.orientation,
        emp.usage,
        emp.workaround,
        emp.productivity,
        model.teams.live_week,
        model.draws_contact,
        model.draws_churn,
        model.channel_bounds,
        model._customer_record,
        wk_rec,
        np.empty(cus.created),
        np.empty(cus.created),
    )


def floor_args(model):
    """Arguments of :func:`floor_customers`: the kernel's, with ``t`` for the records."""
    args = customer_args(model)
    return args[:21] + (int(model.week.t),)


def employee_args(model):
    """Arguments of ``kernels._employees_loop`` for the model's next week."""
    emp, nxt = model.employees, model.employees_next
    wk_rec = model._week_record
    return (
        emp.team,
        emp.is_manager,
        emp.manager,
        emp.attitude,
        emp.skill,
        emp.orientation,
        emp.usage,
        emp.dip,
        emp.commitment,
        emp.indptr,
        emp.indices,
        nxt.attitude,
        nxt.skill,
        nxt.usage,
        nxt.workaround,
        nxt.productivity,
        nxt.dip,
        nxt.commitment,
        model.teams.live_week,
        model.teams.coach,
        model.team_usage,
        model.draws_peer,
        model.draws_work,
        model._employee_record,
        wk_rec,
    )


def customer_driver_call(model):
    """``kernels.step_customers`` as the model calls it (driver checks included)."""
    from sim import kernels

    wk_rec = model._week_record
    return lambda: kernels.step_customers(
        model.customers,
        model.customers_next,
        model.employees,
        model.teams,
        model.draws_contact,
        model.draws_churn,
        model.channel_bounds,
        model._customer_record,
        wk_rec,
    )


def warm_kernels(model) -> None:
    """Compile (or load from the cache) every kernel, serial and parallel, and the floor."""
    from sim import kernels

    kernels._customers_loop(*customer_args(model))
    kernels._employees_loop(*employee_args(model))
    floor_customers(*floor_args(model))


# --- timing -------------------------------------------------------------------------------------


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


def _child(args: list[str], env: dict | None = None) -> tuple[dict, float]:
    """Run ``python -m sim.bench --child ...``; return its JSON line and the wall time."""
    t = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "sim.bench", "--child", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    wall = time.perf_counter() - t
    if proc.returncode != 0:
        raise RuntimeError(f"bench child {args} failed:\n{proc.stderr[-2000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1]), wall


def _peak_rss_bytes() -> int:
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


def _compile_counts() -> tuple[int, int]:
    """(cache misses, cache hits) summed over every numba dispatcher of the sim package."""
    from numba.core.registry import CPUDispatcher

    misses = hits = 0
    for name, mod in list(sys.modules.items()):
        if not (name == "sim" or name.startswith("sim.")) or mod is None:
            continue
        for obj in vars(mod).values():
            if isinstance(obj, CPUDispatcher):
                st = obj.stats
                misses += sum(st.cache_misses.values())
                hits += sum(st.cache_hits.values())
    return misses, hits


def child_scale(employees: int, customers: int, weeks: int) -> dict:
    """One scale run (sim.run: run and counterfactual) in this process; its time and peak memory."""

    # Warm-up on a tiny organisation: loads (or, if a kernel's source changed, compiles) the
    # serial and parallel kernels, so the timed run pays no compile and the peak is the run's own.
    tiny = stepped_model(
        scenario(**{"org.employees": 50, "org.customers": 500, "horizon_weeks": 8}), seed=RUN_SEED
    )
    warm_kernels(tiny)
    del tiny
    rss_import = _peak_rss_bytes()
    before, _ = _compile_counts()
    scn = scenario(
        **{"org.employees": employees, "org.customers": customers, "horizon_weeks": weeks}
    )
    t = time.perf_counter()
    result = fresh_run(scn, seed=RUN_SEED, engine="numba")
    run_s = time.perf_counter() - t
    misses = _compile_counts()[0] - before
    return {
        "employees": employees,
        "customers": customers,
        "weeks": weeks,
        "run_s": run_s,
        "peak_rss_bytes": _peak_rss_bytes(),
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
    misses, hits = _compile_counts()
    return {
        "start_and_import_s": started,
        "first_run_s": t2 - t1,
        "second_run_s": t3 - t2,
        "to_first_result_s": first,
        "compiles": misses,
        "cache_hits": hits,
    }


# --- the report ---------------------------------------------------------------------------------


def _other_load() -> list[str]:
    """Other crmsim / sim processes and their workers running beside this one (skewing timings)."""
    me = {os.getpid(), os.getppid()}
    procs = {}
    for proc in Path("/proc").glob("[0-9]*"):
        try:
            cmd = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            ppid = int((proc / "stat").read_text().rsplit(")", 1)[1].split()[1])
            procs[int(proc.name)] = (ppid, cmd.strip())
        except (OSError, ValueError, IndexError):
            continue
    keys = ("crmsim", "sim.bench", "sim.cli", "dask")
    found = {pid for pid, (_, cmd) in procs.items() if any(k in cmd for k in keys)} - me
    found |= {pid for pid, (ppid, _) in procs.items() if ppid in found}  # their workers
    found -= me
    return [f"{pid}: {procs[pid][1][:150]}" for pid in sorted(found)]


def machine() -> dict:
    import numba

    try:
        cpus = len(os.sched_getaffinity(0))
    except AttributeError:
        cpus = os.cpu_count()
    return {
        "cpu_count": os.cpu_count(),
        "cpus_available": cpus,
        "processor": platform.processor() or platform.machine(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "numba": numba.__version__,
        "numpy": np.__version__,
        "numba_threads": numba.config.NUMBA_NUM_THREADS,
        "loadavg_1min": os.getloadavg()[0] if hasattr(os, "getloadavg") else None,
        "other_sim_processes": _other_load(),
    }


def _row(name: str, value, unit: str, target, better: str, note: str = "") -> dict:
    """A table row; ratio >= 1 means met (target/value for upper bounds, value/target for lower)."""
    if target is None or value is None:
        met, ratio = None, None
    elif better == "lower":
        met = value <= target
        ratio = (target / value) if value > 0 else math.inf
    else:
        met = value >= target
        ratio = value / target if target else math.inf
    return {
        "figure": name,
        "value": value,
        "unit": unit,
        "target": target,
        "better": better,
        "met": met,
        "ratio": ratio,
        "note": note,
    }


def _fmt(v, unit: str = "") -> str:
    if v is None:
        return "-"
    if isinstance(v, float):
        if math.isinf(v):
            return "inf"
        text = f"{v:,.0f}" if abs(v) >= 1000 else f"{v:.3g}"
    else:
        text = f"{v:,}"
    return f"{text} {unit}".strip()


def table(rows: list[dict], growth: list[dict]) -> str:
    lines = ["| figure | value | target | met | ratio |", "|---|---|---|---|---|"]
    for r in rows:
        sign = "<=" if r["better"] == "lower" else ">="
        target = f"{sign} {_fmt(r['target'], r['unit'])}" if r["target"] is not None else "-"
        met = {True: "yes", False: "NO", None: "-"}[r["met"]]
        ratio = "-" if r["ratio"] is None else f"{r['ratio']:.2f}"
        name = r["figure"] + (f" ({r['note']})" if r["note"] else "")
        lines.append(f"| {name} | {_fmt(r['value'], r['unit'])} | {target} | {met} | {ratio} |")
    lines += [
        "",
        "ratio: target/value for upper bounds, value/target for lower bounds; >= 1 means met.",
        "",
        "| employees | customers | weeks | run (s) | peak RSS (MiB) | above baseline (MiB) "
        "| time x | memory x (above baseline) |",
        "|---|---|---|---|---|---|---|---|",
    ]
    base = growth[0] if growth else None
    for g in growth:
        own = g["peak_rss_bytes"] - g["baseline_rss_bytes"]
        base_own = max(base["peak_rss_bytes"] - base["baseline_rss_bytes"], 1)
        lines.append(
            f"| {g['employees']:,} | {g['customers']:,} | {g['weeks']} | "
            f"{g['run_s']:.2f} | {g['peak_rss_bytes'] / 2**20:,.0f} | "
            f"{own / 2**20:,.0f} | {g['run_s'] / base['run_s']:.2f} | "
            f"{own / base_own:.2f} |"
        )
    if growth:
        lines += [
            "",
            "baseline: the child's peak RSS after imports and a tiny warm-up run, "
            "before the timed run (sim.run: run and counterfactual).",
        ]
    return "\n".join(lines)


def kernel_figures(model, repeats: int, target_s: float, driver: bool) -> dict:
    """Customer kernel, floor kernel (and with ``driver`` the driver and the employee kernel)."""
    from sim import kernels

    warm_kernels(model)
    n_cus, n_emp = int(model.customers.created), int(model.employees.n)
    cargs, fargs, eargs = customer_args(model), floor_args(model), employee_args(model)
    calls = {
        "customer_kernel": (lambda: kernels._customers_loop(*cargs), n_cus),
        "floor_kernel": (lambda: floor_customers(*fargs), n_cus),
    }
    if driver:
        calls["customer_driver"] = (customer_driver_call(model), n_cus)
        calls["employee_kernel"] = (lambda: kernels._employees_loop(*eargs), n_emp)
    out = {
        "week": int(model.steps),
        "golive_week": model.programme.golive_week,
        "customers": n_cus,
        "active_customers": int(model.customers.active[:n_cus].sum()),
        "employees": n_emp,
    }
    import numba

    threads = numba.get_num_threads()
    for name, (fn, n) in calls.items():
        # kernel and floor on one thread each (the floor is serial); the driver on all threads
        numba.set_num_threads(threads if name == "customer_driver" else 1)
        out[name] = timed(fn, repeats, target_s=target_s)
        out[name]["per_second"] = n / out[name]["median_s"]
    numba.set_num_threads(threads)
    out["threads"] = threads
    out["kernel_vs_floor"] = out["customer_kernel"]["median_s"] / out["floor_kernel"]["median_s"]
    return out


def measure(quick: bool, log=print) -> dict:
    """Every figure of the report, as a dict (see the module docstring)."""
    import sim

    res: dict = {"mode": "quick" if quick else "full", "machine": machine()}
    if res["machine"]["other_sim_processes"]:
        log(
            f"note: {len(res['machine']['other_sim_processes'])} other sim processes running; "
            "timings may be inflated"
        )

    # Kernels, on a default-size organisation past go-live.
    log("kernels ...")
    tgt = 0.005 if quick else 0.02
    res["kernels"] = kernel_figures(stepped_model(), 11 if quick else 31, tgt, driver=True)

    # The same kernel and floor on a large population (one thread each; the memory-bound regime).
    big_e, big_c = (5_000, 100_000) if quick else (50_000, 1_000_000)
    log(f"kernels at {big_e:,}/{big_c:,} ...")
    big = stepped_model(scenario(**{"org.employees": big_e, "org.customers": big_c}))
    res["kernels_large"] = kernel_figures(big, 5 if quick else 11, tgt, driver=False)
    del big

    # Whole default runs, both engines.
    log("default runs ...")
    scn = sim.load_scenario(SCENARIO)
    res["default_run"] = timed(
        lambda: fresh_run(scn, seed=RUN_SEED, engine="numba"), 7 if quick else 21
    )
    if quick:
        small = scenario(**QUICK_AGENTS_ORG)
        res["agents_scenario"] = dict(QUICK_AGENTS_ORG)
        res["agents_run"] = timed(lambda: fresh_run(small, seed=RUN_SEED, engine="agents"), 1)
        res["numba_same_scenario"] = timed(lambda: fresh_run(small, seed=RUN_SEED), 7)
    else:
        small = scenario(**QUICK_AGENTS_ORG)
        fresh_run(small, seed=RUN_SEED, engine="agents")  # warm-up: compiles what the agents call
        res["agents_scenario"] = {}
        res["agents_run"] = timed(
            lambda: fresh_run(scn, seed=RUN_SEED, engine="agents"), 3, warmup=0
        )
        res["numba_same_scenario"] = res["default_run"]
    res["speedup_vs_agents"] = (
        res["agents_run"]["median_s"] / res["numba_same_scenario"]["median_s"]
    )

    # Scale: each size in its own process (its own peak RSS); kernels already in the cache.
    sizes, weeks = (QUICK_SCALE, QUICK_SCALE_WEEKS) if quick else (FULL_SCALE, FULL_SCALE_WEEKS)
    growth = []
    for e, c in sizes:
        log(f"scale {e:,}/{c:,} x {weeks} weeks ...")
        rec, wall = _child(["scale", str(e), str(c), str(weeks)])
        rec["process_wall_s"] = wall
        growth.append(rec)
    for g in growth[1:]:
        size = g["customers"] / growth[0]["customers"]
        g["time_exponent"] = math.log(g["run_s"] / growth[0]["run_s"]) / math.log(size)
        own = [max(x["peak_rss_bytes"] - x["baseline_rss_bytes"], 1) for x in (g, growth[0])]
        g["memory_exponent"] = math.log(own[0] / own[1]) / math.log(size)
    res["scale"] = growth

    # Compile: a cold process (empty cache directory), then a warm one on the same cache.
    log("compile (cold, then warm) ...")
    with tempfile.TemporaryDirectory(prefix="crmsim-numba-cache-") as cache:
        env = {**os.environ, "NUMBA_CACHE_DIR": cache}
        cold, cold_wall = _child(["first", repr(time.time())], env)
        warm, warm_wall = _child(["first", repr(time.time())], env)
    cold["process_wall_s"], warm["process_wall_s"] = cold_wall, warm_wall
    res["compile"] = {"cold": cold, "warm": warm}

    res["rows"] = rows(res)
    return res


def rows(res: dict) -> list[dict]:
    quick = res["mode"] == "quick"
    k, kb, big = res["kernels"], res["kernels_large"], res["scale"][-1]
    org = res["agents_scenario"]
    agents_note = (
        f"both engines on a reduced org: {org['org.employees']} employees, "
        f"{org['org.customers']:,} customers"
        if org
        else "four_ps seed 1, full size"
    )
    scale_note = (
        f"quick: {big['employees']:,}/{big['customers']:,}, {big['weeks']} weeks; "
        "target is for 50,000/1,000,000, 156 weeks"
        if quick
        else f"{big['employees']:,}/{big['customers']:,}, {big['weeks']} weeks"
    )
    cold, warm = res["compile"]["cold"], res["compile"]["warm"]
    out = [
        _row(
            "default run, numba (median)",
            res["default_run"]["median_s"] * 1e3,
            "ms",
            TARGETS["default_run_ms"],
            "lower",
            "four_ps seed 1, counterfactual included",
        ),
        _row(
            "speed-up numba vs agents",
            res["speedup_vs_agents"],
            "x",
            TARGETS["speedup_vs_agents"],
            "higher",
            agents_note,
        ),
        _row(
            "scale run time",
            big["run_s"],
            "s",
            None if quick else TARGETS["scale_run_s"],
            "lower",
            scale_note,
        ),
        _row(
            "scale run peak RSS",
            big["peak_rss_bytes"] / GIB,
            "GiB",
            None if quick else TARGETS["scale_peak_gib"],
            "lower",
            scale_note,
        ),
        _row(
            "customer kernel / floor kernel",
            k["kernel_vs_floor"],
            "x",
            TARGETS["kernel_vs_floor"],
            "lower",
            f"{k['customers']:,} customers, week {k['week']}",
        ),
        _row(
            "customer kernel rate",
            k["customer_kernel"]["per_second"] / 1e6,
            "M/s",
            None,
            "higher",
            "interactions (customers) per second",
        ),
        _row("floor kernel rate", k["floor_kernel"]["per_second"] / 1e6, "M/s", None, "higher"),
        _row(
            "customer kernel / floor kernel, large",
            kb["kernel_vs_floor"],
            "x",
            None,
            "lower",
            f"{kb['customers']:,} customers: "
            f"{kb['customer_kernel']['per_second'] / 1e6:.3g} vs "
            f"{kb['floor_kernel']['per_second'] / 1e6:.3g} M/s",
        ),
        _row(
            "customer driver (step_customers)",
            k["customer_driver"]["median_s"] * 1e6,
            "us",
            None,
            "lower",
            f"kernel alone {k['customer_kernel']['median_s'] * 1e6:.0f} us",
        ),
        _row(
            "employee kernel rate",
            k["employee_kernel"]["per_second"] / 1e6,
            "M/s",
            None,
            "higher",
            f"{k['employees']:,} employees",
        ),
        _row(
            "cold first run (empty cache)",
            cold["to_first_result_s"],
            "s",
            TARGETS["cold_first_run_s"],
            "lower",
            "process start to first default run result",
        ),
        _row(
            "warm first run: compilations",
            warm["compiles"],
            "",
            TARGETS["warm_compiles"],
            "lower",
            f"time to first result {warm['to_first_result_s']:.2f} s, first run "
            f"{warm['first_run_s'] * 1e3:.0f} ms vs second {warm['second_run_s'] * 1e3:.0f} ms",
        ),
    ]
    out[-1]["met"] = warm["compiles"] == 0
    out[-1]["ratio"] = None
    return out


def main(quick: bool = False, out: Path = Path("results/bench")) -> int:
    """Measure, write ``out/bench.json`` and ``out/bench.md``, print the table; always 0."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    t = time.perf_counter()
    res = measure(quick, log=lambda msg: print(msg, file=sys.stderr, flush=True))
    res["bench_s"] = time.perf_counter() - t
    text = table(res["rows"], res["scale"])
    load = res["machine"]["other_sim_processes"]
    head = (
        f"# crmsim bench ({res['mode']})\n\n{res['machine']['cpus_available']} CPUs, "
        f"Python {res['machine']['python']}, numba {res['machine']['numba']}; "
        f"load average {res['machine']['loadavg_1min']}"
    )
    if load:
        head += f"; {len(load)} other sim processes were running (timings may be inflated)"
    md = f"{head}\n\n{text}\n"
    (out / "bench.json").write_text(json.dumps(res, indent=2, default=str) + "\n")
    (out / "bench.md").write_text(md)
    print(md)
    return 0


def _cli(argv=None) -> int:
    p = argparse.ArgumentParser(prog="python -m sim.bench", description=__doc__.split("\n")[0])
    p.add_argument("--quick", action="store_true", help="small sizes, fewer repeats")
    p.add_argument("--out", default="results/bench", help="folder for bench.json and bench.md")
    p.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.child:
        kind, *rest = args.child
        if kind == "scale":
            rec = child_scale(*(int(x) for x in rest))
        elif kind == "first":
            rec = child_first(float(rest[0]))
        else:
            p.error(f"unknown child {kind}")
        print(json.dumps(rec))
        return 0
    return main(quick=args.quick, out=Path(args.out))


if __name__ == "__main__":
    sys.exit(_cli())
