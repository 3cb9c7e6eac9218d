"""crm-rollout-sim: an agent-based simulation of CRM rollouts.

The public API: :func:`load_scenario`, :func:`run`, :class:`CRMRolloutModel` (one run), and
:func:`run_experiment` (a sweep). See README.md; the wings are :mod:`sim.model`,
:mod:`sim.experiments`, :mod:`sim.report`, :mod:`sim.cli` and :mod:`sim.bench`.
"""

from sim.errors import InputError
from sim.model import CRMRolloutModel, RunResult, Scenario, load_scenario, run

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
