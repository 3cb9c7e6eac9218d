"""A run's weekly table written as ``timeseries.parquet`` and ``timeseries.csv`` without pandas.

``crmsim run`` is a command that should answer in about a second; importing pandas
took a quarter of it. The files are the ones pandas wrote before (tests/cli/test_run_files.py reads
them back with pandas and compares): the Parquet file through pyarrow's own arrays (built from
buffers: ``pyarrow.array`` on a numpy array imports pandas to look for a Series), the CSV with
pandas' formatting (the shortest repr of each float, ``week`` as an integer, an empty field for
NaN).
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np


def write_parquet(path: Path, columns: tuple[str, ...], data: np.ndarray) -> None:
    """The table as Parquet: ``week`` int64, every other column float64."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    arrays = []
    for j, name in enumerate(columns):
        if name == "week":
            values, kind = np.ascontiguousarray(data[:, j], dtype=np.int64), pa.int64()
        else:
            values, kind = np.ascontiguousarray(data[:, j], dtype=np.float64), pa.float64()
        arrays.append(pa.Array.from_buffers(kind, len(values), [None, pa.py_buffer(values)]))
    pq.write_table(pa.Table.from_arrays(arrays, names=list(columns)), path)


def _field(x: float) -> str:
    """One float as pandas' ``to_csv`` writes it: its shortest repr, empty for NaN."""
    return "" if math.isnan(x) else repr(x)


def write_csv(path: Path, columns: tuple[str, ...], data: np.ndarray) -> None:
    """The table as CSV, one row a week, as ``DataFrame.to_csv(index=False)`` writes it."""
    week = columns.index("week")
    lines = [",".join(columns)]
    for row in data.tolist():
        fields = [_field(x) for x in row]
        fields[week] = str(int(row[week]))
        lines.append(",".join(fields))
    path.write_text("\n".join(lines) + "\n")
