"""Charts and the HTML report: they read results files and never run a model.

The matplotlib backend is chosen here, before any chart module imports pyplot: charts are written
to files, never shown. The public names are imported when first used (PEP 562, sim.lazy), so a
chart module that needs neither the HTML report nor seaborn (``crmsim run``'s charts,
sim.report.run_charts) loads neither.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import matplotlib

from sim.lazy import lazy_names

matplotlib.use("Agg")

if TYPE_CHECKING:
    from sim.report.html import build_report
    from sim.report.results import Results, load_results

_LAZY = {
    "Results": "sim.report.results",
    "build_report": "sim.report.html",
    "load_results": "sim.report.results",
}

__all__ = ["Results", "build_report", "load_results"]

__getattr__, __dir__ = lazy_names(__name__, _LAZY)
