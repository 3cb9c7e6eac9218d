"""Run a sweep in a separate process, for the kill-and-resume test.

Usage: python tests/sweep_runner.py EXPERIMENT OUT WORKERS DELAY [FLUSH_S]

DELAY (seconds per run) slows the model down so the test can kill the sweep part way through;
FLUSH_S (default 0.4) is how long finished batches wait in the parent before they are written as
one part (sim.experiments.parts), short here so that parts of several batches land before the kill.
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the repository root

from sim.experiments.sweep import run_experiment  # noqa: E402
from tests.sweep_helpers import REAL, SlowRun, fake_load  # noqa: E402

if __name__ == "__main__":
    experiment, out, workers, delay = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4])
    flush_s = float(sys.argv[5]) if len(sys.argv) > 5 else 0.4
    kwargs = {} if REAL else {"load_fn": fake_load}
    run_experiment(
        experiment,
        out,
        execution=workers,
        progress=False,
        run_fn=SlowRun(delay),
        flush_s=flush_s,
        **kwargs,
    )
