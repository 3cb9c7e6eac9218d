"""What many runs are: designs, experiment schema, seeds, executors, store, statistics, calibration.

Imports :mod:`sim.model`; never :mod:`sim.report` or :mod:`sim.cli`.
"""

from sim.experiments.calibration import calibrate, load_calibration
from sim.experiments.experiment import ExperimentSpec, load_experiment, replicate_seeds
from sim.experiments.store import read_manifest, read_runs, read_series
from sim.experiments.sweep import compare, run_experiment

__all__ = [
    "ExperimentSpec",
    "calibrate",
    "compare",
    "load_calibration",
    "load_experiment",
    "read_manifest",
    "read_runs",
    "read_series",
    "replicate_seeds",
    "run_experiment",
]
