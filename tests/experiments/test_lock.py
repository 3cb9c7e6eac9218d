"""The results folder's lock (sim/experiments/lock.py) tells a lock held by another process apart
from a file system that cannot lock at all, by flock's errno."""

from __future__ import annotations

import errno
import os

import pytest

from sim.errors import InputError
from sim.experiments import lock
from sim.experiments.lock import FolderLock

pytestmark = pytest.mark.skipif(lock.fcntl is None, reason="no fcntl (not POSIX)")


def _flock_failing_with(code: int):
    def flock(fd, operation):
        raise OSError(code, os.strerror(code))

    return flock


@pytest.mark.parametrize("code", sorted(lock.HELD))
def test_a_held_lock_names_the_process_that_holds_it(tmp_path, monkeypatch, code):
    (tmp_path / lock.LOCK_NAME).write_text('{"pid": 4242, "host": "h", "command": "crmsim x"}')
    monkeypatch.setattr(lock.fcntl, "flock", _flock_failing_with(code))
    with pytest.raises(InputError) as err:
        FolderLock(tmp_path).acquire()
    message = str(err.value)
    assert "another process is writing this results folder" in message
    assert "process 4242 on h" in message and "file system" not in message


@pytest.mark.parametrize(
    "code", sorted({errno.ENOLCK, errno.EOPNOTSUPP, errno.ENOTSUP, errno.ENOSYS, errno.EINVAL})
)
def test_a_file_system_without_locks_is_said_so(tmp_path, monkeypatch, code):
    monkeypatch.setattr(lock.fcntl, "flock", _flock_failing_with(code))
    with pytest.raises(InputError) as err:
        FolderLock(tmp_path, "crmsim sweep").acquire()
    message = str(err.value)
    assert "another process" not in message
    assert "does not support file locks" in message
    assert errno.errorcode[code] in message and os.strerror(code) in message
    assert str(tmp_path) in message  # the folder, as InputError's file


def test_any_other_flock_error_names_its_errno(tmp_path, monkeypatch):
    monkeypatch.setattr(lock.fcntl, "flock", _flock_failing_with(errno.EIO))
    with pytest.raises(InputError, match=r"cannot lock this results folder \(EIO") as err:
        FolderLock(tmp_path).acquire()
    assert "another process" not in str(err.value)


def test_the_lock_is_taken_and_released(tmp_path):
    with FolderLock(tmp_path, "first"):
        with pytest.raises(InputError, match="another process is writing"):
            FolderLock(tmp_path, "second").acquire()
    with FolderLock(tmp_path, "third"):  # released on exit
        pass


def test_the_lock_file_goes_with_the_lock(tmp_path):
    """A writer leaves no ``.lock`` behind, so a folder a sweep refused stays as it was."""
    with FolderLock(tmp_path, "first"):
        assert (tmp_path / lock.LOCK_NAME).is_file()
    assert not (tmp_path / lock.LOCK_NAME).exists()
    with FolderLock(tmp_path, "second"):  # and the next writer creates its own
        assert "second" in (tmp_path / lock.LOCK_NAME).read_text()


def test_a_writer_that_locked_a_removed_file_locks_the_new_one(tmp_path, monkeypatch):
    """The race a removable lock file has: B opens ``.lock``, A removes it and lets go, B gets the
    lock on the removed file. B must notice and lock the file at the path, or a third writer
    would create a new ``.lock`` and lock it beside B."""
    opened = []
    real_open = FolderLock._open

    def open_then_lose_it(self):
        fd = real_open(self)
        if not opened:  # the first file B opens is removed by the writer before it
            os.unlink(self.path)
        opened.append(fd)
        return fd

    monkeypatch.setattr(FolderLock, "_open", open_then_lose_it)
    with FolderLock(tmp_path, "b") as held:
        assert len(opened) == 2
        assert lock._is_at(held._fd, held.path)
        with pytest.raises(InputError, match="another process is writing"):
            FolderLock(tmp_path, "c").acquire()
