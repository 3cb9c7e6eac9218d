"""The dashboard's warm odds pool, used the way the server uses it: started by a background thread
that then ends, used from other short-lived threads, and told the truth when a worker dies.

Before the fix the workers were started with ``prctl(PR_SET_PDEATHSIG)``, whose "parent" is the
spawning *thread*: the warm-up thread ended, the kernel killed every worker, and the first
comparison failed with ``BrokenProcessPool`` (any server with ``--workers`` > 1, the default on a
machine with more than one core).
"""

from __future__ import annotations

import os
import signal
import threading
import time

import pytest

import sim
from sim.dashboard import inputs, settings
from sim.dashboard.odds import OddsRunner
from sim.errors import StoppedError
from tests.common import ROOT

TINY = {"org.employees": 20, "org.customers": 200, "horizon_weeks": 40}
#: Seconds a comparison of a few tiny runs may take on a loaded 2-core machine before the test
#: calls it a hang (assumption: about 100x what it needs on an idle one).
HANG_S = 180


def arms() -> dict[str, str]:
    base = sim.load_scenario(ROOT / "scenarios/four_ps.toml")
    plans = inputs.shipped_orderings(ROOT / "scenarios")
    return {
        name: settings.scenario_toml(base, TINY, inputs.phase_rows(plans[name]), name)
        for name in ("technology_first", "four_ps")
    }


def in_thread(fn, *args):
    """Run ``fn`` in a thread that ends afterwards (as Solara's tasks do); fail on a hang."""
    out = {}

    def body():
        try:
            out["value"] = fn(*args)
        except BaseException as exc:  # noqa: BLE001 - handed to the test
            out["error"] = exc

    t = threading.Thread(target=body, daemon=True)
    t.start()
    t.join(HANG_S)
    if t.is_alive():
        pytest.fail(f"{getattr(fn, '__name__', fn)} still running after {HANG_S} s: a hang")
    return out


def alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return not fh.read().split(") ")[-1].startswith("Z")
    except OSError:
        return False


@pytest.mark.skipif(not os.path.isdir("/proc"), reason="reads /proc")
def test_pool_outlives_the_thread_that_started_it_and_reports_a_dead_worker(tmp_path):
    runner = OddsRunner(settings.ResultsArea(tmp_path / "results"), workers=2)
    try:
        assert "error" not in in_thread(runner.warm)  # the warm-up thread has ended now
        pids = list(runner.executor()._pool._processes)
        assert len(pids) == 2
        time.sleep(1.5)  # a kernel-sent death signal would have arrived by now
        assert all(alive(p) for p in pids), "the workers died with the thread that spawned them"

        first = in_thread(runner.run, arms(), 2)
        assert "error" not in first, first.get("error")
        assert not first["value"].cached and len(first["value"].runs) == 4

        # A worker dies (killed, out of memory): the next comparison ends with a clear error, not
        # a wait for ever, and the one after runs on a new pool.
        pool = runner.executor()._pool
        os.kill(pids[0], signal.SIGKILL)
        deadline = time.monotonic() + HANG_S  # the pool notices the death on its own thread
        while not pool._broken and time.monotonic() < deadline:
            time.sleep(0.05)
        broken = in_thread(runner.run, arms(), 3)
        assert isinstance(broken.get("error"), StoppedError), broken
        assert "worker process of the odds stopped" in str(broken["error"])
        again = in_thread(runner.run, arms(), 3)
        assert "error" not in again, again.get("error")
        assert len(again["value"].runs) == 6
        assert set(runner.executor()._pool._processes).isdisjoint(pids)
    finally:
        runner.close()
