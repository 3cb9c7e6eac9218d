"""Bad input at the command line: a clear error (status 2, one line), nothing written where it
should not be, nothing lost: run names, calibration output, output folders, size guards, flags.
"""

from __future__ import annotations

import io
import json
import shutil
import sys
from pathlib import Path

import pytest

import sim
from sim.cli.main import main
from sim.errors import InputError
from sim.model.scenario import load_scenario
from tests.common import FAST, ROOT, SCENARIOS, cli_error, project_copy, stand_in_sweep
from tests.sweep_helpers import write_experiment

# --- names are sanitised; results stay under results/runs ---


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


# --- calibration writes under results/ and changes a scenario only when asked ---


@pytest.mark.parametrize(
    "output, needle", [("5", "value 5"), ('"../../outside.toml"', "inside the project")]
)
def test_calibration_output_is_checked(tmp_path, capsys, output, needle):
    proj = project_copy(tmp_path)
    f = proj / "experiments/calibration.toml"
    f.write_text(
        f.read_text().replace('output = "scenarios/calibrated.toml"', f"output = {output}")
    )
    assert main(["validate", str(f)]) == 2
    err = cli_error(capsys)
    assert "calibration.output" in err and needle in err


# --- the output folder is checked before the run ---


@pytest.mark.parametrize("out", ["/proc/crmsim-out", "{d}/a_file/sub", "/dev/null", "bad\x00name"])
def test_unwritable_out_fails_before_the_run(tmp_path, monkeypatch, capsys, out):
    (tmp_path / "a_file").write_text("x")
    monkeypatch.setattr(sim, "run", lambda *a, **k: pytest.fail("simulated before checking"))
    rc = main(["run", str(SCENARIOS / "four_ps.toml"), "--out", out.format(d=tmp_path)])
    assert rc == 2
    assert "--out" in cli_error(capsys)


# --- a run writes only into a new or empty folder or a run folder of its own ---


@pytest.mark.parametrize("holding", ["a sweep", "charts of mine"])
def test_a_run_into_a_folder_of_other_files_is_refused_and_deletes_nothing(
    tmp_path, monkeypatch, capsys, holding
):
    """A rerun replaces the run's charts/ as a whole: into a sweep's results folder it once
    deleted the sweep's report charts (exit 0)."""
    out = tmp_path / "out"
    if holding == "a sweep":
        shutil.copytree(ROOT / "tests" / "fixtures" / "results_small", out)
        (out / "charts").mkdir(exist_ok=True)
        (out / "charts" / "adoption.png").write_bytes(b"png")
    else:
        (out / "charts").mkdir(parents=True)
        (out / "charts" / "mine.png").write_bytes(b"png")
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    monkeypatch.setattr(sim, "run", lambda *a, **k: pytest.fail("simulated before checking"))
    assert main(["run", str(SCENARIOS / "four_ps.toml"), "--out", str(out), *FAST]) == 2
    assert "did not write" in cli_error(capsys)
    assert {p: p.read_bytes() for p in out.rglob("*") if p.is_file()} == before


def test_a_run_reruns_into_its_own_folder_and_an_empty_out_is_refused(tmp_path, capsys):
    out = tmp_path / "run"
    argv = ["run", str(SCENARIOS / "four_ps.toml"), "--out", str(out), *FAST]
    assert main(argv) == 0
    (out / ".DS_Store").write_bytes(b"")  # a file manager's: hidden entries are left alone
    assert main(argv) == 0
    assert sorted(p.name for p in (out / "charts").iterdir())[0].startswith("run_")
    capsys.readouterr()
    assert main(["run", str(SCENARIOS / "four_ps.toml"), "--out", "", *FAST]) == 2
    assert "--out" in cli_error(capsys)


def test_a_sweep_into_a_run_folder_is_refused_and_leaves_it_as_it_was(tmp_path, capsys):
    """The sweep locks the folder before it looks inside; the refused sweep once left its empty
    ``.lock`` in the run's folder."""
    out = tmp_path / "run"
    assert main(["run", str(SCENARIOS / "four_ps.toml"), "--out", str(out), *FAST]) == 0
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    capsys.readouterr()
    assert main(["sweep", str(ROOT / "experiments/smoke.toml"), "--out", str(out)]) == 2
    assert str(out) in cli_error(capsys)
    assert {p: p.read_bytes() for p in out.rglob("*") if p.is_file()} == before
    assert sorted(out.rglob("*")) == sorted(set(before) | {out / "charts"})


@pytest.mark.parametrize(
    "argv",
    [
        ["sweep", "experiments/smoke.toml", "--out", " "],
        ["compare", "four_ps", "--out", ""],
        ["calibrate", "experiments/calibration.toml", "--out", ""],
        ["calibrate", "experiments/calibration.toml", "--output", ""],
    ],
)
def test_an_empty_path_flag_is_refused_not_read_as_the_default(capsys, argv):
    assert main(argv) == 2
    assert argv[-2] in cli_error(capsys)


