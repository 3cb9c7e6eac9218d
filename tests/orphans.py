"""Kill -9 a running sweep and count the worker processes it leaves behind (issue 14, item 8).

Usage: python tests/orphans.py TRIES [WORKERS]   (prints one line per try and the total)

Each try starts ``tests/sweep_runner.py`` in a new session with a local process pool, waits until
the pool's workers are up, sends SIGKILL to the sweep process alone (not its group), waits up to
10 s and counts the processes still in the session: the orphans. Survivors are then killed so a
failing try cannot disturb the next. ``tests/experiments/test_resume.py`` runs two tries.

"Up" means that every worker has run a batch (it left its PID in a folder: tests.sweep_helpers
.STARTED_DIR_ENV), so its parent watch is armed. Counting processes is not enough: the session
also holds multiprocessing's resource tracker, and a worker that exists may still be importing
the package, which on a loaded machine takes seconds; killed then, it ends only after its imports
(3 to 7 s measured with the machine busy), and the 10 s wait meant for the watch was spent on
them (the fresh-clone `make test` that failed once in four tries on a loaded machine).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))  # the repository root


def session_procs(sid: int) -> list[int]:
    """PIDs of the live processes whose session id is ``sid`` (Linux: reads /proc)."""
    out = []
    for pid in os.listdir("/proc"):
        if pid.isdigit():
            try:
                if os.getsid(int(pid)) == sid:
                    with open(f"/proc/{pid}/stat") as fh:
                        if fh.read().split(") ")[-1].startswith("Z"):
                            continue  # a zombie has exited; it only waits to be reaped
                    out.append(int(pid))
            except OSError:
                pass
    return out


def kill_and_count(experiment: Path, out: Path, workers: int = 2, wait: float = 10.0) -> int:
    """One try: start the sweep, kill -9 it once its pool runs, return the orphans left."""
    from tests.sweep_helpers import STARTED_DIR_ENV

    started = out.with_name(out.name + "-started")
    started.mkdir(parents=True)
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(HERE.parent), str(HERE)]),
        STARTED_DIR_ENV: str(started),
    }
    proc = subprocess.Popen(
        [sys.executable, str(HERE / "sweep_runner.py"), str(experiment), str(out), str(workers),
         "0.2"],
        start_new_session=True,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip
    deadline = time.monotonic() + 300  # assumption: a pool starts in minutes on any machine
    up: set[str] = set()
    while time.monotonic() < deadline and proc.poll() is None and len(up) < workers:
        up = {p.name for p in started.iterdir()} - {str(proc.pid)}
        time.sleep(0.05)
    if len(up) < workers:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.wait()
        raise RuntimeError(f"the pool never started: {len(up)} of {workers} workers ran a batch")
    os.kill(proc.pid, signal.SIGKILL)  # the sweep only, not its process group
    proc.wait()
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline and session_procs(proc.pid):
        time.sleep(0.1)
    left = session_procs(proc.pid)
    for pid in left:
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass
    return len(left)


def main(tries: int, workers: int = 2) -> int:
    from tests.sweep_helpers import write_experiment

    total = 0
    with tempfile.TemporaryDirectory() as tmp:
        exp = write_experiment(Path(tmp), replicates=40, batch_size=2)
        for i in range(tries):
            n = kill_and_count(exp, Path(tmp) / f"k{i}", workers)
            total += n
            print(f"try {i + 1}: {n} orphans", flush=True)
    print(f"{total} orphaned processes after kill -9 of a sweep in {tries} tries")
    return total


if __name__ == "__main__":
    main(int(sys.argv[1]), int(sys.argv[2]) if len(sys.argv) > 2 else 2)
