"""What the runs mean: calibration, sensitivity analysis (SALib), scenario discovery (EMA
Workbench's PRIM and feature scoring) and the validation patterns.

Uses :mod:`sim.experiments` to run what it needs (as EMA Workbench's ``analysis`` sits beside its
``em_framework``); :mod:`sim.experiments` never imports this wing.
"""

from sim.analysis.calibration import calibrate, load_calibration
from sim.analysis.discovery import discover
from sim.analysis.sensitivity import analyse_sensitivity, run_sensitivity
from sim.analysis.sensitivity_spec import load_sensitivity

__all__ = [
    "analyse_sensitivity",
    "calibrate",
    "discover",
    "load_calibration",
    "load_sensitivity",
    "run_sensitivity",
]
