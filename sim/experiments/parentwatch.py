"""Worker processes that end when the sweep that started them ends, however it ends.

A ``ProcessPoolExecutor`` notices a vanished parent only between tasks and only when the parent
shut down cleanly; after ``kill -9`` of a sweep its spawned workers kept running a batch nobody
would collect (issue 14, item 8: 12 orphans in 13 tries). :func:`die_with_parent` is the pool's
worker initializer:

* on Linux it asks the kernel (``prctl(PR_SET_PDEATHSIG, SIGKILL)`` through ctypes) to kill the
  worker the moment its parent dies; the pool spawns workers from the sweep's main thread, whose
  exit is the process's exit;
* everywhere it also starts a daemon thread that polls the parent's PID once a second (the
  portable fallback, and a guard for the window before ``prctl`` took effect).
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys
import threading
import time

__all__ = ["die_with_parent", "worker_init", "POLL_SECONDS"]

#: How often the fallback thread looks for the parent (seconds; assumption: a second is quick
#: enough to stop an orphan and costs nothing measurable).
POLL_SECONDS = 1.0
_PR_SET_PDEATHSIG = 1


def _set_pdeathsig() -> bool:
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return libc.prctl(_PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False


def _parent_gone(parent_pid: int) -> bool:
    if os.getppid() != parent_pid:  # re-parented to init or a subreaper: the parent died
        return True
    try:
        os.kill(parent_pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


def _watch(parent_pid: int) -> None:
    while True:
        time.sleep(POLL_SECONDS)
        if _parent_gone(parent_pid):
            os._exit(1)


def die_with_parent(parent_pid: int) -> None:
    """Worker initializer: end this process when ``parent_pid`` (the sweep) ends.

    Args:
        parent_pid: the sweep's PID, taken in the parent (``os.getpid()``) before the pool starts.
    """
    _set_pdeathsig()
    if _parent_gone(parent_pid):  # the parent died before the kernel was told to watch it
        os._exit(1)
    threading.Thread(target=_watch, args=(parent_pid,), daemon=True, name="parentwatch").start()


def worker_init(parent_pid: int, warm_up=None) -> None:
    """Pool initializer: :func:`die_with_parent`, then the pool's own ``warm_up`` (if any)."""
    die_with_parent(parent_pid)
    if warm_up is not None:
        warm_up()
