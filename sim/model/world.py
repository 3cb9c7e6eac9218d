"""World: one organisation's state and its compiled weeks, without Mesa (the numba engine's run).

The numba engine runs whole weeks in compiled code over arrays (sim.model.week); it needs no Mesa
agents and no Mesa model, only the draws, the arrays and the series. ``World`` holds exactly that:
``sim.run`` builds one for the numba engine, so a run, a sweep's worker and ``crmsim run`` never
import Mesa (a quarter of a second of a command that should answer in one: issue 22).
:class:`sim.model.model.CRMRolloutModel` is a ``World`` and a ``mesa.Model``: the same state and
weeks, plus the Mesa agents (views on the arrays), the agents engine and Mesa's DataCollector.
Same seed, same scenario: the same numbers from either class (tests/model/test_engines.py).

One step is one week (DESIGN.md 2, sim.model.week). Each week the world advances the programme on
last week's measures, updates the employees synchronously (new state from old state, then commit)
and the customers with an event in the week (sim.model.calendar), adds arriving customers,
measures and collects the series; the random numbers come from counter-based streams keyed by a
number the world draws from its Generator (sim.model.streams), which its counterfactual shares.
"""

from __future__ import annotations

import dataclasses
from collections import OrderedDict, namedtuple

import numpy as np

from sim.errors import InputError
from sim.model import cache_lock, streams, week
from sim.model.calendar import Calendar
from sim.model.context import WEEK, channel_bounds, customer_params, employee_params
from sim.model.population import build_customers, build_employees, draw_organisation
from sim.model.program import Programme
from sim.model.scenario import Scenario
from sim.model.vocabulary import SERIES

cache_lock.lock_cache_writes()  # before this process compiles anything into the shared cache

ENGINES = ("numba", "agents")


def choose_variant(scenario: Scenario, draw: float) -> Scenario:
    """The scenario actually run: for a mix scenario, the member the uniform ``draw`` selects."""
    if not scenario.is_mix:
        return scenario
    total = 0.0
    for variant in scenario.variants:
        total += variant.weight
        if draw < total:
            return variant.scenario
    return scenario.variants[-1].scenario


