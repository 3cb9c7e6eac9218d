"""Issue 14: every bad input gets a clear error, nothing is written where it should not be, nothing
is lost. One test (or a few) per numbered item of the issue; each failed on main before the fix.

Sweeps here use the stand-in model (``sweep_helpers.fake_run``) with the real scenario loader, so
the resume, store and lock machinery is exercised in seconds.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
from sweep_helpers import SlowRun, fake_run, write_experiment

import sim
from sim.cli.main import main
from sim.errors import InputError
from sim.experiments.store import read_manifest, read_runs, read_series
from sim.experiments.sweep import run_experiment
from sim.model.scenario import load_scenario
from tests.common import ROOT, SCENARIOS

HERE = Path(__file__).resolve().parent
FAST = ["--set", "org.employees=20", "--set", "org.customers=200", "--set", "horizon_weeks=30"]


def _err(capsys) -> str:
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert err.startswith("crmsim: error: ") and err.count("\n") == 1, err
    return err


def _project(tmp_path: Path) -> Path:
    """A copy of the shipped scenarios and experiments, safe to edit."""
    proj = tmp_path / "proj"
    shutil.copytree(SCENARIOS, proj / "scenarios")
    shutil.copytree(ROOT / "experiments", proj / "experiments")
    (proj / "pyproject.toml").write_text("")
    return proj


def _sweep(path, out, **kw):
    return run_experiment(path, out, workers=1, progress=False, run_fn=fake_run, **kw)


# --- 1. the resume key covers every file reached through extends, and the model version ---


def test_resume_refuses_after_an_extended_file_changed(tmp_path):
    proj = _project(tmp_path)
    exp = write_experiment(tmp_path, names=(), replicates=2)
    exp.write_text(
        exp.read_text().replace("scenarios = []", f'scenarios = ["{proj}/scenarios/four_ps.toml"]')
    )
    out = tmp_path / "out"
    _sweep(exp, out)
    base = proj / "scenarios" / "base.toml"
    base.write_text(base.read_text().replace("team_size = 10", "team_size = 12"))
    with pytest.raises(InputError, match="different experiment spec"):
        _sweep(exp, out, resume=True)


def test_resume_key_holds_files_resolved_values_seeds_and_model(tmp_path):
    exp = write_experiment(tmp_path, names=("four_ps",), replicates=2)
    out = tmp_path / "out"
    _sweep(exp, out)
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
    _sweep(exp, out)
    monkeypatch.setattr(sim, "__version__", "99.0")
    with pytest.raises(InputError, match="different experiment spec"):
        _sweep(exp, out, resume=True)


# --- 2. names are sanitised; results stay under results/runs ---


@pytest.mark.parametrize("name", ["../../escaped", "/tmp/crmsim-abs", "x" * 300, "a b/../c"])
def test_run_name_cannot_leave_results_runs(tmp_path, monkeypatch, capsys, name):
    work = tmp_path / "w1" / "w2" / "w3"
    work.mkdir(parents=True)
    monkeypatch.chdir(work)
    scen = tmp_path / "s.toml"
    scen.write_text(
        f"name = {json.dumps(name)}\nextends = '{SCENARIOS}/base.toml'\n"
        "[rollout]\nordering = ['people', 'platform']\n"
    )
    before = set(tmp_path.rglob("*"))
    absolute = Path("/tmp/crmsim-abs-seed1")
    absolute_before = absolute.exists() and absolute.stat().st_mtime
    assert main(["run", str(scen), *FAST, "--no-charts"]) == 0, capsys.readouterr().err
    new = set(tmp_path.rglob("*")) - before
    runs = work / "results" / "runs"
    assert new and all(p in (work / "results", runs) or runs in p.parents for p in new), new
    (folder,) = runs.iterdir()
    assert len(folder.name) <= 100
    assert (absolute.exists() and absolute.stat().st_mtime) == absolute_before
    capsys.readouterr()


# --- 3. calibration writes under results/ and changes a scenario only when asked ---


def _fake_evaluate(executor, scenario, overrides, seeds, chunk=25):
    n = len(seeds)
    rates = {"never_live": 0.1, "abandoned": 0.3, "failed": 0.5, "measurable_gain": 0.2}
    return {"n": n, "counts": {k: round(v * n) for k, v in rates.items()}, "rates": rates}


def test_calibrate_leaves_the_scenario_alone_without_the_flag(tmp_path, monkeypatch, capsys):
    import sim.experiments.calibration as cal

    monkeypatch.setattr(cal, "evaluate", _fake_evaluate)
    proj = _project(tmp_path)
    before = (proj / "scenarios/calibrated.toml").read_bytes()
    out = tmp_path / "calout"
    argv = ["calibrate", str(proj / "experiments/calibration.toml"), "--quick", "--workers", "1"]
    assert main([*argv, "--out", str(out)]) == 0
    assert (proj / "scenarios/calibrated.toml").read_bytes() == before
    assert "Written by `crmsim calibrate" in (out / "calibrated.toml").read_text()
    assert main([*argv, "--out", str(out), "--write-scenario"]) == 0
    assert (proj / "scenarios/calibrated.toml").read_bytes() != before
    assert (proj / "scenarios/calibrated.toml.bak").read_bytes() == before
    capsys.readouterr()


@pytest.mark.parametrize(
    "output, needle", [("5", "value 5"), ('"../../outside.toml"', "inside the project")]
)
def test_calibration_output_is_checked(tmp_path, capsys, output, needle):
    proj = _project(tmp_path)
    f = proj / "experiments/calibration.toml"
    f.write_text(
        f.read_text().replace('output = "scenarios/calibrated.toml"', f"output = {output}")
    )
    assert main(["validate", str(f)]) == 2
    err = _err(capsys)
    assert "calibration.output" in err and needle in err


# --- 4. the report never writes through a link ---


@pytest.mark.parametrize("link", ["report.html", "charts", "charts/outcome_mix.png"])
def test_report_refuses_symlinks(tmp_path, capsys, link):
    root = tmp_path / "res"
    shutil.copytree(HERE / "fixtures" / "results_small", root)
    victim = tmp_path / "victim"
    victim.mkdir() if link == "charts" else victim.write_text("precious")
    (root / "charts").mkdir(exist_ok=True)
    target = root / link
    if target.exists():
        shutil.rmtree(target) if target.is_dir() else target.unlink()
    target.symlink_to(victim)
    assert main(["report", str(root)]) == 2
    assert "symbolic link" in _err(capsys)
    assert (list(victim.iterdir()) == []) if link == "charts" else victim.read_text() == "precious"


# --- 5. non-finite or huge mix weights, a non-string description ---------------------------------


@pytest.mark.parametrize("weight", ["nan", "inf", "1e308", "-inf"])
def test_mix_weight_must_be_finite(tmp_path, weight):
    (tmp_path / "m.toml").write_text(
        f"extends = '{SCENARIOS}/base.toml'\n[[mix]]\nscenario = '{SCENARIOS}/four_ps.toml'\n"
        f"weight = {weight}\n"
    )
    with pytest.raises(InputError, match="positive number") as err:
        load_scenario(tmp_path / "m.toml")
    assert err.value.key == "mix[0].weight"


def test_description_must_be_a_string(tmp_path):
    (tmp_path / "d.toml").write_text(f"description = 5\nextends = '{SCENARIOS}/four_ps.toml'\n")
    with pytest.raises(InputError, match="expected a string") as err:
        load_scenario(tmp_path / "d.toml")
    assert err.value.key == "description"


# --- 6. the output folder is checked before the run ---


@pytest.mark.parametrize("out", ["/proc/crmsim-out", "{d}/a_file/sub", "/dev/null", "bad\x00name"])
def test_unwritable_out_fails_before_the_run(tmp_path, monkeypatch, capsys, out):
    (tmp_path / "a_file").write_text("x")
    monkeypatch.setattr(sim, "run", lambda *a, **k: pytest.fail("simulated before checking"))
    rc = main(["run", str(SCENARIOS / "four_ps.toml"), "--out", out.format(d=tmp_path)])
    assert rc == 2
    assert "--out" in _err(capsys)


# --- 7. size guards ---


@pytest.mark.parametrize(
    "argv",
    [
        ["--replicates", "100000000"],
        ["--design", 'type = "lhs"\nsamples = 500000000\n[design.parameters]\n'
         '"rollout.vendor_pressure" = { low = 0.0, high = 1.0 }'],
        ["--design", 'type = "grid"\n[design.parameters]\n' + "\n".join(
            f'"{k}" = [{", ".join(str(i / 1000) for i in range(300))}]'
            for k in ("rollout.vendor_pressure", "org.culture", "sponsor.expectation_inflation"))],
    ],
)  # fmt: skip
def test_huge_sweeps_are_refused_with_the_estimate_and_the_flag(tmp_path, capsys, argv):
    exp = tmp_path / "big.toml"
    text = (ROOT / "experiments/smoke.toml").read_text().replace("../scenarios/", f"{SCENARIOS}/")
    extra = []
    if argv[0] == "--design":
        text += "\n[design]\n" + argv[1] + "\n"
    else:
        extra = argv
    exp.write_text(text)
    t0 = time.monotonic()
    assert main(["sweep", str(exp), "--out", str(tmp_path / "o"), *extra]) == 2
    err = _err(capsys)
    assert "runs" in err and "--allow-large" in err and "GiB" in err
    assert time.monotonic() - t0 < 20 and not (tmp_path / "o").exists()


def test_the_largest_organisation_is_refused_when_memory_is_short(monkeypatch, capsys):
    from sim.experiments import guards

    monkeypatch.setattr(guards, "available_bytes", lambda: 4 * 2**30)
    monkeypatch.setattr(sim, "run", lambda *a, **k: pytest.fail("ran"))
    big = ["--set", "org.employees=1000000", "--set", "org.customers=20000000"]
    assert main(["run", str(SCENARIOS / "four_ps.toml"), *big, "--no-charts"]) == 2
    err = _err(capsys)
    assert "GiB" in err and "--allow-large" in err


# --- 8. workers die with their parent ---


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_kill_9_of_a_sweep_leaves_no_worker(tmp_path):
    """Two tries here; ``python tests/orphans.py 20`` gives the issue's twenty-try figure."""
    from orphans import kill_and_count

    path = write_experiment(tmp_path, replicates=40, batch_size=2)
    assert sum(kill_and_count(path, tmp_path / f"k{i}") for i in range(2)) == 0


