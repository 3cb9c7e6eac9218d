"""Chart style shared by every chart: palettes, labels, figure plumbing, saving.

Each ordering keeps one colour in every chart (:data:`ORDERING_COLOURS`, colour-blind-safe colours
of Paul Tol's schemes, kept apart from the brown-to-teal outcome colours); every figure gets a
title, labelled axes with units (money always in :data:`MONEY_UNIT`) and the data source in a
footnote (:func:`finish`), and :func:`save_figure` writes it as PNG and SVG.
"""

from __future__ import annotations

import functools
import io
import math
import textwrap
from collections.abc import Iterable, Sequence
from pathlib import Path

import matplotlib
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from sim.report.house_rc import SEABORN_WHITEGRID_NOTEBOOK
from sim.safepaths import atomic_write_bytes

#: One colour per rollout ordering, from Paul Tol's colour-blind-safe "bright" and "vibrant"
#: schemes, chosen to keep clear of the outcome colours below (brown to teal): red, purple, green,
#: indigo and blue for orderings, neutral grey for the industry mix.
ORDERING_COLOURS: dict[str, str] = {
    "industry_mix": "#6E6E6E",  # neutral grey: the field as a whole
    "technology_first": "#CC3311",
    "big_bang": "#AA3377",
    "start_small": "#228833",
    "people_process_platform": "#332288",
    "four_ps": "#0077BB",
}

#: Colours handed to scenario names not in ORDERING_COLOURS, in order (Okabe-Ito sky blue, then
#: Paul Tol's muted scheme, also colour-blind safe).
SPARE_COLOURS = (
    "#EE3377",
    "#33BBEE",
    "#882255",
    "#999933",
    "#EE7733",
    "#117733",
    "#CC6677",
    "#6699CC",
    "#663399",
    "#BB5566",
)

ORDERING_LABELS = {
    "industry_mix": "Industry mix",
    "technology_first": "Technology first",
    "big_bang": "Big bang",
    "start_small": "Start small",
    "people_process_platform": "People → process → platform",
    "four_ps": "Four Ps",
}

BASELINE = "technology_first"

#: Outcome categories, worst to best; every run falls in exactly one (a live run that met
#: expectations counts as measurable gain only when its gain was measurable, DESIGN.md 2.4).
OUTCOMES = ("never_live", "abandoned", "missed", "met_no_gain", "gain")

OUTCOME_LABELS = {
    "never_live": "Never live (cancelled or still in build)",
    "abandoned": "Abandoned after go-live",
    "missed": "Live, missed expectations",
    "met_no_gain": "Met expectations, no measurable gain",
    "gain": "Measurable gain",
}

OUTCOME_COLOURS = {  # ColorBrewer BrBG (diverging): brown = failure, teal = success
    "never_live": "#8C510A",
    "abandoned": "#D8B365",
    "missed": "#F6E8C3",
    "met_no_gain": "#C7EAE5",
    "gain": "#35978F",
}

#: Published reference rates: (share, position from the bottom of the stack, label, source).
REFERENCE_RATES = (
    (0.12, 0.12, "12% never live", "AMR Research"),
    (0.55, 0.55, "≈55% failed", "Gartner 2001, EIU 2007,\nJohnny Grow, Merkle 2016"),
    (0.16, 0.84, "16% measurable gain\n(line at 84%)", "AMR Research"),
)

#: The scenario the published rates describe (the calibration target); only its bar gets them.
REFERENCE_SCENARIO = "industry_mix"

WORKSTREAM_COLOURS = {
    "planning": "#332288",
    "people": "#117733",
    "process": "#DDAA33",
    "platform": "#CC3311",
}

WEEK_LABEL = "Week since programme start (weeks)"

#: One unit convention for money on every axis and table: thousands of US dollars (the model's
#: costs are in USD, e.g. Gartner 2019's 8.01 USD a live contact). Shares are in % and ROI in % of
#: programme spend.
MONEY_UNIT = "thousand USD"
MONEY_SCALE = 1e-3


def money(value: float, signed: bool = False) -> str:
    """A money amount in the report's unit, e.g. ``1,234`` (thousand USD)."""
    v = value * MONEY_SCALE
    return f"{v:+,.0f}" if signed else f"{v:,.0f}"


#: The house style: seaborn's whitegrid style and notebook context (sim.report.house_rc, written
#: from seaborn and tested against it), with our titles, legends and reproducible SVGs.
#: Less seaborn's default colormap, "rocket", which exists only once seaborn is imported (every
#: colour-mapped chart here names its colormap; an artist that maps nothing still looks one up).
RC_PARAMS = {
    **{k: v for k, v in SEABORN_WHITEGRID_NOTEBOOK.items() if k != "image.cmap"},
    "axes.titlesize": 12,
    "figure.titlesize": 14,
    "legend.fontsize": 9.5,
    "legend.title_fontsize": 9.5,
    "svg.hashsalt": "crmsim",
    "svg.fonttype": "path",
}