class World:
    """An organisation living through a CRM rollout (or, with ``counterfactual=True``, without one),
    run by the numba engine: arrays and compiled weeks, no Mesa.

    Args:
        scenario: a validated scenario (sim.load_scenario).
        seed: seed of the world's numpy Generator (``np.random.default_rng(seed)``, the Generator
            ``mesa.Model(rng=seed)`` makes).
        engine: ``"numba"``; ``"agents"`` needs the Mesa agents of ``CRMRolloutModel``.
        counterfactual: run the same organisation with no CRM programme.
    """

    #: the engines this class can run (a Mesa model adds the agents engine)
    engines: tuple[str, ...] = ("numba",)

    def __init__(
        self,
        scenario: Scenario,
        seed: int | None = None,
        engine: str = "numba",
        counterfactual: bool = False,
    ):
        if engine not in self.engines:
            raise InputError(
                f"expected one of {', '.join(self.engines)}", key="engine", value=engine
            )
        self._start(seed)
        self._seed = seed
        drawn = draw_once(scenario, seed, self.rng)
        #: the Generator's state after the draws (what a twin starts from: ``counterfactual_twin``)
        self._rng_after_draws = self.rng.bit_generator.state
        self._assemble(scenario, engine, counterfactual, drawn)

    def _start(self, seed) -> None:
        """The Generator and the counters (what ``mesa.Model.__init__`` sets in a Mesa model)."""
        self.rng = np.random.default_rng(seed)
        self.steps = 0
        self.running = True

    def counterfactual_twin(self):
        """This organisation with no CRM programme, in its initial state: the world
        ``type(self)(scenario, seed, engine, counterfactual=True)`` builds (the same seed draws the
        same organisation: common random numbers), made by copying this world's drawn state
        instead of drawing it again. Call it before this world's first week.
        """
        if self.steps:
            raise RuntimeError("a counterfactual twin is made before the model's first week")
        twin = object.__new__(type(self))
        twin._start(self._seed)
        twin._seed = self._seed
        twin.rng.bit_generator.state = self._rng_after_draws
        twin._rng_after_draws = self._rng_after_draws
        twin._assemble(self.scenario, self.engine, True, _drawn_copy(self._drawn))
        return twin

    def _assemble(self, scenario, engine, counterfactual, drawn) -> None:
        """Everything a model holds besides what it drew: the programme, the rule parameters, the
        next-week buffers, the measures, the series (no random draws here)."""
        self.engine = engine
        self.scenario = scenario
        self.counterfactual = counterfactual
        self._drawn = drawn
        self.variant, self.org = drawn.variant, drawn.org
        s = self.variant
        self.horizon = s["horizon_weeks"]
        self.employees, self.teams, self.customers = drawn.employees, drawn.teams, drawn.customers
        self.employees_next = _buffer_copy(self.employees)
        self.programme = Programme(s, self.org, self.employees.n, counterfactual)
        #: the rule parameters (one-element records, sim.model.context; ``rec[0].mandate``)
        self.employee_params = employee_params(s, self.org)
        self.customer_params = customer_params(s)
        self.channel_bounds = channel_bounds(s)
        self._week_record = np.zeros(1, dtype=WEEK).view(np.recarray)
        self._kernel_params = week.KernelParams(
            week.values_of(self.employee_params, week.EmployeeValues),
            week.values_of(self.customer_params, week.CustomerValues),
            self._week_record,
            tuple(float(b) for b in self.channel_bounds),  # a tuple: see KernelParams
            self.employee_params,
            self.customer_params,
        )
        self._created_by = self.customers.arrivals_table(self.horizon)
        n = self.employees.n
        self._economy = week.ECONOMY.build(s.values, key=drawn.key, stride=streams.slots(n), n=n)
        self._measures = np.zeros(1, dtype=week.MEASURES).view(np.recarray)
        self._measures[0].created = self.customers.created
        self.team_usage = np.zeros(self.teams.n)
        self.week = None
        self.metrics = dict.fromkeys(SERIES, 0.0)
        #: the model series, one row a week in the order of sim.model.vocabulary.SERIES
        self.series = np.zeros((self.horizon, len(SERIES)))
        self._observe()
        #: the numba engine's customer bookkeeping (sim.model.calendar)
        self._calendar = Calendar.empty(
            self.horizon, self.customers.capacity, n, self._kernel_params.customer
        )

    def _observe(self) -> None:
        """Measure the initial state (the measures the first week reads as last week's)."""
        week.observe(
            self._measures,
            self._economy,
            self.employees.arrays(),
            self.customers.arrays(),
            self.team_usage,
            self._kernel_params.customer,
        )

    # --- the weeks -----------------------------------------------------------------------------

    @property
    def market(self) -> float:
        """Log-demand of the market, AR(1) (sim.model.market; params economics.market_*)."""
        return float(self._measures.market[0])

    def week_draws(self):
        """The draws of the coming week on the run's stream as arrays (peer, work, market), for
        tests and benchmarks; the engines draw each number where it is used (sim.model.streams)."""
        return streams.week_draws(int(self._economy.key[0]), self.steps, self.employees.n)

    def step(self) -> None:
        """Advance one week in compiled code (``mesa.Model.step`` counts the steps in a Mesa
        model; a world counts its own)."""
        self.steps += 1
        self._run_compiled(self.steps - 1, self.steps)

    def _swap(self) -> None:
        self.employees, self.employees_next = self.employees_next, self.employees

    def _run_compiled(self, t0: int, t1: int) -> None:
        """Weeks t0 to t1 - 1 in one compiled call (sim.model.week.run_weeks).

        Below ``week.PARALLEL_MIN_CUSTOMERS`` customer slots the week runs on one thread (cached,
        no thread pool started); above it on numba's threads, as many as the caller set.
        """
        rows = self.series[t0:t1]
        parallel = self.customers.capacity >= week.PARALLEL_MIN_CUSTOMERS
        run = week.run_weeks_parallel if parallel else week.run_weeks
        self._calendar.check(self._kernel_params.customer)
        run(
            t0,
            t1,
            self._measures,
            self._economy,
            self.programme.arrays(),
            self.teams.arrays(),
            self.team_usage,
            self._created_by,
            self._kernel_params,
            self.employees.arrays(),
            self.employees_next.arrays(),
            self.customers.arrays(),
            self._calendar.arrays(),
            rows,
        )
        if (t1 - t0) % 2:
            self._swap()
        self.week = self._week_record[0]
        self._after_weeks(rows)

    def _after_weeks(self, rows: np.ndarray) -> None:
        """Python's side of the weeks just run: counters, the last week's metrics, the end."""
        created = int(self._measures.created[0])
        self.customers.created = created
        self.metrics = dict(zip(SERIES, rows[-1].tolist(), strict=True))
        if self.steps >= self.horizon:
            self.running = False

    def run_model(self) -> None:
        """Run to the horizon: the numba engine in one compiled call, the agents (in a Mesa
        model) week by week."""
        if self.engine == "numba" and self.running:
            t0 = self.steps
            self.steps = self.horizon
            self._run_compiled(t0, self.horizon)
            return
        while self.running:
            self.step()


