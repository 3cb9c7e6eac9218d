"""One writer per results folder: an advisory lock file that names its holder.

Two sweeps writing one folder at once would interleave parts and manifests.
The writer holds ``fcntl.flock`` on ``RESULTS/.lock`` for the whole sweep; the kernel drops the lock
when the process ends, even by ``kill -9``, so a crashed sweep never leaves a stale lock behind and
``--resume`` can take over at once. The file holds the holder's PID, host, command and start time,
which a second writer quotes in its error. Where ``fcntl`` is missing (Windows) the lock is a no-op.

The holder removes the file when it lets go, still holding the lock, so a folder a sweep refused (a
``crmsim run`` folder, a sweep of another experiment) is left as it was, with no ``.lock`` in it. A
writer that had opened the file before it was removed and gets the lock after finds that the file
it locked is no longer the one at ``.lock``, and locks the new one instead (the usual pattern for
removable lock files), so two writers never hold two different files.

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
#: How many times a writer locks a file that another writer removed before it gives up.
_TRIES = 100


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
        for _ in range(_TRIES):
            fd = self._open()
            if fcntl is not None:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except OSError as exc:
                    message = _refusal(exc, fd)
                    os.close(fd)
                    raise InputError(message, file=str(self.folder)) from None
            if _is_at(fd, self.path):
                break
            os.close(fd)  # the writer before us removed the file we locked: lock the new one
        else:  # pragma: no cover - another process removing the file over and over
            raise InputError("its lock file keeps being removed; try again", file=str(self.path))
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
        """Remove the lock file, then drop the lock (in that order: see the module docstring)."""
        if self._fd is not None:
            try:
                if _is_at(self._fd, self.path):
                    os.unlink(self.path)
            except OSError:  # a folder that has become read-only: the lock still goes
                pass
            os.close(self._fd)  # closing the descriptor releases the flock
            self._fd = None

    def _open(self) -> int:
        """Open (creating it if need be) the lock file, refusing a link or a folder in its place."""
        if self.path.is_symlink():
            raise InputError("is a symbolic link; remove it", file=str(self.path))
        if self.path.exists() and not self.path.is_file():
            raise InputError(
                "is not a file (crmsim keeps its lock there); remove it", file=str(self.path)
            )
        return os.open(self.path, os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0), 0o644)

    def __enter__(self) -> FolderLock:
        return self.acquire()

    def __exit__(self, *exc) -> None:
        self.release()


def _is_at(fd: int, path: Path) -> bool:
    """Whether the open file ``fd`` is still the file at ``path`` (not removed or replaced)."""
    try:
        here = os.stat(path, follow_symlinks=False)
    except OSError:
        return False
    held = os.fstat(fd)
    return (here.st_dev, here.st_ino) == (held.st_dev, held.st_ino)


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
