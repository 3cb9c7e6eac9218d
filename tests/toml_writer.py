"""A small TOML writer for the hostile-input tests (the standard library only reads TOML).

Everything is written inline (``key = {a = 1, b = [{c = 2}]}``), which TOML reads back as the same
tables and arrays of tables; keys are always quoted, so dotted keys stay single keys.
"""

from __future__ import annotations

import json
import math
from typing import Any


def _string(text: str) -> str:
    return json.dumps(text, ensure_ascii=True).replace("\x7f", "\\u007f")


def value(v: Any) -> str:
    """One TOML value."""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        if math.isnan(v):
            return "nan"
        if math.isinf(v):
            return "inf" if v > 0 else "-inf"
        text = repr(v)
        return text if any(c in text for c in ".e") else text + ".0"
    if isinstance(v, str):
        return _string(v)
    if isinstance(v, dict):
        return "{" + ", ".join(f"{_string(str(k))} = {value(x)}" for k, x in v.items()) + "}"
    if isinstance(v, list | tuple):
        return "[" + ", ".join(value(x) for x in v) + "]"
    raise TypeError(f"no TOML form for {v!r}")


def dumps(doc: dict) -> str:
    """A whole document."""
    return "".join(f"{_string(str(k))} = {value(v)}\n" for k, v in doc.items())
