"""Results folders: atomic parts, manifest, refusals, tables, and kill -9 then resume."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from sim.errors import InputError
from sim.experiments.store import (
    ResultsStore,
    atomic_write_bytes,
    read_runs,
    read_series,
    spec_hash,
)
from sim.experiments.summary import RATE_METRICS
from sim.experiments.sweep import run_experiment
from tests.sweep_helpers import model_kwargs, write_experiment

HERE = Path(__file__).resolve().parents[1]  # tests/
SPEC = {"name": "t", "root_seed": 1, "replicates": 2}


def _rows(ids, scenario="a"):
    return pd.DataFrame({"run_id": ids, "scenario": scenario, "error": None})


def test_spec_hash_is_canonical():
    assert spec_hash({"a": 1, "b": [1, 2]}) == spec_hash({"b": [1, 2], "a": 1})
    assert spec_hash({"a": 1}) != spec_hash({"a": 2})


def test_atomic_write_leaves_no_temp_file(tmp_path):
    atomic_write_bytes(tmp_path / "x.json", b"{}")
    assert [p.name for p in tmp_path.iterdir()] == ["x.json"]


def test_manifest_and_parts(tmp_path):
    store = ResultsStore.open(tmp_path / "r", SPEC)
    m = json.loads((tmp_path / "r" / "manifest.json").read_text())
    assert m["spec_hash"] == spec_hash(SPEC) and m["root_seed"] == 1 and m["status"] == "partial"
    assert {"python", "numpy", "numba", "mesa", "pandas"} <= set(m["versions"])
    assert "commit" in m and "created" in m
    store.write_part(0, _rows([0, 1]), pd.DataFrame({"run_id": [0, 0], "week": [1, 2]}))
    store.write_part(2, _rows([2, 3]))
    assert [p.name for p in store.run_parts()] == ["part-00000.parquet", "part-00002.parquet"]
    assert store.done_run_ids() == {0, 1, 2, 3}
    # leftovers of a killed writer are ignored; duplicated run ids are dropped defensively
    (store.runs_dir / "part-00004.parquet.123.tmp").write_bytes(b"half a file")
    store.write_part(1, _rows([1, 2]))
    runs = store.read_runs()
    assert runs["run_id"].tolist() == [0, 1, 2, 3]
    assert len(store.read_series()) == 2


def test_corrupt_part_names_the_file(tmp_path):
    store = ResultsStore.open(tmp_path / "r", SPEC)
    bad = store.runs_dir / "part-00007.parquet"
    bad.write_bytes(b"not parquet")
    with pytest.raises(InputError, match="part-00007.parquet"):
        store.read_runs()


def test_refusals(tmp_path):
    root = tmp_path / "r"
    store = ResultsStore.open(root, SPEC)
    # a manifest with no results yet may be replaced by another spec
    ResultsStore.open(root, {**SPEC, "replicates": 3})
    store.write_part(0, _rows([0]))
    with pytest.raises(InputError, match="different experiment spec"):
        ResultsStore.open(root, SPEC, resume=True)
    with pytest.raises(InputError, match="--resume"):
        ResultsStore.open(root, {**SPEC, "replicates": 3})
    ResultsStore.open(root, {**SPEC, "replicates": 3}, resume=True)
    other = tmp_path / "notes"
    other.mkdir()
    (other / "readme.txt").write_text("mine")
    with pytest.raises(InputError, match="not a results folder"):
        ResultsStore.open(other, SPEC)


def test_summary_and_paired_tables(tmp_path):
    path = write_experiment(tmp_path, replicates=4)
    run_experiment(path, tmp_path / "out", execution=1, progress=False, **model_kwargs())
    summary = pd.read_csv(tmp_path / "out" / "summary.csv")
    assert list(summary.columns) == ["scenario", "metric", "value", "ci_low", "ci_high", "n"]
    expected = [*RATE_METRICS, "adoption_mean", "roi_median"]
    for _, block in summary.groupby("scenario"):
        assert block["metric"].tolist() == expected
    rates = summary[summary["metric"].isin(RATE_METRICS)]
    assert (rates["n"] == 4).all()
    assert ((rates["ci_low"] <= rates["value"]) & (rates["value"] <= rates["ci_high"])).all()
    runs = read_runs(tmp_path / "out")
    tf = runs[runs["scenario"] == "technology_first"]
    nl = summary.query("scenario == 'technology_first' and metric == 'never_live'")
    assert nl["value"].item() == pytest.approx((tf["status"] == "never_live").mean())
    failed = summary.query("scenario == 'four_ps' and metric == 'failed'")["value"].item()
    met = summary.query("scenario == 'four_ps' and metric == 'met_expectations'")["value"].item()
    assert failed + met == pytest.approx(1.0)
    paired = pd.read_csv(tmp_path / "out" / "paired.csv")
    assert list(paired.columns) == [
        "scenario",
        "baseline",
        "metric",
        "diff",
        "ci_low",
        "ci_high",
        "n",
    ]
    assert (
        paired["scenario"].eq("four_ps").all() and paired["baseline"].eq("technology_first").all()
    )
    assert paired["metric"].tolist() == [
        "failed",
        "financial_failure",
        "never_live",
        "measurable_gain",
        "delta_profit",
    ]
    assert (paired["n"] == 4).all()
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text())
    assert manifest["status"] == "complete" and manifest["counts"]["total"] == 8


def test_kill_and_resume_gives_the_uninterrupted_rows(tmp_path):
    path = write_experiment(tmp_path, replicates=12, batch_size=2, keep_series=2)
    total = 24
    out = tmp_path / "killed"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(HERE.parent), str(HERE)])}
    proc = subprocess.Popen(
        [sys.executable, str(HERE / "sweep_runner.py"), str(path), str(out), "2", "0.15"],
        start_new_session=True,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and proc.poll() is None:
            if list((out / "runs").glob("part-*.parquet")):
                break
            time.sleep(0.01)
    finally:
        finished = proc.poll() is not None
        if not finished:
            os.killpg(proc.pid, signal.SIGKILL)  # the runner and its pool workers
        log = proc.communicate()[0].decode(errors="replace")
    assert not finished, f"the sweep ended before it could be killed:\n{log}"
    before = {p.name: p.read_bytes() for p in (out / "runs").glob("part-*.parquet")}
    assert 0 < len(before) < total // 2
    with pytest.raises(InputError, match="--resume"):
        run_experiment(path, out, execution=1, progress=False, **model_kwargs())
    res = run_experiment(path, out, execution=1, resume=True, progress=False, **model_kwargs())
    assert res["status"] == "complete" and res["skipped"] >= 2 and 0 < res["ran"] < total
    for name, data in before.items():  # finished parts are never rewritten
        assert (out / "runs" / name).read_bytes() == data
    ref = tmp_path / "ref"
    run_experiment(path, ref, execution=1, progress=False, **model_kwargs())
    resumed, straight = read_runs(out), read_runs(ref)
    assert resumed["run_id"].is_unique and resumed["run_id"].tolist() == list(range(total))
    pd.testing.assert_frame_equal(resumed, straight)
    pd.testing.assert_frame_equal(read_series(out), read_series(ref))
    for name in ("summary.csv", "paired.csv"):
        assert (out / name).read_text() == (ref / name).read_text()
    again = run_experiment(path, out, resume=True, progress=False, **model_kwargs())
    assert again["ran"] == 0 and again["skipped"] == total and again["status"] == "complete"
