"""Backends give identical rows: serial, a local process pool and a Dask LocalCluster.

As Axelrod's ``test_seeding_equality``: seeds are assigned in the parent, so neither the number of
workers nor the backend may change a single value.
"""

import pandas as pd
import pytest

from sim.errors import InputError
from sim.experiments.executors import PoolExecutor, SerialExecutor, make_executor
from sim.experiments.store import read_runs, read_series
from sim.experiments.sweep import run_experiment
from tests.sweep_helpers import model_kwargs, write_experiment


def _square(x):
    return x * x


def test_serial_pool_and_dask_give_identical_rows(tmp_path):
    path = write_experiment(
        tmp_path,
        replicates=3,
        batch_size=2,
        extra='[design]\ntype = "list"\nparameters = {"rollout.vendor_pressure" = [0.0, 0.9]}',
    )
    kw = model_kwargs()
    backends = {"serial": {"workers": 1}, "pool": {"workers": 2}, "dask": {"dask_local": 2}}
    runs, series = {}, {}
    for name, opts in backends.items():
        out = tmp_path / name
        res = run_experiment(path, out, progress=False, **opts, **kw)
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


def test_make_executor_choices():
    assert isinstance(make_executor(workers=1), SerialExecutor)
    assert isinstance(make_executor(workers=8, n_tasks=1), SerialExecutor)
    with pytest.raises(InputError, match="--workers"):
        make_executor(workers=0)
    with pytest.raises(InputError, match="--dask-local"):
        make_executor(scheduler="tcp://127.0.0.1:1", dask_local=2)
    with pytest.raises(InputError):
        PoolExecutor(2, start_method="fork")


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
