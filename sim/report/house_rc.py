"""seaborn's "whitegrid" style and "notebook" context as plain matplotlib rc values.

The house style (sim.report.style.RC_PARAMS) is seaborn's; a chart that calls no seaborn function
(``crmsim run``'s four charts) should not pay seaborn's import, about half a second because it
loads scipy.stats, to read a dictionary. ``python -m sim.report.house_rc`` writes this file from
seaborn itself, and tests/report/test_house_rc.py checks that it still equals seaborn's values.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

# --- written by `python -m sim.report.house_rc` from seaborn; do not edit by hand ---------------
SEABORN_WHITEGRID_NOTEBOOK = {
    "figure.facecolor": "white",
    "axes.labelcolor": ".15",
    "xtick.direction": "out",
    "ytick.direction": "out",
    "xtick.color": ".15",
    "ytick.color": ".15",
    "axes.axisbelow": True,
    "grid.linestyle": "-",
    "text.color": ".15",
    "font.family": ["sans-serif"],
    "font.sans-serif": [
        "Arial",
        "DejaVu Sans",
        "Liberation Sans",
        "Bitstream Vera Sans",
        "sans-serif",
    ],
    "lines.solid_capstyle": "round",
    "patch.edgecolor": "w",
    "patch.force_edgecolor": True,
    "image.cmap": "rocket",
    "xtick.top": False,
    "ytick.right": False,
    "axes.grid": True,
    "axes.facecolor": "white",
    "axes.edgecolor": ".8",
    "grid.color": ".8",
    "axes.spines.left": True,
    "axes.spines.bottom": True,
    "axes.spines.right": True,
    "axes.spines.top": True,
    "xtick.bottom": False,
    "ytick.left": False,
    "axes.linewidth": 1.25,
    "grid.linewidth": 1,
    "lines.linewidth": 1.5,
    "lines.markersize": 6,
    "patch.linewidth": 1,
    "xtick.major.width": 1.25,
    "ytick.major.width": 1.25,
    "xtick.minor.width": 1,
    "ytick.minor.width": 1,
    "xtick.major.size": 6,
    "ytick.major.size": 6,
    "xtick.minor.size": 4,
    "ytick.minor.size": 4,
    "font.size": 12,
    "axes.labelsize": 12,
    "axes.titlesize": 12,
    "xtick.labelsize": 11,
    "ytick.labelsize": 11,
    "legend.fontsize": 11,
    "legend.title_fontsize": 12,
}
# --- end of the written values ----------------------------------------------------------------


def from_seaborn() -> dict:
    """The values, read from seaborn now."""
    import seaborn as sns

    return {**sns.axes_style("whitegrid"), **sns.plotting_context("notebook")}


def _literal(value) -> str:
    """A value as ruff formats it (double quotes; lists on one line)."""
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_literal(v) for v in value) + "]"
    return repr(value)


def _item(key: str, value) -> str:
    """One ``key: value,`` line, a long list exploded one element a line (ruff's format)."""
    line = f"    {_literal(key)}: {_literal(value)},\n"
    # ruff's line length (pyproject.toml), plus the newline
    if len(line) <= 100 + 1 or not isinstance(value, list | tuple):
        return line
    inner = "".join(f"        {_literal(v)},\n" for v in value)
    return f"    {_literal(key)}: [\n{inner}    ],\n"


def rewrite(path: Path = Path(__file__)) -> None:
    """Write seaborn's current values into this file, between the markers."""
    text = path.read_text()
    head, rest = text.split("SEABORN_WHITEGRID_NOTEBOOK = {\n", 1)
    _, tail = rest.split("}\n# --- end of the written values", 1)
    items = "".join(_item(k, v) for k, v in from_seaborn().items())
    marker = "}\n# --- end of the written values"
    path.write_text(head + "SEABORN_WHITEGRID_NOTEBOOK = {\n" + items + marker + tail)


if __name__ == "__main__":
    rewrite(Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__))
