"""Batch results gathered in the parent and written as a few large parts, not one per batch.

A sweep's tasks are small (0.1 to 1 s, DESIGN.md 4) so that progress moves and the pool stays busy;
writing a parquet part per task cost about 80 ms of the parent's time on the shared 2-core machine
(two fsyncs, a parquet encode, a checksum), 600 parts for the failure-rates sweep, and the parent
shares the cores with the workers. :class:`PartBuffer` keeps finished batches in memory and writes
them as one part when enough rows are waiting or enough time has passed, and whatever is left when
the sweep ends or is interrupted (``flush`` in a ``finally``).

What this keeps of the store's guarantees:

* A part holds whole batches only, and is named after its smallest run id, which is the first run
  id of one of its batches. A resumed sweep re-runs only batches with a run missing from disk and
  names each new part after its own smallest run id, which no part on disk can hold, so no part is
  ever rewritten and no row duplicated.
* Rows reach the disk at most ``flush_s`` seconds after their batch finished: a ``kill -9`` loses
  at most that much work (a ``KeyboardInterrupt`` or a raised error loses nothing; the buffer is
  flushed on the way out).
"""

from __future__ import annotations

import time
from collections.abc import Callable

import pandas as pd

__all__ = ["PartBuffer", "PART_ROWS", "FLUSH_S"]

#: Rows per part at most (assumption: about 2 MB of parquet at ~60 columns; few parts per sweep).
PART_ROWS = 2000

#: Seconds a finished batch may wait in memory before it is written (assumption: the work a
#: ``kill -9`` may lose; resume re-runs it).
FLUSH_S = 15.0


class PartBuffer:
    """Collect batch results; hand them to ``write(first_run_id, runs, series)`` in few parts.

    Args:
        write: the store's ``write_part``.
        part_rows: write when at least this many run rows are waiting.
        flush_s: write when the oldest waiting batch finished this many seconds ago.
        clock: time source (tests).
    """

    def __init__(
        self,
        write: Callable,
        part_rows: int = PART_ROWS,
        flush_s: float = FLUSH_S,
        clock: Callable[[], float] = time.monotonic,
    ):
        self._write = write
        self.part_rows = max(1, int(part_rows))
        self.flush_s = float(flush_s)
        self._clock = clock
        self._rows: list[dict] = []
        self._series: list[pd.DataFrame] = []
        self._since: float | None = None
        self.parts_written = 0

    def add(self, rows: list[dict], series: pd.DataFrame | None) -> None:
        """Keep one finished batch; write a part if enough rows or time have accumulated."""
        if self._since is None:
            self._since = self._clock()
        self._rows.extend(rows)
        if series is not None and len(series):
            self._series.append(series)
        if len(self._rows) >= self.part_rows or self._clock() - self._since >= self.flush_s:
            self.flush()

    def flush(self) -> None:
        """Write everything waiting as one part (nothing if the buffer is empty)."""
        if not self._rows:
            return
        runs = pd.DataFrame(self._rows).sort_values("run_id", kind="stable")
        series = pd.concat(self._series, ignore_index=True) if self._series else None
        if series is not None and "run_id" in series.columns:
            series = series.sort_values(
                [c for c in ("run_id", "week") if c in series.columns], kind="stable"
            ).reset_index(drop=True)
        self._write(int(runs["run_id"].min()), runs.reset_index(drop=True), series)
        self.parts_written += 1
        self._rows, self._series, self._since = [], [], None
