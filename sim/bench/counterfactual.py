"""What the no-CRM counterfactual costs in a default run, and how much of it is its customers.

``python -m sim.bench.counterfactual [SEEDS]`` (default 15) times, on one numba thread and in CPU
seconds, each of the failure-rates sweep's first industry-mix seeds (as the default-run figure of
``make bench`` does):

- a fresh ``sim.run`` (run and counterfactual) against the same run with its counterfactual
  already cached: the counterfactual's share of a default run; and a fresh run with
  ``SMALL_CUSTOMERS`` customers at the start: what a run costs besides its customers;
- the counterfactual world's compiled weeks (``World.run_model``) at the scenario's size and with
  ``SMALL_CUSTOMERS`` customers at the start: what its customers' offline pass costs;
- that pass alone, as the model runs it and drawn by events (sim.bench.events): what a change of
  streams would buy it; and the run's own offline customer-weeks (before go-live, after
  abandonment), which the same change would make cheaper at the same rate.

It says where the 12 ms default-run target of docs/benchmarks.md is to be found (the issue's "the
counterfactual as the cheaper world it is"); shares and differences are what it is for.
"""

from __future__ import annotations

import statistics
import sys
import time

#: Customers at the start in the reduced counterfactual (assumption: few enough to be negligible).
SMALL_CUSTOMERS = 50


def _cpu(fn, repeats: int = 3) -> float:
    """Median CPU seconds of ``fn()`` over ``repeats`` calls."""
    out = []
    for _ in range(repeats):
        t = time.process_time()
        fn()
        out.append(time.process_time() - t)
    return statistics.median(out)


def measure(n_seeds: int = 15) -> dict:
    """Per seed: a fresh run (at full size and with ``SMALL_CUSTOMERS`` customers), the run with
    its counterfactual cached, the counterfactual world's weeks at both sizes, the offline passes
    of sim.bench.events and the customer-weeks they apply to (CPU seconds, customer-weeks)."""
    import sim
    from sim.bench import events
    from sim.bench.inputs import fresh_run
    from sim.bench.runs import MIX, mix_seeds
    from sim.experiments.worker import one_thread
    from sim.model.world import World

    mix = sim.load_scenario(MIX)
    small = mix.with_overrides({"org.customers": SMALL_CUSTOMERS})
    seeds = mix_seeds(n_seeds)

    def cf_weeks(scen, seed):
        World(scen, seed, "numba", True).run_model()

    rows = []
    with one_thread():
        fresh_run(mix, seeds[0])  # every kernel loaded before timing
        fresh_run(small, seeds[0])
        events.passes(World(mix, seeds[0], "numba", True))
        for seed in seeds:
            fresh = _cpu(lambda s=seed: fresh_run(mix, s), repeats=1)
            fresh_small = _cpu(lambda s=seed: fresh_run(small, s))
            cached = _cpu(lambda s=seed: sim.run(mix, seed=s))  # its counterfactual now cached
            rows.append(
                {
                    "seed": seed,
                    "fresh_s": fresh,
                    "cached_s": cached,
                    "cf_share": 1.0 - cached / fresh,
                    "fresh_small_s": fresh_small,
                    "cf_weeks_s": _cpu(lambda s=seed: cf_weeks(mix, s)),
                    "cf_weeks_small_s": _cpu(lambda s=seed: cf_weeks(small, s)),
                    **_pass_times(mix, seed),
                    **_customer_weeks(mix, seed),
                }
            )
    return {"rows": rows, "customers": int(mix.values["org.customers"])}


def _pass_times(scenario, seed, repeats: int = 3) -> dict:
    """Median CPU seconds of each of sim.bench.events' passes over the seed's counterfactual."""
    from sim.bench import events
    from sim.model.world import World

    times: dict = {}
    for _ in range(repeats):
        for name, (cpu, _weeks) in events.passes(World(scenario, seed, "numba", True)).items():
            times.setdefault(f"{name}_pass_s", []).append(cpu)
    return {k: statistics.median(v) for k, v in times.items()}


