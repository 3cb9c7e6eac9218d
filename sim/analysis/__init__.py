"""What the runs mean: calibration, sensitivity analysis (SALib), scenario discovery (EMA
Workbench's PRIM and feature scoring) and the validation patterns.

Uses :mod:`sim.experiments` to run what it needs (as EMA Workbench's ``analysis`` sits beside its
``em_framework``); :mod:`sim.experiments` never imports this wing.

The names below are imported when first used (PEP 562), so importing one module of this package
does not import them all (``crmsim validate`` needs none of the model's compiled code).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sim.lazy import lazy_names

if TYPE_CHECKING:
    from sim.analysis.calibration import calibrate, load_calibration
    from sim.analysis.discovery import discover
    from sim.analysis.sensitivity import analyse_sensitivity, run_sensitivity
    from sim.analysis.sensitivity_spec import load_sensitivity

_LAZY = {
    "calibrate": "sim.analysis.calibration",
    "load_calibration": "sim.analysis.calibration",
    "discover": "sim.analysis.discovery",
    "analyse_sensitivity": "sim.analysis.sensitivity",
    "run_sensitivity": "sim.analysis.sensitivity",
    "load_sensitivity": "sim.analysis.sensitivity_spec",
}

__all__ = [
    "analyse_sensitivity",
    "calibrate",
    "discover",
    "load_calibration",
    "load_sensitivity",
    "run_sensitivity",
]

__getattr__, __dir__ = lazy_names(__name__, _LAZY)
