"""What many runs are: designs, the experiment schema, seeds and common random numbers, executors
(local pool, Dask), the results store (parquet parts, manifest, resume, lock) and the sweep's own
summary tables.

Imports :mod:`sim.model`; never :mod:`sim.analysis`, :mod:`sim.report` or :mod:`sim.cli`.
"""

from sim.experiments.executors import Execution
from sim.experiments.experiment import ExperimentSpec, load_experiment, replicate_seeds
from sim.experiments.store import read_manifest, read_runs, read_series
from sim.experiments.sweep import compare, run_experiment

__all__ = [
    "Execution",
    "ExperimentSpec",
    "compare",
    "load_experiment",
    "read_manifest",
    "read_runs",
    "read_series",
    "replicate_seeds",
    "run_experiment",
]
