"""The benchmark report's figures: targets, rows of the table, and the CI gates.

Targets are what the code should reach (``crmsim bench`` exits 1 while one is missed, unless
``--report-only``). Gates are far looser limits on ratios measured within one run, checked by
``make test`` in quick mode: a ratio is immune to how fast the machine is, and a gate at least 2x
looser than the value measured on the reference machine does not fail a build on noise, while a
real regression (a kernel that stops vectorising, a sweep that starts every run from scratch) still
breaks it. The measured values the gates were set from are in docs/benchmarks.md.
"""

from __future__ import annotations

import math

#: Targets of the compiled week's performance work (docs/benchmarks.md), in the report's units.
TARGETS = {
    "default_run_ms": 12.0,
    "run_vs_floor": 1.5,
    "speedup_vs_agents": 300.0,
    "sweep_runs_per_s": 150.0,
    "sweep_efficiency": 0.85,
    "scale_run_s": 6.0,
    "scale_peak_gib": 1.0,
    "kernel_vs_floor": 3.0,
    "cold_first_run_s": 10.0,
    "warm_compiles": 0,
    "cli_run_s": 1.0,  # warm crmsim run --no-charts, whole process
    "cli_run_charts_s": 2.5,  # warm crmsim run with its charts, whole process
}

#: CI gates (quick mode), each (direction, limit). Measured in quick mode on the 2-core machine
#: under load (6 other sim processes, load average 5-6): numba vs agents 2,000x on the reduced
#: organisation with the cached one-thread week (85x with the week before it, 34-60x before the
#: compiled week), sweep CPU efficiency 0.6-0.95, wall efficiency 0.85-0.95 when quiet. Since the
#: customers are drawn by events, the floors price a run's events (sim.bench.floor): a whole run
#: 5.5x its floor and the customers' week 6.8x an event's floor in quick mode under load (make
#: test beside make reference) before the gap table (sim.model.streams.gap_table); with it, 3.80
#: and 3.86x, and 4.81 and 4.14x, in quick mode in two quiet runs (3.5 to 4.2x and 3.4 to 3.9x in
#: full mode). The two limits, lowered with them, are about 2x the loaded values before.
GATES = {
    "speedup_vs_agents": (">=", 500.0),
    "run_vs_floor": ("<=", 10.0),
    "kernel_vs_floor": ("<=", 12.0),
    "sweep_cpu_efficiency": (">=", 0.4),
    "sweep_efficiency": (">=", 0.4),
}

#: The wall-clock efficiency gate only applies when the machine was not oversubscribed: the
#: 1-minute load average (which counts the benchmark's own one or two busy processes) at most the
#: CPU count plus this slack. With more runnable processes than cores, two workers get no more CPU
#: than one whatever the sweep does (measured: 0.39-0.43 at load average 8-10 on 2 cores). The CPU
#: efficiency gate always applies.
LOAD_SLACK = 0.5


def gate_values(res: dict) -> dict:
    """The gated ratios of a benchmark result."""
    sweep = res.get("sweep_efficiency") or {}
    return {
        "speedup_vs_agents": res["runs"]["speedup_vs_agents"],
        "run_vs_floor": res["runs"]["run_vs_floor"],
        "kernel_vs_floor": res["runs"]["customers_vs_floor"],
        "sweep_cpu_efficiency": sweep.get("cpu_efficiency"),
        "sweep_efficiency": sweep.get("efficiency"),
    }


def wall_gate_applies(res: dict) -> bool:
    """Whether the machine was quiet enough for the wall-clock efficiency gate (see LOAD_SLACK)."""
    sweep = res.get("sweep_efficiency") or {}
    load, cpus = sweep.get("loadavg_1min"), sweep.get("cpus") or res["machine"]["cpus_available"]
    if load is None or not cpus:
        return True
    return load <= cpus + LOAD_SLACK


def check_gates(res: dict) -> list[dict]:
    """One record per gate: value, limit, passed (None when not applied), why not applied."""
    out = []
    values = gate_values(res)
    for name, (direction, limit) in GATES.items():
        value = values[name]
        skipped = None
        if value is None:
            skipped = "not measured on this platform"
        elif name == "sweep_efficiency" and not wall_gate_applies(res):
            load = res["sweep_efficiency"]["loadavg_1min"]
            skipped = f"machine busy (load average {load:.1f}): wall-clock ratio not gated"
        passed = None
        if skipped is None:
            passed = value >= limit if direction == ">=" else value <= limit
        out.append(
            {
                "gate": name,
                "value": value,
                "limit": f"{direction} {limit}",
                "passed": passed,
                "skipped": skipped,
            }  # fmt: skip
        )
    return out


def gate_table(gates: list[dict]) -> str:
    lines = ["| gate (CI, quick mode) | value | limit | passed |", "|---|---|---|---|"]
    for g in gates:
        val = "-" if g["value"] is None else f"{g['value']:.3g}"
        state = {True: "yes", False: "NO", None: f"not applied ({g['skipped']})"}[g["passed"]]
        lines.append(f"| {g['gate']} | {val} | {g['limit']} | {state} |")
    return "\n".join(lines)


def row(name: str, value, unit: str, target, better: str, note: str = "") -> dict:
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


def _statuses(counts: dict) -> str:
    return ", ".join(f"{v} {k}" for k, v in sorted(counts.items()))


