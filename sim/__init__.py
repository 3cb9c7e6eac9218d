"""crm-rollout-sim: an agent-based simulation of CRM rollouts.

The public API: :func:`load_scenario`, :func:`run`, :class:`CRMRolloutModel` (one run);
:func:`sim.experiments.run_experiment` and :func:`sim.experiments.compare` (many runs, with
:class:`sim.experiments.Execution` saying where they run); :mod:`sim.analysis` (calibration,
sensitivity, discovery). See README.md and docs/api.md; the wings are :mod:`sim.model`,
:mod:`sim.experiments`, :mod:`sim.analysis`, :mod:`sim.report`, :mod:`sim.dashboard`,
:mod:`sim.cli` and :mod:`sim.bench`.

The names below are imported when first used (PEP 562): ``import sim`` alone loads no numba,
Mesa or pandas, so ``crmsim --version`` and ``crmsim validate`` answer at once
(tests/test_imports.py).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sim.errors import InputError
from sim.lazy import lazy_names

if TYPE_CHECKING:  # what the lazy names are, for type checkers and readers
    from sim.model import CRMRolloutModel, RunResult, Scenario, load_scenario, run

#: The package's version, written only here: pyproject.toml reads it (setuptools' dynamic version),
#: ``crmsim --version`` prints it, and every results folder records it (sim.experiments.store).
__version__ = "0.1.0"

#: Each public name and the module that defines it, imported on first use.
_LAZY = {
    "CRMRolloutModel": "sim.model.model",
    "RunResult": "sim.model.outcomes",
    "run": "sim.model.outcomes",
    "Scenario": "sim.model.scenario",
    "load_scenario": "sim.model.scenario",
}

__all__ = [
    "CRMRolloutModel",
    "InputError",
    "RunResult",
    "Scenario",
    "load_scenario",
    "run",
    "__version__",
]

__getattr__, __dir__ = lazy_names(__name__, _LAZY)
