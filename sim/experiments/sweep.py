"""Running a sweep: batches of runs, dispatched to an executor, written to a results folder.

:func:`run_experiment` is what ``crmsim sweep`` calls. It validates every scenario and override in
the parent before any work starts, opens the results folder (refusing to mix experiments), skips the
batches a resumed sweep already finished, sends the rest to an executor
(:mod:`sim.experiments.executors`) and writes each batch's part as soon as it comes back
(:mod:`sim.experiments.store`). When all runs are on disk it writes
``summary.csv``, ``paired.csv`` and, for designs with several points, ``points.csv``
(:mod:`sim.experiments.summary`).

A run that raises becomes an error row (its outcome fields None, ``error`` holding the exception's
type and message) and the sweep goes on: one pathological parameter combination must not cost a
night of computing. :func:`compare` is the quick paired comparison behind ``crmsim compare``.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path
from typing import Any

import pandas as pd

from sim.errors import InputError
from sim.experiments import worker
from sim.experiments.executors import Execution, refuse_reimported_main
from sim.experiments.experiment import (
    OUTCOME_FIELDS,
    ExperimentSpec,
    RunSpec,
    build_runs,
    default_results_dir,
    experiment_from_dict,
    load_experiment,
)
from sim.experiments.fingerprint import inputs_record
from sim.experiments.lock import FolderLock
from sim.experiments.parts import FLUSH_S, PART_ROWS, PartBuffer
from sim.experiments.posterior import Posterior
from sim.experiments.preflight import prepare_sweep
from sim.experiments.progress import make_progress
from sim.experiments.scheduler import probe as probe_scheduler
from sim.experiments.signals import Stopped, holding_sigterm, sigterm_as_interrupt, stopped
from sim.experiments.stats import import_bootstrap_soon
from sim.experiments.store import ResultsStore
from sim.experiments.summary import (
    default_baseline,
    format_rates_table,
    paired_table,
    points_table,
    summary_table,
)
from sim.safepaths import check_output_dir

__all__ = [
    "Batch",
    "BatchResult",
    "make_batches",
    "run_batch",
    "execute_batch",
    "run_experiment",
    "compare",
]


@dataclass(frozen=True)
class Batch:
    """The unit of work sent to a worker: consecutive runs and how to run them (picklable)."""

    runs: tuple[RunSpec, ...]
    engine: str = "numba"
    run_fn: Callable | None = None
    load_fn: Callable | None = None
    numba_threads: int | None = None

    @property
    def first_run_id(self) -> int:
        return self.runs[0].run_id


@dataclass
class BatchResult:
    """What a worker sends back: run rows (dicts), series rows of sampled runs, error count."""

    first_run_id: int
    rows: list[dict]
    series: pd.DataFrame | None
    n_errors: int


def make_batches(
    runs: Sequence[RunSpec],
    batch_size: int,
    engine: str = "numba",
    run_fn: Callable | None = None,
    load_fn: Callable | None = None,
    numba_threads: int | None = None,
) -> list[Batch]:
    """Cut the run list into batches of about ``batch_size`` runs that keep each seed together.

    The runs of one replicate (every scenario and design point on one seed, consecutive in run id
    order) share one counterfactual, which the worker caches (sim.model.outcomes): a batch made of
    whole replicates computes it once, where a cut through a replicate computes it in two batches,
    often on two workers. So a batch holds ``round(batch_size / group)`` whole replicates (at least
    one); a replicate larger than ``batch_size`` is split into near-equal batches of at most
    ``batch_size`` runs. Fixed by the spec, so a resumed sweep finds the same batches.
    """
    groups: list[list[RunSpec]] = []
    for spec in runs:
        if groups and groups[-1][-1].replicate == spec.replicate:
            groups[-1].append(spec)
        else:
            groups.append([spec])
    chunks: list[list[RunSpec]] = []
    pending: list[RunSpec] = []
    for group in groups:
        if len(group) > batch_size:
            if pending:
                chunks.append(pending)
                pending = []
            n = -(-len(group) // batch_size)  # ceil: this many batches, sizes differing by <= 1
            q, r = divmod(len(group), n)
            start = 0
            for k in range(n):
                end = start + q + (k < r)
                chunks.append(group[start:end])
                start = end
            continue
        per = max(1, round(batch_size / len(group)))
        pending.extend(group)
        if len(pending) >= per * len(group):
            chunks.append(pending)
            pending = []
    if pending:
        chunks.append(pending)
    return [Batch(tuple(c), engine, run_fn, load_fn, numba_threads) for c in chunks]


def _model_api() -> tuple[Callable, Callable]:
    import sim

    if not hasattr(sim, "run") or not hasattr(sim, "load_scenario"):
        raise InputError("the model package does not provide sim.run and sim.load_scenario")
    return sim.run, sim.load_scenario


def _head(spec: RunSpec) -> dict[str, Any]:
    row = {
        "run_id": spec.run_id,
        "scenario": spec.scenario,
        "replicate": spec.replicate,
        "seed": spec.seed,
        "point": spec.point,
    }
    if spec.draw is not None:  # a posterior sweep: the draw block (sim.experiments.posterior)
        row["draw"] = spec.draw
    row.update({f"param.{k}": v for k, v in spec.overrides.items()})
    return row


def run_batch(
    runs: Sequence[RunSpec],
    engine: str = "numba",
    run_fn: Callable | None = None,
    load_fn: Callable | None = None,
) -> tuple[list[dict], pd.DataFrame | None]:
    """Run a batch of runs in this process; a run that raises becomes an error row.

    Args:
        runs: the runs.
        engine: passed to ``run_fn``.
        run_fn: ``run_fn(scenario, seed=int, engine=str)`` returning an object with ``summary``
            (dict) and ``timeseries`` (DataFrame); default ``sim.run``.
        load_fn: ``load_fn(path)`` returning a scenario with ``with_overrides(dict)``; default
            ``sim.load_scenario``.

    Returns:
        ``(rows, series)``: one dict per run (run_id, scenario, replicate, seed, point,
        param.<key>..., the outcome fields, error) and the per-step series of the runs marked
        ``keep_series`` with run_id, scenario, replicate and point columns added (None if none).
    """
    if run_fn is None or load_fn is None:
        default_run, default_load = _model_api()
        run_fn, load_fn = run_fn or default_run, load_fn or default_load
    rows, series = [], []
    for spec in runs:
        row = _head(spec)
        try:
            scen, params = worker.scenario_for(spec.scenario_path, spec.overrides, load_fn)
            row.update(params)
            result = run_fn(scen, seed=spec.seed, engine=engine)
            summary = dict(result.summary)
        except Exception as exc:  # noqa: BLE001 - any failure of one run is recorded, not fatal
            row.update({k: None for k in OUTCOME_FIELDS})
            row["engine"] = engine
            row["error"] = f"{type(exc).__name__}: {exc}"
            rows.append(row)
            continue
        row.update({k: summary.get(k) for k in OUTCOME_FIELDS})
        row.update({k: v for k, v in summary.items() if k not in row})
        row["error"] = None
        rows.append(row)
        if spec.keep_series:
            ts = pd.DataFrame(result.timeseries).reset_index(drop=True)
            ts = ts.drop(
                columns=[c for c in ("run_id", "scenario", "replicate", "point") if c in ts.columns]
            )
            head = pd.DataFrame(
                {
                    "run_id": spec.run_id,
                    "scenario": spec.scenario,
                    "replicate": spec.replicate,
                    "point": spec.point,
                },
                index=ts.index,
            )
            series.append(pd.concat([head, ts], axis=1))
    return rows, (pd.concat(series, ignore_index=True) if series else None)


def execute_batch(batch: Batch) -> BatchResult:
    """Worker entry point: run a :class:`Batch` and package the result for the parent."""
    if batch.numba_threads:
        worker.set_threads(batch.numba_threads)
    rows, series = run_batch(batch.runs, batch.engine, batch.run_fn, batch.load_fn)
    return BatchResult(batch.first_run_id, rows, series, sum(r["error"] is not None for r in rows))


def check_drawn(runs: Sequence[RunSpec], scenarios: Sequence[Any], spec: ExperimentSpec) -> None:
    """Apply each distinct drawn set of overrides to its scenario in the parent, once, so a
    posterior that does not fit the scenarios fails before any run (naming ``--posterior``)."""
    by_path = dict(zip(spec.scenario_paths, scenarios, strict=True))
    seen: set[tuple[str, int | None]] = set()
    for run in runs:
        if (run.scenario_path, run.draw) in seen:
            continue
        seen.add((run.scenario_path, run.draw))
        try:
            by_path[run.scenario_path].with_overrides(run.overrides)
        except InputError as exc:
            raise InputError(
                f"draw {run.draw} does not fit {run.scenario}: column {exc.key!r}, value "
                f"{exc.value!r}: {exc.detail}",
                key="--posterior",
            ) from None


def run_experiment(
    spec: ExperimentSpec | str | Path,
    out_dir: str | Path | None = None,
    execution: Execution | int | None = None,
    resume: bool = False,
    replicates: int | None = None,
    progress: Any = True,
    run_fn: Callable | None = None,
    load_fn: Callable | None = None,
    part_rows: int = PART_ROWS,
    flush_s: float = FLUSH_S,
    allow_large: bool = False,
    posterior: str | Path | Posterior | None = None,
) -> dict:
    """Run (or finish) a sweep and write its results folder.

    Args:
        spec: an :class:`ExperimentSpec` or the path of an experiment TOML.
        out_dir: results folder (default ``results/NAME``).
        execution: where the batches run (:class:`sim.experiments.executors.Execution`: local
            workers, a Dask scheduler or LocalCluster, or an open executor kept warm by the
            caller); a whole number means that many local workers; None, one per core.
        resume: finish an interrupted sweep in ``out_dir``.
        replicates: override the spec's replicate count.
        progress: True (bar/lines on stderr), False, or a callable ``(done, total, errors)``.
        run_fn: the model's run function (default ``sim.run``); must be picklable for workers.
        load_fn: the scenario loader (default ``sim.load_scenario``).
        part_rows, flush_s: write a results part when this many run rows are waiting, or when
            the oldest finished batch has waited this long (sim.experiments.parts.PartBuffer).
        allow_large: skip the size guards (``--allow-large``, :mod:`sim.experiments.guards`).
        posterior: a posterior file (``posterior.parquet`` of ``crmsim calibrate``) or a loaded
            :class:`sim.experiments.posterior.Posterior`: each block of replicates runs at
            parameters drawn from it, the same for every scenario (``--posterior``).

    Before anything is written (:mod:`sim.experiments.preflight`): the output folder is checked
    writable, every scenario and design point validated, the size estimated and a ``--scheduler``
    contacted. The folder is then locked (:mod:`sim.experiments.lock`) for the whole sweep, and a
    resume first regenerates any part that is missing or fails its checksum.

    Returns:
        dict with out_dir, total, ran (runs executed now), skipped (already on disk), errors (error
        rows in the whole folder), ok, status and backend.

    Raises:
        InputError: for a bad spec or scenario, or a results folder that cannot take this sweep.
    """
    refuse_reimported_main()  # a worker re-running a script without the __main__ guard stops
    execution = Execution.of(execution)
    if not isinstance(spec, ExperimentSpec):
        spec = load_experiment(spec)
    if replicates is not None:
        spec = spec.with_replicates(replicates)
    out = check_output_dir(out_dir if out_dir is not None else default_results_dir(spec))
    if load_fn is None:
        load_fn_parent = _model_api()[1]
    else:
        load_fn_parent = load_fn
    prep = prepare_sweep(spec, load_fn_parent, execution.concurrency, allow_large)
    names = prep.names
    if posterior is not None and not isinstance(posterior, Posterior):
        posterior = Posterior.load(posterior)
    mixes = [bool(getattr(scen, "is_mix", False)) for scen in prep.scenarios]
    runs = build_runs(spec, names, posterior, mixes)
    if posterior is not None:
        check_drawn(runs, prep.scenarios, spec)
    if execution.scheduler and execution.executor is None:
        probe_scheduler(execution.scheduler)
    command = (
        f"crmsim sweep {spec.file or 'EXPERIMENT.toml'} --out {out} --replicates {spec.replicates}"
    )
    key = {
        **spec.to_dict(),
        "inputs": inputs_record(spec.scenario_paths, prep.scenarios, prep.seeds),
    }
    if posterior is not None:  # a resume with another posterior (or none) is refused
        key["posterior"] = posterior.record()
    with FolderLock(out, command), sigterm_as_interrupt():
        return _sweep_locked(
            spec, out, key, runs, names, command, execution, resume, progress, run_fn, load_fn,
            part_rows, flush_s,
        )  # fmt: skip


def _sweep_locked(
    spec, out, key, runs, names, command, execution, resume, progress, run_fn, load_fn,
    part_rows, flush_s,
) -> dict:  # fmt: skip
    """The part of :func:`run_experiment` that writes, run while holding the folder's lock."""
    store = ResultsStore.open(out, key, resume=resume, command=command)
    if resume:
        store.repair()
    done = store.done_run_ids() if resume else set()
    report = make_progress(progress)
    # A batch is done when its run part exists, i.e. all its run ids are on disk.
    pending = [
        b
        for b in make_batches(runs, spec.batch_size, spec.engine, run_fn, load_fn)
        if not all(r.run_id in done for r in b.runs)
    ]
    skipped = len(runs) - sum(len(b.runs) for b in pending)
    ran = errors_now = 0
    backend = "none (every run already on disk)"
    report(skipped, len(runs), 0)
    if pending:
        # One numba thread per process, in-process sweeps too (sim.experiments.worker); pool and
        # Dask workers load the kernels once when they start, not in their first batch.
        pending = [replace(b, numba_threads=1) for b in pending]
        warm = partial(worker.warm_up, spec.engine) if run_fn is None else None
        buffer = PartBuffer(store.write_part, part_rows=part_rows, flush_s=flush_s)
        if warm is not None and execution.compiles_in_parent:
            worker.compile_here(spec.engine)  # before workers share the numba cache
        try:
            # the caller's own (warm) executor is used, not closed
            ctx = execution.make_executor(n_tasks=len(pending), warm_up=warm)
            with ctx as executor, _one_thread_here(executor):
                if getattr(executor, "parallel", False):  # while the workers start
                    import_bootstrap_soon()
                try:
                    for result in executor.map_unordered(execute_batch, pending):
                        buffer.add(result.rows, result.series)
                        ran += len(result.rows)
                        errors_now += result.n_errors
                        report(skipped + ran, len(runs), errors_now)
                finally:  # finished batches reach the disk even when the sweep is interrupted
                    with holding_sigterm():  # a SIGTERM now waits until they are written
                        buffer.flush()
                backend = executor.description
        except Stopped:
            raise
        except KeyboardInterrupt as exc:  # Ctrl-C, or SIGTERM (sim.experiments.signals)
            raise stopped(exc, skipped + ran, len(runs), out, command) from None
    rows = store.read_runs()
    rows = rows[rows["run_id"].isin(range(len(runs)))] if len(rows) else rows
    errors = int(rows["error"].notna().sum()) if len(rows) else 0
    store.write_csv("summary.csv", summary_table(rows))
    store.write_csv("paired.csv", paired_table(rows, default_baseline(names, spec.baseline)))
    if len(spec.points()) > 1:
        keys = [f"param.{k}" for k in spec.design.keys]
        store.write_csv("points.csv", points_table(rows, keys))
    complete = len(rows) == len(runs)
    counts = {"total": len(runs), "ok": len(rows) - errors, "errors": errors}
    store.set_status("complete" if complete else "partial", counts=counts)
    return {
        "out_dir": str(out),
        **counts,
        "ran": ran,
        "skipped": skipped,
        "status": "complete" if complete else "partial",
        "backend": backend,
    }