def run_rows(res: dict) -> list[dict]:
    """Rows of the whole-run and sweep figures (sim.bench.runs, sim.bench.sweep)."""
    quick = res["mode"] == "quick"
    runs, eff, e2e = res["runs"], res["sweep_efficiency"], res["sweep_end_to_end"]
    mix, four = runs["mix"], runs["four_ps"]
    org = runs["agents_org"]
    agents_note = (
        f"mix, {len(runs['agents']['seeds'])} seeds, both engines on a reduced org: "
        f"{org['org.employees']} employees, {org['org.customers']:,} customers"
        if org
        else f"mix, the first {len(runs['agents']['seeds'])} seeds, full size"
    )
    floor = runs["mix_floor"]
    return [
        row(
            "default run, numba, industry mix (median)",
            mix["median_s"] * 1e3,
            "ms",
            TARGETS["default_run_ms"],
            "lower",
            f"{len(mix['seeds'])} sweep seeds: {_statuses(mix['statuses'])}; "
            "counterfactual included, one thread",
        ),
        row(
            "default run, numba, four_ps seed 1",
            four["median_s"] * 1e3,
            "ms",
            None,
            "lower",
            f"{_statuses(four['statuses'])}; the earlier default-run figure",
        ),
        row(
            "whole run / physical floor",
            runs["run_vs_floor"],
            "x",
            TARGETS["run_vs_floor"],
            "lower",
            f"median over the mix seeds; floor of a run {floor['median_s'] * 1e3:.2f} ms "
            "(run and counterfactual: their events and employee-weeks)",
        ),
        row(
            "whole run / floor of a weekly pass",
            runs["run_vs_weekly_pass_floor"],
            "x",
            None,
            "lower",
            f"every customer read and written every week, as the model did before it drew by "
            f"events: {floor['weekly_pass_median_s'] * 1e3:.2f} ms (the floor this row's target "
            "was set against)",
        ),
        row(
            "whole run / floor with an event's arithmetic",
            runs["run_vs_arithmetic_floor"],
            "x",
            None,
            "lower",
            f"each event priced at the larger of its memory floor and its draw and rule alone "
            f"(the row 'an event's arithmetic alone'): {floor['arithmetic_median_s'] * 1e3:.2f} ms",
        ),
        row(
            "speed-up numba vs agents, same runs",
            runs["speedup_vs_agents"],
            "x",
            TARGETS["speedup_vs_agents"],
            "higher",
            agents_note,
        ),
        row(
            "failure-rates sweep, end to end",
            e2e["runs_per_s"],
            "runs/s",
            None if quick else TARGETS["sweep_runs_per_s"],
            "higher",
            f"{e2e['runs']:,} runs, {e2e['workers']} workers, fresh pool, store included "
            f"({e2e['parts']} parts), {e2e['wall_s']:.1f} s",
        ),
        row(
            "sweep parallel efficiency (wall)",
            eff["efficiency"],
            "",
            TARGETS["sweep_efficiency"],
            "higher",
            f"{eff['workers']} warm workers {eff['pool_runs_per_s']:.1f} vs 1 process "
            f"{eff['serial_runs_per_s']:.1f} runs/s, {eff['runs']} runs x {eff['rounds']} rounds; "
            f"load average {eff['loadavg_1min']:.1f} on {eff['cpus']} CPUs; "
            f"pool start {eff['pool_start_s']:.1f} s",
        ),
        row(
            "sweep CPU efficiency",
            eff["cpu_efficiency"],
            "",
            None,
            "higher",
            "CPU s of 1 process / CPU s of the pool (parent and workers): the work the pool adds",
        ),
    ]


def process_rows(res: dict) -> list[dict]:
    """Rows of the whole-process figures (sim.bench.process): commands, the sweep, the batch."""
    out = []
    targets = {
        "crmsim run four_ps --no-charts": TARGETS["cli_run_s"],
        "crmsim run four_ps (4 PNG charts)": TARGETS["cli_run_charts_s"],
    }
    for label, t in (res.get("process") or {}).items():
        out.append(
            row(
                f"warm {label}",
                t["wall_s"],
                "s",
                targets.get(label),
                "lower",
                f"whole process, numba's cache warm; CPU {t['cpu_s']:.2f} s",
            )
        )
    if "sweep_process" in res:
        sp = res["sweep_process"]
        out.append(
            row(
                "failure-rates sweep, crmsim process",
                sp["runs_per_s"],
                "runs/s",
                TARGETS["sweep_runs_per_s"] if sp["runs"] >= 2400 else None,
                "higher",
                f"{sp['runs']:,} runs, {sp['workers']} workers, process start included, "
                f"median of {sp.get('repeats', 1)} sweeps, {sp['wall_s']:.1f} s; the sweep's own "
                f"process CPU {sp['cpu_s']:.1f} s (its workers, forked from the pool's fork "
                "server, are not its children)",
            )
        )
    if "batch" in res:
        b = res["batch"]
        out.append(
            row(
                "batch of points x seeds (calibration, sensitivity), 1 process",
                b["runs_per_s"],
                "runs/s",
                None,
                "higher",
                f"sim.experiments.batch.run_points: {b['points']} points x {b['seeds']} seeds of "
                f"four_ps, one counterfactual per seed; {b['runs_per_cpu_s']:.0f} runs per CPU s",
            )
        )
    return out