def _customer_weeks(scenario, seed) -> dict:
    """Customer-weeks (active customers at each week's start) of the seed's counterfactual, and
    of its run in the weeks nobody uses the CRM (sim.model.week.offline: the offline pass)."""
    from sim.bench.parts import step_weeks
    from sim.model.world import World

    run, cf = World(scenario, seed, "numba"), World(scenario, seed, "numba", True)
    return {
        "run_offline_cw": sum(n for n, offline, _ in step_weeks(run) if offline),
        "cf_cw": sum(n for n, _offline, _ in step_weeks(cf)),
    }


def events_estimate(row: dict) -> float:
    """A default run with its offline weeks drawn by events, estimated from the measured parts:
    the fresh run less the calendar's saving on the counterfactual's customers, and that saving
    again in proportion on the run's own offline customer-weeks (the same loop). Not counted: the
    first events drawn for every customer when an offline stretch begins, and bringing every
    profile up to date when it ends. Not a design on its own: with the live weeks drawn week by
    week, a run and its counterfactual would stop sharing their numbers at go-live."""
    saving = row["per_week_pass_s"] - row["calendar_pass_s"]
    return row["fresh_s"] - saving * (1.0 + row["run_offline_cw"] / row["cf_cw"])


def all_events_estimate(row: dict) -> float:
    """A default run with every customer week drawn by events, if a live week's events cost what
    an offline week's do (optimistic: a live contact also picks a touch point, captures web data,
    logs in the CRM): the fresh run less the calendar's share of saving on everything its
    customers cost, the fresh run less the same run with ``SMALL_CUSTOMERS`` customers."""
    saving = 1.0 - row["calendar_pass_s"] / row["per_week_pass_s"]
    return row["fresh_s"] - saving * (row["fresh_s"] - row["fresh_small_s"])


def report(res: dict) -> str:
    """The measurement as a few lines of text (medians over the seeds, the shares' range)."""
    rows = res["rows"]

    def med(key):
        return statistics.median(r[key] for r in rows)

    shares = [r["cf_share"] for r in rows]
    lines = [
        ("default run (run and counterfactual)", f"{1e3 * med('fresh_s'):.2f} ms"),
        ("the same run, its counterfactual cached", f"{1e3 * med('cached_s'):.2f} ms"),
        (
            "counterfactual's share of a default run",
            f"{statistics.median(shares):.0%} (from {min(shares):.0%} to {max(shares):.0%})",
        ),
        (
            f"default run, {SMALL_CUSTOMERS} customers at the start (all but the customers)",
            f"{1e3 * med('fresh_small_s'):.2f} ms",
        ),
        (
            f"counterfactual world, {res['customers']:,} customers at the start",
            f"{1e3 * med('cf_weeks_s'):.2f} ms",
        ),
        (
            f"counterfactual world, {SMALL_CUSTOMERS} customers at the start",
            f"{1e3 * med('cf_weeks_small_s'):.2f} ms",
        ),
        (
            "its customers' pass alone, as the model draws (per week)",
            f"{1e3 * med('per_week_pass_s'):.2f} ms",
        ),
        (
            "  drawn by events, every customer visited each week",
            f"{1e3 * med('scan_pass_s'):.2f} ms",
        ),
        (
            "  drawn by events, customers visited at their events",
            f"{1e3 * med('calendar_pass_s'):.2f} ms",
        ),
        (
            "the run's offline customer-weeks, against its counterfactual's",
            f"{statistics.median(r['run_offline_cw'] / r['cf_cw'] for r in rows):.0%}",
        ),
        (
            "default run, offline weeks drawn by events (estimate)",
            f"{1e3 * statistics.median(events_estimate(r) for r in rows):.2f} ms",
        ),
        (
            "default run, every week drawn by events (optimistic estimate)",
            f"{1e3 * statistics.median(all_events_estimate(r) for r in rows):.2f} ms",
        ),
    ]
    head = f"{len(rows)} industry-mix seeds, one thread, CPU time (medians):"
    return "\n".join([head, *(f"  {k:62s} {v}" for k, v in lines)])


if __name__ == "__main__":
    print(report(measure(int(sys.argv[1]) if len(sys.argv) > 1 else 15)))