def _one_thread_here(executor) -> AbstractContextManager:
    """One numba thread in this process while an in-process executor runs the batches; nothing
    for workers in other processes (they set their own), so the parent of a fork-server pool does
    not import numba (about 0.3 s of CPU taken from the workers as they start, on a 2-core
    machine). Spawned and Dask workers need the parent to compile first, which imports it anyway
    (``Execution.compiles_in_parent``)."""
    return nullcontext() if getattr(executor, "parallel", False) else worker.one_thread()


def compare(
    scenarios: Sequence[str | Path | dict],
    replicates: int = 100,
    out_dir: str | Path | None = None,
    root_seed: int = 0,
    engine: str = "numba",
    overrides: dict | None = None,
    baseline: str | None = None,
    execution: Execution | int | None = None,
    batch_size: int = 10,
    progress: Any = True,
    run_fn: Callable | None = None,
    load_fn: Callable | None = None,
    keep_series: int = 0,
    posterior: str | Path | Posterior | None = None,
) -> dict:
    """Quick paired comparison of scenarios on common seeds (``crmsim compare``).

    ``scenarios`` are paths, or arms (dicts with ``scenario``, optional ``label`` and
    ``overrides``, as in an experiment file), so one file can be compared with itself under other
    settings. Builds a one-off experiment, runs it like a sweep (into ``out_dir``, or a temporary
    folder that is removed afterwards) and returns the tables. ``execution`` and ``posterior``
    are as for :func:`run_experiment`.

    Returns:
        dict with ``summary`` and ``paired`` DataFrames, ``table`` (text for the terminal,
        from :func:`sim.experiments.summary.format_rates_table`) and the counts of
        :func:`run_experiment`.
    """
    refuse_reimported_main()
    raw = {
        "name": "compare",
        "scenarios": [s if isinstance(s, dict) else str(s) for s in scenarios],
        "replicates": replicates,
        "root_seed": root_seed,
        "engine": engine,
        "keep_series": keep_series,
        "batch_size": batch_size,
        "overrides": overrides or {},
    }
    if baseline:
        raw["baseline"] = baseline
    spec = experiment_from_dict(raw, file=None, base_dir=Path.cwd())
    with tempfile.TemporaryDirectory(prefix="crmsim-compare-") as tmp:
        target = Path(out_dir) if out_dir is not None else Path(tmp) / "compare"
        try:
            counts = run_experiment(
                spec,
                target,
                execution=execution,
                progress=progress,
                run_fn=run_fn,
                load_fn=load_fn,
                posterior=posterior,
            )
        except Stopped as exc:  # a comparison has no --resume: say what happened, not how
            by = str(exc).split(":", 1)[0]
            raise Stopped(f"{by}: the comparison did not finish", exc.exit_status) from None
        summary = pd.read_csv(target / "summary.csv")
        paired = pd.read_csv(target / "paired.csv")
    if out_dir is None:
        counts["out_dir"] = None
    return {
        "summary": summary,
        "paired": paired,
        "table": format_rates_table(summary, paired),
        **counts,
    }
