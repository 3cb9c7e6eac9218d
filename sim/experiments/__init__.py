"""What many runs are: designs, experiment schema, seeds, executors, store, statistics, calibration,
sensitivity analysis (SALib) and scenario discovery (EMA Workbench).

Imports :mod:`sim.model`; never :mod:`sim.report` or :mod:`sim.cli`.
"""

from sim.experiments.calibration import calibrate, load_calibration
from sim.experiments.discovery import discover
from sim.experiments.experiment import ExperimentSpec, load_experiment, replicate_seeds
from sim.experiments.sensitivity import analyse_sensitivity, run_sensitivity
from sim.experiments.sensitivity_spec import load_sensitivity
from sim.experiments.store import read_manifest, read_runs, read_series
from sim.experiments.sweep import compare, run_experiment

__all__ = [
    "ExperimentSpec",
    "analyse_sensitivity",
    "calibrate",
    "compare",
    "discover",
    "load_calibration",
    "load_experiment",
    "load_sensitivity",
    "read_manifest",
    "read_runs",
    "read_series",
    "replicate_seeds",
    "run_experiment",
    "run_sensitivity",
]
