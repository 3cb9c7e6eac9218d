"""Build an organisation from a scenario and a numpy Generator: arrays of state, a network, draws.

State is a structure of arrays owned by the model (DESIGN.md section 3): the hot loops of both
engines read and write these arrays; Mesa agents are views on one index. Every random draw made here
comes from the model's Generator in a fixed order, so a treatment run and its counterfactual built
from the same seed get the same organisation (common random numbers).
"""

from __future__ import annotations

import math
from collections import namedtuple
from dataclasses import dataclass

import numpy as np
from numba import njit

from sim.model import jit, rules
from sim.model.scenario import Scenario
from sim.model.vocabulary import TRAITS


@dataclass
class Organisation:
    """The organisation's profile, drawn per run (DESIGN.md 2.6; sources in sim/model/params.py).

    Each trait reaches the outcomes only through behaviour:

    - ``culture`` (change readiness): the mean initial attitude of employees (intention, usage).
    - ``complexity`` (technical complexity and integration load): divides the platform build rate,
      so it sets how long the platform takes and hence how far spend overruns the budget. Heavy
      tailed: a lognormal body around the scenario median and, with probability
      ``org.complexity_tail_share`` (17%), a Pareto tail above 3x the median (McKinsey-Oxford 2012;
      Flyvbjerg et al. 2022).
    - ``package_fit``: fit of the unconfigured package; configuration embeds process knowledge into
      the rest (Soh et al. 2000), and the misfit makes configuration work longer (customisation).
    - ``scope``: share of functions the first release changes; coordination overhead of concurrent
      workstreams and the go-live shock grow with it; planning cuts it.
    - ``data_maturity``: mean initial customer-profile completeness (data quality).
    - ``sponsor_strength``: the executive sponsor's authority, time and budget power; times the
      sponsor's commitment (which moves with results) it releases people from the day job, leads
      the managers, funds improvement after go-live and cuts the scope of a runaway project.
    - ``budget_realism``: the budget as a share of the plan's real cost before planning.
    """

    culture: float
    complexity: float
    package_fit: float = 1.0
    scope: float = 0.0
    data_maturity: float = 0.3
    sponsor_strength: float = 0.5
    budget_realism: float = 1.0

    def traits(self) -> dict:
        """The profile as a dict keyed by sim.model.vocabulary.TRAITS."""
        values = (
            self.culture,
            self.complexity,
            self.package_fit,
            self.scope,
            self.data_maturity,
            self.sponsor_strength,
            self.budget_realism,
        )
        return dict(zip(TRAITS, (float(x) for x in values), strict=True))


#: The state arrays as numba sees them: named tuples of the dataclasses' arrays (the compiled code
#: cannot take a dataclass). Built by name, from the dataclasses' fields.
EmployeeArrays = namedtuple(
    "EmployeeArrays",
    "team is_manager manager attitude skill orientation usage workaround productivity dip "
    "commitment indptr indices",
)
CustomerArrays = namedtuple(
    "CustomerArrays",
    "handler active satisfaction expectation completeness stage next_contact next_check",
)
TeamArrays = namedtuple("TeamArrays", "manager coach pilot live_week package_fit fit")


def _view(kind, state):
    return kind(*(getattr(state, f) for f in kind._fields))


@dataclass
class Employees:
    """Employees (managers included) as arrays; the network is CSR (indptr, indices)."""

    team: np.ndarray
    is_manager: np.ndarray
    manager: np.ndarray
    attitude: np.ndarray
    skill: np.ndarray
    orientation: np.ndarray
    usage: np.ndarray
    workaround: np.ndarray
    productivity: np.ndarray
    dip: np.ndarray
    commitment: np.ndarray
    indptr: np.ndarray
    indices: np.ndarray

    @property
    def n(self) -> int:
        return len(self.team)

    def arrays(self) -> EmployeeArrays:
        """The arrays as the compiled code takes them."""
        return _view(EmployeeArrays, self)


@dataclass
class Teams:
    """Teams: their manager, the manager's style, pilot membership, go-live week (-1: not live),
    each team's package fit (sim.model.rules.team_package_fit) and its platform fit this week (the
    model sets ``fit`` from the embedded process knowledge each week:
    sim.model.rules.platform_fit)."""

    manager: np.ndarray
    coach: np.ndarray
    pilot: np.ndarray
    live_week: np.ndarray
    package_fit: np.ndarray
    fit: np.ndarray

    @property
    def n(self) -> int:
        return len(self.manager)

    def arrays(self) -> TeamArrays:
        """The arrays as the compiled code takes them."""
        return _view(TeamArrays, self)