def scenario_order(names: Iterable[str]) -> list[str]:
    """Known orderings first in a fixed order, then other names alphabetically."""
    names = list(dict.fromkeys(names))
    known = [n for n in ORDERING_COLOURS if n in names]
    return known + sorted(n for n in names if n not in ORDERING_COLOURS)


def ordering_palette(names: Iterable[str]) -> dict[str, str]:
    """Colour per scenario name: the fixed colour if known, else the next spare colour."""
    spare = iter(SPARE_COLOURS * 10)
    return {n: ORDERING_COLOURS.get(n) or next(spare) for n in scenario_order(names)}


def wrap_label(label: str, width: int = 16) -> str:
    return "\n".join(textwrap.wrap(label, width, break_long_words=False)) or label


def ordering_label(name: str) -> str:
    """Readable name of an ordering (``four_ps`` -> ``Four Ps``); a compare arm's label keeps its
    overrides as written (``four_ps[rollout.vendor_pressure=0.9]`` -> ``Four Ps
    [rollout.vendor_pressure=0.9]``)."""
    if "[" in name:
        base, rest = name.split("[", 1)
        return f"{ordering_label(base)} [{rest}"
    return ORDERING_LABELS.get(name) or name.replace("_", " ").capitalize()


def styled(func):
    """Draw the whole chart under the house style (seaborn whitegrid, notebook sizes)."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        with matplotlib.rc_context(RC_PARAMS):
            return func(*args, **kwargs)

    return wrapper


def new_figure(width: float, height: float) -> Figure:
    fig = Figure(figsize=(width, height), layout="constrained")
    FigureCanvasAgg(fig)  # a canvas to measure text with before the layout is fixed
    return fig


def finish(
    fig: Figure, title: str, source: str, note: str = "", handles=None, ncol: int = 3
) -> Figure:
    """Title on top; legend (if any) and the data-source footnote below the axes.

    The footnote and legend are measured and the constrained layout is told to keep the axes
    above them, so neither can cover data or tick labels.
    """
    fig.suptitle(title, fontweight="bold", fontsize=14)
    foot = f"Data: {source}" if source else "Data: crm-rollout-sim results"
    if note:
        foot += f"   ·   {note}"
    renderer = fig.canvas.get_renderer()
    chars = int(fig.get_figwidth() * 17)  # about 17 characters an inch at 8 pt
    foot = "\n".join(textwrap.wrap(foot, chars, subsequent_indent="    "))
    text = fig.text(0.005, 0.006, foot, fontsize=8, color="0.35", ha="left", va="bottom")
    bottom = text.get_window_extent(renderer).height / fig.bbox.height + 0.012
    if handles:
        leg = fig.legend(
            handles=handles,
            loc="lower center",
            bbox_to_anchor=(0.5, bottom),
            ncol=ncol,
            frameon=False,
        )
        bottom += leg.get_window_extent(renderer).height / fig.bbox.height + 0.008
    fig.get_layout_engine().set(rect=(0, bottom, 1, 1 - bottom), h_pad=0.06, w_pad=0.06)
    return fig


def colour_ticklabels(labels, names: Sequence[str], palette: dict[str, str]) -> None:
    for lab, name in zip(labels, names, strict=False):
        lab.set_color(palette[name])
        lab.set_fontweight("bold")


#: How each format is written (PNG at 150 dpi; no dates or versions: files are reproducible).
SAVE_FORMATS = {
    "png": {"format": "png", "dpi": 150, "metadata": {"Software": None}},
    "svg": {"format": "svg", "metadata": {"Date": None, "Creator": None}},
}


def save_figure(
    fig: Figure, out_dir: Path | str, name: str, formats: tuple[str, ...] = ("png", "svg")
) -> list[Path]:
    """Write ``out_dir/name.png`` (150 dpi) and ``out_dir/name.svg`` (or the ``formats`` asked);
    returns the paths."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    with matplotlib.rc_context(
        RC_PARAMS
    ):  # into memory, then atomically into place (never via a link)
        for fmt in formats:
            path = out_dir / f"{name}.{fmt}"
            buf = io.BytesIO()
            fig.savefig(buf, **SAVE_FORMATS[fmt])
            atomic_write_bytes(path, buf.getvalue())
            paths.append(path)
    return paths


def outer_labels(axes, xlabel: str, ylabel: str) -> None:
    """Axis labels (and x tick labels) on the lowest panel of each column and the left column."""
    ncols = axes[0].get_subplotspec().get_gridspec().ncols
    for i, ax in enumerate(axes):
        if i + ncols >= len(axes):  # nothing drawn below this panel
            ax.xaxis.set_tick_params(labelbottom=True)
            ax.set_xlabel(xlabel)
        if i % ncols == 0:
            ax.set_ylabel(ylabel)


def panel_grid(fig: Figure, n: int, sharey: bool = True, sharex: bool = True):
    ncols = 1 if n == 1 else 2 if n in (2, 4) else 3
    nrows = math.ceil(n / ncols)
    axes = fig.subplots(nrows, ncols, sharex=sharex, sharey=sharey, squeeze=False).ravel()
    for ax in axes[n:]:
        ax.set_visible(False)
    return axes[:n]
