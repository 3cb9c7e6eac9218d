"""Worker processes that end when the sweep that started them ends, however it ends.

A ``ProcessPoolExecutor`` notices a vanished parent only between tasks and only when the parent shut
down cleanly; after ``kill -9`` of a sweep its spawned workers kept running a batch nobody would
collect (12 orphans in 13 tries before this module; ``python tests/orphans.py N`` counts).
:func:`die_with_parent` is the pool's worker initializer. It starts a daemon thread that waits on
the parent's end of the pipe the ``spawn`` start method opened for the worker
(``multiprocessing.parent_process().sentinel``): the kernel closes that end when the parent process
dies, so the worker exits at once, and it polls the parent's PID once a second as well (the portable
fallback, and a guard when no sentinel exists).

Why not ``prctl(PR_SET_PDEATHSIG)``: its "parent" is the *thread* that started the worker, not the
process (prctl(2): "the signal will be sent when that thread terminates"). A pool spawns its
workers lazily from whichever thread submits work; the dashboard's warm-up thread did, so when that
thread finished the kernel killed every worker it had started, and the first comparison failed with
``BrokenProcessPool``. The pipe belongs to the process, whatever thread opened it.

Under the ``forkserver`` start method (which :class:`sim.experiments.executors.PoolExecutor` also
accepts) a worker's parent process is the fork server, not the sweep: comparing ``os.getppid()``
with the sweep's PID would call every worker an orphan and stop it at once. So the sweep's PID is
passed in and watched directly (``kill(pid, 0)``, and the pipe, which multiprocessing keeps open
from the sweep under both methods), and "re-parented" means that this worker's parent changed
since it started.
"""

from __future__ import annotations

import os
import threading
import time
from multiprocessing import connection, parent_process, set_start_method

__all__ = ["die_with_parent", "worker_init", "POLL_SECONDS"]

#: How often the watcher looks at the parent's PID besides waiting on its pipe (seconds;
#: assumption: a second is quick enough to stop an orphan and costs nothing measurable).
POLL_SECONDS = 1.0


def _parent_sentinel():
    """The worker's end of the pipe to its parent (spawn start method), or None."""
    parent = parent_process()
    return getattr(parent, "sentinel", None) if parent is not None else None


def _parent_gone(parent_pid: int, own_parent: int | None = None) -> bool:
    """True when the sweep ``parent_pid`` has ended.

    Args:
        parent_pid: the sweep's PID.
        own_parent: this worker's parent process when it started (the sweep under ``spawn``,
            the fork server under ``forkserver``); default ``parent_pid``.
    """
    if os.getppid() != (parent_pid if own_parent is None else own_parent):
        return True  # re-parented to init or a subreaper: its parent died
    try:
        os.kill(parent_pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


def _watch(parent_pid: int, own_parent: int, sentinel) -> None:
    while True:
        if sentinel is not None:
            if connection.wait([sentinel], timeout=POLL_SECONDS):  # end of file: parent gone
                os._exit(1)
        else:
            time.sleep(POLL_SECONDS)
        if _parent_gone(parent_pid, own_parent):
            os._exit(1)


def die_with_parent(parent_pid: int, start_method: str = "spawn") -> None:
    """Worker initializer: end this process when ``parent_pid`` (the sweep) ends.

    Args:
        parent_pid: the sweep's PID, taken in the parent (``os.getpid()``) before the pool starts.
        start_method: the pool's start method: under ``spawn`` the sweep is this worker's parent;
            under ``forkserver`` the fork server is, and only the sweep's PID tells.
    """
    own_parent = parent_pid if start_method == "spawn" else os.getppid()
    if _parent_gone(parent_pid, own_parent):  # the sweep died while this worker was starting
        os._exit(1)
    sentinel = _parent_sentinel()
    threading.Thread(
        target=_watch, args=(parent_pid, own_parent, sentinel), daemon=True, name="parentwatch"
    ).start()


def worker_init(parent_pid: int, warm_up=None, start_method: str = "spawn") -> None:
    """Pool initializer: :func:`die_with_parent`, then the pool's own ``warm_up`` (if any).

    A worker forked from the fork server inherits ``forkserver`` as its default start method;
    numba reads any method named "fork..." as a sign that the process may fork and, on starting
    its threading layer, makes a named multiprocessing lock, which a worker stopped by a signal
    leaves behind (the resource tracker's "leaked semaphore" warning). A worker starts no
    processes, so it takes ``spawn``, as a spawned worker has.
    """
    if start_method == "forkserver":
        set_start_method("spawn", force=True)
    die_with_parent(parent_pid, start_method)
    if warm_up is not None:
        warm_up()
