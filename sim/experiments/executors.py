"""Run many batches of model runs: in-process, on a local process pool, or on Dask distributed.

A sweep hands an executor a picklable function and a list of batches and gets the results back in
completion order, so the store can write each part as soon as its batch is done (an interrupted
sweep keeps everything finished so far). Which backend runs a batch never changes its rows: every
run's seed is fixed in the parent before dispatch (DESIGN.md section 4).

Backends:

* :class:`SerialExecutor`: in this process (``workers=1``); simplest to debug and profile.
* :class:`PoolExecutor`: ``concurrent.futures.ProcessPoolExecutor`` with the ``forkserver`` start
  method where the platform has it (Linux, macOS), else ``spawn`` (Windows). ``fork`` copies a
  parent that may hold numba's threading layer, Dask's threads or open files, which can deadlock a
  child. The fork server is a clean single-threaded process that imports the package and loads the
  kernels once (sim.experiments.forkserver_warm); each worker is forked from it, warm, in
  milliseconds, where a spawned one starts an interpreter and loads the kernels itself.
* :class:`DaskExecutor`: a Dask ``Client`` on a scheduler address (a cluster: every worker needs
  this package installed) or on a
  ``LocalCluster(n_workers=N, threads_per_worker=1, processes=True)``.
  Tasks are submitted with ``pure=False`` (a run is not a cacheable pure function of its arguments
  in Dask's sense) and collected with ``as_completed``.

Tasks carry batches of runs sized to last 0.1 to 1 s, so scheduling overhead (about 1 ms a task on
Dask) stays small against the work while progress still moves smoothly.
"""

from __future__ import annotations

import logging
import os
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, CancelledError, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from multiprocessing import current_process, forkserver, get_all_start_methods, get_context
from typing import Any

from sim.errors import InputError, StoppedError
from sim.experiments.forkserver_env import FORKSERVER_ENV
from sim.experiments.parentwatch import worker_init
from sim.experiments.scheduler import check_address
from sim.optional import require

__all__ = ["Execution", "SerialExecutor", "PoolExecutor", "DaskExecutor", "default_workers"]


#: Exit status of a worker process that found itself re-running the user's script from the top
#: (assumption: a status no other failure uses; the pool's parent reads it to say why).
EXIT_REIMPORT = 86
#: Set by a pool's parent to its PID: a worker of that parent leaves the message to it.
POOL_PARENT_ENV = "CRMSIM_POOL_PARENT"

REIMPORT_MESSAGE = (
    "{script} starts a sweep as soon as it is imported, and the worker processes import it "
    "again (as Python's 'spawn' and 'forkserver' start methods do), so each would start the "
    'sweep once more; put the calls under `if __name__ == "__main__":` at the end of the script '
    '(see "Safe importing of main module" in the multiprocessing documentation)'
)


def _main_script(module_name: str = "__main__") -> str:
    return str(getattr(sys.modules.get(module_name), "__file__", None) or "the main script")


def refuse_reimported_main() -> None:
    """Stop this process if it is a worker still importing the user's script.

    A worker started with ``spawn`` imports the parent's main script as ``__mp_main__`` before it
    takes any work; a script that calls ``run_experiment`` (or ``run_sensitivity``, ``compare``)
    at the top level, without ``if __name__ == "__main__":``, would start the sweep again in every
    worker (which then fails on the folder's lock, with a message about ``crmsim sweep``). Called
    first by everything that starts a sweep or a pool: in such a worker it writes one line naming
    the guard (unless its parent is a pool that reports it, :class:`PoolExecutor`) and exits with
    :data:`EXIT_REIMPORT`. Anywhere else it does nothing.
    """
    # multiprocessing's own sign of a child still bootstrapping (what its _check_not_importing_main
    # reads); sys.modules cannot tell: servers such as Solara's replace __main__ in the parent
    if not getattr(current_process(), "_inheriting", False):
        return
    # a pool's worker: its parent is the pool's process (spawn) or that process's fork server
    parent = str(os.getppid())
    if parent not in (os.environ.get(POOL_PARENT_ENV), os.environ.get(FORKSERVER_ENV)):
        message = REIMPORT_MESSAGE.format(script=_main_script("__mp_main__"))
        print(f"crmsim: error: {message}", file=sys.stderr, flush=True)
    os._exit(EXIT_REIMPORT)


