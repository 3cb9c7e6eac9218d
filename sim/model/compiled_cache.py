"""Where numba caches the model's compiled code: a folder named by a digest of the model's source.

Numba invalidates a cached function only when its own file changes, not when a function it calls
from another file does (numba's caching documentation: "changes in other files are not
detected"). Here that is the rule: kernels.py, week.py and program.py call rules.py, so an edited
rule would silently run the old compiled code until someone deleted the cache (it happened while
the model was being recalibrated). Importing this module, which ``sim.model`` does before any of
its compiled modules, points ``numba.config.CACHE_DIR`` at ``__pycache__/numba-<digest>`` (or
``$NUMBA_CACHE_DIR/numba-<digest>``), the digest covering every ``sim/model/*.py``: any change to
any model file starts a fresh cache, and switching back finds the old one.

It does so without importing numba (``crmsim validate`` reads scenarios and never needs it): when
numba is not imported yet, the folder goes to the ``NUMBA_CACHE_DIR`` environment variable, which
numba reads when it is imported, and which the sweep's worker processes inherit (a folder already
named ``numba-<digest>`` there is taken as the base's, so a worker keys its cache as its parent
did).
"""

from __future__ import annotations

import hashlib
import os
import re
import sys
from pathlib import Path

MODEL_DIR = Path(__file__).resolve().parent


def source_sha256(folder: Path = MODEL_DIR) -> str:
    """sha256 over the names and contents of every ``*.py`` file in ``folder``.

    Also what a results folder records as the model's version (sim.experiments.fingerprint).
    """
    digest = hashlib.sha256()
    for path in sorted(folder.glob("*.py")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


#: The name of a cache folder this module made (``numba-`` and 16 hex digits of the digest).
_OURS = re.compile(r"numba-[0-9a-f]{16}")


def cache_dir(folder: Path = MODEL_DIR) -> str:
    """The cache folder for the model's source as it is now."""
    base = os.environ.get("NUMBA_CACHE_DIR") or str(folder / "__pycache__")
    if _OURS.fullmatch(os.path.basename(os.path.normpath(base))):
        base = os.path.dirname(os.path.normpath(base))  # inherited from a parent process
    return os.path.join(base, f"numba-{source_sha256(folder)[:16]}")


def install() -> str:
    """Point numba's cache at ``cache_dir()``: numba's setting if numba is imported, else the
    environment variable numba will read. Returns the folder."""
    folder = cache_dir()
    numba = sys.modules.get("numba")
    if numba is not None:
        numba.config.CACHE_DIR = folder
    else:
        os.environ["NUMBA_CACHE_DIR"] = folder
    return folder


install()
