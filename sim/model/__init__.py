"""What one run is: scenario and parameters, population, programme, rules, agents, kernels, model.

Arrows point inward only: nothing here imports :mod:`sim.experiments`, :mod:`sim.report` or
:mod:`sim.cli` (held by the import-linter contracts in pyproject.toml).

The public names are imported when first used (PEP 562), so reading a scenario
(``sim.model.scenario``) loads neither numba nor Mesa.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sim.lazy import lazy_names

# Before any compiled module: numba's cache of the model is keyed by all of its source.
from sim.model import compiled_cache  # noqa: F401  (imported for its effect)

if TYPE_CHECKING:
    from sim.model.model import CRMRolloutModel
    from sim.model.outcomes import OUTCOME_FIELDS, RunResult, run
    from sim.model.scenario import Scenario, load_scenario, parse_assignment

_LAZY = {
    "CRMRolloutModel": "sim.model.model",
    "OUTCOME_FIELDS": "sim.model.outcomes",
    "RunResult": "sim.model.outcomes",
    "run": "sim.model.outcomes",
    "Scenario": "sim.model.scenario",
    "load_scenario": "sim.model.scenario",
    "parse_assignment": "sim.model.scenario",
}

__all__ = [
    "CRMRolloutModel",
    "OUTCOME_FIELDS",
    "RunResult",
    "Scenario",
    "load_scenario",
    "parse_assignment",
    "run",
]

__getattr__, __dir__ = lazy_names(__name__, _LAZY)
