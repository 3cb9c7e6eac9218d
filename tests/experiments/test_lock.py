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
