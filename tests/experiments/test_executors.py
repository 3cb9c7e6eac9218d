"""Backends give identical rows: serial, a local process pool and a Dask LocalCluster.

As Axelrod's ``test_seeding_equality``: seeds are assigned in the parent, so neither the number of
workers nor the backend may change a single value.
"""

import time
from types import SimpleNamespace

import pandas as pd
import pytest

from sim.errors import InputError
from sim.experiments.executors import (
    Execution,
    PoolExecutor,
    SerialExecutor,
    default_start_method,
)
from sim.experiments.store import read_runs, read_series
from sim.experiments.sweep import run_experiment
from tests.sweep_helpers import model_kwargs, write_experiment


def _square(x):
    return x * x


def _worker_state(_):
    """In a pool worker: the kernels already loaded, the parent the fork server, and how many
    threads that parent has (Linux's /proc; None elsewhere)."""
    import os
    from pathlib import Path

    from sim.experiments import worker
    from sim.experiments.forkserver_env import FORKSERVER_ENV

    parent = os.getppid()
    tasks = Path(f"/proc/{parent}/task")
    threads = len(list(tasks.iterdir())) if tasks.is_dir() else None
    return "numba" in worker._WARM, os.environ.get(FORKSERVER_ENV) == str(parent), threads


def test_serial_pool_and_dask_give_identical_rows(tmp_path):
    path = write_experiment(
        tmp_path,
        replicates=3,
        batch_size=2,
        extra='[design]\ntype = "list"\nparameters = {"rollout.vendor_pressure" = [0.0, 0.9]}',
    )
    kw = model_kwargs()
    backends = {"serial": Execution(workers=1), "pool": 2, "dask": Execution(dask_local=2)}
    runs, series = {}, {}
    for name, opts in backends.items():
        out = tmp_path / name
        res = run_experiment(path, out, execution=opts, progress=False, **kw)
        assert res["status"] == "complete" and res["total"] == 12
        runs[name] = read_runs(out)
        series[name] = read_series(out)
    assert runs["serial"]["run_id"].tolist() == list(range(12))
    assert runs["serial"]["run_id"].is_unique
    for name in ("pool", "dask"):
        pd.testing.assert_frame_equal(runs["serial"], runs[name])
        pd.testing.assert_frame_equal(series["serial"], series[name])
    assert not series["serial"].empty
    points = pd.read_csv(tmp_path / "serial" / "points.csv")
    assert list(points.columns[:3]) == ["scenario", "point", "param.rollout.vendor_pressure"]
    assert sorted(points["point"].unique()) == [0, 1] and (points["n"] <= 3).all()
    # every run row carries the scenario's parameters
    assert "param.org.employees" in runs["serial"].columns


def test_pool_yields_every_result():
    with PoolExecutor(2) as ex:
        assert sorted(ex.map_unordered(_square, range(7))) == [x * x for x in range(7)]


def test_execution_builds_the_executor_asked_for():
    assert isinstance(Execution(workers=1).make_executor(), SerialExecutor)
    assert isinstance(Execution(workers=8).make_executor(n_tasks=1), SerialExecutor)
    with Execution(workers=2).make_executor(n_tasks=5) as pool:
        assert isinstance(pool, PoolExecutor) and pool.workers == 2
    with PoolExecutor(2) as warm:  # the caller's own executor: entered, used, never closed
        with Execution(executor=warm).make_executor() as ex:
            assert ex is warm
        assert sorted(warm.map_unordered(_square, range(3))) == [0, 1, 4]


def test_execution_of_a_whole_number_is_local_workers():
    assert Execution.of(3) == Execution(workers=3)
    assert Execution.of(None) == Execution()
    same = Execution(dask_local=2)
    assert Execution.of(same) is same
    with pytest.raises(InputError, match="execution"):
        Execution.of("two")
    with pytest.raises(InputError, match="execution"):
        Execution.of(True)  # a flag, not a count


def test_execution_refuses_bad_choices_when_made():
    with pytest.raises(InputError, match="--workers"):
        Execution(workers=0)
    with pytest.raises(InputError, match="--dask-local"):
        Execution(dask_local=1.5)
    with pytest.raises(InputError, match="--dask-local"):
        Execution(scheduler="tcp://127.0.0.1:1", dask_local=2)
    with pytest.raises(InputError, match="--scheduler"):
        Execution(scheduler="not an address")
    with pytest.raises(InputError):
        PoolExecutor(2, start_method="fork")


@pytest.mark.skipif(default_start_method() != "forkserver", reason="no fork server (Windows)")
def test_pool_workers_are_forked_warm_from_a_single_threaded_fork_server():
    """The workers get the kernels from the fork server (this pool has no warm-up of its own), and
    the server never started a thread (numba's threading layer is not fork-safe)."""
    with PoolExecutor(2) as ex:
        assert ex.start_method == "forkserver"
        states = list(ex.map_unordered(_worker_state, range(4)))
    for warm, forked_from_server, server_threads in states:
        assert warm and forked_from_server
        assert server_threads in (1, None)


