"""The benchmark's timers: what is divided by what (on a fake clock) and whose CPU is counted, not
how fast anything is."""

from __future__ import annotations

import pytest

from sim.bench import timing


def test_a_compiled_loop_is_timed_per_call_of_its_kernel(monkeypatch):
    """``timed_compiled`` runs the loop ``number`` times per sample, chosen from one call to last
    about the target, and reports the time of one call of the kernel."""
    clock = [0.0]
    loops = []
    monkeypatch.setattr(timing.time, "perf_counter", lambda: clock[0])

    def repeat(times, cost):  # a compiled loop calling a kernel of ``cost`` seconds ``times`` times
        loops.append(times)
        clock[0] += times * cost

    res = timing.timed_compiled(repeat, (0.002,), repeats=5, target_s=0.1)
    assert res["number"] == 50 and res["repeats"] == 5
    for key in ("median_s", "min_s", "max_s"):
        assert res[key] == pytest.approx(0.002, rel=1e-9)
    assert loops[:2] == [1, 1]  # loaded, then one call to size the samples
    assert loops[2:] == [50] * 6  # timed's warm-up call, then the 5 samples


def test_two_scenarios_are_timed_in_turn_seed_by_seed(monkeypatch):
    """``time_runs_alternated`` runs a seed's runs of each scenario in turn (a, b, a, b), so a
    difference of the two is measured in the same minutes; per seed, each scenario's median."""
    from types import SimpleNamespace

    from sim.bench import runs

    clock, calls = [0.0], []
    monkeypatch.setattr(runs.time, "perf_counter", lambda: clock[0])

    def fake_run(scenario, seed, engine="numba"):
        calls.append((scenario, seed))
        clock[0] += {"full": 0.010, "small": 0.004}[scenario] * (1 + seed / 10)
        return SimpleNamespace(summary={"status": f"status-{scenario}"})

    monkeypatch.setattr(runs, "fresh_run", fake_run)
    full, small = runs.time_runs_alternated(["full", "small"], [0, 1], repeats=2)
    assert calls == [("full", 0), ("small", 0)] * 2 + [("full", 1), ("small", 1)] * 2
    assert full["per_seed_s"] == pytest.approx([0.010, 0.011])
    assert small["per_seed_s"] == pytest.approx([0.004, 0.0044])
    assert full["statuses"] == {"status-full": 2} and small["statuses"] == {"status-small": 2}
    single = runs.time_runs("full", [0, 1], repeats=2)
    assert single["per_seed_s"] == pytest.approx(full["per_seed_s"])


def test_children_cpu_counts_a_grandchild_its_child_waited_for():
    """A cold first run's CPU is read as the bench child's and its compile helper's together
    (``run_child``'s ``process_cpu_s``): the helper is the child's own child, which it waits for.
    Here a child waits for a grandchild that burns about 0.3 s of CPU."""
    import subprocess
    import sys

    from sim.bench.timing import children_cpu

    burn = "import time\nt = time.process_time()\nwhile time.process_time() - t < 0.3: pass"
    child = f"import subprocess, sys\nsubprocess.run([sys.executable, '-c', {burn!r}], check=True)"
    before = children_cpu()
    subprocess.run([sys.executable, "-c", child], check=True)
    assert children_cpu() - before >= 0.3


def test_the_pool_is_warmed_with_a_sweep_the_size_of_a_round(monkeypatch):
    """Parallel efficiency compares 2 warm workers with 1 warm process: the pool's warm-up sweep
    is as large as a timed round, so that every worker has run batches of every scenario (a
    2-replicate warm-up left a worker cold, and the first timed round took 2.5x the others)."""
    from sim.bench import sweep
    from sim.experiments import executors

    class Pool:
        def __init__(self, *args, **kwargs):
            pass

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

    swept = []

    def fake_sweep(spec, executor, folder):
        swept.append((type(executor).__name__, spec.replicates))
        return 1.0, 1.0

    monkeypatch.setattr(executors, "PoolExecutor", Pool)
    monkeypatch.setattr(sweep, "_sweep", fake_sweep)
    sweep.parallel_efficiency(8, 3, workers=2, log=lambda *a: None)
    assert swept[0] == ("Pool", 8)
    assert swept[2:] == [("SerialExecutor", 8), ("Pool", 8)] * 3
