"""Checks of single values read from an analysis file, each failing with one clear message.

The calibration file's loaders (sim.analysis.calibration_spec, sim.analysis.priors) read many
numbers, texts and tables; each check here raises :class:`sim.errors.InputError` naming the file,
the key, the value and what is allowed (DESIGN.md section 5), so every loader words them alike.
"""

from __future__ import annotations

import math
from typing import Any

from sim.errors import InputError

__all__ = ["check_number", "check_text", "check_table", "check_overrides"]


def check_number(value: Any, file: str, key: str, low=-math.inf, high=math.inf, what="a number"):
    """A finite number (not a boolean) in [low, high], returned as a float."""
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float)
        or not math.isfinite(value)
        or not low <= value <= high
    ):
        span = f" in [{low:g}, {high:g}]" if math.isfinite(low) or math.isfinite(high) else ""
        raise InputError(f"expected {what}{span}", file=file, key=key, value=value)
    return float(value)


def check_text(value: Any, file: str, key: str, what: str) -> str:
    """A non-empty string of at most 2,000 characters (a source, a claim)."""
    if not isinstance(value, str) or not value.strip() or len(value) > 2000:
        raise InputError(f"expected {what}", file=file, key=key, value=value)
    return value


def check_table(value: Any, file: str, key: str, allowed: set[str], what: str) -> dict:
    """A table whose keys are all in ``allowed``; the first unknown key is named."""
    if not isinstance(value, dict):
        raise InputError(f"expected a table ({what})", file=file, key=key, value=value)
    unknown = sorted(set(value) - allowed)
    if unknown:
        raise InputError(
            f"unknown key; allowed: {', '.join(sorted(allowed))}",
            file=file,
            key=f"{key}.{unknown[0]}",
            value=value[unknown[0]],
        )
    return value


def check_overrides(raw: Any, file: str, key: str) -> dict[str, Any]:
    """A table of dotted parameter keys (nested tables flattened) with scalar values.

    The values themselves are checked against the parameter table when a scenario takes them
    (``Scenario.with_overrides``, called by sim.analysis.checks before any run).
    """
    if not isinstance(raw, dict):
        raise InputError("expected a table of dotted keys", file=file, key=key, value=raw)
    out = {}
    for k, v in raw.items():
        if isinstance(v, dict):
            out.update({f"{k}.{kk}": x for kk, x in check_overrides(v, file, f"{key}.{k}").items()})
        elif isinstance(v, bool | int | float | str):
            out[k] = v
        else:
            raise InputError("expected a number, string or boolean", file=file, key=f"{key}.{k}")
    return out