#: What a model draws from its Generator (``draw``).
Drawn = namedtuple("Drawn", "variant org employees teams customers key")


def draw(scenario: Scenario, rng: np.random.Generator) -> Drawn:
    """Everything a model draws, in the order it always draws it: the mix's member, the
    organisation, its employees and customers, then the run's random stream (sim.model.streams;
    drawn after the organisation, so a run and its counterfactual get the same one)."""
    return _draw_member(choose_variant(scenario, rng.random()), rng)


#: Parameters ``draw`` never reads, by prefix, but for ``_DRAWN_ANYWAY``: two organisations whose
#: other values are equal draw the same from the same seed (tests/model/test_draw_cache.py records
#: every value ``draw`` reads, for every shipped scenario, and checks this).
_NOT_DRAWN = (
    "rollout.",
    "sponsor.",
    "programme.",
    "outcome.",
    "economics.",
    "touchpoints.",
    "employee.",
)
_DRAWN_ANYWAY = frozenset({"rollout.pilot_share", "sponsor.commitment_initial"})
#: Drawn organisations kept per process (a sweep's batch runs each seed under every scenario).
_DRAWN_CACHE: OrderedDict = OrderedDict()
_DRAWN_CACHE_SIZE = 16
#: Organisations with at least this many customer slots are not kept (a scale run's are 100 MB).
_DRAWN_CACHE_MAX_CUSTOMERS = 100_000


def drawn_fingerprint(member: Scenario) -> tuple:
    """The values of ``member`` (a scenario, or a mix's member) that ``draw`` reads."""
    return member.values_key(_NOT_DRAWN, _DRAWN_ANYWAY)


def draw_once(scenario: Scenario, seed, rng: np.random.Generator) -> Drawn:
    """``draw(scenario, rng)``, copied from a small per-process cache when the same seed drew the
    same organisation before; ``rng`` is left where ``draw`` leaves it either way.

    A sweep runs each seed under every scenario (common random numbers), and the scenarios differ
    in their programme, not their organisation: drawing it again cost about 0.6 ms of a 12 ms run
    (sim.bench.profile: building the network, the employees and the customers). Copied (every
    array), since a run changes its state in place. Only integer seeds are kept.
    """
    member = choose_variant(scenario, rng.random())
    if not isinstance(seed, (int, np.integer)) or isinstance(seed, bool):
        return _draw_member(member, rng)
    key = (int(seed), drawn_fingerprint(member))
    hit = _DRAWN_CACHE.get(key)
    if hit is not None:
        _DRAWN_CACHE.move_to_end(key)
        kept, state = hit
        rng.bit_generator.state = state
        return _drawn_copy(kept)._replace(variant=member)
    drawn = _draw_member(member, rng)
    if drawn.customers.capacity < _DRAWN_CACHE_MAX_CUSTOMERS:
        _DRAWN_CACHE[key] = (_drawn_copy(drawn), rng.bit_generator.state)
        if len(_DRAWN_CACHE) > _DRAWN_CACHE_SIZE:
            _DRAWN_CACHE.popitem(last=False)
    return drawn


def _drawn_copy(drawn: Drawn) -> Drawn:
    return drawn._replace(
        employees=_buffer_copy(drawn.employees),
        teams=_buffer_copy(drawn.teams),
        customers=_buffer_copy(drawn.customers),
    )


def _draw_member(variant: Scenario, rng: np.random.Generator) -> Drawn:
    """``draw`` after the mix's member is chosen."""
    org = draw_organisation(variant, rng)
    employees, teams = build_employees(variant, org, rng)
    customers = build_customers(variant, employees.n, rng, org.data_maturity)
    key = int(rng.integers(0, streams.KEY_BOUND))
    return Drawn(variant, org, employees, teams, customers, key)


def _buffer_copy(state):
    """A second buffer of a state dataclass: every array copied, scalars shared."""
    return dataclasses.replace(
        state,
        **{
            f.name: getattr(state, f.name).copy()
            for f in dataclasses.fields(state)
            if isinstance(getattr(state, f.name), np.ndarray)
        },
    )
