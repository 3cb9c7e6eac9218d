"""Records built by name: one table of fields gives both the numpy dtype and the values.

The kernels read their fixed numbers (rule parameters, the programme's plan, the run's economy)
from one-element numpy record arrays: numba reads ``prm.mandate`` from a record as from a struct,
and a record crosses the Python-numba boundary in well under a microsecond. A record filled from a
tuple by position breaks silently when a field is inserted in the middle (every later value
shifts), so each record here is declared as a table of named fields, each saying where its value
comes from: a parameter key, or a function of the run's inputs (DESIGN.md 6, as EMA Workbench's
named ``Parameter`` objects). The dtype and the values are both built from that one table.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

import numpy as np

_DTYPES = {float: np.float64, int: np.int64, bool: np.bool_}


@dataclass(frozen=True)
class Field:
    """One field of a record.

    Attributes:
        name: the field's name, as the kernels read it (``prm.mandate``).
        value: a dotted parameter key (``"org.mandate"``), or a function of the inputs namespace
            (``inputs.v`` the parameter values, plus whatever the builder passes, e.g. ``org``).
        kind: ``float``, ``int`` or ``bool``.
    """

    name: str
    value: str | Callable[[Any], Any]
    kind: type = float


class Record:
    """A record declared by name: its dtype and a builder of its one-element record array."""

    def __init__(self, fields: Sequence[Field]):
        names = [f.name for f in fields]
        if len(set(names)) != len(names):
            raise ValueError(f"duplicate field names in a record: {names}")
        self.fields = tuple(fields)
        self.dtype = np.dtype([(f.name, _DTYPES[f.kind]) for f in fields])

    def build(self, values: Mapping[str, Any], **inputs: Any) -> np.recarray:
        """The record for these parameter values (and named inputs for computed fields).

        Returns:
            A one-element ``np.recarray`` (``rec[0].name`` and ``rec.name[0]`` both read it).
        """
        ns = SimpleNamespace(v=values, **inputs)
        row = tuple(
            f.kind(values[f.value] if isinstance(f.value, str) else f.value(ns))
            for f in self.fields
        )
        # one structured array from one tuple: a field at a time through the recarray cost
        # more than the rest of building a model (sim.bench.profile)
        return np.array([row], dtype=self.dtype).view(np.recarray)

    def empty(self) -> np.recarray:
        """A zeroed one-element record array (a record the compiled code fills itself)."""
        return np.zeros(1, dtype=self.dtype).view(np.recarray)


def from_params(*keys: str, prefix: str = "") -> list[Field]:
    """Fields read straight from parameters, named by the last part of each key.

    ``from_params("usability", "tau_learning", prefix="employee.")`` gives the fields
    ``usability`` and ``tau_learning``, read from ``employee.usability`` and
    ``employee.tau_learning``.
    """
    return [Field(k.rsplit(".", 1)[-1], prefix + k) for k in keys]


def record_of(dtype: np.dtype, **values: Any) -> np.recarray:
    """A one-element record array of ``dtype`` from keyword values (every field must be given)."""
    missing = set(dtype.names) - set(values)
    if missing:
        raise ValueError(f"missing fields: {sorted(missing)}")
    unknown = set(values) - set(dtype.names)
    if unknown:
        raise ValueError(f"unknown fields: {sorted(unknown)}")
    return np.array([tuple(values[name] for name in dtype.names)], dtype=dtype).view(np.recarray)
