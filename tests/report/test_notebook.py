"""The analysis notebook (docs/analysis.ipynb) runs from top to bottom and shows its charts.

Executed with nbclient (the engine nbmake uses), so ``make test`` and CI exercise the Python API the
README documents; ``pytest --nbmake docs/`` runs it the same way.
"""

from __future__ import annotations

import pytest

from tests.common import ROOT


def test_analysis_notebook_executes_with_charts():
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    nb = nbformat.read(ROOT / "docs" / "analysis.ipynb", as_version=4)
    client = nbclient.NotebookClient(
        nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(ROOT / "docs")}}
    )
    client.execute()  # raises CellExecutionError, naming the cell, if any cell fails
    images = [
        out
        for cell in nb.cells
        if cell.cell_type == "code"
        for out in cell.get("outputs", [])
        if "image/png" in out.get("data", {})
    ]
    assert len(images) >= 4  # outcome mix, Sobol' bars, PRIM trade-off, feature scores
