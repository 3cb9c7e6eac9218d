"""Resume, the store's checks, one writer per folder, workers that die with their parent, and
the ``--scheduler`` address.

Sweeps here use the stand-in model (``tests.sweep_helpers.fake_run``) with the real scenario loader,
so the resume, store and lock machinery is exercised in seconds.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

import sim
from sim.cli.main import main
from sim.errors import InputError
from sim.experiments.executors import Execution
from sim.experiments.store import ResultsStore, read_manifest, read_runs, read_series
from sim.experiments.sweep import run_experiment
from tests.common import ROOT, TESTS, cli_error, project_copy, stand_in_sweep
from tests.sweep_helpers import SlowRun, write_experiment

# --- the resume key covers every file reached through extends, and the model version ---


def test_resume_refuses_after_an_extended_file_changed(tmp_path):
    proj = project_copy(tmp_path)
    exp = write_experiment(tmp_path, names=(), replicates=2)
    exp.write_text(
        exp.read_text().replace("scenarios = []", f'scenarios = ["{proj}/scenarios/four_ps.toml"]')
    )
    out = tmp_path / "out"
    stand_in_sweep(exp, out)
    base = proj / "scenarios" / "base.toml"
    base.write_text(base.read_text().replace("team_size = 10", "team_size = 12"))
    with pytest.raises(InputError, match="different experiment spec"):
        stand_in_sweep(exp, out, resume=True)


def test_resume_key_holds_files_resolved_values_seeds_and_model(tmp_path):
    exp = write_experiment(tmp_path, names=("four_ps",), replicates=2)
    out = tmp_path / "out"
    stand_in_sweep(exp, out)
    inputs = read_manifest(out)["spec"]["inputs"]
    names = {Path(p).name for p in inputs["files"]}
    assert {"four_ps.toml", "base.toml", "calibrated.toml"} <= names
    assert set(inputs) == {"files", "resolved", "seeds", "model"}
    assert (
        inputs["model"]["version"] == sim.__version__ and len(inputs["model"]["model_sha256"]) == 64
    )


def test_resume_refuses_another_model_version(tmp_path, monkeypatch):
    exp = write_experiment(tmp_path, names=("four_ps",), replicates=2)
    out = tmp_path / "out"
    stand_in_sweep(exp, out)
    monkeypatch.setattr(sim, "__version__", "99.0")
    with pytest.raises(InputError, match="different experiment spec"):
        stand_in_sweep(exp, out, resume=True)


# --- workers die with their parent ---


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_kill_9_of_a_sweep_leaves_no_worker(tmp_path):
    """Two tries here; ``python tests/orphans.py 20`` gives the issue's twenty-try figure."""
    from orphans import kill_and_count

    path = write_experiment(tmp_path, replicates=40, batch_size=2)
    assert sum(kill_and_count(path, tmp_path / f"k{i}") for i in range(2)) == 0


# --- --scheduler ---


@pytest.mark.parametrize("addr", ["notanaddress", "tcp://", "tcp://host:notaport", "foo://x:1",
                                  "tcp://h:99999"])  # fmt: skip
def test_malformed_scheduler_address(tmp_path, capsys, addr):
    out = tmp_path / "o"
    exp = ROOT / "experiments/smoke.toml"
    assert main(["sweep", str(exp), "--out", str(out), "--scheduler", addr]) == 2
    assert "--scheduler" in cli_error(capsys)
    assert not out.exists()


def test_unreachable_scheduler_is_found_before_writing(tmp_path, capsys, monkeypatch):
    import sim.experiments.scheduler as sch

    monkeypatch.setattr(sch, "PROBE_TIMEOUT", 1)
    out = tmp_path / "o"
    exp = ROOT / "experiments/smoke.toml"
    assert main(["sweep", str(exp), "--out", str(out), "--scheduler", "tcp://127.0.0.1:9"]) == 2
    assert "cannot reach the Dask scheduler" in cli_error(capsys)
    assert not out.exists()


def _slow_square(x):
    time.sleep(0.3)
    return x * x


def test_lost_scheduler_is_a_clear_stop():
    from dask.distributed import LocalCluster

    from sim.errors import StoppedError
    from sim.experiments.executors import DaskExecutor

    cluster = LocalCluster(
        n_workers=1, threads_per_worker=1, processes=False, dashboard_address=None
    )
    ex = DaskExecutor(scheduler=cluster.scheduler_address)
    results = ex.map_unordered(_slow_square, range(20))
    assert next(results) in {x * x for x in range(20)}
    cluster.close()
    with pytest.raises(StoppedError, match="lost the Dask scheduler"):
        for _ in results:
            pass
    ex._client.close()


# --- the store: checksums, regeneration, no downgrade ---


def _straight(tmp_path, exp):
    ref = tmp_path / "ref"
    stand_in_sweep(exp, ref)
    return ref


@pytest.mark.parametrize("fault", ["truncate run", "truncate series", "delete run",
                                   "delete series", "flip a byte", "kill mid-write"])  # fmt: skip