@dataclass
class Customers:
    """Customers, allocated up front for every arrival over the horizon.

    Slots ``[0, created)`` exist; of those, ``active`` ones are customers and the rest churned, so
    ``active + churned == created`` always holds (customers are conserved). ``next_contact`` and
    ``next_check`` are the weeks of each customer's next contact and churn check
    (sim.model.streams.next_event; drawn when the customer arrives, sim.model.week).
    """

    handler: np.ndarray
    active: np.ndarray
    satisfaction: np.ndarray
    expectation: np.ndarray
    completeness: np.ndarray
    stage: np.ndarray
    next_contact: np.ndarray
    next_check: np.ndarray
    created: int
    initial: int
    weekly_arrivals: float

    @property
    def capacity(self) -> int:
        return len(self.handler)

    def arrays(self) -> CustomerArrays:
        """The arrays as the compiled code takes them."""
        return _view(CustomerArrays, self)

    def arrivals_table(self, horizon: int) -> np.ndarray:
        """Customers created by the end of each week w = 0 .. horizon (a steady stream)."""
        weeks = np.arange(horizon + 1)
        created = self.initial + np.floor(self.weekly_arrivals * weeks + 1e-9).astype(np.int64)
        return np.minimum(self.capacity, created)


def _uniform_trait(centre: float, spread: float, u: float, low: float, high: float) -> float:
    """centre + spread x (2u - 1), clipped to [low, high]; spread 0 fixes the trait."""
    return float(np.clip(centre + spread * (2.0 * u - 1.0), low, high))


def draw_organisation(scenario: Scenario, rng: np.random.Generator) -> Organisation:
    """Draw the organisation's profile (always nine draws, in this order, whatever the values)."""
    v = scenario.values
    culture = v["org.culture"] + v["org.culture_spread"] * (2.0 * rng.random() - 1.0)
    u_tail, u_size, z = rng.random(), rng.random(), rng.standard_normal()
    median = v["org.complexity"]
    if u_tail < v["org.complexity_tail_share"]:
        complexity = 3.0 * median * (1.0 - u_size) ** (-1.0 / v["org.complexity_tail_alpha"])
    else:
        complexity = median * math.exp(v["org.complexity_sigma"] * z)
    u_fit, u_scope, u_data, u_sponsor, u_budget = rng.random(5)
    return Organisation(
        culture=float(np.clip(culture, -1, 1)),
        complexity=complexity,
        package_fit=_uniform_trait(
            v["profile.package_fit"], v["profile.package_fit_spread"], u_fit, 0.0, 1.0
        ),
        scope=_uniform_trait(v["profile.scope"], v["profile.scope_spread"], u_scope, 0.0, 1.0),
        data_maturity=_uniform_trait(
            v["customer.completeness_initial"], v["profile.data_maturity_spread"], u_data, 0.0, 1.0
        ),
        sponsor_strength=_uniform_trait(
            v["profile.sponsor_strength"],
            v["profile.sponsor_strength_spread"],
            u_sponsor,
            0.0,
            1.0,
        ),
        budget_realism=_uniform_trait(
            v["profile.budget_realism"], v["profile.budget_realism_spread"], u_budget, 0.05, 1.5
        ),
    )


#: A slot of ``_rewired_edges``'s table that never held a key, and one whose key was removed.
_EMPTY, _REMOVED = -1, -2


@jit.inner
def _edge_slot(table, key):
    """The slot of ``key`` in an open-addressing table of non-negative int64 keys (linear
    probing), or ``-1 - slot`` of the first free slot where it would go if it is absent."""
    mask = table.shape[0] - 1
    i = key & mask
    free = -1
    while True:
        k = table[i]
        if k == key:
            return i
        if k == _EMPTY:
            return -1 - (i if free < 0 else free)
        if k == _REMOVED and free < 0:
            free = i
        i = (i + 1) & mask


@njit(cache=True)
def _rewired_edges(src, dst, rewire, targets, n):
    """The undirected edges after rewiring, as keys ``low * n + high`` in the slots of a table
    whose other slots are negative (the caller keeps the keys and sorts them with numpy).

    Edges are rewired in order; a rewiring that would make a self-loop or a duplicate edge is
    skipped. Compiled: building the network was a third of building a model in Python. numba's
    sort cost over a second of a cold first run to compile, so numpy sorts.
    The set of edges is a small open-addressing table of int64 keys rather than a numba ``set``,
    whose hashing cost about 0.3 s more of a cold first run to compile (issue 22); a rewiring
    removes one key and adds one, so the table never holds more than ``src.shape[0]`` keys.
    """
    m = src.shape[0]
    size = 4
    while size < 4 * m:
        size *= 2
    table = np.full(size, _EMPTY, dtype=np.int64)
    for e in range(m):
        key = min(src[e], dst[e]) * n + max(src[e], dst[e])
        slot = _edge_slot(table, key)
        if slot < 0:
            table[-1 - slot] = key
    for e in range(m):
        if not rewire[e]:
            continue
        s, old, new = src[e], dst[e], targets[e]
        key_new = min(s, new) * n + max(s, new)
        if new == s or _edge_slot(table, key_new) >= 0:
            continue
        slot_old = _edge_slot(table, min(s, old) * n + max(s, old))
        if slot_old >= 0:
            table[slot_old] = _REMOVED
        table[-1 - _edge_slot(table, key_new)] = key_new
    return table


