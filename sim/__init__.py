"""crm-rollout-sim: an agent-based simulation of CRM rollouts.

The public API: :func:`load_scenario`, :func:`run`, :class:`CRMRolloutModel`. See README.md.
"""

from sim.errors import InputError
from sim.model import CRMRolloutModel
from sim.outcomes import RunResult, run
from sim.scenario import Scenario, load_scenario

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
