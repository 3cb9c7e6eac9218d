"""CRMRolloutModel: the Mesa model that owns the state, draws the randomness and runs the engines.

One step is one week (DESIGN.md 2). Each week the model draws every random number of the week at
once from its Generator (a fixed count, so a run and its no-CRM counterfactual consume identical
streams), measures last week's state, advances the programme, lets the engine update every agent
synchronously (new state from old state, then commit), adds arriving customers and collects the
series. ``engine="agents"`` steps Mesa agents one by one (readable reference); ``engine="numba"``
(default) runs the compiled kernels over the same arrays. Same seed, same scenario: same numbers.
"""

from __future__ import annotations

import dataclasses
from statistics import NormalDist

import mesa
import numpy as np

from sim.errors import InputError
from sim.model import kernels
from sim.model.agents import Customer, Employee, Manager
from sim.model.context import Week, as_record, channel_bounds, customer_params, employee_params
from sim.model.population import build_customers, build_employees, draw_organisation
from sim.model.program import PEOPLE, PLATFORM, PROCESS, Programme
from sim.model.scenario import Scenario

_NORMAL = NormalDist()

ENGINES = ("numba", "agents")

SERIES = (
    "adoption",
    "attitude",
    "skill",
    "data_quality",
    "readiness_planning",
    "readiness_people",
    "readiness_process",
    "readiness_platform",
    "fit",
    "commitment",
    "benefit",
    "productivity",
    "workarounds",
    "csat",
    "active_customers",
    "churned",
    "revenue",
    "cost",
    "spend",
    "live",
    "web_share",
)


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


