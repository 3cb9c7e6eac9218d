"""Import a package that only some commands use, or stop with one line that says how to get it.

SALib (``crmsim sensitivity``), EMA Workbench (``crmsim discover``) and Dask distributed
(``--scheduler``, ``--dask-local``) are core dependencies of the package (pyproject.toml), imported
only by the commands that use them so the rest starts without paying for them. When one cannot be
imported (an environment made before it was added to ``pyproject.toml``, a slimmed install, a broken
dependency of it) the user should read what is missing and the command that fixes it, with exit
status 2, not a ``ModuleNotFoundError`` traceback (DESIGN.md section 5). :func:`require` is the one
place that turns the import failure into that message, so every lazy import says it the same way.

The message never tells the user to install something that is installed: it asks the installed
distributions (:mod:`importlib.metadata`) before naming a ``pip install``.
"""

from __future__ import annotations

import importlib
import importlib.metadata
from types import ModuleType
from typing import NamedTuple

from sim.errors import InputError

__all__ = ["OPTIONAL", "MissingDependency", "Package", "installed", "require"]


class Package(NamedTuple):
    """A lazily imported package: its distribution's name, and what to give ``pip install``."""

    dist: str
    pip: str


#: Top-level module -> the distribution that provides it. All are core dependencies in
#: pyproject.toml (tests/test_optional.py checks it).
OPTIONAL: dict[str, Package] = {
    "SALib": Package("SALib", "SALib"),
    "ema_workbench": Package("ema-workbench", "ema-workbench"),
    "dask": Package("dask", "dask[distributed]"),
    "distributed": Package("distributed", "dask[distributed]"),
}

_EVERYTHING = (
    "it is a dependency of crm-rollout-sim, so this environment is older than the package or was "
    "slimmed; pip install -e . in a source checkout (pip install crm-rollout-sim otherwise) "
    "installs every dependency"
)


class MissingDependency(InputError):
    """A package this command needs cannot be imported (the CLI exits with status 2)."""


def installed(dist: str) -> bool:
    """True when the distribution ``dist`` is installed in this environment."""
    try:
        importlib.metadata.version(dist)
    except importlib.metadata.PackageNotFoundError:
        return False
    return True


def _missing_module(exc: ImportError) -> str | None:
    """The module whose absence caused ``exc``: its own ``name``, or that of the import error it
    was raised from (``dask.distributed`` re-raises a missing ``distributed`` with a message and
    no name)."""
    seen: BaseException | None = exc
    while seen is not None:
        name = getattr(seen, "name", None)
        if name:
            return name
        seen = seen.__cause__ or seen.__context__
    return None


def require(module: str, needed_for: str) -> ModuleType:
    """``importlib.import_module(module)``, or :class:`MissingDependency` naming what is missing
    and how to install it.

    Args:
        module: dotted module name whose top-level package is in :data:`OPTIONAL`
            (``"SALib.analyze.sobol"``, ``"dask.distributed"``).
        needed_for: what needs it, for the message (``"crmsim sensitivity"``).

    Raises:
        MissingDependency: the module, or a package it imports, cannot be imported.
        KeyError: ``module`` is not a registered optional package (a programming error).
    """
    top = module.split(".", 1)[0]
    package = OPTIONAL[top]
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        # exc.name is the module that was not found: the package itself, or one it imports
        missing = (_missing_module(exc) or top).split(".", 1)[0]
        culprit = OPTIONAL.get(missing, package if missing == top else None)
        if culprit is not None and not installed(culprit.dist):
            what = (
                "is not installed"
                if culprit.pip == package.pip
                else (f"cannot be imported (it needs {culprit.dist}, which is not installed)")
            )
            fix = f"install it with pip install '{culprit.pip}'; {_EVERYTHING}"
        elif culprit is None:
            what = f"cannot be imported (it needs {missing!r}, which is missing)"
            fix = _EVERYTHING
        else:  # installed, yet the import fails: a broken install, not a missing one
            what = f"is installed but cannot be imported ({type(exc).__name__}: {exc})"
            fix = f"repair it with pip install --force-reinstall '{culprit.pip}'"
        raise MissingDependency(
            f"{needed_for} needs the Python package {package.pip}, which {what}; {fix}"
        ) from None
