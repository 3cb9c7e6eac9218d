"""Benchmarks: the kernels, whole runs as a sweep sees them, sweeps, the scale run, compile cost.

``main(quick, out)`` measures everything with ``time.perf_counter`` (a warm-up first, so compile
time stays out, then repeats; medians), writes ``out/bench.json`` (every figure, plus the machine)
and ``out/bench.md`` (figure, value, target, met, ratio; then the CI gates), prints them and returns
the exit status: 1 when a target is missed or a gate fails, 0 otherwise or with ``report_only``.
``crmsim bench [--quick] [--report-only]`` and ``make bench`` call it; ``make test`` runs it in
quick mode and fails on a gate (tests/benchmarks/test_bench.py). Targets and gates:
:mod:`sim.bench.figures`; whole runs: :mod:`sim.bench.runs`; the floor of a run:
:mod:`sim.bench.floor`; sweeps: :mod:`sim.bench.sweep`.

What is measured, and where the targets are stated as ratios in one run:

* default run: median over the failure-rates sweep's first seeds of the industry mix (run plus
  counterfactual, one thread), beside four_ps seed 1; the whole run over its physical floor; numba
  against the agents engine on the same runs;
* sweeps: parallel efficiency of 2 warm workers against 1 process on the same runs (wall clock and
  CPU), and the failure-rates sweep end to end on a fresh pool;
* scale run, 50,000 employees and 1,000,000 customers for 156 weeks: time and peak memory (each
  size in its own subprocess, which reports its peak RSS);
* the customers' cost per event (contact or churn check) in the mix runs against
  :func:`sim.bench.floor.floor_events`, a kernel that does only an event's memory reads and writes,
  and beside it :func:`sim.bench.floor.event_arithmetic`, only an event's draw and rule (what the
  customers' week cannot go below per event, whatever its memory does); the employee kernel's rate;
* compile: a cold first run (empty numba cache) and a warm one, each in a fresh process (and in
  full mode a cold one compiled in one process, sim.model.precompile's split switched off);
* whole processes (:mod:`sim.bench.process`): ``crmsim --version``, ``validate``, ``run`` with and
  without its charts, warm, as a user waits for them; the failure-rates sweep as a ``crmsim
  sweep`` process (its start included); a batch of parameter points x seeds in one process (the
  calibration's and sensitivity analysis's runs per second).

Quick mode (``--quick``, and the test that ``make test`` runs) shrinks every size so the whole
report takes about a minute on two free cores; its table says which figures were measured on
reduced sizes.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from sim.bench.dashboard import ODDS_TARGET_S, measure_odds
from sim.bench.figures import TARGETS, check_gates, gate_table, process_rows, row, run_rows
from sim.bench.inputs import employee_args, stepped_model, warm_kernels
from sim.bench.process import batch_throughput, command_times, sweep_process
from sim.bench.runs import SMALL_CUSTOMERS, whole_runs
from sim.bench.sweep import parallel_efficiency, sweep_end_to_end
from sim.bench.timing import GIB, child_first, child_scale, run_child
from sim.model import precompile

FULL_SCALE = [(5_000, 100_000), (20_000, 400_000), (50_000, 1_000_000)]

QUICK_SCALE = [(1_000, 20_000), (5_000, 100_000)]

FULL_SCALE_WEEKS = 156

QUICK_SCALE_WEEKS = 52


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


def kernel_figures(model, repeats: int, target_s: float) -> dict:
    """The employee kernel, with its teams live and with none live, on one thread."""
    import numba

    from sim.bench import repeat
    from sim.bench.timing import timed_compiled

    warm_kernels(model)
    n_emp = int(model.employees.n)
    eargs = employee_args(model)
    # the same week with no team live: the rules a team runs before its go-live (and every week
    # of the counterfactual)
    teams = eargs[2]
    offline = teams._replace(live_week=np.full_like(teams.live_week, -1))
    eargs_offline = (*eargs[:2], offline, *eargs[3:])
    out = {"week": int(model.steps), "golive_week": model.programme.golive_week}
    out["employees"] = n_emp
    threads = numba.get_num_threads()
    numba.set_num_threads(1)
    try:  # from compiled code, as a run calls it (sim.bench.repeat)
        for name, args in (("employee_kernel", eargs), ("employee_kernel_offline", eargs_offline)):
            out[name] = timed_compiled(repeat.employees, args, repeats, target_s=target_s)
            out[name]["per_second"] = n_emp / out[name]["median_s"]
    finally:
        numba.set_num_threads(threads)
    out["threads"] = threads
    return out


def measure(quick: bool, log=print) -> dict:
    """Every figure of the report, as a dict (see the module docstring)."""
    res: dict = {"mode": "quick" if quick else "full", "machine": machine()}
    if res["machine"]["other_sim_processes"]:
        log(
            f"note: {len(res['machine']['other_sim_processes'])} other sim processes running; "
            "timings may be inflated"
        )

    # The employee kernel, on a default-size organisation past go-live.
    log("kernels ...")
    tgt = 0.005 if quick else 0.02
    res["kernels"] = kernel_figures(stepped_model(), 11 if quick else 31, tgt)

    # Whole runs as a sweep sees them: the mix over fixed seeds, four_ps, agents, the floor.
    res["runs"] = whole_runs(quick, log=log)

    # Sweeps: 2 warm workers against 1 process on the same runs, then end to end.
    log("sweep: 2 workers against 1 process ...")
    res["sweep_efficiency"] = parallel_efficiency(
        replicates=8 if quick else 40, rounds=3, workers=2, log=log
    )
    reps = 10 if quick else 1000
    log(f"sweep: failure rates end to end, {reps * 6:,} runs on 2 workers ...")
    res["sweep_end_to_end"] = sweep_end_to_end(reps, workers=2)

    # Scale: each size in its own process (its own peak RSS); kernels already in the cache.
    sizes, weeks = (QUICK_SCALE, QUICK_SCALE_WEEKS) if quick else (FULL_SCALE, FULL_SCALE_WEEKS)
    growth = []
    for e, c in sizes:
        log(f"scale {e:,}/{c:,} x {weeks} weeks ...")
        rec, wall = run_child(["scale", str(e), str(c), str(weeks)])
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
        cold, cold_wall = run_child(["first", repr(time.time())], env)
        warm, warm_wall = run_child(["first", repr(time.time())], env)
    cold["process_wall_s"], warm["process_wall_s"] = cold_wall, warm_wall
    res["compile"] = {"cold": cold, "warm": warm}
    if not quick:  # the compile before the split, for the ratio (another 15 s)
        with tempfile.TemporaryDirectory(prefix="crmsim-numba-cache-") as cache:
            env = {**os.environ, "NUMBA_CACHE_DIR": cache, precompile.SPLIT_ENV: "0"}
            serial, serial_wall = run_child(["first", repr(time.time())], env)
        serial["process_wall_s"] = serial_wall
        res["compile"]["cold_one_process"] = serial

    log("whole processes: crmsim commands, a sweep, a batch ...")
    res["process"] = command_times(1 if quick else 3)
    res["sweep_process"] = sweep_process(10 if quick else 400, workers=2, repeats=1 if quick else 3)
    res["batch"] = batch_throughput(4 if quick else 8, 3 if quick else 25)

    log("dashboard odds (2 orderings on common seeds, warm pool) ...")
    res["odds"] = measure_odds(quick)

    res["rows"] = rows(res)
    res["gates"] = check_gates(res)
    return res


def rows(res: dict) -> list[dict]:
    quick = res["mode"] == "quick"
    k, runs, big = res["kernels"], res["runs"], res["scale"][-1]
    prices = runs["floor_prices"]
    scale_note = (
        f"quick: {big['employees']:,}/{big['customers']:,}, {big['weeks']} weeks; "
        "target is for 50,000/1,000,000, 156 weeks"
        if quick
        else f"{big['employees']:,}/{big['customers']:,}, {big['weeks']} weeks"
    )
    cold, warm = res["compile"]["cold"], res["compile"]["warm"]
    serial = res["compile"].get("cold_one_process", {})
    out = run_rows(res) + [
        row(
            "scale run time",
            big["run_s"],
            "s",
            None if quick else TARGETS["scale_run_s"],
            "lower",
            scale_note,
        ),
        row(
            "scale run peak RSS",
            big["peak_rss_bytes"] / GIB,
            "GiB",
            None if quick else TARGETS["scale_peak_gib"],
            "lower",
            scale_note,
        ),
        row(
            "customers' week per event / floor of an event",
            runs["customers_vs_floor"],
            "x",
            TARGETS["kernel_vs_floor"],
            "lower",
            f"{runs['customers_per_event_s'] * 1e9:.1f} ns an event in the mix runs (the run less "
            f"the same run with {SMALL_CUSTOMERS} customers, timed in turn, over its and its "
            f"counterfactual's contacts and churn checks) vs {prices['event_s'] * 1e9:.2f} ns at "
            "the floor",
        ),
        row(
            "an event's arithmetic alone / floor of an event",
            prices["event_arithmetic_s"] / prices["event_s"],
            "x",
            None,
            "lower",
            f"{prices['event_arithmetic_s'] * 1e9:.1f} ns: a live week's contacts and churn "
            "checks, their draws and rules on inputs laid out in a row "
            "(sim.bench.floor.event_arithmetic), next to no memory traffic: what the customers' "
            "week cannot go below per event",
        ),
        row(
            "events per customer-week",
            statistics.median(
                (w["events"] + w["cf_events"]) / (2 * w["customer_weeks"])
                for w in runs["mix_floor"]["agent_weeks"]
            ),
            "",
            None,
            "lower",
            "median over the mix runs: the share of customers a week visits (the slots created, "
            "churned ones included, counted as customer-weeks)",
        ),
        row(
            "employee kernel rate",
            k["employee_kernel"]["per_second"] / 1e6,
            "M/s",
            None,
            "higher",
            f"{k['employees']:,} employees, their teams live: "
            f"{k['employee_kernel']['median_s'] * 1e6:.1f} us a week",
        ),
        row(
            "employee kernel rate, no team live",
            k["employee_kernel_offline"]["per_second"] / 1e6,
            "M/s",
            None,
            "higher",
            f"the same week before any go-live, as in the counterfactual: "
            f"{k['employee_kernel_offline']['median_s'] * 1e6:.1f} us a week",
        ),
        row(
            "cold first run (empty cache)",
            cold["to_first_result_s"],
            "s",
            TARGETS["cold_first_run_s"],
            "lower",
            "process start to first default run result; the week compiled in two processes "
            f"(sim.model.precompile); CPU {cold.get('process_cpu_s', math.nan):.1f} s, the "
            "compile helper's included",
        ),
        row(
            "cold first run, compiled in one process",
            serial.get("to_first_result_s", math.nan),
            "s",
            None,
            "lower",
            f"{precompile.SPLIT_ENV}=0: the compile before the split (same measure); CPU "
            f"{serial.get('process_cpu_s', math.nan):.1f} s",
        ),
        row(
            "warm first run: compilations of cached functions",
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
    out += process_rows(res)
    if "odds" in res:
        o = res["odds"]
        out.append(
            row(
                f"dashboard odds, {o['replicates']} replicates x 2 orderings",
                o["total_s"],
                "s",
                None if quick else ODDS_TARGET_S,
                "lower",
                f"{o['workers']} workers, pool warm; compute {o['compute_s']:.2f} s "
                f"({o['runs_per_s']:.0f} runs/s), then 3 charts; CPU {o['cpu_per_run_s'] * 1e3:.0f}"
                f" ms a run, so about {o['idle_estimate_s']:.1f} s on 2 idle cores",
            )
        )
    return out


def exit_status(res: dict, report_only: bool = False) -> int:
    """1 when a target is missed or a gate fails (0 with ``report_only``), else 0."""
    if report_only:
        return 0
    missed = any(r["met"] is False for r in res["rows"])
    failed = any(g["passed"] is False for g in res["gates"])
    return 1 if missed or failed else 0


def main(quick: bool = False, out: Path = Path("results/bench"), report_only: bool = False) -> int:
    """Measure, write ``out/bench.json`` and ``out/bench.md``, print the table; the exit status.

    Returns 1 when a target is missed or a CI gate fails, unless ``report_only``; 0 otherwise.
    """
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
        f"load average {res['machine']['loadavg_1min']:.2f} at the start, "
        f"{os.getloadavg()[0]:.2f} at the end; {res['bench_s']:.0f} s"
    )
    if load:
        head += f"; {len(load)} other sim processes were running (timings may be inflated)"
    missed = [r["figure"] for r in res["rows"] if r["met"] is False]
    failed = [g["gate"] for g in res["gates"] if g["passed"] is False]
    tail = f"targets missed: {', '.join(missed) if missed else 'none'}; "
    tail += f"gates failed: {', '.join(failed) if failed else 'none'}"
    md = f"{head}\n\n{text}\n\n{gate_table(res['gates'])}\n\n{tail}\n"
    (out / "bench.json").write_text(json.dumps(res, indent=2, default=str) + "\n")
    (out / "bench.md").write_text(md)
    print(md)
    return exit_status(res, report_only)


def cli(argv=None) -> int:
    p = argparse.ArgumentParser(prog="python -m sim.bench", description=__doc__.split("\n")[0])
    p.add_argument("--quick", action="store_true", help="small sizes, fewer repeats")
    p.add_argument("--out", default="results/bench", help="folder for bench.json and bench.md")
    p.add_argument(
        "--report-only",
        action="store_true",
        help="always exit 0 (default: exit 1 when a target is missed or a gate fails)",
    )
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
    return main(quick=args.quick, out=Path(args.out), report_only=args.report_only)
