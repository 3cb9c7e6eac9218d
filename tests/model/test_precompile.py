"""A cold first run compiles in two processes, with numba's cache writes locked (issue 22)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time

import numba
import pytest
from numba.core import caching

import sim
from sim.model import cache_lock, precompile
from tests.common import ROOT, small_scenario

pytestmark = pytest.mark.skipif(cache_lock.fcntl is None, reason="no fcntl: no lock, no split")


def test_locked_saves_keep_every_signature(tmp_path, monkeypatch):
    """Two writers of one function's cache, each reading the index before the other writes it:
    with the lock both signatures stay in the index, each with its own data file (unlocked, the
    later write drops the earlier's entry and both take data file 1: numba #2028, #10128)."""
    assert cache_lock.lock_cache_writes()
    assert caching.IndexDataCacheFile.save.crmsim_locked
    read = caching.IndexDataCacheFile._load_index

    def slow_read(self):
        overloads = read(self)
        time.sleep(0.2)  # the other writer reads now, unless the lock keeps it out
        return overloads

    monkeypatch.setattr(caching.IndexDataCacheFile, "_load_index", slow_read)
    writers = [caching.IndexDataCacheFile(str(tmp_path), "fn-1.py311", "stamp") for _ in range(2)]
    threads = [
        threading.Thread(target=w.save, args=(("sig", i), f"code {i}"))
        for i, w in enumerate(writers)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    index = read(writers[0])
    assert set(index) == {("sig", 0), ("sig", 1)}
    assert len(set(index.values())) == 2
    for key, name in index.items():
        assert writers[0]._load_data(name) == f"code {key[1]}"


def test_a_cold_cache_is_one_without_run_weeks(tmp_path, monkeypatch):
    monkeypatch.setattr(numba.config, "CACHE_DIR", str(tmp_path))
    assert precompile.cache_is_cold()
    (tmp_path / "model_x").mkdir()
    (tmp_path / "model_x" / "week.run_weeks-330.py311.nbi").write_bytes(b"")
    assert not precompile.cache_is_cold()


def test_no_split_on_a_warm_cache_or_when_switched_off(monkeypatch):
    sim.run(small_scenario("four_ps"), seed=1)  # the cache is warm now
    assert not precompile.split_if_cold()
    monkeypatch.setenv(precompile.SPLIT_ENV, "0")
    monkeypatch.setattr(precompile, "cache_is_cold", lambda: True)
    assert not precompile.split_if_cold()


_COLD_RUN = """
import json, sys
from numba.core import event
import sim
from sim.model import cache_lock, precompile
from tests.common import small_scenario

if sys.argv[1] == "interpreter":  # the helper as on macOS: a fresh interpreter
    precompile.can_fork = lambda: False
helpers = []
start = precompile.start_helper
def start_and_record(world):
    helper = start(world)
    helpers.append(type(helper).__name__)
    return helper
precompile.start_helper = start_and_record
split = precompile.split_if_cold
after = []
class Compiles(event.Listener):
    def on_start(self, e):
        pass
    def on_end(self, e):
        f = e.data["dispatcher"].py_func
        if f.__module__.startswith("sim."):
            after.append(f.__qualname__)
def split_and_listen():
    did = split()
    event.register("numba:compile", Compiles())
    return did
precompile.split_if_cold = split_and_listen
result = sim.run(small_scenario("industry_mix"), seed=7)
print(json.dumps({"compiled_after": after, "helpers": helpers, "summary": result.summary},
                 default=float))
"""

#: Whether this platform forks the helper (in a process running one thread: the test's own
#: process may run others, its child does not).
FORKS = sys.platform.startswith("linux") and hasattr(os, "fork")


@pytest.mark.skipif(precompile.free_cores() < 2, reason="one core: the first run compiles alone")
@pytest.mark.parametrize("helper", ["fork", "interpreter"])
def test_a_cold_first_run_compiles_in_two_processes_with_the_same_numbers(tmp_path, helper):
    """A fresh process on an empty cache splits the compile, its helper forked (Linux) or a fresh
    interpreter (elsewhere); after the split only ``run_weeks`` is compiled, for a mix as for the
    shipped scenario the halves were compiled with; the run's numbers are this (warm) process's."""
    if helper == "fork" and not FORKS:
        pytest.skip("no fork here")
    env = {**os.environ, "NUMBA_CACHE_DIR": str(tmp_path), precompile.SPLIT_ENV: "1"}
    out = subprocess.run(
        [sys.executable, "-c", _COLD_RUN, helper],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert out.returncode == 0, out.stderr[-2000:]
    cold = json.loads(out.stdout.strip().splitlines()[-1])
    assert cold["helpers"] == [{"fork": "Forked", "interpreter": "Popen"}[helper]]
    assert set(cold["compiled_after"]) == {"run_weeks"}, cold["compiled_after"]
    here = sim.run(small_scenario("industry_mix"), seed=7).summary
    assert cold["summary"].keys() == here.keys()
    for key, value in here.items():
        if isinstance(value, float):
            assert cold["summary"][key] == pytest.approx(value, rel=1e-12, nan_ok=True), key
        else:
            assert cold["summary"][key] == value, key


def _cold_and_free(monkeypatch):
    monkeypatch.setattr(precompile, "cache_is_cold", lambda: True)
    monkeypatch.setattr(precompile, "free_cores", lambda: 2)
    monkeypatch.setenv(precompile.SPLIT_ENV, "1")


def test_a_helper_that_cannot_start_is_no_split(monkeypatch):
    """No fork and no interpreter to start: the split gives up quietly, and the run compiles
    everything itself."""
    _cold_and_free(monkeypatch)
    monkeypatch.setattr(precompile, "can_fork", lambda: False)
    monkeypatch.setattr(precompile.sys, "executable", "/nonexistent/python")
    assert not precompile.split_if_cold()

    def no_fork():
        raise OSError("no fork")

    monkeypatch.setattr(precompile, "can_fork", lambda: True)
    monkeypatch.setattr(precompile.os, "fork", no_fork)
    assert not precompile.split_if_cold()


def test_a_failed_half_is_never_fatal(monkeypatch):
    """A half that fails: the split gives up quietly and stops a helper still running; the run
    then compiles whatever is missing itself."""
    _cold_and_free(monkeypatch)
    started = []

    class Helper:
        def __init__(self, *args, **kwargs):
            started.append(self)
            self.killed = False

        def poll(self):
            return None if not self.killed else -9

        def kill(self):
            self.killed = True

        def wait(self, timeout=None):
            return -9

    def broken_half(world=None):
        raise RuntimeError("a half that fails")

    monkeypatch.setattr(precompile, "start_helper", Helper)
    monkeypatch.setattr(precompile, "agents_half", broken_half)
    assert precompile.split_if_cold()  # it split, and nothing was raised
    assert started and started[0].killed


@pytest.mark.skipif(not FORKS, reason="no fork here")
def test_a_forked_helper_reports_its_end_and_can_be_stopped(tmp_path):
    """``Forked`` runs its function in a child that never returns into the caller's code: exit
    status 0 when it returns, 1 when it raises; ``wait`` with a timeout gives up on a child that
    runs on, which ``kill`` stops."""
    mark = tmp_path / "ran"
    done = precompile.Forked.start(lambda: mark.write_text(str(os.getpid())))
    assert done.wait(timeout=30) == 0
    assert mark.read_text() == str(done.pid) != str(os.getpid())

    def fails():
        raise RuntimeError("in the child")

    assert precompile.Forked.start(fails).wait(timeout=30) == 1
    slow = precompile.Forked.start(lambda: time.sleep(60))
    with pytest.raises(subprocess.TimeoutExpired):
        slow.wait(timeout=0.2)
    assert slow.poll() is None
    slow.kill()
    assert slow.wait(timeout=30) == -9


def test_no_fork_while_other_threads_run(monkeypatch):
    """A fork copies only its own thread, so a lock another thread holds would stay locked in the
    helper: with a second thread running, the helper is a fresh interpreter."""
    monkeypatch.setattr(precompile.sys, "platform", "linux")
    monkeypatch.setattr(precompile.threading, "active_count", lambda: 1)
    assert precompile.can_fork() == hasattr(os, "fork")
    monkeypatch.setattr(precompile.threading, "active_count", lambda: 2)
    assert not precompile.can_fork()
    monkeypatch.setattr(precompile.threading, "active_count", lambda: 1)
    monkeypatch.setattr(precompile.sys, "platform", "darwin")
    assert not precompile.can_fork()


def test_split_once_tries_once_and_never_for_the_parallel_week(monkeypatch):
    """The first programme world of a process may split; later ones, and a world large enough to
    run the parallel week (compiled apart, never cached), do not."""
    from sim.model.week import PARALLEL_MIN_CUSTOMERS

    tries = []
    monkeypatch.setattr(precompile, "split_if_cold", lambda: tries.append(1) or True)
    monkeypatch.setattr(precompile, "_TRIED", False)
    big = small_scenario("four_ps", org__customers=PARALLEL_MIN_CUSTOMERS)
    assert not precompile.split_once(big)
    assert not precompile.split_once(small_scenario("four_ps"))  # tried once already
    assert tries == []
    monkeypatch.setattr(precompile, "_TRIED", False)
    assert precompile.split_once(small_scenario("four_ps"))
    assert not precompile.split_once(small_scenario("four_ps"))
    assert tries == [1]
