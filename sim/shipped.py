"""The scenarios and experiments that ship with the package, found from any folder.

``scenarios/`` and ``experiments/`` sit at the top of the repository, where users look for them.
The wheel ships them too, as the packages ``sim.scenarios`` and ``sim.experiment_files``
(pyproject.toml maps the two folders with setuptools' ``package-dir``; the editable install maps
them the same way), and they are read through :mod:`importlib.resources`. So ``crmsim run four_ps``
and ``crmsim list`` work from any folder, from a wheel as from the checkout; and the experiment
files' relative ``../scenarios/x.toml`` paths resolve in both layouts, because the two folders are
siblings in both.

A path the user gives always wins: :func:`find_file` looks a shipped file up only when the name
given is not an existing file and has no folder part.
"""

from __future__ import annotations

import importlib
import importlib.resources
from collections.abc import Iterable
from pathlib import Path

from sim.errors import InputError

__all__ = ["PACKAGES", "find_file", "shipped_dir", "shipped_files", "source_root"]

#: What ships -> the package that holds its TOML files (pyproject.toml's package-dir).
PACKAGES = {"scenarios": "sim.scenarios", "experiments": "sim.experiment_files"}
#: Files of ``scenarios/`` that other scenarios extend; never run or listed on their own.
LAYERS = ("base", "calibrated")


def shipped_dir(kind: str) -> Path:
    """The folder of the shipped ``kind`` ("scenarios" or "experiments") on disk.

    pip installs a wheel unpacked, so the resource folder is a real directory (the scenario loader
    needs real paths: ``extends`` and mix members are files beside it).

    Raises:
        InputError: the package was installed before the folders shipped (a stale editable install).
    """
    try:
        root = importlib.resources.files(PACKAGES[kind])
    except ModuleNotFoundError:
        raise InputError(
            f"the shipped {kind} are not installed with this copy of the package ({PACKAGES[kind]} "
            "cannot be imported); reinstall it (in a source checkout: pip install -e .)"
        ) from None
    return Path(str(root))


def shipped_files(kind: str) -> list[Path]:
    """The shipped TOML files of ``kind``, sorted by name (scenario layers left out)."""
    skip = LAYERS if kind == "scenarios" else ()
    return sorted(p for p in shipped_dir(kind).glob("*.toml") if p.stem not in skip)


def find_file(name: str | Path, kinds: str | Iterable[str] = ("scenarios", "experiments")) -> Path:
    """The file a user named: the path itself if it exists, else a shipped file of that name.

    ``four_ps`` and ``four_ps.toml`` both name the package's ``scenarios/four_ps.toml``. A name
    with a folder part, or one that exists, is returned unchanged, so the reader's own "file not
    found" names exactly what the user typed.

    Raises:
        InputError: a bare name that is neither a file here nor a shipped file, naming the shipped
            files of ``kinds``.
    """
    path = Path(name)
    kinds = (kinds,) if isinstance(kinds, str) else tuple(kinds)
    if path.exists() or path.name != str(name) or path.suffix not in ("", ".toml"):
        return path
    for kind in kinds:
        candidate = shipped_dir(kind) / f"{path.stem}.toml"
        if candidate.is_file():
            return candidate
    known = ", ".join(p.stem for kind in kinds for p in shipped_files(kind))
    raise InputError(
        f"file not found, and no shipped {' or '.join(k[:-1] for k in kinds)} has that name "
        f"(shipped: {known}; `crmsim list` shows them)",
        file=str(name),
    )


def source_root() -> Path:
    """The source checkout the package runs from (editable install), else the current folder.

    For the developer commands that rewrite files of the repository (docs/ODD.md, the README's
    generated blocks, results/reference/): the checkout is the folder above the imported ``sim``
    package when it holds ``pyproject.toml``; an installed wheel has no checkout, so they act on
    the folder they are run from. It follows the imported code, not the editable install's map of
    the shipped folders: a second checkout (a ``git worktree``) run with the first one's venv and
    ``PYTHONPATH`` writes into itself, not into the first checkout.
    """
    above = Path(__file__).resolve().parent.parent
    return above if (above / "pyproject.toml").is_file() else Path.cwd()
