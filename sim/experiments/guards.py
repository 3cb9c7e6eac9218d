"""Size guards: estimate a job's runs and memory before starting, refuse what would not fit.

Without them a huge replicate count, Latin hypercube or grid ended in a MemoryError after minutes,
and the largest organisation the parameter bounds allow (1e6 employees, 2e7 customers) died. The
estimates below are cheap (no design is expanded, no model is built) and deliberately simple; a job
over a limit stops with the estimate, the limit and the flag that lifts it (``--allow-large``),
because a big job on a big machine is a legitimate choice.

Memory of one run (treatment and counterfactual), above the interpreter's baseline, measured with
``ru_maxrss`` on the 2-core development machine: 100,000 employees and 10,000 customers
128 MiB (about 1,340 bytes an employee); 2,000 employees and 1,000,000 customers over 156 weeks
301 MiB (about 316 bytes a customer, arrivals included). The constants round these up.
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sim.errors import InputError

__all__ = [
    "ALLOW_FLAG",
    "MAX_RUNS",
    "Estimate",
    "design_points",
    "run_bytes",
    "available_bytes",
    "check_size",
]

ALLOW_FLAG = "--allow-large"
#: Most runs one sweep may hold without the flag: the reference sweep has 6,000; a million runs
#: take about five hours on the 2-core machine (assumption: anything larger is a typo).
MAX_RUNS = 1_000_000
#: Bytes of one run per employee and per customer (measured above, rounded up).
BYTES_PER_EMPLOYEE = 1_500
BYTES_PER_CUSTOMER = 350
#: Bytes the parent holds per run: its RunSpec, its seed and its row when the tables are written
#: (about 130 columns; assumption rounded up from pandas' footprint of a run row).
PARENT_BYTES_PER_RUN = 4_096
#: Share of the available memory a job may plan to use (assumption: leaves room for the OS, the
#: page cache and estimation error).
MEMORY_SHARE = 0.8


@dataclass(frozen=True)
class Estimate:
    """What a job would take."""

    runs: int
    peak_bytes: int
    available: int | None

    def describe(self) -> str:
        mem = f"about {_gib(self.peak_bytes)} of memory"
        avail = f" ({_gib(self.available)} available)" if self.available else ""
        return f"{self.runs:,} runs, {mem}{avail}"


def _gib(n: float) -> str:
    return f"{n / 2**30:,.1f} GiB"


def design_points(design: Any) -> int:
    """Number of points of a :class:`sim.experiments.design.Design`, without expanding it."""
    params = getattr(design, "parameters", {}) or {}
    if not params:
        return 1
    kind = getattr(design, "type", "list")
    if kind == "lhs":
        return int(getattr(design, "samples", 0))
    lengths = [len(v) for v in params.values()]
    return math.prod(lengths) if kind == "grid" else (lengths[0] if lengths else 1)


def run_bytes(values: dict[str, Any]) -> int:
    """Memory one run (and its counterfactual) needs, from its organisation's size."""
    employees = int(values.get("org.employees", 200))
    customers = int(values.get("org.customers", 5000))
    return employees * BYTES_PER_EMPLOYEE + customers * BYTES_PER_CUSTOMER


def available_bytes() -> int | None:
    """Memory available to new work now (None when it cannot be told)."""
    try:
        import psutil

        return int(psutil.virtual_memory().available)
    except Exception:  # noqa: BLE001 - psutil missing or unsupported: fall back
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return None


def estimate(runs: int, largest_run: int, concurrent: int) -> Estimate:
    """Peak memory of a job: the parent's rows plus ``concurrent`` of its largest runs."""
    peak = runs * PARENT_BYTES_PER_RUN + max(1, min(concurrent, runs)) * largest_run
    return Estimate(runs, peak, available_bytes())


def check_size(
    runs: int,
    largest_values: Iterable[dict[str, Any]],
    concurrent: int,
    allow_large: bool = False,
    what: str = "this job",
    file: str | None = None,
    key: str = "size",
) -> Estimate:
    """Refuse a job that would exceed :data:`MAX_RUNS` or the memory available.

    Args:
        runs: the run count (scenarios x design points x replicates).
        largest_values: parameter values of the runs to size (each scenario with each point's
            overrides, or a sample of them); the largest organisation counts.
        concurrent: runs in memory at once (worker processes; 1 in-process).
        allow_large: the user's ``--allow-large``: check nothing.
        what: the job, for the message (say where the run count comes from).
        file, key: the input the count comes from, named in the message.

    Raises:
        InputError: naming the estimate, the limit and the flag.
    """
    largest = max((run_bytes(v) for v in largest_values), default=0)
    est = estimate(runs, largest, concurrent)
    if allow_large:
        return est
    if runs > MAX_RUNS:
        raise InputError(
            f"{what} has {est.describe()}; the limit is {MAX_RUNS:,} runs. Lower the replicates "
            f"or the design, or pass {ALLOW_FLAG} to run it anyway",
            file=file,
            key=key,  # its value is in the message: the run count is a product of several
        )
    if est.available is not None and est.peak_bytes > MEMORY_SHARE * est.available:
        raise InputError(
            f"{what} needs {est.describe()}; that is more than {MEMORY_SHARE:.0%} of the memory "
            f"available. Use fewer workers, smaller organisations or fewer runs, or pass "
            f"{ALLOW_FLAG} to run it anyway",
            file=file,
            key=key,
            value=_gib(est.peak_bytes),
        )
    return est
