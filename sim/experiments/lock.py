"""One writer per results folder: an advisory lock file that names its holder.

Two sweeps writing one folder at once would interleave parts and manifests.
The writer holds ``fcntl.flock`` on ``RESULTS/.lock`` for the whole sweep; the kernel drops the lock
when the process ends, even by ``kill -9``, so a crashed sweep never leaves a stale lock behind and
``--resume`` can take over at once. The file holds the holder's PID, host, command and start time,
which a second writer quotes in its error. Where ``fcntl`` is missing (Windows) the lock is a no-op.

``flock`` fails in two ways that mean different things: the lock is held (``EWOULDBLOCK``/
``EAGAIN``; ``EACCES`` on some systems), or the file system cannot lock at all (``ENOLCK``: an NFS
mount without its lock daemon, Lustre mounted without ``-o flock``; ``EOPNOTSUPP``, ``ENOSYS``,
``EINVAL``: a file system that has no flock). Only the first is "another process"; the second gets
its own message, since no process holds anything and waiting would not help.
"""

from __future__ import annotations

import datetime as _dt
import errno
import json
import os
import socket
import sys
from pathlib import Path

from sim.errors import InputError

try:
    import fcntl
except ImportError:  # pragma: no cover - not POSIX
    fcntl = None

__all__ = ["FolderLock", "LOCK_NAME", "HELD", "UNSUPPORTED"]

LOCK_NAME = ".lock"
#: flock's errors that mean another process holds the lock (flock(2); fcntl's docs: EACCES too).
HELD = frozenset({errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES})
#: flock's errors that mean this file system cannot lock files (flock(2), nfs(5), Lustre's manual).
UNSUPPORTED = frozenset({errno.ENOLCK, errno.EOPNOTSUPP, errno.ENOTSUP, errno.ENOSYS, errno.EINVAL})


class FolderLock:
    """Exclusive, non-blocking lock on a results folder; use as a context manager.

    Args:
        folder: the results folder (created if missing).
        command: what the holder is doing, shown to a second writer.

    Raises:
        InputError: on entry, if another process holds the folder; the message names its PID.
    """

    def __init__(self, folder: str | Path, command: str = "crmsim"):
        self.folder = Path(folder)
        self.path = self.folder / LOCK_NAME
        self.command = command
        self._fd: int | None = None

    def acquire(self) -> FolderLock:
        self.folder.mkdir(parents=True, exist_ok=True)
        if self.path.is_symlink():
            raise InputError("is a symbolic link; remove it", file=str(self.path))
        if self.path.exists() and not self.path.is_file():
            raise InputError(
                "is not a file (crmsim keeps its lock there); remove it", file=str(self.path)
            )
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0), 0o644)
        if fcntl is not None:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError as exc:
                message = _refusal(exc, fd)
                os.close(fd)
                raise InputError(message, file=str(self.folder)) from None
        info = {
            "pid": os.getpid(),
            "host": socket.gethostname(),
            "command": self.command,
            "since": _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"),
        }
        os.ftruncate(fd, 0)
        os.pwrite(fd, (json.dumps(info) + "\n").encode(), 0)
        self._fd = fd
        return self

    def release(self) -> None:
        """Drop the lock (the file stays: removing it would race with a waiting writer)."""
        if self._fd is not None:
            try:
                os.ftruncate(self._fd, 0)
            except OSError:
                pass
            os.close(self._fd)  # closing the descriptor releases the flock
            self._fd = None

    def __enter__(self) -> FolderLock:
        return self.acquire()

    def __exit__(self, *exc) -> None:
        self.release()


def _refusal(exc: OSError, fd: int) -> str:
    """Why the folder cannot be locked, and what to do, for flock's error ``exc``."""
    code = errno.errorcode.get(exc.errno or 0, str(exc.errno))
    if exc.errno in HELD:
        return (
            f"another process is writing this results folder: {_read_holder(fd)}; wait for it "
            "to finish (or stop it) and run again, or choose another --out"
        )
    if exc.errno in UNSUPPORTED:
        return (
            f"cannot lock this results folder: its file system does not support file locks "
            f"({code}: {exc.strerror}; e.g. an NFS mount without its lock daemon, or Lustre "
            "mounted without -o flock), so two sweeps could write it at once; choose an --out "
            "on a file system that locks (a local disk), or ask its administrator to enable locks"
        )
    return f"cannot lock this results folder ({code}: {exc.strerror}); choose another --out"


def _read_holder(fd: int) -> str:
    """Who holds the lock, from the lock file's contents."""
    try:
        info = json.loads(os.pread(fd, 4096, 0).decode() or "{}")
    except (OSError, ValueError):
        info = {}
    if not info.get("pid"):
        return "a process that has not written its details yet"
    return (
        f"process {info['pid']} on {info.get('host', '?')} (`{info.get('command', '?')}`, "
        f"since {info.get('since', '?')})"
    )


if __name__ == "__main__":  # pragma: no cover - manual check: python -m sim.experiments.lock DIR
    with FolderLock(sys.argv[1], "manual check"):
        input("holding the lock; press Enter to release ")