#: Imported by the pool's fork server before it forks any worker (sim.experiments.forkserver_warm).
FORKSERVER_PRELOAD = "sim.experiments.forkserver_warm"


def default_start_method() -> str:
    """``forkserver`` where the platform has it (Linux, macOS), else ``spawn`` (Windows)."""
    return "forkserver" if "forkserver" in get_all_start_methods() else "spawn"


def start_fork_server() -> None:
    """Start the pools' fork server now, warming up (:data:`FORKSERVER_PRELOAD`), if it is not
    running: its imports and kernels load while the caller goes on with its own preparation.

    One server per process, kept until the process ends (``multiprocessing.forkserver``); every
    later pool forks its workers from it.
    """
    get_context("forkserver").set_forkserver_preload([FORKSERVER_PRELOAD])
    forkserver.ensure_running()


def default_workers() -> int:
    """Worker processes to use when none are asked for: one per CPU core."""
    return os.cpu_count() or 1


class SerialExecutor:
    """Run batches one after the other in this process."""

    description = "in-process (1 worker)"
    parallel = False

    def map_unordered(self, fn: Callable, items: Iterable) -> Iterator[Any]:
        """Yield ``fn(item)`` for every item, in order."""
        for item in items:
            yield fn(item)

    def close(self) -> None:
        """Nothing to release."""

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()


class PoolExecutor(SerialExecutor):
    """Run batches on a pool of ``workers`` local processes.

    At most ``2 * workers`` tasks are queued at once, so a sweep of many thousands of batches
    neither pickles them all up front nor loses much when it is interrupted.

    Args:
        workers: number of worker processes (>= 1).
        start_method: multiprocessing start method, ``"forkserver"`` or ``"spawn"``; default
            :func:`default_start_method`.
        warm_up: picklable callable each worker runs once when it starts (imports, kernels loaded
            from numba's cache, one thread: sim.experiments.worker.warm_up), so no batch pays it.
    """

    parallel = True

    def __init__(
        self, workers: int, start_method: str | None = None, warm_up: Callable | None = None
    ):
        start_method = start_method or default_start_method()
        if start_method not in ("spawn", "forkserver"):
            raise InputError(
                "allowed: spawn, forkserver (fork is unsafe with numba threads)",
                key="start_method",
                value=start_method,
            )
        refuse_reimported_main()
        self.workers = int(workers)
        self.description = f"{self.workers} local processes"
        os.environ[POOL_PARENT_ENV] = str(os.getpid())  # inherited by the spawned workers
        context = get_context(start_method)
        if start_method == "forkserver":
            start_fork_server()
        self.start_method = start_method
        self._pool = ProcessPoolExecutor(
            max_workers=self.workers,
            mp_context=context,
            initializer=worker_init,  # dies with the sweep (no orphans after kill -9), warms up
            initargs=(os.getpid(), warm_up, start_method),
        )

    def _reimported(self, wait_s: float = 5.0) -> bool:
        """Whether a worker stopped because it was re-running the user's script.

        The pool fails its futures first and only then terminates and reaps its workers, on its
        own management thread. A worker's exit status may be read only once: two threads polling
        the same forkserver worker race for its status and the loser reads 255 (seen once in CI:
        the reimport reported as a bare BrokenProcessPool). So this waits for that thread to end
        (it has then joined every worker) before reading, and looks again for up to ``wait_s``
        seconds until every worker's status is known.
        """
        deadline = time.monotonic() + wait_s
        manager = getattr(self._pool, "_executor_manager_thread", None)
        if manager is not None:
            manager.join(wait_s)
        processes = list((getattr(self._pool, "_processes", None) or {}).values())
        while True:
            codes = [p.exitcode for p in processes]
            if EXIT_REIMPORT in codes:
                return True
            if None not in codes or time.monotonic() > deadline:
                return False
            time.sleep(0.05)

    def map_unordered(self, fn: Callable, items: Iterable) -> Iterator[Any]:
        """Yield ``fn(item)`` results as they complete (any order).

        Raises:
            InputError: a worker stopped because it was re-running the user's script (no
                ``if __name__ == "__main__":``; :func:`refuse_reimported_main`).
            BrokenProcessPool: a worker died for any other reason.
        """
        queue = iter(items)
        pending = set()
        try:
            for item in queue:
                pending.add(self._pool.submit(fn, item))
                if len(pending) >= 2 * self.workers:
                    break
            while pending:
                done, pending = wait(pending, return_when=FIRST_COMPLETED)
                for fut in done:
                    for item in queue:
                        pending.add(self._pool.submit(fn, item))
                        break
                    yield fut.result()
        except BrokenProcessPool:
            if self._reimported():
                raise InputError(REIMPORT_MESSAGE.format(script=_main_script())) from None
            raise
        finally:
            for fut in pending:
                fut.cancel()

    def close(self) -> None:
        """Stop the workers; queued batches that never started are dropped."""
        self._pool.shutdown(wait=True, cancel_futures=True)


