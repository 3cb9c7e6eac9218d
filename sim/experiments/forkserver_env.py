"""The environment variable by which a pool's fork server names itself to the workers it forks.

Its own module so that :mod:`sim.experiments.executors` can read it without importing
:mod:`sim.experiments.forkserver_warm`, whose import is the warm-up itself.
"""

#: Set by the fork server (sim.experiments.forkserver_warm) to its PID; a worker whose parent has
#: that PID is a pool's worker, whose pool reports a re-imported script once for all of them.
FORKSERVER_ENV = "CRMSIM_FORKSERVER"