# --- size guards ---


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
def test_huge_sweeps_are_refused_with_the_estimate_and_the_flag(
    tmp_path, capsys, monkeypatch, argv
):
    """Refused from the sizes alone: neither the design's points nor the run list is built (once
    checked as "in under 20 s", a timing that a loaded machine need not meet)."""
    from sim.experiments import sweep
    from sim.experiments.design import Design

    monkeypatch.setattr(Design, "points", lambda *a, **k: pytest.fail("design expanded"))
    monkeypatch.setattr(sweep, "build_runs", lambda *a, **k: pytest.fail("run list built"))
    exp = tmp_path / "big.toml"
    text = (ROOT / "experiments/smoke.toml").read_text().replace("../scenarios/", f"{SCENARIOS}/")
    extra = []
    if argv[0] == "--design":
        text += "\n[design]\n" + argv[1] + "\n"
    else:
        extra = argv
    exp.write_text(text)
    assert main(["sweep", str(exp), "--out", str(tmp_path / "o"), *extra]) == 2
    err = cli_error(capsys)
    assert "runs" in err and "--allow-large" in err and "GiB" in err
    assert not (tmp_path / "o").exists()


def test_the_largest_organisation_is_refused_when_memory_is_short(monkeypatch, capsys):
    from sim.experiments import guards

    monkeypatch.setattr(guards, "available_bytes", lambda: 4 * 2**30)
    monkeypatch.setattr(sim, "run", lambda *a, **k: pytest.fail("ran"))
    big = ["--set", "org.employees=1000000", "--set", "org.customers=20000000"]
    assert main(["run", str(SCENARIOS / "four_ps.toml"), *big, "--no-charts"]) == 2
    err = cli_error(capsys)
    assert "GiB" in err and "--allow-large" in err


# --- the smaller items ---


def test_negative_seed(capsys):
    assert main(["run", str(SCENARIOS / "four_ps.toml"), "--seed", "-1"]) == 2
    err = cli_error(capsys)
    assert "--seed" in err and "-1" in err


def test_deep_toml_and_dev_zero(tmp_path, capsys):
    deep = tmp_path / "deep.toml"
    deep.write_text("x = " + "[" * 5000 + "]" * 5000 + "\n")
    assert main(["validate", str(deep)]) == 2
    assert "nested too deeply" in cli_error(capsys)
    tables = tmp_path / "tables.toml"
    tables.write_text("[" + ".".join(f"k{i}" for i in range(200)) + "]\nv = 1\n")
    assert main(["validate", str(tables)]) == 2
    assert "nested too deeply" in cli_error(capsys)
    assert main(["validate", "/dev/zero"]) == 2
    assert "regular" in cli_error(capsys)


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
        err = cli_error(capsys)
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
    assert "--workers" in cli_error(capsys)


def test_resume_hint_keeps_replicates(tmp_path):
    exp = write_experiment(tmp_path, names=("four_ps",), replicates=4)
    out = tmp_path / "o"
    stand_in_sweep(exp, out, replicates=2)
    with pytest.raises(InputError, match="--replicates 2 --resume"):
        stand_in_sweep(exp, out, replicates=2)


def test_run_refuses_a_folder_made_with_other_set_values(tmp_path, monkeypatch, capsys):
    """The default folder tells settings apart (tests/cli/test_first_hour.py); a folder named with
    --out that holds a run with other settings is refused, and the message names the flag."""
    monkeypatch.chdir(tmp_path)
    argv = ["run", str(SCENARIOS / "four_ps.toml"), *FAST, "--no-charts", "--out", "mine"]
    assert main(argv) == 0
    assert main([*argv, "--set", "rollout.vendor_pressure=0.9"]) == 2
    err = cli_error(capsys)
    assert "other settings" in err and "--overwrite" in err


def test_help_hint_and_version(capsys):
    assert main(["fly"]) == 2
    err = cli_error(capsys)
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
    err = cli_error(capsys)
    assert str(outside / "base.toml") in err and "reached through `extends` from" in err
    assert "org.employees" in err and "value 3" in err


# --- each message names the flag, the key and the value it is about ---


@pytest.mark.parametrize(
    "argv, needles",
    [
        (["run", "four_ps", "--set", "=5"], ["--set", "'=5'"]),
        (["compare", "four_ps:rollout.vendor_pressure@p"], ["'scenarios'", "vendor_pressure"]),
        (["discover", "results", "--min-coverage", "2"], ["--min-coverage", "'2'"]),
        (["discover", "results", "--trees", "0"], ["--trees", "'0'"]),
        (["discover", "results", "--threshold", "-1"], ["--threshold", "'-1'"]),
    ],
)
def test_a_bad_flag_value_names_its_flag(capsys, argv, needles):
    assert main(argv) == 2
    err = cli_error(capsys)
    assert all(n in err for n in needles), err


def test_a_posterior_draw_out_of_bounds_names_its_column_and_value(tmp_path, capsys):
    import pandas as pd

    post = tmp_path / "post.parquet"
    pd.DataFrame({"employee.utaut_b0": [1e9]}).to_parquet(post)
    argv = ["compare", "four_ps", "--replicates", "2", "--posterior", str(post)]
    assert main([*argv, "--out", str(tmp_path / "o")]) == 2
    err = cli_error(capsys)
    assert "--posterior" in err and "'employee.utaut_b0'" in err and "1000000000.0" in err, err
