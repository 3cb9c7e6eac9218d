"""Import a package that only some commands need, or stop with one line that says how to get it.

SALib (``crmsim sensitivity``), EMA Workbench (``crmsim discover``) and Dask distributed
(``--scheduler``, ``--dask-local``) are imported only by the commands that use them, so the rest of
the package starts without them. When one is missing (a virtual environment made before it was
added to ``pyproject.toml``, or a slimmed install) the user should read which package is missing and
the command that installs it, with exit status 2, not a ``ModuleNotFoundError`` traceback
(DESIGN.md section 5). :func:`require` is the one place that turns the import failure into that
message, so every optional import says it the same way.
"""

from __future__ import annotations

import importlib
from types import ModuleType

from sim.errors import InputError

__all__ = ["OPTIONAL", "MissingDependency", "require"]

#: Top-level module -> (distribution to install, extra of this package that installs it). The
#: extras are declared in pyproject.toml; `pip install -e '.[dev]'` installs every one of them.
OPTIONAL: dict[str, tuple[str, str]] = {
    "SALib": ("SALib", "analysis"),
    "ema_workbench": ("ema-workbench", "analysis"),
    "dask": ("dask[distributed]", "dask"),
    "distributed": ("dask[distributed]", "dask"),
}


class MissingDependency(InputError):
    """An optional package this command needs cannot be imported (the CLI exits with status 2)."""


def require(module: str, needed_for: str) -> ModuleType:
    """``importlib.import_module(module)``, or :class:`MissingDependency` naming the package and
    the pip extra that installs it.

    Args:
        module: dotted module name whose top-level package is in :data:`OPTIONAL`
            (``"SALib.analyze.sobol"``, ``"dask.distributed"``).
        needed_for: what needs it, for the message (``"crmsim sensitivity"``).

    Raises:
        MissingDependency: the module, or a package it imports, cannot be imported.
        KeyError: ``module`` is not a registered optional package (a programming error).
    """
    top = module.split(".", 1)[0]
    dist, extra = OPTIONAL[top]
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        # exc.name is the module that was not found: the package itself, or one it imports
        missing = (getattr(exc, "name", None) or top).split(".", 1)[0]
        if OPTIONAL.get(missing, (None,))[0] == dist:
            what = "is not installed"
        else:
            what = f"cannot be imported (it needs {missing!r}, which is missing)"
        raise MissingDependency(
            f"{needed_for} needs the Python package {dist}, which {what}; install it with "
            f"pip install 'crm-rollout-sim[{extra}]' (in a source checkout: pip install -e "
            f"'.[{extra}]')"
        ) from None
