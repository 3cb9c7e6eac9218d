"""The odds: N replicates of the client's profile under each chosen ordering, on common seeds.

The page's settings become one scenario file per ordering (:mod:`sim.dashboard.settings`), and
:func:`sim.experiments.sweep.compare` runs them, the function behind ``crmsim compare``: replicate
i of every ordering gets the same seed (common random numbers: the same organisation and draws),
the rows go to a results folder, and ``summary.csv`` (rates with Wilson 95% intervals) and
``paired.csv`` (each ordering minus the baseline, paired by replicate) come with them.

Results are cached by settings: the folder is named by a hash of the scenario texts, the
replicate count, the root seed and the baseline, so asking again for the same settings reads the
finished folder instead of running anything. The local process pool is started once and kept
warm between comparisons (spawning workers and loading the compiled kernels costs seconds).

The pool is started from a background thread (the page must not wait for it) and used from
Solara's task threads, which end after each comparison. Its workers therefore must not be tied to
the thread that spawned them (see :mod:`sim.experiments.parentwatch`), and a worker that dies
anyway (killed, out of memory) must end the comparison with a message on the page, never leave it
waiting: ``concurrent.futures`` marks the pool broken and fails its pending tasks, and
:meth:`OddsRunner.run` turns that into :class:`sim.errors.StoppedError` and starts a new pool for
the next comparison.
"""

from __future__ import annotations

import hashlib
import inspect
import logging
import shutil
import threading
import time
from collections.abc import Callable
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import pandas as pd

from sim.dashboard.settings import ResultsArea, safe_name, settings_key, write_and_load
from sim.errors import InputError, StoppedError
from sim.experiments import worker
from sim.experiments.executors import (
    Execution,
    PoolExecutor,
    SerialExecutor,
    default_workers,
)
from sim.experiments.store import read_manifest, read_runs
from sim.experiments.sweep import compare

log = logging.getLogger("crmsim.dashboard")

#: Replicates per ordering unless the page asks for another count (the issue's default).
DEFAULT_REPLICATES = 200
#: Root seed of the page's comparisons (any fixed value; shown in the brief).
ROOT_SEED = 20261203


@dataclass
class Odds:
    """A finished comparison: where it is and what it says."""

    key: str
    folder: Path
    runs: pd.DataFrame
    summary: pd.DataFrame
    paired: pd.DataFrame
    baseline: str
    replicates: int
    seconds: float
    cached: bool
    scenario_files: dict[str, Path]
    posterior: Path | None = None


def compare_takes_posterior() -> bool:
    """Whether this version's ``compare`` draws each replicate's parameters from a posterior."""
    return "posterior" in inspect.signature(compare).parameters


def posterior_option(path: Path | None) -> Path | None:
    """The posterior the odds can include, or None when there is none to offer.

    The page offers "include model uncertainty" only when both exist: the calibration's posterior
    file and a ``compare`` that accepts ``posterior=`` (DESIGN.md 2.7: intervals shown to users
    include parameter uncertainty, posterior predictive, not replicate noise alone).
    """
    if path is None or not Path(path).is_file() or not compare_takes_posterior():
        return None
    return Path(path)


