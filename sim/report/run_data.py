"""A ``crmsim run`` folder as its charts read it: ``summary.json`` and ``timeseries.parquet``.

The weekly series come back as numpy columns read with pyarrow, not as a pandas frame: a
``crmsim run`` that draws its four charts then never imports pandas (about 0.4 s of a warm
command, whose target is 2.5 s with its charts: docs/benchmarks.md).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from sim.errors import InputError, read_json_object

#: Columns every run's charts draw; ``live`` (the CRM in use that week) is read when present.
RUN_COLUMNS = (
    "week",
    "adoption",
    "csat",
    "cf_csat",
    "readiness_planning",
    "readiness_people",
    "readiness_process",
    "readiness_platform",
    "spend",
)
OPTIONAL_COLUMNS = ("live",)

Series = dict[str, np.ndarray]


def load_run(run_dir: Path | str) -> tuple[dict, Series]:
    """Read a run folder, validated: its summary and its series (column -> array, by week).

    Raises:
        InputError: a file is missing, not readable, or lacks a column the charts draw (named).
    """
    import pyarrow.parquet as pq

    run_dir = Path(run_dir)
    summ, tsf = run_dir / "summary.json", run_dir / "timeseries.parquet"
    for f in (summ, tsf):
        if not f.is_file():
            raise InputError(
                "missing: a run folder holds summary.json and timeseries.parquet", file=str(f)
            )
    summary = read_json_object(summ, "a run's outcome fields")
    try:
        # not read_table (its dataset API imports pandas), and no pandas metadata
        table = pq.ParquetFile(tsf).read(use_pandas_metadata=False)
    except Exception as exc:  # pyarrow raises several types for a damaged file
        raise InputError(
            f"not a readable parquet file ({type(exc).__name__}: {exc})", file=str(tsf)
        ) from None
    missing = [c for c in RUN_COLUMNS if c not in table.column_names]
    if missing:
        raise InputError(f"missing columns {missing}", file=str(tsf))
    wanted = RUN_COLUMNS + tuple(c for c in OPTIONAL_COLUMNS if c in table.column_names)
    try:
        cols = {c: _floats(table.column(c)) for c in wanted}
    except (TypeError, ValueError) as exc:  # text, or missing values (pyarrow.ArrowInvalid)
        raise InputError(f"a column is not numeric ({exc})", file=str(tsf)) from None
    order = np.argsort(cols["week"], kind="stable")
    return summary, {c: v[order] for c, v in cols.items()}


def _floats(column) -> np.ndarray:
    """A column as float64, read from its buffers: pyarrow's own numpy conversion imports pandas.

    Raises:
        ValueError: the column holds missing values, or values that are not numbers.
    """
    import pyarrow as pa

    parts = []
    for chunk in column.chunks:
        arr = chunk.cast(pa.float64())
        if arr.null_count:
            raise ValueError(f"{arr.null_count} missing values")
        parts.append(np.frombuffer(arr.buffers()[1], np.float64, len(arr), arr.offset * 8))
    return np.concatenate(parts) if parts else np.empty(0)