class DaskExecutor(SerialExecutor):
    """Run batches on Dask distributed.

    Args:
        scheduler: address of a running scheduler (``tcp://host:8786``); its workers must have this
            package (and the same versions) installed.
        n_workers: when no scheduler is given, start a ``LocalCluster`` with this many
            single-threaded
            worker processes.
        warm_up: callable run once on every worker now (``Client.run``), as for the pool.
    """

    parallel = True

    def __init__(
        self,
        scheduler: str | None = None,
        n_workers: int | None = None,
        warm_up: Callable | None = None,
    ):
        refuse_reimported_main()
        distributed = require("dask.distributed", "--scheduler / --dask-local")
        Client, LocalCluster = distributed.Client, distributed.LocalCluster
        self._cluster = None
        if scheduler:
            check_address(scheduler)
            try:
                self._client = Client(scheduler, timeout="20s")
            except (OSError, TimeoutError, ValueError) as exc:
                raise InputError(
                    f"cannot reach the Dask scheduler ({exc})", key="--scheduler", value=scheduler
                ) from exc
            self.description = f"Dask scheduler {scheduler}"
        else:
            n = int(n_workers or default_workers())
            self._cluster = LocalCluster(
                n_workers=n,
                threads_per_worker=1,
                processes=True,
                dashboard_address=None,
                silence_logs=logging.WARNING,
            )
            self._client = Client(self._cluster)
            self.description = f"Dask LocalCluster ({n} workers)"
        if warm_up is not None:
            self._client.run(warm_up)

    def map_unordered(self, fn: Callable, items: Iterable) -> Iterator[Any]:
        """Submit every item (``pure=False``) and yield results as they complete."""
        from dask.distributed import as_completed

        futures = [self._client.submit(fn, item, pure=False) for item in items]
        try:
            for fut in as_completed(futures):
                try:
                    result = fut.result()
                except (CancelledError, OSError, TimeoutError) as exc:
                    raise StoppedError(
                        f"lost the Dask scheduler {self.description} mid-sweep "
                        f"({type(exc).__name__}: {exc}); the finished parts are kept"
                    ) from None
                fut.release()
                yield result
        finally:
            for fut in futures:
                if not fut.done():
                    fut.cancel()

    def close(self) -> None:
        """Disconnect, and stop the LocalCluster if this executor started one."""
        self._client.close()
        if self._cluster is not None:
            self._cluster.close()


def _check_choices(workers: Any, scheduler: Any, dask_local: Any) -> None:
    """Refuse conflicting or out-of-range choices, naming the command-line flag."""
    if scheduler and dask_local:
        raise InputError(
            "give either --scheduler or --dask-local, not both",
            key="--dask-local",
            value=dask_local,
        )
    if scheduler is not None:
        check_address(scheduler)
    for key, value in (("--workers", workers), ("--dask-local", dask_local)):
        if value is not None and (
            isinstance(value, bool) or not isinstance(value, int) or value < 1
        ):
            raise InputError("expected a whole number >= 1", key=key, value=value)


