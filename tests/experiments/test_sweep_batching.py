"""Sweep batching for throughput: seeds kept together, few parts, worker caches, one thread."""

import subprocess
import sys

import pandas as pd
import pytest

from sim.experiments import worker
from sim.experiments.experiment import RunSpec
from sim.experiments.parts import PartBuffer
from sim.experiments.store import read_runs
from sim.experiments.sweep import make_batches, run_experiment
from tests.sweep_helpers import REAL, REPO, fake_load, model_kwargs, write_experiment


def _runs(replicates: int, per_replicate: int) -> list[RunSpec]:
    return [
        RunSpec(rep * per_replicate + k, f"s{k}", f"s{k}.toml", 0, rep, 1000 + rep)
        for rep in range(replicates)
        for k in range(per_replicate)
    ]


@pytest.mark.parametrize(
    ("per_replicate", "batch_size", "sizes"),
    [
        (6, 10, [12, 12, 6]),  # round(10 / 6) = 2 whole replicates a batch
        (6, 3, [3, 3] * 5),  # a replicate larger than a batch: near-equal halves
        (7, 3, [3, 2, 2] * 5),
        (2, 2, [2] * 5),
        (1, 4, [4, 1]),
    ],
)
def test_batches_keep_each_seed_together(per_replicate, batch_size, sizes):
    runs = _runs(5, per_replicate)
    batches = make_batches(runs, batch_size)
    assert [len(b.runs) for b in batches] == sizes
    assert [r for b in batches for r in b.runs] == runs  # every run once, in order
    for b in batches:
        seeds = {r.seed for r in b.runs}
        # a batch never holds part of one seed and part of another
        assert len(seeds) == 1 or all(
            sum(r.seed == s for r in runs) == sum(r.seed == s for r in b.runs) for s in seeds
        )
    assert make_batches(runs, batch_size) == batches  # fixed by the spec: resume finds them


def test_part_buffer_writes_few_parts_named_after_their_first_run():
    written = []
    now = [0.0]
    buf = PartBuffer(lambda rid, runs, series: written.append((rid, runs, series)), 5, 10.0,
                     clock=lambda: now[0])  # fmt: skip
    buf.add([{"run_id": 4}, {"run_id": 5}], None)
    buf.add([{"run_id": 0}, {"run_id": 1}], pd.DataFrame({"run_id": [1, 0], "week": [1, 1]}))
    assert written == []
    buf.add([{"run_id": 2}, {"run_id": 3}], None)  # 6 rows >= 5: one part
    assert len(written) == 1
    rid, runs, series = written[0]
    assert rid == 0 and runs["run_id"].tolist() == [0, 1, 2, 3, 4, 5]
    assert series["run_id"].tolist() == [0, 1]
    buf.add([{"run_id": 9}], None)
    now[0] = 11.0
    buf.add([{"run_id": 8}], None)  # the oldest waited 11 s >= 10 s
    assert [w[0] for w in written] == [0, 8]
    buf.flush()  # nothing waiting: nothing written
    assert len(written) == 2 and buf.parts_written == 2


def test_sweep_writes_few_parts_and_the_same_rows(tmp_path):
    path = write_experiment(tmp_path, replicates=6, batch_size=2, keep_series=2)
    one_part = run_experiment(path, tmp_path / "few", execution=1, progress=False, **model_kwargs())
    many = run_experiment(
        path, tmp_path / "many", execution=1, progress=False, part_rows=1, **model_kwargs()
    )
    assert one_part["status"] == many["status"] == "complete"
    assert len(list((tmp_path / "few" / "runs").glob("part-*.parquet"))) == 1
    assert len(list((tmp_path / "many" / "runs").glob("part-*.parquet"))) == 6
    pd.testing.assert_frame_equal(read_runs(tmp_path / "few"), read_runs(tmp_path / "many"))


def test_scenarios_are_loaded_and_resolved_once_per_process(tmp_path):
    worker.clear()
    loads = []

    def counting_load(path):
        loads.append(path)
        return fake_load(path)

    a, pa = worker.scenario_for("x.toml", {"org.employees": 10}, counting_load)
    b, pb = worker.scenario_for("x.toml", {"org.employees": 10}, counting_load)
    c, _ = worker.scenario_for("x.toml", {"org.employees": 12}, counting_load)
    assert a is b and pa is pb and c is not a
    assert loads == ["x.toml"]  # the file once; each override set resolved once
    assert c.values == {"org.employees": 12}
    worker.clear()


def test_one_thread_restores_the_callers_setting():
    numba = pytest.importorskip("numba")
    before = numba.get_num_threads()
    with worker.one_thread():
        assert numba.get_num_threads() == 1
    assert numba.get_num_threads() == before


WARM_CHECK = """
import sim
from sim.bench.timing import compile_counts
from sim.experiments import worker
worker.warm_up()
before = compile_counts()
assert before[1] > 0, before  # the warm-up loaded kernels from the cache
for name in ("four_ps", "technology_first", "big_bang"):
    scen = sim.load_scenario(f"scenarios/{name}.toml", overrides={"org.customers": 3000})
    for seed in (4, 7):
        sim.run(scen, seed=seed)
after = compile_counts()
print(before, after)
assert after == before, (before, after)
"""


@pytest.mark.skipif(not REAL, reason="needs the model")
def test_warm_up_loads_every_kernel_before_the_first_run():
    """In a fresh process, after warm_up, real runs load nothing more from numba's cache."""
    proc = subprocess.run(
        [sys.executable, "-c", WARM_CHECK], cwd=REPO, capture_output=True, text=True, timeout=300
    )
    assert proc.returncode == 0, proc.stderr[-2000:]


@pytest.mark.skipif(not REAL, reason="needs the real model")
@pytest.mark.parametrize("method", ["spawn", "forkserver"])
def test_the_parent_compiles_before_spawned_workers_share_the_numba_cache(
    tmp_path, monkeypatch, method
):
    """Workers starting on an empty numba cache must not compile and write it at the same time
    (numba issue #10128): before spawned workers start, the sweep loads or compiles the model in
    its own process; workers forked from the fork server get the kernels from it, the one process
    that compiles (sim.experiments.forkserver_warm), so the parent does not."""
    from sim.experiments import executors
    from sim.experiments.executors import Execution, SerialExecutor

    calls = []
    monkeypatch.setattr(worker, "compile_here", lambda engine: calls.append(("compile", engine)))
    monkeypatch.setattr(executors, "default_start_method", lambda: method)

    def executor(self, n_tasks=None, warm_up=None):
        calls.append(("executor", warm_up is not None))
        return SerialExecutor()

    monkeypatch.setattr(Execution, "make_executor", executor)
    path = write_experiment(tmp_path, replicates=2)
    run_experiment(path, tmp_path / "two", execution=2, progress=False)
    first = [("compile", "numba")] if method == "spawn" else []
    assert calls == first + [("executor", True)]
    calls.clear()
    run_experiment(path, tmp_path / "one", execution=1, progress=False)
    assert calls == [("executor", True)]  # in-process: the run itself compiles, nothing shared
