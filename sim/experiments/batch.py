"""Many runs in one process: a scenario at parameter points times seeds, on common random numbers.

The calibration, the sensitivity analysis and a Dask worker each need the same thing: the outcome
rows of one scenario at many parameter points, each on the same list of seeds (common random
numbers: point A and point B of seed s draw the same organisation and the same random numbers, so
their difference is the parameters' doing). :func:`run_points` is that, at a sweep's per-run cost:

* every point's scenario is validated once (``Scenario.with_overrides``), not once per run;
* runs go seed by seed, every point of a seed in a row, so a counterfactual is computed once per
  seed and organisation and shared by every point that only changes the programme
  (sim.model.outcomes keys its per-process cache by seed and the organisation's values);
* the compiled week is loaded once per process (numba's cache; ``sim.experiments.worker.warm_up``
  loads it before the first batch of a pool or Dask worker) and runs on one thread;
* the outcome rows are plain dicts, one DataFrame for the whole batch.

A run here is the run a sweep's worker makes (``sim.run``, the counterfactual from the same
per-process cache; sim.experiments.sweep.run_batch), so a sweep, a calibration and a batch give
the same row for the same scenario, point and seed (tests/experiments/test_batch.py). A process
that runs batches, a pool or Dask worker, prepares itself once with
:func:`sim.experiments.worker.warm_up`.

Example (Python; a Dask worker would call the same function on its share of the points)::

    from sim.experiments.batch import run_points
    rows = run_points("four_ps", [{}, {"rollout.vendor_pressure": 0.8}], seeds=[1, 2, 3])
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

__all__ = ["outcome_row", "run_points"]


def outcome_row(scenario: Any, seed: int, engine: str = "numba") -> dict:
    """One run's outcome fields (``sim.run``'s summary: scenario, variant, seed, engine and
    sim.model.outcomes.OUTCOME_FIELDS), its counterfactual shared through the process's cache."""
    from sim.model.outcomes import run

    return dict(run(scenario, seed=int(seed), engine=engine).summary)


def run_points(
    scenario: Any,
    points: Sequence[dict],
    seeds: Sequence[int],
    engine: str = "numba",
):
    """Run ``scenario`` at each parameter point on each seed; one row per run.

    Args:
        scenario: a :class:`sim.model.scenario.Scenario`, or a scenario file's path or a shipped
            scenario's name (``"four_ps"``).
        points: overrides per point (dotted keys, as ``--set``); ``{}`` is the scenario as it is.
        seeds: the runs' seeds, the same for every point (common random numbers); e.g.
            ``sim.experiments.replicate_seeds(root_seed, n)``, as a sweep draws them.
        engine: ``"numba"`` (default) or ``"agents"``.

    Returns:
        A pandas DataFrame, ``len(points) x len(seeds)`` rows in seed-major order: ``point``
        (the point's index), ``replicate`` (the seed's index), ``param.<key>`` for each override,
        then the run's outcome fields (:func:`outcome_row`).

    Raises:
        InputError: a point with an unknown key or a value out of range (before any run).
    """
    import pandas as pd

    from sim.model.scenario import Scenario, load_scenario

    base = scenario if isinstance(scenario, Scenario) else load_scenario(scenario)
    scenarios = [base.with_overrides(dict(p)) if p else base for p in points]  # checked up front
    rows = []
    for r, seed in enumerate(seeds):
        for i, (point, scen) in enumerate(zip(points, scenarios, strict=True)):
            head = {"point": i, "replicate": r, **{f"param.{k}": v for k, v in point.items()}}
            rows.append({**head, **outcome_row(scen, seed, engine)})
    return pd.DataFrame(rows)
