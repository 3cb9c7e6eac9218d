"""Output paths: results go only where the user said, never through a link, never half-written.

Without them a scenario ``name = "../../escaped"`` wrote two folders up, a 300-character name
failing only after the run, ``crmsim report`` writing through a symlink planted in the results
folder and an unwritable ``--out`` noticed only after minutes of simulation. The helpers here are
the one place those rules live; the commands call them before any simulation starts:

* :func:`safe_name` turns any text (a scenario or experiment name) into one harmless path component;
* :func:`check_output_dir` proves the folder can be created and written, without leaving anything;
* :func:`refuse_symlinks` stops a write that would follow a link out of the folder;
* :func:`atomic_write_bytes` writes through a fresh temporary file and ``os.replace``, so a reader
  (or a killed writer) sees the old file or the new one, never a part, and a link at the target is
  replaced, not followed.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from collections.abc import Iterable
from pathlib import Path

from sim.errors import InputError

__all__ = ["safe_name", "check_output_dir", "refuse_symlinks", "atomic_write_bytes"]

#: Longest path component produced; file systems allow 255 bytes, and the run folder adds
#: "-seedN" (assumption: 80 keeps a name readable and far from the limit).
MAX_NAME = 80
_UNSAFE = re.compile(r"[^A-Za-z0-9_.-]+")
#: Pseudo file systems no result belongs on.
_SYSTEM = (Path("/proc"), Path("/sys"), Path("/dev"))
#: The process's umask, so files made by mkstemp (mode 0600) get the usual permissions.
_UMASK = os.umask(0o022)
os.umask(_UMASK)


def safe_name(text: str, max_len: int = MAX_NAME) -> str:
    """One safe path component for ``text``: letters, digits, ``_``, ``-`` and ``.`` only.

    A name that had to change (a ``/``, ``..``, a space, more than ``max_len`` characters) gets a
    short hash of the original appended, so two different names never share a folder.
    """
    text = str(text)
    clean = _UNSAFE.sub("_", text).strip("._-") or "unnamed"
    if clean == text and len(clean) <= max_len:
        return clean
    digest = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:8]
    return f"{clean[: max_len - 9].rstrip('._-') or 'unnamed'}-{digest}"


def _as_path(path: str | Path, flag: str) -> Path:
    text = os.fspath(path)
    if not text or "\x00" in text:
        raise InputError("expected a folder path", key=flag, value=text)
    return Path(text)


def check_output_dir(path: str | Path, flag: str = "--out") -> Path:
    """Check, before any work, that ``path`` is (or can become) a folder this process can write.

    Nothing is left behind: an existing folder gets a probe file that is removed at once; a missing
    one is checked through its nearest existing parent, which must be a writable folder.

    Returns:
        ``path`` as a Path.

    Raises:
        InputError: naming ``flag`` and the path, for a file in the way, a system folder (/proc,
            /sys, /dev), a missing or read-only parent, or any other OS refusal.
    """
    out = _as_path(path, flag)
    resolved = Path(os.path.abspath(out))
    for system in _SYSTEM:
        if resolved == system or system in resolved.parents:
            raise InputError(
                f"{system} is a system folder; choose a folder for results",
                key=flag,
                value=str(out),
            )
    probe_dir = resolved
    while not probe_dir.exists():
        if probe_dir.is_symlink():
            raise InputError("is a dangling symbolic link", key=flag, value=str(probe_dir))
        probe_dir = probe_dir.parent
    if not probe_dir.is_dir():
        what = "is not a folder" if probe_dir == resolved else f"has a file in the way: {probe_dir}"
        raise InputError(f"expected a folder; {what}", key=flag, value=str(out))
    try:
        fd, probe = tempfile.mkstemp(prefix=".crmsim-probe-", dir=probe_dir)
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        raise InputError(
            f"cannot write in {probe_dir} ({exc.strerror or exc}); choose another folder",
            key=flag,
            value=str(out),
        ) from None
    return out


def refuse_symlinks(root: str | Path, names: Iterable[str | Path]) -> None:
    """Refuse to write ``root/name`` for any name that is (or passes through) a symbolic link.

    Raises:
        InputError: naming the link and where it points.
    """
    root = Path(root)
    for name in names:
        target = root / name
        for part in (*reversed(target.relative_to(root).parents[:-1]), target.relative_to(root)):
            p = root / part
            if p.is_symlink():
                raise InputError(
                    f"is a symbolic link (to {os.readlink(p)}); results are never written through "
                    "links: remove it or choose another folder",
                    file=str(p),
                )


def atomic_write_bytes(path: str | Path, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically: a fresh temporary file in its folder, fsync, replace.

    ``mkstemp`` creates the temporary file with ``O_EXCL``, so a link planted under a predictable
    temporary name is never followed; ``os.replace`` swaps a link at ``path`` itself for the file.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            os.fchmod(fh.fileno(), 0o666 & ~_UMASK)
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    try:
        dfd = os.open(path.parent, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(dfd)
    except OSError:
        pass
    finally:
        os.close(dfd)
