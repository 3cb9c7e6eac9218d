"""Reading a user's TOML file without letting a hostile one crash or exhaust the process.

``tomllib.load`` trusts its input: ``/dev/zero`` is read until memory runs out, a FIFO blocks
forever, a few thousand nested ``[`` end in a RecursionError and a table nested hundreds of levels
deep breaks every recursive walk after it. This module checks the file before and after parsing,
so every such input becomes an :class:`sim.errors.InputError` naming the file (DESIGN.md 5).
"""

from __future__ import annotations

import os
import stat
import tomllib
from pathlib import Path
from typing import Any

from sim.errors import InputError, did_you_mean

#: Largest TOML file read. The biggest shipped input is under 3 KiB; 1 MiB leaves room for a
#: generated design list of tens of thousands of values (assumption).
MAX_BYTES = 1 << 20
#: Deepest nesting of tables and arrays. Scenarios use 3 levels (``rollout.durations.people``),
#: experiments 4 (``design.parameters.KEY.low``); 32 is far above any real file (assumption).
MAX_DEPTH = 32


def nesting_depth(obj: Any) -> int:
    """Depth of nested dicts and lists (a scalar is 0), computed without recursion."""
    depth, stack = 0, [(obj, 0)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, dict):
            children = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        depth = max(depth, level + 1)
        if depth > MAX_DEPTH:
            break
        stack.extend((child, level + 1) for child in children)
    return depth


def _sibling_hint(path: Path) -> str:
    """A near name among the TOML files beside a missing one (a misspelt scenario file)."""
    try:
        siblings = [p.name for p in path.parent.glob("*.toml")] if path.parent.is_dir() else []
    except OSError:
        return ""
    hint = did_you_mean(path.name, siblings)
    return hint.replace("mean ", f"mean {path.parent}/", 1) if hint else ""


def read_toml(path: str | Path) -> dict[str, Any]:
    """Parse a TOML file; every way it can be unreadable is an InputError naming the file.

    Raises:
        InputError: missing file, a folder, a device, FIFO or socket, a file over
            :data:`MAX_BYTES`, text that is not UTF-8 or not TOML, or nesting deeper than
            :data:`MAX_DEPTH`.
    """
    path = Path(path)
    file = str(path)
    try:
        info = os.stat(path)
    except FileNotFoundError:
        raise InputError("file not found" + _sibling_hint(path), file=file) from None
    except (OSError, ValueError) as exc:
        raise InputError(f"cannot read the file ({exc})", file=file) from None
    if stat.S_ISDIR(info.st_mode):
        raise InputError("expected a TOML file, got a folder", file=file)
    if not stat.S_ISREG(info.st_mode):
        raise InputError("expected a regular TOML file (not a device, pipe or socket)", file=file)
    if info.st_size > MAX_BYTES:
        raise InputError(
            f"file is {info.st_size:,} bytes; a TOML input may have at most {MAX_BYTES:,}",
            file=file,
        )
    try:
        with open(path, "rb") as fh:
            data = fh.read(MAX_BYTES + 1)
    except OSError as exc:
        raise InputError(f"cannot read the file ({exc})", file=file) from None
    if len(data) > MAX_BYTES:
        raise InputError(f"file is larger than {MAX_BYTES:,} bytes", file=file)
    try:
        raw = tomllib.loads(data.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise InputError(f"not UTF-8 text ({exc.reason} at byte {exc.start})", file=file) from None
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"not valid TOML ({exc})", file=file) from None
    except RecursionError:
        raise InputError(f"nested too deeply (at most {MAX_DEPTH} levels)", file=file) from None
    depth = nesting_depth(raw)
    if depth > MAX_DEPTH:
        raise InputError(
            f"nested too deeply ({depth}+ levels of tables or arrays; at most {MAX_DEPTH})",
            file=file,
        )
    return raw
