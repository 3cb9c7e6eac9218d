"""What one run is: scenario and parameters, population, programme, rules, agents, kernels, model.

Arrows point inward only: nothing here imports :mod:`sim.experiments`, :mod:`sim.report` or
:mod:`sim.cli` (held by the import-linter contracts in pyproject.toml).
"""

# First: numba's cache of the model's compiled code is keyed by all of its source (compiled_cache).
from sim.model import compiled_cache  # noqa: F401  (imported for its effect)
from sim.model.model import CRMRolloutModel
from sim.model.outcomes import OUTCOME_FIELDS, RunResult, run
from sim.model.scenario import Scenario, load_scenario, parse_assignment

__all__ = [
    "CRMRolloutModel",
    "OUTCOME_FIELDS",
    "RunResult",
    "Scenario",
    "load_scenario",
    "parse_assignment",
    "run",
]
