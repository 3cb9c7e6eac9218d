"""What many runs are: designs, the experiment schema, seeds and common random numbers, executors
(local pool, Dask), the results store (parquet parts, manifest, resume, lock) and the sweep's own
summary tables.

Imports :mod:`sim.model`; never :mod:`sim.analysis`, :mod:`sim.report` or :mod:`sim.cli`.

The names below are imported when first used (PEP 562), so importing one module of this package
does not import them all (``crmsim validate`` needs none of the model's compiled code).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sim.lazy import lazy_names

if TYPE_CHECKING:
    from sim.experiments.executors import Execution
    from sim.experiments.experiment import ExperimentSpec, load_experiment, replicate_seeds
    from sim.experiments.store import read_manifest, read_runs, read_series
    from sim.experiments.sweep import compare, run_experiment

_LAZY = {
    "Execution": "sim.experiments.executors",
    "ExperimentSpec": "sim.experiments.experiment",
    "load_experiment": "sim.experiments.experiment",
    "replicate_seeds": "sim.experiments.experiment",
    "read_manifest": "sim.experiments.store",
    "read_runs": "sim.experiments.store",
    "read_series": "sim.experiments.store",
    "compare": "sim.experiments.sweep",
    "run_experiment": "sim.experiments.sweep",
}

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

__getattr__, __dir__ = lazy_names(__name__, _LAZY)
