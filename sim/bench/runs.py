"""Whole runs as a sweep sees them: the industry mix over fixed seeds, both engines, the floor.

One seed of one ordering says little: a four_ps seed that never goes live never runs the live
branches, one that goes live in week 20 runs them for three years. The default-run figure is
therefore the median over a fixed set of seeds (the failure-rates sweep's own first seeds) of the
industry mix, where each seed draws an ordering and ends live, abandoned or never live as in a
sweep; the statuses are reported beside the time. Every run is a fresh ``sim.run`` (run plus
counterfactual, the counterfactual cache emptied) on one numba thread, as in a sweep's worker.

The same seeds give the agents-engine ratio (the same runs on both engines), the physical floor
of each run (:mod:`sim.bench.floor`: its events and employee-weeks priced at the floor kernels'
cost), and what its customers cost per event (the same runs with ``SMALL_CUSTOMERS`` customers at
the start: what a run costs besides its customers).
"""

from __future__ import annotations

import statistics
import time
from collections import Counter

from sim.bench.inputs import ROOT, fresh_run

MIX = ROOT / "scenarios" / "industry_mix.toml"

#: The agents engine in quick mode runs on this reduced organisation (and so does its numba twin).
QUICK_AGENTS_ORG = {"org.employees": 50, "org.customers": 1_250}

#: Customers at the start of the reduced runs that price what a run costs besides its customers
#: (an assumption: few enough to be negligible, enough for the model's measures).
SMALL_CUSTOMERS = 50

#: Root seed of experiments/failure_rates.toml: the mix's seeds are the sweep's replicates 0..N-1.
SWEEP_ROOT_SEED = 20011127


def mix_seeds(n: int) -> list[int]:
    """The first ``n`` replicate seeds of the failure-rates sweep."""
    from sim.experiments.experiment import replicate_seeds

    return replicate_seeds(SWEEP_ROOT_SEED, n)


def time_runs(scenario, seeds, engine: str = "numba", repeats: int = 1) -> dict:
    """Seconds of a fresh run (and counterfactual) per seed: the median of ``repeats`` each."""
    return time_runs_alternated([scenario], seeds, engine, repeats)[0]


def time_runs_alternated(scenarios, seeds, engine: str = "numba", repeats: int = 1) -> list:
    """:func:`time_runs` of each scenario, their runs of a seed taken in turn (a, b, a, b, ...).

    Two figures compared by their difference (the mix runs less the same runs with few customers:
    what the customers cost) are then measured in the same minutes: timed one after the other, a
    few minutes apart, the difference took the machine's drift between them too (the customers'
    cost per event read 14.5, 22.8 and 20.5 ns in three benches of the same compiled week).
    """
    from sim.experiments.worker import one_thread

    per_seed: list[list[float]] = [[] for _ in scenarios]
    statuses: list[list[str]] = [[] for _ in scenarios]
    with one_thread():
        for seed in seeds:
            samples: list[list[float]] = [[] for _ in scenarios]
            results: list = [None] * len(scenarios)
            for _ in range(repeats):
                for k, scenario in enumerate(scenarios):
                    t = time.perf_counter()
                    results[k] = fresh_run(scenario, seed, engine=engine)
                    samples[k].append(time.perf_counter() - t)
            for k, result in enumerate(results):
                per_seed[k].append(statistics.median(samples[k]))
                statuses[k].append(result.summary["status"])
    return [
        {
            "engine": engine,
            "seeds": list(seeds),
            "per_seed_s": times,
            "median_s": statistics.median(times),
            "total_s": sum(times),
            "statuses": dict(Counter(kept)),
        }
        for times, kept in zip(per_seed, statuses, strict=True)
    ]


def floor_prices(model, repeats: int, target_s: float) -> dict:
    """Seconds at the floor of an event, an employee-week and (the weekly pass the model made before
    it drew by events) a customer-week, and of an event's arithmetic alone (its draw and rule,
    sim.bench.floor.event_arithmetic), on ``model``'s week, one thread each."""
    import numba

    from sim.bench import repeat
    from sim.bench.floor import employee_floor_args, event_arithmetic_args, event_floor_args
    from sim.bench.inputs import floor_args
    from sim.bench.timing import timed_compiled

    cargs, eargs, vargs = floor_args(model), employee_floor_args(model), event_floor_args(model)
    aargs = event_arithmetic_args(model)
    n_cus, n_emp, n_events = int(model.customers.created), int(model.employees.n), len(vargs[0])
    threads = numba.get_num_threads()
    numba.set_num_threads(1)
    try:  # from compiled code, as a run's kernels are called (sim.bench.repeat)
        cus = timed_compiled(repeat.floor_of_customers, cargs, repeats, target_s=target_s)
        emp = timed_compiled(repeat.floor_of_employees, eargs, repeats, target_s=target_s)
        ev = timed_compiled(repeat.floor_of_events, vargs, repeats, target_s=target_s)
        ar = timed_compiled(repeat.arithmetic_of_events, aargs, repeats, target_s=target_s)
    finally:
        numba.set_num_threads(threads)
    return {
        "event_s": ev["median_s"] / n_events,
        "event_arithmetic_s": ar["median_s"] / len(aargs[0]),
        "customer_s": cus["median_s"] / n_cus,
        "employee_s": emp["median_s"] / n_emp,
        "events": n_events,
        "customers": n_cus,
        "employees": n_emp,
    }