# --- 9. --scheduler ---


@pytest.mark.parametrize("addr", ["notanaddress", "tcp://", "tcp://host:notaport", "foo://x:1",
                                  "tcp://h:99999"])  # fmt: skip
def test_malformed_scheduler_address(tmp_path, capsys, addr):
    out = tmp_path / "o"
    exp = ROOT / "experiments/smoke.toml"
    assert main(["sweep", str(exp), "--out", str(out), "--scheduler", addr]) == 2
    assert "--scheduler" in _err(capsys)
    assert not out.exists()


def test_unreachable_scheduler_is_found_before_writing(tmp_path, capsys, monkeypatch):
    import sim.experiments.scheduler as sch

    monkeypatch.setattr(sch, "PROBE_TIMEOUT", 1)
    out = tmp_path / "o"
    exp = ROOT / "experiments/smoke.toml"
    assert main(["sweep", str(exp), "--out", str(out), "--scheduler", "tcp://127.0.0.1:9"]) == 2
    assert "cannot reach the Dask scheduler" in _err(capsys)
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


# --- 10. the store: checksums, regeneration, no downgrade ---


def _straight(tmp_path, exp):
    ref = tmp_path / "ref"
    _sweep(exp, ref)
    return ref


@pytest.mark.parametrize("fault", ["truncate run", "truncate series", "delete run",
                                   "delete series", "flip a byte", "kill mid-write"])  # fmt: skip
