"""pytest-benchmark: the kernels and floors one by one, a whole run of each engine, the scale run.

Each benchmark has a warm-up round (``warmup_rounds=1``) so compile time stays out of the figures.
Nothing here asserts a time: the targets are ratios reported by ``make bench`` (sim.bench), and
regressions are caught by comparing against a saved baseline:

    pytest tests/benchmarks --benchmark-autosave            # on the reference commit
    pytest tests/benchmarks --benchmark-compare --benchmark-compare-fail=median:25%
"""

from __future__ import annotations

import json
import os

from sim.bench import inputs as bench
from sim.bench import report, runs
from sim.experiments.worker import one_thread
from sim.model import kernels

#: Full mode (``make bench``): the sizes the targets are stated at; otherwise quick sizes.
FULL = os.environ.get("CRMSIM_BENCH_FULL") == "1"
#: Organisation of the agents-engine benchmark: full size in full mode, reduced in quick mode.
AGENTS_ORG = {} if FULL else runs.QUICK_AGENTS_ORG
#: The scale benchmark's organisation: 50k/1M for 156 weeks in full mode, small in quick mode.
SCALE_ORG = (
    {"org.employees": 50_000, "org.customers": 1_000_000, "horizon_weeks": 156}
    if FULL
    else {"org.employees": 2_000, "org.customers": 40_000, "horizon_weeks": 52}
)

KERNEL_ROUNDS = 50 if FULL else 10
KERNEL_ITERATIONS = 20 if FULL else 5


def _kernel(benchmark, fn, args, n):
    benchmark.extra_info["agents"] = int(n)
    result = benchmark.pedantic(
        fn, args=args, rounds=KERNEL_ROUNDS, iterations=KERNEL_ITERATIONS, warmup_rounds=1
    )
    benchmark.extra_info["agents_per_second"] = n / benchmark.stats.stats.median
    return result


def test_employee_kernel(benchmark, kernel_model):
    _kernel(
        benchmark,
        kernels.step_employees,
        bench.employee_args(kernel_model),
        kernel_model.employees.n,
    )


def test_event_floor_kernel(benchmark, kernel_model):
    """The memory-traffic floor of a week's customer events (their reads and writes, no rules)."""
    from sim.bench.floor import event_floor_args, floor_events

    args = event_floor_args(kernel_model)
    assert len(args[0]) > 0  # the week has events
    _kernel(benchmark, floor_events, args, len(args[0]))


def test_event_arithmetic_kernel(benchmark, kernel_model):
    """An event's arithmetic alone: the draws and rules of a week's events, no memory traffic."""
    from sim.bench.floor import event_arithmetic, event_arithmetic_args

    args = event_arithmetic_args(kernel_model)
    _kernel(benchmark, event_arithmetic, args, len(args[0]))


def test_event_arithmetic_does_each_events_draw_and_rule(kernel_model):
    """The arithmetic kernel computes what the week computes at each of its events: its sum
    equals the same draws and rules called one event at a time, and the events are the week's
    contacts (the first ones) and churn checks."""
    import pytest

    from sim.bench.floor import event_arithmetic, event_arithmetic_args
    from sim.model import agent_week, streams

    args = event_arithmetic_args(kernel_model)
    slots, contact, s, e, d_old, d, st, live, usage, skill, orient, work, prod = args[:13]
    key, t, capacity, _gaps, bounds, prm, wk = args[13:]
    cus = kernel_model.customers
    on = cus.active[: cus.created]
    assert contact.sum() == (on & (cus.next_contact[: cus.created] == t)).sum() > 0
    assert (~contact).sum() == (on & (cus.next_check[: cus.created] == t)).sum() > 0
    assert not contact[contact.sum() :].any()
    expected = 0.0
    for k in range(len(slots)):
        if contact[k]:
            u, nxt = streams.next_event(
                key, streams.CONTACT_STREAM, slots[k], t, capacity, prm[0].contact_gap
            )
            assert nxt > t  # the next contact comes in a later week
            out = agent_week.customer_contact(
                s[k], e[k], d_old[k], d[k], st[k], live[k], usage[k], skill[k], orient[k],
                work[k], prod[k], u, bounds, prm, wk,
            )  # fmt: skip
            expected += sum(out) + nxt
        else:
            u, nxt = streams.next_event(
                key, streams.CHURN_STREAM, slots[k], t, capacity, prm[0].check_gap
            )
            expected += nxt + (1.0 if agent_week.churns(s[k], u, prm) else 0.0)
    assert event_arithmetic(*args) == pytest.approx(expected, rel=1e-12)