def run_floors(scenario, seeds, prices: dict) -> dict:
    """The physical floor of each seed's run (run and counterfactual), and the floor of the weekly
    pass over every customer it would have had before the customers were drawn by events."""
    from sim.bench.floor import agent_weeks, run_floor, weekly_pass_floor

    floors, passes, weeks, bounds = [], [], [], []
    event_bound = max(prices["event_s"], prices["event_arithmetic_s"])
    for seed in seeds:
        w = agent_weeks(scenario, seed)
        weeks.append(w)
        floors.append(run_floor(w, prices["event_s"], prices["employee_s"]))
        bounds.append(run_floor(w, event_bound, prices["employee_s"]))
        passes.append(weekly_pass_floor(w, prices["customer_s"], prices["employee_s"]))
    return {
        "per_seed_s": floors,
        "median_s": statistics.median(floors),
        "weekly_pass_per_seed_s": passes,
        "weekly_pass_median_s": statistics.median(passes),
        "arithmetic_per_seed_s": bounds,
        "arithmetic_median_s": statistics.median(bounds),
        "agent_weeks": weeks,
    }


def whole_runs(quick: bool, log=print) -> dict:
    """The mix figure, the four_ps figure, numba vs agents on the same runs, and the run floor."""
    import sim
    from sim.bench.inputs import RUN_SEED, SCENARIO, stepped_model

    out: dict = {}
    mix = sim.load_scenario(MIX)
    seeds = mix_seeds(5 if quick else 15)
    # the same seeds with SMALL_CUSTOMERS customers (all but the customers), timed in turn with
    # the mix's runs: the customers' share of a run, below
    small = mix.with_overrides({"org.customers": SMALL_CUSTOMERS})
    fresh_run(mix, seeds[0])  # warm-up: every kernel loaded before timing
    fresh_run(small, seeds[0])
    log(f"default runs: industry mix, {len(seeds)} seeds, and with {SMALL_CUSTOMERS} customers ...")
    out["mix"], out["mix_small"] = time_runs_alternated(
        [mix, small], seeds, repeats=1 if quick else 3
    )
    four = sim.load_scenario(SCENARIO)
    out["four_ps"] = time_runs(four, [RUN_SEED], repeats=5 if quick else 15)

    log("floor of a whole run ...")
    prices = floor_prices(stepped_model(), 7 if quick else 21, 0.005 if quick else 0.02)
    out["floor_prices"] = prices
    out["mix_floor"] = run_floors(mix, seeds, prices)
    floors = out["mix_floor"]
    pairs = zip(out["mix"]["per_seed_s"], floors["per_seed_s"], strict=True)
    out["run_vs_floor"] = statistics.median(r / f for r, f in pairs)
    pairs = zip(out["mix"]["per_seed_s"], floors["weekly_pass_per_seed_s"], strict=True)
    out["run_vs_weekly_pass_floor"] = statistics.median(r / f for r, f in pairs)
    pairs = zip(out["mix"]["per_seed_s"], floors["arithmetic_per_seed_s"], strict=True)
    out["run_vs_arithmetic_floor"] = statistics.median(r / f for r, f in pairs)

    # The customers' share of a run: the mix runs less the same seeds with SMALL_CUSTOMERS
    # customers, per event visited (run and counterfactual), against the floor of an event.
    per_event = []
    for full, reduced, w in zip(
        out["mix"]["per_seed_s"], out["mix_small"]["per_seed_s"], floors["agent_weeks"], strict=True
    ):
        per_event.append((full - reduced) / (w["events"] + w["cf_events"]))
    out["customers_per_event_s"] = statistics.median(per_event)
    out["customers_vs_floor"] = out["customers_per_event_s"] / prices["event_s"]

    # numba vs agents on the same runs: full size in full mode (the first seeds; the agents engine
    # takes seconds a run), a reduced organisation in quick mode (both engines on it).
    if quick:
        org = dict(QUICK_AGENTS_ORG)
        same = sim.load_scenario(MIX, overrides=org)
        agent_seeds = seeds[:3]
    else:
        org, same, agent_seeds = {}, mix, seeds[:5]
    log(f"agents engine on {len(agent_seeds)} of the same runs ...")
    fresh_run(same, agent_seeds[0], engine="agents")  # warm-up of what the agents engine calls
    agents = time_runs(same, agent_seeds, engine="agents")
    numba_same = (
        time_runs(same, agent_seeds, repeats=3)
        if quick
        else {
            **out["mix"],
            "per_seed_s": out["mix"]["per_seed_s"][: len(agent_seeds)],
            "total_s": sum(out["mix"]["per_seed_s"][: len(agent_seeds)]),
        }
    )
    out["agents"] = agents
    out["numba_same_runs"] = numba_same
    out["agents_org"] = org
    out["speedup_vs_agents"] = agents["total_s"] / numba_same["total_s"]
    return out