class CRMRolloutModel(mesa.Model):
    """An organisation living through a CRM rollout (or, with ``counterfactual=True``, without one).

    Args:
        scenario: a validated scenario (sim.load_scenario).
        seed: seed of the model's numpy Generator (``mesa.Model(rng=seed)``).
        engine: ``"numba"`` (compiled kernels) or ``"agents"`` (Mesa agents' ``step()``).
        counterfactual: run the same organisation with no CRM programme.
        agents: create the Mesa agent views even with the numba engine (for interactive use); the
            agents engine always creates them, sweeps with the numba engine never pay for them.
    """

    def __init__(
        self,
        scenario: Scenario,
        seed: int | None = None,
        engine: str = "numba",
        counterfactual: bool = False,
        agents: bool = False,
    ):
        if engine not in ENGINES:
            raise InputError(f"expected one of {', '.join(ENGINES)}", key="engine", value=engine)
        super().__init__(rng=seed)
        self.engine = engine
        self.scenario = scenario
        self.counterfactual = counterfactual
        self.variant = choose_variant(scenario, self.rng.random())
        s = self.variant
        self.horizon = s["horizon_weeks"]
        self.org = draw_organisation(s, self.rng)
        self.employees, self.teams = build_employees(s, self.org, self.rng)
        self.customers = build_customers(s, self.employees.n, self.rng, self.org.data_maturity)
        self.employees_next = _buffer_copy(self.employees)
        self.customers_next = _buffer_copy(self.customers)
        self.programme = Programme(s, self.org, self.employees.n, counterfactual)
        self.employee_params = employee_params(s)
        self.customer_params = customer_params(s)
        self._employee_record = as_record(self.employee_params)
        self._customer_record = as_record(self.customer_params)
        self._week_record = None
        self.channel_bounds = channel_bounds(s)
        self._created_by = [self.customers.arrivals_by(w) for w in range(self.horizon + 1)]
        self.licence_week = s["programme.licence_per_user_week"] * self.employees.n
        self._draw_buffer = np.empty(2 * self.employees.n + 2 * self.customers.capacity + 1)
        self.market = 0.0  # log-demand of the market, AR(1) (sim.params economics.market_*)
        self.team_usage = np.zeros(self.teams.n)
        self.revenue_by_customer = np.zeros(self.customers.capacity)
        self.cost_by_customer = np.zeros(self.customers.capacity)
        self.week = None
        self.metrics = dict.fromkeys(SERIES, 0.0)
        self._adoption = 0.0
        self._quality_now = 0.0
        self._observe()
        self.datacollector = SeriesCollector(
            model_reporters={name: _reporter(name) for name in SERIES}
        )
        self._employee_agents: list[Employee] = []
        self._customer_agents: list[Customer] = []
        if engine == "agents" or agents:
            self.make_agents()
        self.running = True

    # --- agents ------------------------------------------------------------------------------

    def make_agents(self) -> None:
        """Create the Mesa agents (views on the arrays) for employees and existing customers."""
        if self._employee_agents:
            return
        emp = self.employees
        self._employee_agents = [
            (Manager if emp.is_manager[i] else Employee)(self, i) for i in range(emp.n)
        ]
        self._customer_agents = [Customer(self, i) for i in range(self.customers.created)]

    def _add_customer_agents(self) -> None:
        if self._employee_agents:
            for i in range(len(self._customer_agents), self.customers.created):
                self._customer_agents.append(Customer(self, i))

    # --- one week ----------------------------------------------------------------------------

    def _draw(self) -> None:
        """Every random number of the week, in one call: peer, workaround, contact, churn draws."""
        n, nc = self.employees.n, self.customers.created
        draws = self._draw_buffer[: 2 * n + 2 * nc + 1]
        self.rng.random(out=draws)
        self.draw_market = draws[-1]
        self.draws_peer = draws[:n]
        self.draws_work = draws[n : 2 * n]
        self.draws_contact = draws[2 * n : 2 * n + nc]
        self.draws_churn = draws[2 * n + nc : 2 * n + 2 * nc]

    def _observe(self) -> None:
        """Aggregate the current state once: adoption, data quality, team usage, and the rest.

        Both engines measure through these one-pass kernels, so they see identical aggregates.
        Data quality q is the mean completeness of active customers, less what shadow
        spreadsheets cost (sim.params ``employee.workaround_quality``).
        """
        emp, cus = self.employees, self.customers
        adopters, sa, sk, sp, sw = kernels.employee_totals(
            emp.usage,
            emp.attitude,
            emp.skill,
            emp.productivity,
            emp.workaround,
            emp.team,
            self.team_usage,
        )
        n_active, ss, sd = kernels.customer_totals(
            cus.created, cus.active, cus.satisfaction, cus.completeness
        )
        n = emp.n
        self._adoption = adopters / n
        q_data = sd / n_active if n_active else 0.0
        self._quality_now = q_data * (1.0 - self.variant["employee.workaround_quality"] * sw / n)
        self._totals = (
            sa / n,
            sk / n,
            sp / n,
            sw / n,
            n_active,
            ss / n_active if n_active else 0.0,
        )

    def step(self) -> None:
        """Advance one week (see the module docstring for the order)."""
        t = self.steps - 1
        emp, prog = self.employees, self.programme
        self._draw()
        quality, adoption = self._quality_now, self._adoption
        backing = float(emp.commitment[self.teams.manager].mean())
        prog.advance(t, self.teams, adoption, backing, adoption * quality * prog.fit)
        self.week = Week(
            t,
            quality,
            prog.fit,
            float(prog.readiness[PROCESS]),
            float(prog.readiness[PLATFORM]),
            float(prog.efforts[PEOPLE]),
            float(prog.efforts[PROCESS]),
            prog.commitment,
            prog.live,
            prog.shock,
            prog.web_share,
        )
        if self.engine == "agents":
            revenue, cost = self._step_agents()
        else:
            self._week_record = as_record(self.week, self._week_record)
            kernels.step_employees(
                emp,
                self.employees_next,
                self.teams,
                self.team_usage,
                self.draws_peer,
                self.draws_work,
                self._employee_record,
                self._week_record,
            )
            revenue, cost = kernels.step_customers(
                self.customers,
                self.customers_next,
                emp,
                self.teams,
                self.draws_contact,
                self.draws_churn,
                self.channel_bounds,
                self._customer_record,
                self._week_record,
            )
        self.employees, self.employees_next = self.employees_next, self.employees
        self.customers, self.customers_next = self.customers_next, self.customers
        self._arrivals(t)
        self._observe()
        self._measure(revenue * self._demand(), cost)
        self.datacollector.collect(self)
        if self.steps >= self.horizon:
            self.running = False

    def _demand(self) -> float:
        """This week's market demand factor exp(m); m is an AR(1) shock shared with the baseline.

        The market moves the revenue of every customer alike; it gives the counterfactual's profit
        the quarter-to-quarter noise against which a gain must be detectable (DESIGN.md 2.4).
        The normal shock comes from the week's uniform draw by the inverse normal CDF.
        """
        v = self.variant.values
        z = _NORMAL.inv_cdf(min(max(self.draw_market, 1e-12), 1.0 - 1e-12))
        self.market = (
            v["economics.market_persistence"] * self.market + v["economics.market_volatility"] * z
        )
        return float(np.exp(self.market))

    def _step_agents(self) -> tuple[float, float]:
        self.revenue_by_customer[:] = 0.0
        self.cost_by_customer[:] = 0.0
        for agent in self._employee_agents:
            agent.step()
        for agent in self._customer_agents:
            agent.step()
        n = self.customers.created
        return float(self.revenue_by_customer[:n].sum()), float(self.cost_by_customer[:n].sum())

    def _arrivals(self, t: int) -> None:
        """New customers arrive at a steady rate (DESIGN.md 2.3); their slots become active."""
        cus = self.customers
        created = self._created_by[t + 1]
        if created > cus.created:
            for buf in (cus, self.customers_next):
                buf.active[cus.created : created] = True
            self.customers_next.created = created
            cus.created = created
            self._add_customer_agents()

    def _measure(self, revenue: float, cost: float) -> None:
        """This week's model-level series, from the new state."""
        prog, cus = self.programme, self.customers
        attitude, skill, productivity, workarounds, n_active, csat = self._totals
        m = self.metrics
        m["adoption"] = self._adoption
        m["attitude"] = attitude
        m["skill"] = skill
        m["data_quality"] = self._quality_now
        r = prog.readiness
        m["readiness_planning"], m["readiness_people"] = float(r[0]), float(r[1])
        m["readiness_process"], m["readiness_platform"] = float(r[2]), float(r[3])
        m["fit"] = float(prog.fit)
        m["commitment"] = float(prog.commitment)
        m["benefit"] = self._adoption * self._quality_now * prog.fit if prog.live else 0.0
        m["productivity"] = productivity
        m["workarounds"] = workarounds
        m["csat"] = csat
        m["active_customers"] = n_active
        m["churned"] = cus.created - n_active
        # Licences run while the CRM is live and end with abandonment (issue 11, item 8); employee
        # time is money: a productivity below 1 costs that share of the staff cost, above 1 saves.
        staff = self.variant["economics.staff_cost_week"] * self.employees.n * (1.0 - productivity)
        m["revenue"] = revenue
        m["cost"] = cost + staff + (self.licence_week if prog.live else 0.0)
        m["spend"] = float(prog.spend)
        m["live"] = 1.0 if prog.live else 0.0
        m["web_share"] = float(prog.web_share)

    def run_model(self) -> None:
        """Run to the horizon."""
        while self.running:
            self.step()


class SeriesCollector(mesa.DataCollector):
    """Mesa's DataCollector for the model series, without a deep copy of every float every week.

    ``mesa.DataCollector.collect`` deep-copies each reporter's value (to protect mutable results);
    the model's series are plain floats read from ``model.metrics``, so they are appended as they
    are. Everything else (``get_model_vars_dataframe``, tables, agent reporters) is Mesa's.
    """

    def collect(self, model):
        if self.agent_reporters or self.agenttype_reporters:
            return super().collect(model)
        for var in self.model_reporters:
            self.model_vars[var].append(model.metrics[var])
        return None


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


def _reporter(name: str):
    return lambda model: model.metrics[name]
