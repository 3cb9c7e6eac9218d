"""A package's public names imported when first used (PEP 562's module ``__getattr__``).

``import sim`` then costs what ``sim.errors`` costs, not numba, Mesa, pandas and SciPy: the
``crmsim`` commands that need none of them (``--version``, ``validate``, ``list``) answer without
loading them (tests/test_imports.py holds it).
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable


def lazy_names(package: str, names: dict[str, str]) -> tuple[Callable, Callable]:
    """The ``__getattr__`` and ``__dir__`` of ``package`` for ``names`` (public name -> the module
    that defines it). A name is imported on first use, then kept in the package's namespace."""

    def __getattr__(name: str):
        if name not in names:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(names[name]), name)
        setattr(sys.modules[package], name, value)
        return value

    def __dir__() -> list[str]:
        return sorted(set(vars(sys.modules[package])) | set(names))

    return __getattr__, __dir__
