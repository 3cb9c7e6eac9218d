"""Where a default run's time goes, by pass: ``python -m sim.bench.parts [SEEDS]`` (default 15).

A run's compiled weeks are one call (sim.model.week.run_weeks), which a profiler sees whole
(sim.bench.profile). Here each week of a run and of its counterfactual is stepped from Python,
and after each step that week's passes are timed from compiled code on copies of the week's
inputs (its state before the step, its context and draws as the step filled them): the
customers' pass of a live week (``kernels.step_customers``) or of an offline one
(``step_customers_offline``), and the employees' pass. Each is called ``CALLS + 1`` times in one
compiled loop (sim.bench.repeat), less the same loop called once (numba's dispatch, and a first
call that warms the caches), the best of ``ROUNDS``. Summed over the weeks they give what each
pass costs a run; a fresh ``sim.run`` of the same seed (run and counterfactual), less their sum,
is the rest: the programme's weekly step and the measures, the Python around the weeks
(sim.bench.profile), and whatever a pass costs more inside a run than repeated on one week's
inputs (repeated, its arrays are in the caches and its branches learnt, and the few customers
who churned that week are stepped again from their final state). On one numba thread, in CPU
time, for the failure-rates sweep's first industry-mix seeds, as the default-run figure of ``make
bench``. The worlds stepped are the same as run whole (tests/benchmarks/test_parts.py).
"""

from __future__ import annotations

import statistics
import sys
import time

import numpy as np

from sim.bench import repeat
from sim.model import week

#: Calls of a pass in one compiled loop, and rounds of those loops (the best is kept): an
#: assumption, enough for a pass of tens of microseconds to dominate the timer's resolution and
#: numba's dispatch (subtracted, but noisy).
CALLS = 20
ROUNDS = 3
#: The passes, in the report's order: (key, label).
PASSES = (
    ("live_s", "run: customers, live weeks"),
    ("offline_s", "run: customers, offline weeks"),
    ("employees_s", "run: employees"),
    ("cf_customers_s", "counterfactual: customers"),
    ("cf_employees_s", "counterfactual: employees"),
)


def _best(fn, args) -> float:
    """CPU seconds of one call of the pass that ``fn`` repeats (sim.bench.repeat): the best round
    of ``CALLS + 1`` calls less the best round of one (numba's dispatch and a first call that
    warms the caches), over ``CALLS``."""

    def best_of(calls):
        best = float("inf")
        for _ in range(ROUNDS):
            t = time.process_time()
            fn(calls, *args)
            best = min(best, time.process_time() - t)
        return best

    return max(best_of(CALLS + 1) - best_of(1), 0.0) / CALLS


def step_weeks(world, inputs: bool = False):
    """Step ``world`` (a numba World, not yet run) to its horizon, yielding after each step the
    customers active at the week's start, whether the week was offline (sim.model.week.offline)
    and, with ``inputs``, copies of what the week's passes read (its state before the step; its
    context, filled by the step, is the world's week record)."""
    from sim.model.world import _buffer_copy

    while world.running:
        n = int(world._measures.n_active[0])
        before = None
        if inputs:
            before = (
                _buffer_copy(world.customers),
                _buffer_copy(world.customers_next),
                _buffer_copy(world.employees),
                _buffer_copy(world.employees_next),
                world._slots.copy(),
                world.team_usage.copy(),
            )
        world.step()
        yield n, week.offline(world.teams.arrays(), world._week_record), before


