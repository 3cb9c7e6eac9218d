"""Build an organisation from a scenario and a numpy Generator: arrays of state, a network, draws.

State is a structure of arrays owned by the model (DESIGN.md section 3): the hot loops of both
engines read and write these arrays; Mesa agents are views on one index. Every random draw made here
comes from the model's Generator in a fixed order, so a treatment run and its counterfactual built
from the same seed get the same organisation (common random numbers).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from sim.model.scenario import Scenario


@dataclass
class Organisation:
    """Per-organisation draws: culture offset and technical complexity.

    Complexity divides the platform build rate, so it sets how long the platform takes and hence how
    far spend overruns the budget. It is heavy-tailed: a lognormal body around the scenario median
    and, with probability ``org.complexity_tail_share`` (17%), a Pareto tail above 3x the median, so
    that cost overruns come out heavy-tailed as reported by McKinsey-Oxford (2012), Flyvbjerg &
    Budzier (2011) and Flyvbjerg et al. (2022). The overrun itself is an output (spend / budget).
    """

    culture: float
    complexity: float


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


@dataclass
class Teams:
    """Teams: their manager, the manager's style, pilot membership, go-live week (-1: not live)."""

    manager: np.ndarray
    coach: np.ndarray
    pilot: np.ndarray
    live_week: np.ndarray

    @property
    def n(self) -> int:
        return len(self.manager)


@dataclass
class Customers:
    """Customers, allocated up front for every arrival over the horizon.

    Slots ``[0, created)`` exist; of those, ``active`` ones are customers and the rest churned, so
    ``active + churned == created`` always holds (customers are conserved).
    """

    handler: np.ndarray
    active: np.ndarray
    satisfaction: np.ndarray
    expectation: np.ndarray
    completeness: np.ndarray
    stage: np.ndarray
    created: int
    initial: int
    weekly_arrivals: float

    @property
    def capacity(self) -> int:
        return len(self.handler)

    def arrivals_by(self, week: int) -> int:
        """Customers created by the end of ``week`` (a steady deterministic stream)."""
        return min(self.capacity, self.initial + math.floor(self.weekly_arrivals * week + 1e-9))


def draw_organisation(scenario: Scenario, rng: np.random.Generator) -> Organisation:
    """Draw the organisation-level random factors (always four draws, in this order)."""
    v = scenario.values
    culture = v["org.culture"] + v["org.culture_spread"] * (2.0 * rng.random() - 1.0)
    u_tail, u_size, z = rng.random(), rng.random(), rng.standard_normal()
    median = v["org.complexity"]
    if u_tail < v["org.complexity_tail_share"]:
        complexity = 3.0 * median * (1.0 - u_size) ** (-1.0 / v["org.complexity_tail_alpha"])
    else:
        complexity = median * math.exp(v["org.complexity_sigma"] * z)
    return Organisation(float(np.clip(culture, -1, 1)), complexity)


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
    edges = set(zip(np.minimum(src, dst).tolist(), np.maximum(src, dst).tolist(), strict=True))
    for e in np.flatnonzero(rewire):
        s, old, new = int(src[e]), int(dst[e]), int(targets[e])
        key_new = (min(s, new), max(s, new))
        if new == s or key_new in edges:
            continue
        edges.discard((min(s, old), max(s, old)))
        edges.add(key_new)
        dst[e] = new
    pairs = np.array(sorted(edges), dtype=np.int64).reshape(-1, 2)
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
        commitment=np.full(n, v["sponsor.commitment_initial"]),
        indptr=indptr,
        indices=indices,
    )
    teams = Teams(manager_of_team, coach, pilot, np.full(n_teams, -1, dtype=np.int64))
    return employees, teams


def build_customers(scenario: Scenario, n_employees: int, rng: np.random.Generator) -> Customers:
    """Customers for the whole horizon: the initial ones plus a steady stream of arrivals."""
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
    completeness = np.clip(
        v["customer.completeness_initial"] + 0.1 * rng.standard_normal(capacity), 0, 1
    )
    active = np.zeros(capacity, dtype=np.bool_)
    active[:initial] = True
    return Customers(
        handler=rng.integers(0, n_employees, capacity).astype(np.int64),
        active=active,
        satisfaction=satisfaction,
        expectation=satisfaction.copy(),
        completeness=completeness,
        stage=np.zeros(capacity, dtype=np.int64),
        created=initial,
        initial=initial,
        weekly_arrivals=weekly,
    )