def test_weekly_pass_floor_kernel(benchmark, kernel_model):
    """The memory-traffic floor of a pass over every customer (the model's pass before events)."""
    _kernel(
        benchmark,
        bench.floor_customers,
        bench.floor_args(kernel_model),
        kernel_model.customers.created,
    )


def test_run_numba(benchmark, default_scenario):
    """A whole default run (four_ps, seed 1, counterfactual included), numba engine, one thread.

    One numba thread, as in a sweep's worker (sim.experiments.worker): on a busy 2-core machine a
    second thread per process turned this 40 ms run into 1.6 to 10 s of waiting for a core.
    """
    with one_thread():
        _run_numba(benchmark, default_scenario)


def _run_numba(benchmark, default_scenario):
    result = benchmark.pedantic(
        bench.fresh_run,
        args=(default_scenario,),
        kwargs={"seed": bench.RUN_SEED, "engine": "numba"},
        rounds=15 if FULL else 3,
        warmup_rounds=1,
    )
    assert len(result.timeseries) == 156


def test_run_agents(benchmark):
    """A whole run with the agents engine (a reduced organisation in quick mode)."""
    scenario = bench.scenario(**AGENTS_ORG)
    benchmark.extra_info["overrides"] = AGENTS_ORG
    result = benchmark.pedantic(
        bench.fresh_run,
        args=(scenario,),
        kwargs={"seed": bench.RUN_SEED, "engine": "agents"},
        rounds=3 if FULL else 1,
        warmup_rounds=1,
    )
    assert result.summary["engine"] == "agents"


def test_run_scale(benchmark):
    """The scale run: 50,000 employees, 1,000,000 customers, 156 weeks (full mode only).

    Compile is kept out by a warm-up on a tiny organisation (the same kernels, serial and
    parallel): a full-size warm-up round would double a one-minute benchmark.
    """
    bench.warm_weeks()
    scenario = bench.scenario(**SCALE_ORG)
    benchmark.extra_info["overrides"] = SCALE_ORG
    result = benchmark.pedantic(
        bench.fresh_run,
        args=(scenario,),
        kwargs={"seed": bench.RUN_SEED},
        rounds=1,
        warmup_rounds=0,
    )
    assert len(result.timeseries) == SCALE_ORG["horizon_weeks"]


