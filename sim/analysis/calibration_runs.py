"""The calibration's simulations: every arm at every parameter point, on common seeds.

The calibration runs the model three times over: at the design points of each wave, and at the
posterior draws of the predictive check. Each time it runs every arm (the members of the mix, one
by one) at each point on a list of seeds, the same list for every arm, so the arms of a point are
paired (common random numbers, DESIGN.md section 4) and a mix figure is a weighted sum of the
arms' (sim.analysis.patterns). The runs go through the sweep's own machinery
(:func:`sim.experiments.sweep.make_batches` and :func:`~sim.experiments.sweep.execute_batch` on an
executor of :class:`sim.experiments.executors.Execution`), so a local pool and a Dask cluster
run them alike, and a batch keeps the arms of one seed together (one counterfactual per seed).

A mix member's share (``mix.MEMBER``) is not a model parameter: it reweights the arms' runs
(:meth:`Arms.weights`) and never reaches a scenario.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from functools import partial
from typing import Any

import pandas as pd

from sim.analysis.priors import is_share, share_of
from sim.experiments import worker
from sim.experiments.executors import Execution
from sim.experiments.experiment import OUTCOME_FIELDS, RunSpec
from sim.experiments.progress import make_progress
from sim.experiments.sweep import execute_batch, make_batches

__all__ = ["Arms", "Runner", "ROW_FIELDS"]

#: The run-row columns the calibration keeps (the outcome fields and where the run came from).
ROW_FIELDS = ("point", "scenario", "replicate", "seed", "error", *OUTCOME_FIELDS)


@dataclass(frozen=True)
class Arms:
    """The arms run at every point: name -> (scenario file, weight in the mix, summing to 1)."""

    members: dict[str, tuple[str, float]]

    @property
    def names(self) -> list[str]:
        return list(self.members)

    def weights(self, point: dict[str, float]) -> dict[str, float]:
        """The members' weights at a point: each ``mix.MEMBER`` in the point sets that member's
        share; the other members share the rest in their file's proportions."""
        fixed = {share_of(k): float(v) for k, v in point.items() if is_share(k)}
        rest = {k: w for k, (_, w) in self.members.items() if k not in fixed}
        total = sum(rest.values())
        left = max(0.0, 1.0 - sum(fixed.values()))
        out = {k: fixed.get(k, 0.0) for k in self.members}
        for k, w in rest.items():
            out[k] = left * w / total if total > 0 else 0.0
        return out


def model_overrides(point: dict[str, float]) -> dict[str, float]:
    """The point's model parameters (its mix shares left out: they only reweight runs)."""
    return {k: float(v) for k, v in point.items() if not is_share(k)}


class Runner:
    """Runs the arms at parameter points on an executor kept open (and warm) across stages.

    Args:
        arms: the :class:`Arms`.
        overrides: applied to every run (e.g. the quick mode's small organisations).
        execution: where the runs go (an :class:`Execution`, a worker count or None).
        batch_size: runs per task.
        engine: the model's engine.
        progress: True for a bar on a terminal, False, or a callable ``(done, total, errors)``.
    """

    def __init__(
        self,
        arms: Arms,
        overrides: dict[str, Any] | None = None,
        execution: Execution | int | None = None,
        batch_size: int = 10,
        engine: str = "numba",
        progress: Any = True,
    ):
        self.arms = arms
        self.overrides = dict(overrides or {})
        self.execution = Execution.of(execution)
        self.batch_size = batch_size
        self.engine = engine
        self.progress = progress
        self.runs_done = 0
        self.startup_s = 0.0
        self._ctx = None
        self._executor = None

    def __enter__(self) -> Runner:
        t0 = time.perf_counter()
        warm = partial(worker.warm_up, self.engine)
        if self.execution.compiles_in_parent:
            worker.compile_here(self.engine)  # before workers share the numba cache
        self._ctx = self.execution.make_executor(warm_up=warm)
        self._executor = self._ctx.__enter__()
        self.startup_s = time.perf_counter() - t0
        return self

    def __exit__(self, *exc) -> None:
        if self._ctx is not None:
            self._ctx.__exit__(*exc)
        self._ctx = self._executor = None

    def specs(self, points: Sequence[dict[str, float]], seeds: Sequence[Sequence[int]]):
        """The runs: point-major, then seed, then arm (the arms of one seed are consecutive)."""
        out = []
        for i, (point, point_seeds) in enumerate(zip(points, seeds, strict=True)):
            merged = {**self.overrides, **model_overrides(point)}
            for r, seed in enumerate(point_seeds):
                for name, (path, _) in self.arms.members.items():
                    out.append(RunSpec(len(out), name, path, i, r, int(seed), merged, False))
        return out

    def run(
        self,
        points: Sequence[dict[str, float]],
        seeds: Sequence[Sequence[int]],
        label: str = "runs",
        check: Callable[[pd.DataFrame], None] | None = None,
    ) -> pd.DataFrame:
        """Run every arm at every point on that point's seeds; one row per run (:data:`ROW_FIELDS`).

        Args:
            points: parameter values by dotted key (mix shares are ignored here).
            seeds: per point, its list of seeds (the same list for every arm of the point).
            label: what the progress bar counts.
            check: called with the rows of the first finished batch, before the rest is waited
                for: a pattern that cannot be computed fails after one batch, not after all.
        """
        if self._executor is None:
            raise RuntimeError("use the Runner as a context manager")
        runs = self.specs(points, seeds)
        batches = [
            replace(b, numba_threads=1) for b in make_batches(runs, self.batch_size, self.engine)
        ]
        report = make_progress(self.progress, label)
        rows: list[dict] = []
        errors = 0
        report(0, len(runs), 0)
        with worker.one_thread():
            for result in self._executor.map_unordered(execute_batch, batches):
                kept = [{k: r.get(k) for k in ROW_FIELDS} for r in result.rows]
                if check is not None and not rows:
                    check(pd.DataFrame(kept))
                rows += kept
                errors += result.n_errors
                report(len(rows), len(runs), errors)
        self.runs_done += len(rows)
        return pd.DataFrame(rows, columns=list(ROW_FIELDS)).sort_values(
            ["point", "replicate", "scenario"], kind="stable", ignore_index=True
        )
