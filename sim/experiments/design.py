"""Experimental designs: which parameter values a sweep visits.

An experiment's ``[design]`` table says how scenario parameters are varied, in the three forms users
of NetLogo BehaviorSpace and EMA Workbench expect:

* ``list``: parallel lists, point i takes the i-th value of every parameter (hand-picked cases);
* ``grid``: the full factorial (cartesian product) of the value lists, first key varying slowest;
* ``lhs``: a Latin hypercube of ``samples`` points over ``{low, high, type = "real"|"integer"}``
  ranges (McKay, Beckman & Conover 1979; ``scipy.stats.qmc.LatinHypercube``), drawn from the
  experiment's root seed, so the same file always gives the same points.

A design expands to :class:`Point` objects: an index and a dict of dotted-key overrides, applied to
every scenario with ``Scenario.with_overrides``. A missing design is one point with no overrides.
Keys are dotted scenario keys (``"rollout.vendor_pressure"``); TOML's nested tables written without
quotes (``rollout.vendor_pressure = [...]``) are flattened back to the same dotted keys.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from sim.errors import InputError

__all__ = ["Point", "Design", "parse_design", "LHS_SPAWN_KEY"]

DESIGN_TYPES = ("list", "grid", "lhs")
_DESIGN_KEYS = {"type", "parameters", "samples"}
_RANGE_KEYS = {"low", "high", "type"}

#: Spawn key of the Latin hypercube's own stream, ``SeedSequence(root_seed,
# spawn_key=LHS_SPAWN_KEY)``. : Replicate seeds are the children ``(0,), (1,), ...`` of the same
# root; a two-element key can never : coincide with one of them, so the design points and the
# replicates draw independent streams.
LHS_SPAWN_KEY = (0x4C4853, 0)


@dataclass(frozen=True)
class Point:
    """One design point: its index in the design and the dotted-key overrides it applies."""

    index: int
    overrides: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Design:
    """A validated design.

    Attributes:
        type: ``"list"``, ``"grid"`` or ``"lhs"``.
        parameters: dotted key -> value list (list, grid) or ``{low, high, type}`` (lhs).
        samples: number of LHS points (0 for the other types).
    """

    type: str = "list"
    parameters: dict[str, Any] = field(default_factory=dict)
    samples: int = 0

    @property
    def keys(self) -> list[str]:
        """Dotted keys the design varies, in file order."""
        return list(self.parameters)

    def to_dict(self) -> dict[str, Any]:
        """Plain-data form, for the manifest and the spec hash."""
        out: dict[str, Any] = {"type": self.type, "parameters": self.parameters}
        if self.type == "lhs":
            out["samples"] = self.samples
        return out

    def points(self, root_seed: int = 0) -> list[Point]:
        """Expand the design into its points.

        Args:
            root_seed: the experiment's root seed; only an LHS design draws from it.

        Returns:
            The points, indexed 0..n-1 in a fixed order.
        """
        if not self.parameters:
            return [Point(0, {})]
        keys = self.keys
        if self.type == "list":
            rows = zip(*(self.parameters[k] for k in keys), strict=True)
        elif self.type == "grid":
            rows = itertools.product(*(self.parameters[k] for k in keys))
        else:
            rows = self._lhs_rows(root_seed)
        return [Point(i, dict(zip(keys, row, strict=True))) for i, row in enumerate(rows)]

    def _lhs_rows(self, root_seed: int) -> list[tuple]:
        """Latin hypercube: each range cut into ``samples`` strata, one draw per stratum per key.

        ``scipy.stats.qmc.LatinHypercube`` gives every key an independent permutation of the strata
        and a uniform position inside each; an integer range ``[low, high]`` maps the unit interval
        onto ``high - low + 1`` equal bins.
        """
        rng = np.random.default_rng(np.random.SeedSequence(root_seed, spawn_key=LHS_SPAWN_KEY))
        from scipy.stats import qmc  # here, not at the top: SciPy's import costs a plain run 0.5 s

        unit = qmc.LatinHypercube(d=len(self.keys), rng=rng).random(self.samples)
        columns: list[list[Any]] = []
        for j, key in enumerate(self.keys):
            spec = self.parameters[key]
            low, high = spec["low"], spec["high"]
            u = unit[:, j]
            if spec["type"] == "integer":
                vals = np.minimum(np.floor(low + u * (high - low + 1)), high)
                columns.append([int(v) for v in vals])
            else:
                columns.append([float(v) for v in low + u * (high - low)])
        return list(zip(*columns, strict=True))


def _flatten(table: dict[str, Any], prefix: str, leaf) -> dict[str, Any]:
    """Flatten nested TOML tables into dotted keys, stopping at values ``leaf`` accepts."""
    out: dict[str, Any] = {}
    for key, value in table.items():
        dotted = f"{prefix}{key}"
        if isinstance(value, dict) and not leaf(value):
            out.update(_flatten(value, f"{dotted}.", leaf))
        else:
            out[dotted] = value
    return out


def _is_scalar(value: Any) -> bool:
    return isinstance(value, (bool, int, float, str))


def _check_values(key: str, values: Any, file: str | None) -> list:
    """A non-empty list of scalars; ints mixed with floats become floats (1 -> 1.0)."""
    if not isinstance(values, list) or not values or not all(_is_scalar(v) for v in values):
        raise InputError(
            "expected a non-empty list of numbers, strings or booleans",
            file=file,
            key=f"design.parameters.{key}",
            value=values,
        )
    numeric = [v for v in values if isinstance(v, (int, float)) and not isinstance(v, bool)]
    if any(isinstance(v, float) for v in numeric) and len(numeric) == len(values):
        values = [float(v) for v in values]
    return list(values)


def _check_range(key: str, spec: Any, file: str | None) -> dict[str, Any]:
    """An LHS range ``{low, high, type}`` with low < high (real) or low <= high (integer)."""
    where = f"design.parameters.{key}"
    if not isinstance(spec, dict) or set(spec) - _RANGE_KEYS or not {"low", "high"} <= set(spec):
        raise InputError(
            "an lhs parameter is a table {low, high, type = 'real' or 'integer'}",
            file=file,
            key=where,
            value=spec,
        )
    kind = spec.get("type", "real")
    if kind not in ("real", "integer"):
        raise InputError(
            "type must be 'real' or 'integer'", file=file, key=f"{where}.type", value=kind
        )
    low, high = spec["low"], spec["high"]
    for name, v in (("low", low), ("high", high)):
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
            raise InputError("expected a finite number", file=file, key=f"{where}.{name}", value=v)
    if kind == "integer":
        if int(low) != low or int(high) != high or low > high:
            raise InputError(
                "an integer range needs whole numbers with low <= high",
                file=file,
                key=where,
                value=(low, high),
            )
        return {"low": int(low), "high": int(high), "type": kind}
    if not low < high:
        raise InputError("a real range needs low < high", file=file, key=where, value=(low, high))
    return {"low": float(low), "high": float(high), "type": kind}


def parse_design(raw: Any, file: str | None = None) -> Design:
    """Validate an experiment's ``[design]`` table.

    Args:
        raw: the table as read from TOML, or None for no design.
        file: the experiment file, for error messages.

    Returns:
        The :class:`Design`.

    Raises:
        InputError: naming the key for an unknown type, an unknown key, an empty or ragged list, a
            bad range, or a missing or non-positive ``samples``.
    """
    if raw is None:
        return Design()
    if not isinstance(raw, dict):
        raise InputError("expected a table", file=file, key="design", value=raw)
    unknown = set(raw) - _DESIGN_KEYS
    if unknown:
        bad = sorted(unknown)[0]
        raise InputError(
            f"unknown key; allowed: {', '.join(sorted(_DESIGN_KEYS))}",
            file=file,
            key=f"design.{bad}",
            value=raw[bad],
        )
    kind = raw.get("type", "list")
    if kind not in DESIGN_TYPES:
        raise InputError(
            f"allowed: {', '.join(DESIGN_TYPES)}", file=file, key="design.type", value=kind
        )
    params_raw = raw.get("parameters", {})
    if not isinstance(params_raw, dict):
        raise InputError(
            "expected a table of dotted keys", file=file, key="design.parameters", value=params_raw
        )
    if kind == "lhs":
        flat = _flatten(params_raw, "", lambda t: "low" in t or "high" in t)
        params = {k: _check_range(k, v, file) for k, v in flat.items()}
        samples = raw.get("samples")
        if isinstance(samples, bool) or not isinstance(samples, int) or samples < 1:
            raise InputError(
                "an lhs design needs samples = a whole number >= 1",
                file=file,
                key="design.samples",
                value=samples,
            )
        if not params:
            raise InputError(
                "an lhs design needs at least one parameter range",
                file=file,
                key="design.parameters",
            )
        return Design("lhs", params, samples)
    if "samples" in raw:
        raise InputError(
            "samples applies to lhs designs only",
            file=file,
            key="design.samples",
            value=raw["samples"],
        )
    flat = _flatten(params_raw, "", lambda t: False)
    params = {k: _check_values(k, v, file) for k, v in flat.items()}
    if kind == "list":
        lengths = {k: len(v) for k, v in params.items()}
        if len(set(lengths.values())) > 1:
            raise InputError(
                "a list design needs value lists of equal length",
                file=file,
                key="design.parameters",
                value=lengths,
            )
    return Design(kind, params, 0)