def test_resume_regenerates_damaged_parts(tmp_path, fault):
    exp = write_experiment(tmp_path, names=("four_ps", "big_bang"), replicates=6, keep_series=6)
    out = tmp_path / "out"
    stand_in_sweep(exp, out, part_rows=4)  # several parts, so one can be damaged
    run_part = sorted((out / "runs").glob("part-*.parquet"))[1]
    series_part = out / "series" / run_part.name
    target = series_part if "series" in fault else run_part
    data = target.read_bytes()
    if fault.startswith("truncate"):
        target.write_bytes(data[: len(data) // 2])
    elif fault.startswith("delete"):
        target.unlink()
    elif fault == "flip a byte":
        target.write_bytes(data[:100] + bytes([data[100] ^ 0xFF]) + data[101:])
    else:  # a kill after the part, before its checksum line: the journal ends mid-line
        j = out / ".checksums.jsonl"
        manifest = read_manifest(out)
        manifest["parts"].pop(f"runs/{run_part.name}")
        (out / "manifest.json").write_text(json.dumps(manifest))
        j.write_text('{"runs/part-0')
        target.write_bytes(data[: len(data) - 10])
    res = stand_in_sweep(exp, out, resume=True, part_rows=4)
    assert res["status"] == "complete" and res["ran"] > 0
    ref = _straight(tmp_path, exp)
    pd.testing.assert_frame_equal(read_runs(out), read_runs(ref))
    pd.testing.assert_frame_equal(read_series(out), read_series(ref))
    assert read_manifest(out)["status"] == "complete"
    assert set(read_manifest(out)["parts"]) == {
        f"{d}/{p.name}" for d in ("runs", "series") for p in (out / d).glob("part-*.parquet")
    }


def test_a_refused_resume_leaves_the_manifest_alone(tmp_path):
    exp = write_experiment(tmp_path, names=("four_ps",), replicates=2)
    out = tmp_path / "out"
    stand_in_sweep(exp, out)
    before = (out / "manifest.json").read_bytes()
    with pytest.raises(InputError):
        stand_in_sweep(exp, out, resume=True, replicates=3)
    with pytest.raises(InputError):
        run_experiment(
            exp, out, resume=True, execution=Execution(scheduler="bad address"), progress=False
        )
    assert (out / "manifest.json").read_bytes() == before
    assert read_manifest(out)["status"] == "complete"


_MANIFEST_DAMAGE = {
    "a list": lambda m, path: path.write_text("[1, 2, 3]\n"),
    "a folder": lambda m, path: (path.unlink(), path.mkdir()),
    "parts a string": lambda m, path: path.write_text(json.dumps({**m, "parts": "x"})),
    "resumed a number": lambda m, path: path.write_text(json.dumps({**m, "resumed": 5})),
    "nested too deeply": lambda m, path: path.write_text("[" * 100_000 + "]" * 100_000),
}


@pytest.mark.parametrize("damage", list(_MANIFEST_DAMAGE))
def test_a_resume_of_a_damaged_manifest_is_refused_and_changes_nothing(tmp_path, capsys, damage):
    """A manifest that is valid JSON of the wrong shape (or a folder) is an input error naming
    the file, and the refusal rewrites nothing (it once wrote a manifest without its counts)."""
    exp = write_experiment(tmp_path, names=("four_ps",), replicates=2)
    out = tmp_path / "out"
    stand_in_sweep(exp, out)
    path = out / "manifest.json"
    _MANIFEST_DAMAGE[damage](json.loads(path.read_text()), path)
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    with pytest.raises(InputError, match="manifest"):
        stand_in_sweep(exp, out, resume=True)
    assert {p: p.read_bytes() for p in out.rglob("*") if p.is_file()} == before


def test_a_resume_keeps_what_the_manifest_recorded_until_it_writes_its_own(tmp_path):
    exp = write_experiment(tmp_path, names=("four_ps",), replicates=2)
    out = tmp_path / "out"
    stand_in_sweep(exp, out)
    recorded = read_manifest(out)
    assert "counts" in recorded
    store = ResultsStore.open(out, recorded["spec"], resume=True)
    reopened = store.read_manifest()
    assert reopened["counts"] == recorded["counts"] and len(reopened["resumed"]) == 1


def test_a_lock_that_is_a_folder_is_refused(tmp_path):
    from sim.experiments.lock import FolderLock

    (tmp_path / ".lock").mkdir()
    with pytest.raises(InputError, match="not a file"):
        FolderLock(tmp_path).acquire()


# --- one writer per folder ---


def test_a_second_writer_is_refused_with_the_first_ones_pid(tmp_path):
    path = write_experiment(tmp_path, replicates=40, batch_size=2)
    out = tmp_path / "o"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), str(TESTS)])}
    proc = subprocess.Popen(
        [sys.executable, str(TESTS / "sweep_runner.py"), str(path), str(out), "1", "0.2"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not (out / "manifest.json").exists():
            time.sleep(0.05)
        with pytest.raises(InputError, match=f"process {proc.pid} ") as err:
            run_experiment(path, out, execution=1, resume=True, progress=False, run_fn=SlowRun(0))
        assert "another process is writing" in str(err.value)
    finally:
        proc.kill()
        proc.wait()
    # the kernel dropped the lock with the process: resume takes over at once
    res = run_experiment(path, out, execution=1, resume=True, progress=False, run_fn=SlowRun(0))
    assert res["status"] == "complete"
