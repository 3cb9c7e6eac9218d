"""A researcher's first hour: what broke on first contact, each held by a test.

The default run folder tells settings apart; ``crmsim run --help`` explains its arguments and says
how many charts it wrote; a script that starts a sweep without ``if __name__ == "__main__":`` gets
one message naming the guard; a sweep stopped by SIGTERM keeps its finished runs and ``--resume``
runs only the rest; a grid sweep's terminal summary shows each design point.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import signal
import subprocess
import sys
import textwrap
import time

import pandas as pd
import pytest

from sim.cli.main import build_parser, main
from sim.experiments.store import read_runs
from sim.experiments.sweep import run_experiment
from tests.common import FAST, ROOT, SCENARIOS, cli_error
from tests.sweep_helpers import fake_load, fake_run, write_experiment

STAND_IN = {"run_fn": fake_run, "load_fn": fake_load}
#: Seconds a subprocess of these tests may take on a loaded 2-core machine before the test calls
#: it a hang (assumption: about 20x what it needs on an idle one).
HANG_S = 240


def _env() -> dict:
    return {**os.environ, "PYTHONPATH": str(ROOT)}


# --- crmsim run ---------------------------------------------------------------------------------


def test_default_run_folders_tell_settings_apart(tmp_path, monkeypatch, capsys):
    """The README's sequence: a run, then the same run with --set, both into the default folder."""
    monkeypatch.chdir(tmp_path)
    first = ["run", str(SCENARIOS / "four_ps.toml"), "--seed", "3", "--no-charts"]
    assert main(first) == 0, capsys.readouterr().err
    assert main([*first, "--set", "org.employees=120"]) == 0, capsys.readouterr().err
    small = [*first, *FAST, "--engine", "agents"]
    assert main(small) == 0, capsys.readouterr().err
    runs = tmp_path / "results" / "runs"
    names = {p.name for p in runs.iterdir()}
    (hashed,) = [n for n in names if re.fullmatch(r"four_ps-seed3-[0-9a-f]{8}", n)]
    (agents,) = [n for n in names if re.fullmatch(r"four_ps-seed3-agents-[0-9a-f]{8}", n)]
    assert names == {"four_ps-seed3", hashed, agents}
    sets = json.loads((runs / hashed / "summary.json").read_text())["overrides"]
    assert sets == {"org.employees": 120}
    assert main(first) == 0  # the first run again: its own folder, replaced quietly
    capsys.readouterr()


