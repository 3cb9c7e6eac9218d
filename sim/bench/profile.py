"""Where a sweep worker's time goes: cProfile of failure-rates batches, grouped by model part.

``python -m sim.bench.profile [REPLICATES]`` runs the failure-rates experiment's batches (default 20
replicates, 120 runs, on fresh seeds) in this process exactly as a worker does (one numba thread,
warmed first, one batch run before profiling so that the scenario files are read and cached as in
a worker's steady state) under cProfile, and prints the share of each part of a run (the compiled
weeks, Python after them, model building, counterfactual, DataFrames) and of the sweep's own
bookkeeping, then the top functions by own time. Shares, not absolute times, are what it is for:
the profiler adds a cost to every Python call, which inflates the Python parts somewhat.
"""

from __future__ import annotations

import cProfile
import io
import pstats
import sys
import time
from dataclasses import replace

#: (label, file fragment, function name): the parts reported, cumulative time each.
PARTS = (
    ("whole runs (sim.run)", "outcomes.py", "run"),
    ("  model steps (run_model)", "world.py", "run_model"),
    ("    compiled weeks: programme, kernels, measures (run_weeks)", "week.py", "run_weeks"),
    ("    Python after the weeks: counters, metrics (_after_weeks)", "world.py", "_after_weeks"),
    ("  building worlds (World.__init__)", "world.py", "__init__"),
    ("  counterfactual (counterfactual_series)", "outcomes.py", "counterfactual_series"),
    ("  classify", "outcomes.py", "classify"),
    ("  weekly table (paired_series)", "outcomes.py", "paired_series"),
)


def _cumulative(stats: pstats.Stats, fragment: str, name: str) -> float:
    return sum(
        ct for (f, _, fn), (_, _, _, ct, _) in stats.stats.items() if fragment in f and fn == name
    )


def profile(replicates: int = 20, top: int = 15) -> str:
    """Profile ``replicates`` replicates of the failure-rates batches; the report as text."""
    import sim
    from sim.bench.sweep import EXPERIMENT
    from sim.experiments import worker
    from sim.experiments.experiment import build_runs, check_scenarios, load_experiment
    from sim.experiments.sweep import execute_batch, make_batches

    spec = load_experiment(EXPERIMENT).with_replicates(replicates)
    spec = replace(spec, root_seed=777, keep_series=0)
    names = check_scenarios(spec, sim.load_scenario)
    batches = make_batches(build_runs(spec, names), spec.batch_size, numba_threads=1)
    worker.warm_up()
    execute_batch(batches[0])  # a worker's first batch reads and caches the scenario files
    prof = cProfile.Profile()
    wall, cpu = time.perf_counter(), time.process_time()
    n = 0
    prof.enable()
    for batch in batches:
        n += len(execute_batch(batch).rows)
    prof.disable()
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    stats = pstats.Stats(prof)
    whole = _cumulative(stats, "sweep.py", "execute_batch")
    lines = [
        f"{n} runs in {len(batches)} batches: {wall:.2f} s wall, {cpu:.2f} s CPU, "
        f"{1e3 * cpu / n:.1f} ms CPU a run (under the profiler)",
        f"{'part':62s} {'s':>7s} {'share':>6s}",
    ]
    for label, fragment, name in PARTS:
        v = _cumulative(stats, fragment, name)
        lines.append(f"{label:62s} {v:7.3f} {v / whole:6.1%}")
    own = _cumulative(stats, "sweep.py", "run_batch") - _cumulative(stats, "outcomes.py", "run")
    lines.append(
        f"{'sweep bookkeeping (run_batch minus sim.run)':62s} {own:7.3f} {own / whole:6.1%}"
    )
    lines.append(f"{'total (execute_batch)':62s} {whole:7.3f}")
    buf = io.StringIO()
    pstats.Stats(prof, stream=buf).sort_stats("tottime").print_stats(top)
    return "\n".join(lines) + "\n" + buf.getvalue()


if __name__ == "__main__":
    print(profile(int(sys.argv[1]) if len(sys.argv) > 1 else 20))