def watts_strogatz(n: int, k: int, p: float, rng: np.random.Generator):
    """A Watts-Strogatz small world as CSR arrays (indptr, indices), neighbours sorted.

    Ring lattice with k // 2 neighbours each side (employees are numbered team by team, so most ties
    fall inside a team), each edge rewired with probability p to a uniform node, avoiding self-loops
    and duplicate edges (Watts & Strogatz 1998). Seeded from the model's Generator.
    """
    half = max(1, min(k // 2, (n - 1) // 2))
    src = np.repeat(np.arange(n), half)
    dst = (src + np.tile(np.arange(1, half + 1), n)) % n
    rewire = rng.random(len(src)) < p
    targets = rng.integers(0, n, len(src))
    table = _rewired_edges(src, dst, rewire, targets, n)
    keys = np.sort(table[table >= 0])
    pairs = np.stack([keys // n, keys % n], axis=1)
    rows = np.concatenate([pairs[:, 0], pairs[:, 1]])
    cols = np.concatenate([pairs[:, 1], pairs[:, 0]])
    order = np.lexsort((cols, rows))
    rows, cols = rows[order], cols[order]
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(rows, minlength=n), out=indptr[1:])
    return indptr, cols.astype(np.int64)


def build_employees(scenario: Scenario, org: Organisation, rng: np.random.Generator):
    """Employees in teams of ``team_size``, the first member of each team its manager."""
    v = scenario.values
    n = v["org.employees"]
    size = v["org.team_size"]
    team = np.arange(n, dtype=np.int64) // size
    n_teams = int(team[-1]) + 1
    manager_of_team = np.arange(n_teams, dtype=np.int64) * size
    is_manager = np.zeros(n, dtype=np.bool_)
    is_manager[manager_of_team] = True
    attitude = np.clip(org.culture + v["org.attitude_sd"] * rng.standard_normal(n), -1, 1)
    skill = np.clip(v["org.skill_initial"] + 0.05 * rng.standard_normal(n), 0, 1)
    orientation = np.clip(v["org.customer_orientation"] + 0.15 * rng.standard_normal(n), 0, 1)
    coach = rng.random(n_teams) < v["org.coach_share"]
    n_pilot = max(1, math.ceil(v["rollout.pilot_share"] * n_teams))
    pilot = np.zeros(n_teams, dtype=np.bool_)
    pilot[rng.permutation(n_teams)[:n_pilot]] = True
    indptr, indices = watts_strogatz(n, v["org.network_k"], v["org.network_rewiring"], rng)
    employees = Employees(
        team=team,
        is_manager=is_manager,
        manager=manager_of_team[team],
        attitude=attitude,
        skill=skill,
        orientation=orientation,
        usage=np.zeros(n),
        workaround=np.zeros(n),
        productivity=np.ones(n),
        dip=np.zeros(n),
        # managers follow the sponsor's active support (sim.model.sponsor_rules.sponsorship)
        commitment=np.full(n, org.sponsor_strength * v["sponsor.commitment_initial"]),
        indptr=indptr,
        indices=indices,
    )
    # drawn last, so the draws above are those of model v2's first release
    team_fit = rules.team_package_fit(
        org.package_fit, rng.random(n_teams), v["profile.team_fit_spread"]
    )
    teams = Teams(
        manager_of_team,
        coach,
        pilot,
        np.full(n_teams, -1, dtype=np.int64),
        team_fit,
        team_fit.copy(),
    )
    return employees, teams


def build_customers(
    scenario: Scenario, n_employees: int, rng: np.random.Generator, data_maturity: float
) -> Customers:
    """Customers for the whole horizon: the initial ones plus a steady stream of arrivals.

    Initial profile completeness is centred on the organisation's data maturity.
    """
    v = scenario.values
    initial = v["org.customers"]
    weekly = initial * v["customer.annual_arrivals"] / 52.0
    capacity = initial + math.floor(weekly * v["horizon_weeks"] + 1e-9)
    satisfaction = np.clip(
        v["customer.satisfaction_initial"]
        + v["customer.satisfaction_sd"] * rng.standard_normal(capacity),
        0,
        1,
    )
    completeness = np.clip(data_maturity + 0.1 * rng.standard_normal(capacity), 0, 1)
    active = np.zeros(capacity, dtype=np.bool_)
    active[:initial] = True
    return Customers(
        handler=rng.integers(0, n_employees, capacity).astype(np.int64),
        active=active,
        satisfaction=satisfaction,
        expectation=satisfaction.copy(),
        completeness=completeness,
        stage=np.zeros(capacity, dtype=np.int64),
        next_contact=np.zeros(capacity, dtype=np.int64),
        next_check=np.zeros(capacity, dtype=np.int64),
        created=initial,
        initial=initial,
        weekly_arrivals=weekly,
    )