def test_run_help_explains_every_argument(capsys):
    parser = build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    run = sub.choices["run"]
    assert all(a.help for a in run._actions), [a.dest for a in run._actions if not a.help]
    with pytest.raises(SystemExit):
        main(["run", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "the scenario to run: a TOML file" in text and "same scenario, settings and seed" in text
    assert "numba (default)" in text and "agents:" in text


def test_run_says_how_many_charts_it_wrote(tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["run", str(SCENARIOS / "start_small.toml"), *FAST, "--out", str(out)]) == 0
    stems = {p.stem for p in (out / "charts").iterdir()}
    formats = sorted({p.suffix[1:].upper() for p in (out / "charts").iterdir()})
    said = capsys.readouterr().out
    assert f"and {len(stems)} charts ({'/'.join(formats)}) in charts/" in said
    assert len(stems) == 4 and formats == ["PNG"]  # SVG too with --svg


# --- the __main__ guard -------------------------------------------------------------------------

SCRIPT = """
import sys
sys.path.insert(0, {root!r})
from sim.experiments.sweep import run_experiment
from tests.sweep_helpers import fake_load, fake_run

{call}
print("finished")
"""
CALL = (
    "run_experiment({exp!r}, {out!r}, execution=2, progress=False, run_fn=fake_run, "
    "load_fn=fake_load)"
)


def _script(tmp_path, guarded: bool):
    exp = write_experiment(tmp_path, replicates=4)
    call = CALL.format(exp=str(exp), out=str(tmp_path / ("ok" if guarded else "out")))
    if guarded:
        call = 'if __name__ == "__main__":\n' + textwrap.indent(call, "    ")
    path = tmp_path / ("guarded.py" if guarded else "unguarded.py")
    path.write_text(SCRIPT.format(root=str(ROOT), call=call))
    return subprocess.run(
        [sys.executable, str(path)],
        cwd=tmp_path,
        env=_env(),
        capture_output=True,
        text=True,
        timeout=HANG_S,
    )


def test_a_script_without_the_main_guard_is_told_to_add_it(tmp_path):
    done = _script(tmp_path, guarded=False)
    assert done.returncode != 0 and "finished" not in done.stdout
    err = done.stderr
    assert err.count("starts a sweep as soon as it is imported") == 1, err  # one message
    assert 'if __name__ == "__main__":' in err and "unguarded.py" in err
    assert "crmsim sweep" not in err and "another process is writing" not in err, err
    ok = _script(tmp_path, guarded=True)  # the same script with the guard runs
    assert ok.returncode == 0 and "finished" in ok.stdout, ok.stderr
    assert len(read_runs(tmp_path / "ok")) == 8


def test_the_guard_check_leaves_a_server_that_replaced_main_alone(monkeypatch):
    """Solara's server replaces ``__main__``; only a spawned child still bootstrapping is stopped
    (the dashboard's in-process odds run through the same sweep)."""
    import types

    from sim.experiments.executors import refuse_reimported_main

    monkeypatch.setitem(sys.modules, "__main__", types.ModuleType("__main__"))
    refuse_reimported_main()  # returns: this process is not a child importing its parent's script


# --- SIGTERM ------------------------------------------------------------------------------------

RUNNER = """
import sys
sys.path.insert(0, {root!r})
from sim.experiments.signals import Stopped
from sim.experiments.sweep import run_experiment
from tests.sweep_helpers import SlowRun, fake_load, fake_run


def progress(done, total, errors=0):
    print(f"done {{done}}", flush=True)


if __name__ == "__main__":
    try:
        run_experiment({exp!r}, {out!r}, execution=2, progress=progress,
                       run_fn=SlowRun(0.1, fake_run), load_fn=fake_load, flush_s=600)
    except Stopped as exc:
        print(exc, file=sys.stderr)
        sys.exit(exc.exit_status)
"""


def test_sigterm_keeps_the_finished_runs_and_resume_runs_the_rest(tmp_path):
    exp = write_experiment(tmp_path, replicates=60, batch_size=2)
    total, out = 120, tmp_path / "out"
    runner = tmp_path / "runner.py"
    runner.write_text(RUNNER.format(root=str(ROOT), exp=str(exp), out=str(out)))
    proc = subprocess.Popen(
        [sys.executable, str(runner)],
        cwd=tmp_path,
        env=_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # its own process group, as `timeout` and SLURM signal it
    )
    reported = 0
    try:
        deadline = time.monotonic() + HANG_S
        for line in proc.stdout:  # wait until a good part of the work is finished, unwritten
            reported = int(line.split()[1])
            if reported >= 20 or time.monotonic() > deadline:
                break
        assert 20 <= reported < total, f"the sweep reported {reported} runs"
        assert not list(out.glob("runs/part-*.parquet"))  # nothing on disk yet (flush_s=600)
        os.killpg(proc.pid, signal.SIGTERM)  # the sweep and its workers, as `timeout` does
        _, err = proc.communicate(timeout=HANG_S)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    assert proc.returncode == 128 + signal.SIGTERM, err
    saved = int(re.search(r"stopped by SIGTERM: (\d+) of 120 runs are saved", err).group(1))
    assert "--resume` runs the other" in err and "leaked" not in err, err
    kept = read_runs(out)
    assert len(kept) == saved >= reported  # every run reported finished is on disk
    resumed = run_experiment(exp, out, execution=1, resume=True, progress=False, **STAND_IN)
    assert (resumed["skipped"], resumed["ran"]) == (saved, total - saved)
    assert resumed["status"] == "complete"
    straight = run_experiment(exp, tmp_path / "straight", execution=1, progress=False, **STAND_IN)
    assert straight["status"] == "complete"
    pd.testing.assert_frame_equal(read_runs(out), read_runs(tmp_path / "straight"))


# --- a grid's summary ---------------------------------------------------------------------------


def test_a_grid_sweep_prints_its_rates_per_design_point(tmp_path, capsys):
    grid = (
        '[design]\ntype = "grid"\n[design.parameters]\n'
        '"rollout.vendor_pressure" = [0.0, 0.8]\n"rollout.effort.people" = [0.5, 2.0]\n'
    )
    exp = write_experiment(tmp_path, names=("four_ps",), replicates=2, extra=grid)
    out = tmp_path / "grid"
    assert main(["sweep", str(exp), "--out", str(out), "--workers", "1"]) == 0
    said = capsys.readouterr().out
    points = pd.read_csv(out / "points.csv")
    assert f"pools 4 design points; {out / 'points.csv'} has each point's rates" in said
    failed = points[points["metric"] == "failed"]
    for row in failed.itertuples():
        line = next(ln for ln in said.splitlines() if re.match(rf"four_ps\s+{row.point}\s", ln))
        assert f"{row.value:.0%} [{row.ci_low:.0%}, {row.ci_high:.0%}]" in line


# --- a newcomer's mistakes: each message says what is allowed or what was meant ---


@pytest.mark.parametrize(
    "argv, says",
    [
        ([], "one of run, validate, list, sweep"),
        (["run"], "a TOML file or a shipped scenario's name (big_bang, four_ps"),
        (["run", "four_ps", "--sed", "3"], "(did you mean --seed?) (see `crmsim run --help`)"),
        (["run", "scenarios/four_p.toml"], "did you mean " + str(ROOT / "scenarios/four_ps.toml")),
        (["sweep", "experiments/smok.toml"], "did you mean experiments/smoke.toml?"),
        (["compare", "four_ps", "technology_frist"], "(did you mean technology_first?)"),
    ],
)
def test_a_mistake_says_what_is_allowed(monkeypatch, capsys, argv, says):
    monkeypatch.chdir(ROOT)
    assert main(argv) == 2
    err = cli_error(capsys)
    assert says in err and "key 'flags'" not in err
    assert err.count("technology_frist,") <= 1  # each place looked in named once