def test_only_spawned_and_dask_workers_need_the_parent_to_compile_first(monkeypatch):
    from sim.experiments import executors

    assert not Execution(workers=1).compiles_in_parent  # runs in this process
    assert not Execution(executor=SerialExecutor()).compiles_in_parent  # the caller's own
    assert Execution(dask_local=2).compiles_in_parent
    monkeypatch.setattr(executors, "default_start_method", lambda: "forkserver")
    assert not Execution(workers=2).compiles_in_parent  # the fork server compiles, alone
    monkeypatch.setattr(executors, "default_start_method", lambda: "spawn")
    assert Execution(workers=2).compiles_in_parent


def test_only_a_local_pool_starts_its_fork_server_early(monkeypatch):
    from sim.experiments import executors

    started = []
    monkeypatch.setattr(executors, "start_fork_server", lambda: started.append(True))
    monkeypatch.setattr(executors, "default_start_method", lambda: "forkserver")
    for execution in (
        Execution(workers=1),
        Execution(dask_local=2),
        Execution(scheduler="tcp://127.0.0.1:8786"),
        Execution(executor=SerialExecutor()),
    ):
        execution.start_early()
    assert started == []
    Execution(workers=2).start_early()
    assert started == [True]
    monkeypatch.setattr(executors, "default_start_method", lambda: "spawn")
    Execution(workers=2).start_early()  # spawned workers have nothing to start early
    assert started == [True]


def test_execution_concurrency_for_the_memory_guards():
    assert Execution(workers=3).concurrency == 3
    assert Execution(dask_local=2).concurrency == 2
    assert Execution(scheduler="tcp://127.0.0.1:8786").concurrency == 1
    assert Execution().concurrency is None  # one per core, decided by the guard
    assert Execution(workers=1).in_process and not Execution(workers=2).in_process
    assert Execution(executor=SerialExecutor()).in_process


def test_progress_hidden_when_not_a_terminal_and_drawn_when_forced():
    import io

    from sim.experiments.progress import TqdmProgress, make_progress

    log = io.StringIO()  # not a terminal: tqdm's disable=None hides the bar
    bar = TqdmProgress(stream=log)
    for done in range(11):
        bar(done, 10, errors=1 if done > 5 else 0)
    assert log.getvalue() == ""
    drawn = io.StringIO()
    bar = TqdmProgress(stream=drawn, disable=False)
    for done in range(11):
        bar(done, 10, errors=1 if done > 5 else 0)
    last = drawn.getvalue().split("\r")[-1]
    assert "10/10" in last and "errors=1" in last and "runs" in last
    calls = []
    make_progress(lambda *a: calls.append(a))(3, 4, 0)
    assert calls == [(3, 4, 0)]
    assert make_progress(False)(1, 2, 0) is None  # silent
    assert isinstance(make_progress(True), TqdmProgress)


def test_progress_bar_comes_from_tqdm_auto():
    """tqdm.auto draws a widget under Jupyter (the text bar on the kernel's stderr shows as red
    lines there) and the text bar elsewhere."""
    import tqdm.auto

    from sim.experiments import progress

    assert progress.tqdm is tqdm.auto.tqdm


def test_a_reimported_worker_is_recognised_only_after_the_pool_has_reaped_it():
    """The pool fails its futures before its management thread reaps the workers; a status read
    while that thread still polls is lost (forkserver: the second reader gets 255). The check
    waits for the thread, so the worker's own status (the reimport) is what it reads."""
    import threading

    from sim.experiments.executors import EXIT_REIMPORT

    reaped = threading.Event()

    class Worker:
        @property
        def exitcode(self):  # what a reader racing the reaper gets, as forkserver's poll does
            return EXIT_REIMPORT if reaped.is_set() else 255

    manager = threading.Thread(target=lambda: (time.sleep(0.2), reaped.set()))
    pool = PoolExecutor.__new__(PoolExecutor)
    pool._pool = SimpleNamespace(_processes={1: Worker()}, _executor_manager_thread=manager)
    manager.start()
    assert pool._reimported()


def test_only_an_in_process_sweep_sets_numba_threads_in_the_parent(monkeypatch):
    """A pool's workers set their own thread count; its parent must not import numba for it
    (about 0.3 s of CPU taken from the starting workers: docs/benchmarks.md)."""
    from sim.experiments import sweep, worker

    calls = []
    monkeypatch.setattr(worker, "set_threads", lambda n: calls.append(n))
    with sweep._one_thread_here(SimpleNamespace(parallel=True)):
        pass
    assert calls == []
    with sweep._one_thread_here(SerialExecutor()):
        pass
    assert calls and calls[0] == 1
