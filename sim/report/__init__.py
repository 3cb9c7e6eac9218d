"""Charts and the HTML report: they read results files and never run a model.

The matplotlib backend is chosen here, before any chart module imports pyplot: charts are written
to files, never shown.
"""

import matplotlib

matplotlib.use("Agg")

from sim.report.html import build_report  # noqa: E402  (after the backend is chosen)
from sim.report.results import Results, load_results  # noqa: E402

__all__ = ["Results", "build_report", "load_results"]
