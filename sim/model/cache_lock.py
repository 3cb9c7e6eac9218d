"""numba's cache writes under a file lock, so that processes compiling at once keep every entry.

Two processes writing one function's cache at once are not safe in numba: each reads the
function's index, adds its signature and writes the index back, so a later write drops the other's
entry, or two signatures are given one data file and a later load gets the wrong code (numba
issues #2028 and #10128; for the latter numba's maintainers proposed a file lock).
:func:`lock_cache_writes` holds an exclusive ``fcntl`` lock on the cache folder around that
read-modify-write, in every process that imports the model's world (sim.model.world calls it):
a cold first run's helper and the run itself (sim.model.precompile), a sweep's fork server and
workers, two commands run at once. Where ``fcntl`` is missing (Windows) there is no lock, and
sim.model.precompile does not split a compile.
"""

from __future__ import annotations

import os

try:
    import fcntl
except ImportError:  # Windows: no lock
    fcntl = None

from numba.core import caching

#: The lock file in each cache folder (numba's per-source folder of index and data files).
LOCK_NAME = ".crmsim-cache.lock"


def lock_cache_writes() -> bool:
    """Make numba's cache save (read the index, add a signature, write index and data) hold an
    exclusive lock on the cache folder. Idempotent; returns whether the lock is in place."""
    cache_file = caching.IndexDataCacheFile
    if fcntl is None or not hasattr(cache_file, "save"):
        return False
    if getattr(cache_file.save, "crmsim_locked", False):
        return True
    unlocked = cache_file.save

    def save(self, key, data):
        with open(os.path.join(self._cache_path, LOCK_NAME), "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                return unlocked(self, key, data)
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)

    save.crmsim_locked = True
    save.__doc__ = unlocked.__doc__
    cache_file.save = save
    return True
