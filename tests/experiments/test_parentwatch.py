"""Pool workers end with their sweep under both start methods the pool accepts (spawn and
forkserver), and live as long as it does (sim/experiments/parentwatch.py).

Under ``forkserver`` a worker's parent process is the fork server: the watch once compared
``os.getppid()`` with the sweep's PID, called every worker an orphan and stopped it at start.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time

import pytest

from sim.experiments.executors import PoolExecutor
from sim.experiments.parentwatch import _parent_gone
from tests.common import ROOT


def _pid(_):
    return os.getpid()


def _finished_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()  # reaped: the PID names no process now (until the system reuses it)
    return proc.pid


def test_parent_gone_watches_the_sweep_and_this_workers_own_parent():
    me, parent = os.getpid(), os.getppid()
    assert not _parent_gone(parent)  # spawn: the sweep is the parent
    assert not _parent_gone(me, own_parent=parent)  # forkserver: the sweep is another process
    assert _parent_gone(me, own_parent=parent + 1_000_000)  # re-parented since it started
    assert _parent_gone(_finished_pid(), own_parent=parent)  # the sweep has ended


@pytest.mark.parametrize("method", ["spawn", "forkserver"])
def test_pool_workers_live_under_both_start_methods(method):
    with PoolExecutor(2, start_method=method) as ex:
        pids = set(ex.map_unordered(_pid, range(8)))
    assert pids and os.getpid() not in pids


SWEEP = textwrap.dedent(
    """
    import os, sys, time
    sys.path.insert(0, {root!r})
    from sim.experiments.executors import PoolExecutor

    def work(x):
        time.sleep(0.2 if x < 2 else 120)  # two quick tasks, then the workers stay busy
        return os.getpid()

    if __name__ == "__main__":
        with PoolExecutor(2, start_method=sys.argv[1]) as ex:
            for i, pid in enumerate(ex.map_unordered(work, range(6))):
                print(pid, flush=True)
    """
)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
@pytest.mark.parametrize("method", ["spawn", "forkserver"])
def test_kill_9_of_the_sweep_ends_its_workers(tmp_path, method):
    """Every process the sweep started (workers, fork server, resource tracker) is gone soon
    after ``kill -9`` of the sweep alone (tests/orphans.py counts them the same way)."""
    from tests.orphans import session_procs

    script = tmp_path / "sweep.py"
    script.write_text(SWEEP.format(root=str(ROOT)))
    proc = subprocess.Popen(
        [sys.executable, str(script), method],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        answers = [int(proc.stdout.readline()) for _ in range(2)]  # the pool is working
    except ValueError:
        proc.kill()
        pytest.fail(f"the pool never answered: {proc.communicate()[1][-2000:]}")
    assert set(answers) <= set(session_procs(proc.pid))
    os.kill(proc.pid, signal.SIGKILL)  # the sweep alone, not its session
    proc.wait()
    deadline = time.monotonic() + 30  # the watch polls once a second; a loaded machine is slow
    while time.monotonic() < deadline and session_procs(proc.pid):
        time.sleep(0.1)
    left = session_procs(proc.pid)
    for pid in left:
        os.kill(pid, signal.SIGKILL)
    assert left == []