def _file_digest(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()[:16]


class DashboardPool(PoolExecutor):
    """The local process pool, warmed at start; its workers exit with the server (the sweep's
    worker initializer, :func:`sim.experiments.parentwatch.worker_init`, watches the server)."""

    def __init__(self, workers: int):
        # the kernels for this process's own runs, and numba's cache filled before any worker
        # (spawned, or the fork server) reads it
        worker.compile_here("numba")
        super().__init__(workers, warm_up=partial(worker.warm_up, "numba"))


def ready(_: int = 0) -> bool:
    """A no-op task: returns once a worker has started (and so finished its warm-up)."""
    return True


class OddsRunner:
    """Runs comparisons for the page on one warm executor, one at a time, with a cache.

    Args:
        area: the results folder (comparisons go to ``odds/<hash>/``).
        workers: local worker processes (None: one per core; 1: in the server's process).
    """

    def __init__(self, area: ResultsArea, workers: int | None = None):
        self.area = area
        self.workers = workers or default_workers()
        self._executor = None
        self._lock = threading.Lock()

    def executor(self):
        """The warm executor, started on first use."""
        if self._executor is None:
            if self.workers > 1:
                self._executor = DashboardPool(self.workers)
            else:
                self._executor = SerialExecutor()
        return self._executor

    def warm(self) -> None:
        """Start the workers and load the model in each (call from a background thread)."""
        start = time.perf_counter()
        with self._lock:
            ex = self.executor()
            try:
                if isinstance(ex, SerialExecutor) and not ex.parallel:
                    worker.warm_up("numba")
                list(ex.map_unordered(ready, range(max(1, getattr(ex, "workers", 1)))))
            except BrokenProcessPool as exc:
                self._discard(exc)
                log.warning("the odds' workers could not start: %s", exc)
                return
        log.info("odds: %s warm in %.1f s", ex.description, time.perf_counter() - start)

    def _discard(self, exc: BaseException) -> None:
        """Drop a broken pool (the next comparison starts a new one)."""
        ex, self._executor = self._executor, None
        if ex is not None:
            try:
                ex.close()
            except Exception:  # noqa: BLE001 - a broken pool may fail to shut down; it is dropped
                log.warning("closing the broken pool failed: %s", exc)

    def close(self) -> None:
        if self._executor is not None:
            self._executor.close()
            self._executor = None

    def run(
        self,
        arms: dict[str, str],
        replicates: int = DEFAULT_REPLICATES,
        baseline: str | None = None,
        progress: Callable[[int, int, int], None] | None = None,
        posterior: Path | None = None,
        labels: dict[str, str] | None = None,
    ) -> Odds:
        """Compare the orderings whose scenario texts are ``arms`` (name -> TOML text).

        Args:
            arms: ordering name -> scenario TOML text.
            replicates: runs per ordering (common seeds across orderings).
            baseline: the ordering the others are paired against (default: the first).
            progress: ``progress(done, total, errors)`` while it runs.
            posterior: a posterior file (:func:`posterior_option`): each replicate draws its
                parameters from it, so the intervals include the model's parameter uncertainty.
            labels: what an error in an arm's scenario names instead of its file (name -> text).

        Raises:
            InputError: for a bad scenario text (the file and key named), fewer than one arm, a
                replicate count below 1 or a baseline that is not one of the arms.
        """
        if not arms:
            raise InputError("choose at least one ordering to compare", key="orderings")
        if isinstance(replicates, bool) or not isinstance(replicates, int) or replicates < 1:
            raise InputError("expected a whole number >= 1", key="replicates", value=replicates)
        names = [safe_name(n) for n in arms]
        baseline = safe_name(baseline) if baseline else names[0]
        if baseline not in names:
            raise InputError(f"not one of {names}", key="baseline", value=baseline)
        drawn = _file_digest(posterior) if posterior is not None else None
        key = settings_key(
            *arms.values(), replicates, ROOT_SEED, baseline, *([drawn] * bool(drawn))
        )
        files = {}
        for (arm, text), name in zip(arms.items(), names, strict=True):
            files[name], _ = write_and_load(
                self.area,
                text,
                "odds",
                f"{key}-scenarios",
                f"{name}.toml",
                label=(labels or {}).get(arm),
            )
        extra = {"posterior": str(posterior)} if posterior is not None else {}
        folder = self.area.path("odds", key)
        start = time.perf_counter()
        with self._lock:
            cached = _complete(folder)
            if not cached:
                if folder.exists():
                    shutil.rmtree(folder)  # an interrupted comparison: start it again
                executor = self.executor()
                log.info(
                    "odds %s: %d runs on %s", key, replicates * len(names), executor.description
                )
                try:
                    compare(
                        [str(files[n]) for n in names],
                        replicates=replicates,
                        out_dir=folder,
                        root_seed=ROOT_SEED,
                        baseline=baseline,
                        progress=progress or False,
                        execution=Execution(executor=executor),
                        batch_size=max(
                            1, min(10, replicates * len(names) // (4 * self.workers) or 1)
                        ),
                        **extra,
                    )
                except BrokenProcessPool as exc:
                    self._discard(exc)
                    log.warning("odds %s: a worker process died: %s", key, exc)
                    raise StoppedError(
                        "a worker process of the odds stopped unexpectedly (killed, or out of "
                        "memory?); press Run the odds again to start new workers"
                    ) from None
                except BaseException:
                    # stopped (the page's Cancel button, an interrupt): what it finished is not
                    # kept half-written; a comparison that had finished stays, as the cache
                    if not _complete(folder):
                        shutil.rmtree(folder, ignore_errors=True)
                    log.info("odds %s: stopped before it finished", key)
                    raise
        log.info(
            "odds %s: %s in %.1f s",
            key,
            "cached" if cached else "done",
            time.perf_counter() - start,
        )
        return Odds(
            key=key,
            folder=folder,
            runs=read_runs(folder),
            summary=pd.read_csv(folder / "summary.csv"),
            paired=_read_paired(folder / "paired.csv"),
            baseline=baseline,
            replicates=replicates,
            seconds=time.perf_counter() - start,
            cached=cached,
            scenario_files=files,
            posterior=posterior,
        )


def _complete(folder: Path) -> bool:
    if not (folder / "summary.csv").is_file():
        return False
    try:
        return read_manifest(folder).get("status") == "complete"
    except InputError:
        return False


def _read_paired(path: Path) -> pd.DataFrame:
    cols = ["scenario", "baseline", "metric", "diff", "ci_low", "ci_high", "n"]
    if not path.is_file() or path.stat().st_size == 0:
        return pd.DataFrame(columns=cols)
    try:
        return pd.read_csv(path)
    except pd.errors.EmptyDataError:
        return pd.DataFrame(columns=cols)
