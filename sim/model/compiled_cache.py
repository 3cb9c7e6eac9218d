"""Where numba caches the model's compiled code: a folder named by a digest of the model's source.

Numba invalidates a cached function only when its own file changes, not when a function it calls
from another file does (numba's caching documentation: "changes in other files are not
detected"). Here that is the rule: kernels.py, week.py and program.py call rules.py, so an edited
rule would silently run the old compiled code until someone deleted the cache (it happened while
the model was being recalibrated). Importing this module, which ``sim.model`` does before any of
its compiled modules, points ``numba.config.CACHE_DIR`` at ``__pycache__/numba-<digest>`` (or
``$NUMBA_CACHE_DIR/numba-<digest>``), the digest covering every ``sim/model/*.py``: any change to
any model file starts a fresh cache, and switching back finds the old one.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import numba

MODEL_DIR = Path(__file__).resolve().parent


def source_sha256(folder: Path = MODEL_DIR) -> str:
    """sha256 over the names and contents of every ``*.py`` file in ``folder``.

    Also what a results folder records as the model's version (sim.experiments.fingerprint).
    """
    digest = hashlib.sha256()
    for path in sorted(folder.glob("*.py")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def cache_dir(folder: Path = MODEL_DIR) -> str:
    """The cache folder for the model's source as it is now."""
    base = os.environ.get("NUMBA_CACHE_DIR") or str(folder / "__pycache__")
    return os.path.join(base, f"numba-{source_sha256(folder)[:16]}")


numba.config.CACHE_DIR = cache_dir()