def test_resume_regenerates_damaged_parts(tmp_path, fault):
    exp = write_experiment(tmp_path, names=("four_ps", "big_bang"), replicates=6, keep_series=6)
    out = tmp_path / "out"
    _sweep(exp, out, part_rows=4)  # several parts, so one can be damaged
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
    res = _sweep(exp, out, resume=True, part_rows=4)
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
    _sweep(exp, out)
    before = (out / "manifest.json").read_bytes()
    with pytest.raises(InputError):
        _sweep(exp, out, resume=True, replicates=3)
    with pytest.raises(InputError):
        run_experiment(exp, out, resume=True, scheduler="bad address", progress=False)
    assert (out / "manifest.json").read_bytes() == before
    assert read_manifest(out)["status"] == "complete"


# --- 11. one writer per folder ---


def test_a_second_writer_is_refused_with_the_first_ones_pid(tmp_path):
    path = write_experiment(tmp_path, replicates=40, batch_size=2)
    out = tmp_path / "o"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(HERE.parent), str(HERE)])}
    proc = subprocess.Popen(
        [sys.executable, str(HERE / "sweep_runner.py"), str(path), str(out), "1", "0.2"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not (out / "manifest.json").exists():
            time.sleep(0.05)
        with pytest.raises(InputError, match=f"process {proc.pid} ") as err:
            run_experiment(path, out, workers=1, resume=True, progress=False, run_fn=SlowRun(0))
        assert "another process is writing" in str(err.value)
    finally:
        proc.kill()
        proc.wait()
    # the kernel dropped the lock with the process: resume takes over at once
    res = run_experiment(path, out, workers=1, resume=True, progress=False, run_fn=SlowRun(0))
    assert res["status"] == "complete"


# --- 12. the smaller items ---


def test_negative_seed(capsys):
    assert main(["run", str(SCENARIOS / "four_ps.toml"), "--seed", "-1"]) == 2
    err = _err(capsys)
    assert "--seed" in err and "-1" in err


def test_deep_toml_and_dev_zero(tmp_path, capsys):
    deep = tmp_path / "deep.toml"
    deep.write_text("x = " + "[" * 5000 + "]" * 5000 + "\n")
    assert main(["validate", str(deep)]) == 2
    assert "nested too deeply" in _err(capsys)
    tables = tmp_path / "tables.toml"
    tables.write_text("[" + ".".join(f"k{i}" for i in range(200)) + "]\nv = 1\n")
    assert main(["validate", str(tables)]) == 2
    assert "nested too deeply" in _err(capsys)
    assert main(["validate", "/dev/zero"]) == 2
    assert "regular" in _err(capsys)


def test_validate_accepts_the_shipped_calibration_and_a_minimal_experiment(tmp_path, capsys):
    assert main(["validate", str(ROOT / "experiments/calibration.toml")]) == 0
    assert "valid calibration" in capsys.readouterr().out
    minimal = tmp_path / "m.toml"
    minimal.write_text('scenarios = ["four_ps"]\n')
    (tmp_path / "pyproject.toml").write_text("")
    shutil.copytree(SCENARIOS, tmp_path / "scenarios")
    assert main(["validate", str(minimal)]) == 0
    out = capsys.readouterr().out
    assert "valid experiment" in out and "it has `scenarios`" in out


@pytest.mark.parametrize(
    "extra, needles",
    [
        ('[design]\ntype = "grid"\nparameters = { "rollout.vendor_presure" = [0.1] }',
         ["design.parameters.rollout.vendor_presure", "unknown parameter"]),
        ('[design]\ntype = "grid"\nparameters = { "rollout.vendor_pressure" = [0.1, 7.0] }',
         ["design.parameters.rollout.vendor_pressure", "7.0"]),
        ('baseline = "nonesuch"', ["baseline", "nonesuch"]),
    ],
)  # fmt: skip
def test_validate_rejects_what_sweep_rejects(tmp_path, capsys, extra, needles):
    exp = write_experiment(tmp_path, names=("four_ps",), replicates=2)
    text = exp.read_text()
    if extra.startswith("baseline"):
        text = extra + "\n" + text
    else:
        text += extra + "\n"
    exp.write_text(text)
    for argv in (["validate", str(exp)], ["sweep", str(exp), "--out", str(tmp_path / "o")]):
        assert main(argv) == 2
        err = _err(capsys)
        for needle in needles:
            assert needle in err, err
    assert not (tmp_path / "o").exists()


def test_ordering_beside_phases_is_refused(tmp_path):
    (tmp_path / "s.toml").write_text(
        f"extends = '{SCENARIOS}/base.toml'\n[rollout]\nordering = ['people']\n"
        "[[rollout.phases]]\nworkstream = 'platform'\nduration = 10\n"
    )
    with pytest.raises(InputError, match="not both") as err:
        load_scenario(tmp_path / "s.toml")
    assert err.value.key == "rollout.ordering"


def test_set_rollout_ordering(tmp_path):
    scen = load_scenario(
        SCENARIOS / "technology_first.toml",
        overrides={"rollout.ordering": ["people", "process", "platform"]},
    )
    assert [p.workstream for p in scen.phases] == ["people", "process", "platform"]
    assert scen.phases[1].start == scen.phases[0].end
    with pytest.raises(InputError, match="workstreams"):
        load_scenario(SCENARIOS / "four_ps.toml", overrides={"rollout.ordering": ["sales"]})


def test_broken_pipe_is_quiet(monkeypatch):
    class Closed(io.StringIO):
        def write(self, s):
            raise BrokenPipeError(32, "Broken pipe")

    monkeypatch.setattr(sys, "stdout", Closed())
    assert main(["list", "--params"]) == 0


def test_workers_0_names_the_flag(capsys):
    assert main(["sweep", str(ROOT / "experiments/smoke.toml"), "--workers", "0"]) == 2
    assert "--workers" in _err(capsys)


def test_resume_hint_keeps_replicates(tmp_path):
    exp = write_experiment(tmp_path, names=("four_ps",), replicates=4)
    out = tmp_path / "o"
    _sweep(exp, out, replicates=2)
    with pytest.raises(InputError, match="--replicates 2 --resume"):
        _sweep(exp, out, replicates=2)


def test_run_refuses_a_folder_made_with_other_set_values(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    argv = ["run", str(SCENARIOS / "four_ps.toml"), *FAST, "--no-charts"]
    assert main(argv) == 0
    assert main([*argv, "--set", "rollout.vendor_pressure=0.9"]) == 2
    err = _err(capsys)
    assert "other settings" in err and "--overwrite" in err


def test_help_hint_and_version(capsys):
    assert main(["fly"]) == 2
    err = _err(capsys)
    assert "`crmsim --help`" in err and "crmsim crmsim" not in err
    with pytest.raises(SystemExit) as ex:
        main(["--version"])
    assert ex.value.code == 0 and sim.__version__ in capsys.readouterr().out


def test_errors_name_the_file_reached_through_extends(tmp_path, capsys):
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (outside / "base.toml").write_text("[org]\nemployees = 3\n")
    (tmp_path / "s.toml").write_text(
        "extends = 'elsewhere/base.toml'\n[rollout]\nordering = ['people']\n"
    )
    assert main(["validate", str(tmp_path / "s.toml")]) == 2
    err = _err(capsys)
    assert str(outside / "base.toml") in err and "reached through `extends` from" in err
    assert "org.employees" in err and "value 3" in err


# --- 13. the design notes ship with the repository ---


def test_design_notes_ship_and_references_resolve():
    assert (ROOT / "docs" / "DESIGN.md").is_file()
    for doc in (ROOT / "README.md", ROOT / "docs" / "ARCHITECTURE.md", ROOT / "docs" / "ODD.md"):
        text = doc.read_text()
        assert "not shipped" not in text and "../shared/DESIGN.md" not in text, doc
