"""Run a sweep in a separate process, for the kill-and-resume test.

Usage: python tests/sweep_runner.py EXPERIMENT OUT WORKERS DELAY

DELAY (seconds per run) slows the model down so the test can kill the sweep part way through.
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from sweep_helpers import REAL, SlowRun, fake_load  # noqa: E402

from sim.experiments.sweep import run_experiment  # noqa: E402

if __name__ == "__main__":
    experiment, out, workers, delay = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4])
    kwargs = {} if REAL else {"load_fn": fake_load}
    run_experiment(
        experiment, out, workers=workers, progress=False, run_fn=SlowRun(delay), **kwargs
    )