def world_passes(world) -> dict:
    """Step ``world`` (a numba World, not yet run) to its horizon, timing each week's passes on
    copies of its inputs after the step: CPU seconds of its customers in live and offline weeks
    and of its employees, and the customer-weeks of each kind."""
    out = dict.fromkeys(("live_s", "offline_s", "employees_s"), 0.0)
    out.update(live_cw=0, offline_cw=0)
    for n, offline, before in step_weeks(world, inputs=True):
        cus, cus_next, emp, emp_next, slots, team_usage = before
        wk, teams = week.week_values(world._week_record), world.teams.arrays()
        prm, spare = world._kernel_params, np.zeros_like(slots)
        cus, cus_next, emp = cus.arrays(), cus_next.arrays(), emp.arrays()
        if offline:
            args = (slots, n, spare, cus, cus_next, emp, prm.customer, wk)
            out["offline_s"] += _best(repeat.offline_customers, args)
            out["offline_cw"] += n
        else:
            args = (slots, n, spare, cus, cus_next, emp, teams, prm.bounds, prm.customer, wk)
            out["live_s"] += _best(repeat.customers, args)
            out["live_cw"] += n
        args = (emp, emp_next.arrays(), teams, team_usage, prm.employee, wk)
        out["employees_s"] += _best(repeat.employees, args)
    return out


def measure(n_seeds: int = 15) -> dict:
    """Per seed: each pass of the run and its counterfactual summed over the weeks, and a fresh
    ``sim.run`` (CPU seconds)."""
    import sim
    from sim.bench.inputs import fresh_run
    from sim.bench.runs import MIX, mix_seeds
    from sim.experiments.worker import one_thread
    from sim.model.world import World

    mix = sim.load_scenario(MIX)
    rows = []
    with one_thread():
        fresh_run(mix, mix_seeds(1)[0])  # every kernel loaded before timing
        for seed in mix_seeds(n_seeds):
            run = world_passes(World(mix, seed, "numba"))
            cf = world_passes(World(mix, seed, "numba", True))
            t = time.process_time()
            fresh_run(mix, seed)
            fresh = time.process_time() - t
            row = {
                "seed": seed,
                "fresh_s": fresh,
                **{k: run[k] for k in ("live_s", "offline_s", "employees_s", "live_cw")},
                "offline_cw": run["offline_cw"],
                "cf_customers_s": cf["live_s"] + cf["offline_s"],
                "cf_employees_s": cf["employees_s"],
                "cf_cw": cf["live_cw"] + cf["offline_cw"],
                "cf_live_cw": cf["live_cw"],  # none: nobody uses a CRM that is not there
            }
            row["passes_s"] = sum(row[k] for k, _ in PASSES)
            row["rest_s"] = fresh - row["passes_s"]
            rows.append(row)
    return {"rows": rows}


def report(res: dict) -> str:
    """Medians over the seeds, in ms a run, with the customers' ns a customer-week."""
    rows = res["rows"]

    def med(key):
        return statistics.median(r[key] for r in rows)

    def per_cw(key, cw):
        return statistics.median(r[key] / r[cw] for r in rows if r[cw]) * 1e9

    ns = {
        "live_s": f"  ({per_cw('live_s', 'live_cw'):.1f} ns a customer-week)",
        "offline_s": f"  ({per_cw('offline_s', 'offline_cw'):.1f} ns)",
        "cf_customers_s": f"  ({per_cw('cf_customers_s', 'cf_cw'):.1f} ns)",
    }
    lines = [(label, f"{1e3 * med(key):.2f} ms{ns.get(key, '')}") for key, label in PASSES]
    lines += [
        ("the passes together", f"{1e3 * med('passes_s'):.2f} ms"),
        ("default run (sim.run, fresh)", f"{1e3 * med('fresh_s'):.2f} ms"),
        (
            "the rest (programme, measures, Python: see the docstring)",
            f"{1e3 * med('rest_s'):.2f} ms",
        ),
    ]
    head = (
        f"{len(rows)} industry-mix seeds, one thread, CPU time a run (medians); each week's "
        "passes timed from compiled code on that week's inputs:"
    )
    return "\n".join([head, *(f"  {k:58s} {v}" for k, v in lines)])


if __name__ == "__main__":
    print(report(measure(int(sys.argv[1]) if len(sys.argv) > 1 else 15)))
