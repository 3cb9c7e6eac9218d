"""SIGTERM handled like Ctrl-C while a sweep runs: flush the finished work, say so, exit.

``kill``, ``timeout`` and a cluster's walltime (SLURM sends SIGTERM, then SIGKILL after a grace
period) all send SIGTERM, whose default action ends the process at once: the batches finished
since the last part (up to ``FLUSH_S`` seconds of work, :mod:`sim.experiments.parts`) were lost,
the pool's semaphores leaked, and ``--resume`` ran them again. DESIGN.md section 5: "Ctrl-C and
SIGTERM both flush the finished work and exit; --resume completes the rest".

While a sweep runs, :func:`sigterm_as_interrupt` makes SIGTERM raise :class:`Terminated` (a
``KeyboardInterrupt``) in the main thread, so the ``finally`` that writes the finished batches on
Ctrl-C writes them here too. The sweep then raises :class:`Stopped`, whose message says how many
runs are saved and which command runs the rest; ``crmsim`` prints it and exits with 130 after
Ctrl-C, 143 (128 + 15) after SIGTERM, as shells do. A second SIGTERM ends the process at once
(the handler restores the previous action first): a user who insists is obeyed, and the parts on
disk are whole either way (they are written atomically).

The flush itself runs with SIGTERM held back (:func:`holding_sigterm`): ``timeout`` and
``kill -- -PGID`` signal the whole process group, so the workers may die first and the sweep meet
their broken pool before its own signal; a SIGTERM taken in the middle of writing the finished
runs would abandon them. Held back, it is taken once they are on disk. (The workers keep
SIGTERM's default: a worker that ignored it could not be stopped by a pool that is breaking, and
the pool's shutdown would wait for it for ever.)
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["Terminated", "Stopped", "sigterm_as_interrupt", "holding_sigterm", "stopped"]

#: Exit statuses of a process stopped by a signal, as shells report them (128 + signal number).
EXIT_CTRL_C = 128 + signal.SIGINT
EXIT_SIGTERM = 128 + signal.SIGTERM


class Terminated(KeyboardInterrupt):
    """SIGTERM received while a sweep ran."""


class Stopped(KeyboardInterrupt):
    """A sweep stopped by Ctrl-C or SIGTERM after writing its finished runs.

    Attributes:
        exit_status: what ``crmsim`` exits with (130 after Ctrl-C, 143 after SIGTERM).
    """

    def __init__(self, message: str, exit_status: int):
        super().__init__(message)
        self.exit_status = exit_status


@contextmanager
def sigterm_as_interrupt() -> Iterator[None]:
    """Within the block, SIGTERM raises :class:`Terminated` in the main thread.

    Outside the main thread (the dashboard's comparisons run on a server thread) a handler cannot
    be installed, and the block runs with the process's own handling.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.getsignal(signal.SIGTERM)

    def handler(signum, frame):
        signal.signal(signal.SIGTERM, previous if previous is not None else signal.SIG_DFL)
        raise Terminated()

    signal.signal(signal.SIGTERM, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous if previous is not None else signal.SIG_DFL)


@contextmanager
def holding_sigterm() -> Iterator[None]:
    """Within the block a SIGTERM waits (it is delivered, and handled, when the block ends).

    Only the main thread's mask is changed, where the handler runs; elsewhere a no-op.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM})


def stopped(exc: KeyboardInterrupt, saved: int, total: int, out, command: str) -> Stopped:
    """The :class:`Stopped` that reports an interrupted sweep.

    Args:
        exc: what interrupted it (:class:`Terminated` after SIGTERM, else Ctrl-C).
        saved: runs on disk now (finished before the interrupt, written on the way out).
        total: runs in the sweep.
        out: the results folder.
        command: the command that ran it (``--resume`` is added).
    """
    by, status = (
        ("SIGTERM", EXIT_SIGTERM) if isinstance(exc, Terminated) else ("Ctrl-C", EXIT_CTRL_C)
    )
    rest = total - saved
    return Stopped(
        f"stopped by {by}: {saved} of {total} runs are saved in {out}; "
        f"`{command} --resume` runs the other {rest}",
        status,
    )
