"""Imported once by the pool's fork server (``multiprocessing``'s preload): the model's compiled
functions loaded there, before any worker is forked from it.

A pool whose workers are forked from a warm server starts them in milliseconds, each already
holding every compiled kernel, instead of each starting an interpreter, importing the package and
loading the kernels from numba's cache (measured in docs/benchmarks.md, the sweep with its process
start). The server is one process, so it is also the only one that compiles into an empty cache
(numba issue #10128: processes that write the same cache files at once can crash a later reader);
the pool's own process need not compile first (sim.experiments.executors.Execution).

Fork-safe because nothing here starts a thread: the warm-up runs a tiny organisation through the
one-thread compiled week (``sim.model.week.run_weeks``), and numba's threading layer starts only
when a parallel kernel runs or the thread count is read, which each forked worker then does for
itself (sim.experiments.worker.warm_up). ``multiprocessing`` imports preload modules by name, so
this module's work is done on import; a failure is never fatal (``compile_here``).
"""

import os

from sim.experiments import worker
from sim.experiments.forkserver_env import FORKSERVER_ENV

os.environ[FORKSERVER_ENV] = str(os.getpid())  # inherited by every worker forked from here
worker.compile_here("numba")