@dataclass(frozen=True)
class Execution:
    """Where and how a sweep's batches run: the one argument (``execution=``) that carries the
    execution settings through :func:`sim.experiments.sweep.run_experiment`, ``compare``,
    :func:`sim.analysis.sensitivity.run_sensitivity` and the calibration, as EMA Workbench's
    evaluator does, so a new backend option is added here once rather than to every signature.

    Args:
        workers: local worker processes (``--workers``); None means one per core; 1 runs in-process.
        scheduler: Dask scheduler address (``--scheduler``), instead of local processes.
        dask_local: start a Dask LocalCluster with this many workers (``--dask-local``).
        executor: an open executor to run on instead of starting one (its workers stay warm across
            sweeps and it is not closed by the sweep: the benchmarks and the dashboard use this);
            the other three settings are then ignored.

    Raises:
        InputError: for conflicting or out-of-range choices, when the object is made (before
            anything is written).
    """

    workers: int | None = None
    scheduler: str | None = None
    dask_local: int | None = None
    executor: Any = None

    def __post_init__(self) -> None:
        _check_choices(self.workers, self.scheduler, self.dask_local)

    @classmethod
    def of(cls, value: Execution | int | None) -> Execution:
        """The settings an ``execution=`` argument means: an :class:`Execution` as it is, a whole
        number as that many local workers (``execution=2``, convenient from Python and notebooks),
        None as the defaults (one local worker per core)."""
        if value is None:
            return cls()
        if isinstance(value, Execution):
            return value
        if isinstance(value, int) and not isinstance(value, bool):
            return cls(workers=value)
        raise InputError(
            "expected an Execution or a whole number of local workers",
            key="execution",
            value=value,
        )

    @property
    def concurrency(self) -> int | None:
        """Runs at once in the parent's view, for the memory guards (None: one per core): 1 for a
        scheduler, whose workers live on other machines."""
        if self.executor is not None:
            return getattr(self.executor, "workers", None) or 1
        return 1 if self.scheduler else (self.dask_local or self.workers)

    @property
    def in_process(self) -> bool:
        """True when the runs happen in this process (no worker processes to start)."""
        if self.executor is not None:
            return not getattr(self.executor, "parallel", False)
        return self.workers == 1 and not self.scheduler and not self.dask_local

    @property
    def forks_warm_workers(self) -> bool:
        """Whether the workers will be a local pool's, forked from the warm fork server
        (:data:`FORKSERVER_PRELOAD`; where the platform has the ``forkserver`` start method)."""
        local_pool = not (self.executor is not None or self.in_process or self.scheduler)
        return local_pool and not self.dask_local and default_start_method() == "forkserver"

    @property
    def compiles_in_parent(self) -> bool:
        """Whether the caller must load (or compile) the kernels itself before the workers start.

        Spawned and Dask workers load every kernel from numba's cache at once, and workers that
        find it empty would compile and write the same files together (numba issue #10128), so
        the parent fills it first. Workers forked from the warm fork server get the kernels from
        it; the server alone fills the cache.
        """
        workers_elsewhere = self.executor is None and not self.in_process
        return workers_elsewhere and not self.forks_warm_workers

    def start_early(self) -> None:
        """Start what this execution's workers will come from, now: the fork server of a local
        pool (:func:`start_fork_server`), whose warm-up (about a second) then overlaps the
        caller's own imports and preparation. Nothing for the other backends."""
        if self.forks_warm_workers:
            start_fork_server()

    def make_executor(
        self, n_tasks: int | None = None, warm_up: Callable | None = None
    ) -> AbstractContextManager:
        """The executor to use as a context manager: the caller's own (entered, never closed) or a
        new one that is closed on exit.

        Args:
            n_tasks: number of batches to run, if known; never start more workers than that.
            warm_up: run once in every worker process when it starts (not in-process: the
                caller's own process is already warm or warms on its first run).
        """
        if self.executor is not None:
            return nullcontext(self.executor)
        if self.scheduler:
            return DaskExecutor(scheduler=self.scheduler, warm_up=warm_up)
        if self.dask_local:
            return DaskExecutor(n_workers=self.dask_local, warm_up=warm_up)
        n = self.workers if self.workers is not None else default_workers()
        if n_tasks is not None:
            n = max(1, min(n, n_tasks))
        if n == 1:
            return SerialExecutor()
        return PoolExecutor(n, warm_up=warm_up)
