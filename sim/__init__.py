"""crm-rollout-sim: an agent-based simulation of CRM rollouts.

The public API: :func:`load_scenario`, :func:`run`, :class:`CRMRolloutModel` (one run);
:func:`sim.experiments.run_experiment` and :func:`sim.experiments.compare` (many runs, with
:class:`sim.experiments.Execution` saying where they run); :mod:`sim.analysis` (calibration,
sensitivity, discovery). See README.md and docs/api.md; the wings are :mod:`sim.model`,
:mod:`sim.experiments`, :mod:`sim.analysis`, :mod:`sim.report`, :mod:`sim.dashboard`,
:mod:`sim.cli` and :mod:`sim.bench`.
"""

from sim.errors import InputError
from sim.model import CRMRolloutModel, RunResult, Scenario, load_scenario, run

#: The package's version, written only here: pyproject.toml reads it (setuptools' dynamic version),
#: ``crmsim --version`` prints it, and every results folder records it (sim.experiments.store).
__version__ = "0.1.0"

__all__ = [
    "CRMRolloutModel",
    "InputError",
    "RunResult",
    "Scenario",
    "load_scenario",
    "run",
    "__version__",
]