def test_bench_report_and_ci_gates(tmp_path):
    """The quick report (how ``make test`` runs it) fails the build when a gated ratio regresses.

    Gates (sim.bench.figures.GATES) are ratios measured in this one run: numba vs agents on the
    same runs, the customer kernel vs its floor, the sweep's parallel efficiency (CPU, and wall
    clock when the machine is not oversubscribed). Targets may be missed here (they are reported);
    a gate may not.
    """
    status = report.main(quick=True, out=tmp_path, report_only=True)
    assert status == 0
    res = json.loads((tmp_path / "bench.json").read_text())
    for key in (
        "mode",
        "machine",
        "kernels",
        "runs",
        "sweep_efficiency",
        "sweep_end_to_end",
        "scale",
        "compile",
        "process",
        "sweep_process",
        "batch",
        "rows",
        "gates",
    ):
        assert key in res
    assert res["mode"] == "quick"
    assert {"cpu_count", "python", "numba"} <= res["machine"].keys()
    assert res["kernels"]["employee_kernel"]["per_second"] > 0
    runs = res["runs"]
    assert runs["mix"]["median_s"] > runs["mix_small"]["median_s"] > 0
    assert runs["run_vs_floor"] > 1 and runs["customers_vs_floor"] > 1
    # an event priced at the larger of its memory floor and its arithmetic: a run's floor rises
    assert runs["mix_floor"]["arithmetic_median_s"] >= runs["mix_floor"]["median_s"]
    assert runs["floor_prices"]["event_arithmetic_s"] > 0
    for w in runs["mix_floor"]["agent_weeks"]:  # the events are a fraction of the customer-weeks
        assert 0 < w["events"] < w["customer_weeks"] and 0 < w["cf_events"] < w["customer_weeks"]
    assert res["sweep_end_to_end"]["errors"] == 0
    assert res["compile"]["warm"]["compiles"] == 0
    assert all(t["wall_s"] > 0 for t in res["process"].values())
    assert res["sweep_process"]["runs"] == 60 and res["batch"]["runs_per_s"] > 0
    assert [g["customers"] for g in res["scale"]] == [c for _, c in report.QUICK_SCALE]
    table = (tmp_path / "bench.md").read_text()
    assert "| figure | value | target | met | ratio |" in table
    assert "| gate (CI, quick mode) | value | limit | passed |" in table
    failed = [g for g in res["gates"] if g["passed"] is False]
    assert not failed, f"benchmark gates failed: {failed}\n{table}"
    assert report.exit_status(res) == (
        1 if any(r["met"] is False for r in res["rows"]) or failed else 0
    )


def test_gates_fail_a_regressed_ratio():
    """A ratio past its gate fails; the wall-clock efficiency is not gated on a busy machine."""
    from sim.bench import figures

    res = {
        "machine": {"cpus_available": 2},
        "runs": {"speedup_vs_agents": 600.0, "run_vs_floor": 3.0, "customers_vs_floor": 1.5},
        "sweep_efficiency": {
            "cpu_efficiency": 0.9,
            "efficiency": 0.3,
            "loadavg_1min": 1.8,
            "cpus": 2,
            "workers": 2,
        },
    }
    by = {g["gate"]: g for g in figures.check_gates(res)}
    assert by["speedup_vs_agents"]["passed"] and by["kernel_vs_floor"]["passed"]
    assert by["run_vs_floor"]["passed"]
    assert by["sweep_efficiency"]["passed"] is False  # quiet machine, 0.3 < 0.4
    res["sweep_efficiency"]["loadavg_1min"] = 9.0
    by = {g["gate"]: g for g in figures.check_gates(res)}
    assert by["sweep_efficiency"]["passed"] is None and "busy" in by["sweep_efficiency"]["skipped"]
    res["runs"]["customers_vs_floor"] = 50.0
    res["runs"]["speedup_vs_agents"] = 5.0
    res["runs"]["run_vs_floor"] = 25.0
    by = {g["gate"]: g for g in figures.check_gates(res)}
    assert by["kernel_vs_floor"]["passed"] is False and by["speedup_vs_agents"]["passed"] is False
    assert by["run_vs_floor"]["passed"] is False


def test_profile_names_every_part():
    """``python -m sim.bench.profile``: every part of a run found, with plausible shares."""
    from sim.bench.profile import PARTS, profile

    text = profile(replicates=1, top=3)
    for label, _, _ in PARTS:
        assert label in text
    share = {line[:62].strip(): float(line.split()[-1].rstrip("%")) for line in text.splitlines()
             if line.endswith("%")}  # fmt: skip
    assert share["whole runs (sim.run)"] > 90 and share["model steps (run_model)"] > 30
    assert share["sweep bookkeeping (run_batch minus sim.run)"] < 10
