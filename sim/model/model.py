"""CRMRolloutModel: the Mesa model of one organisation, its agents and both engines.

A ``CRMRolloutModel`` is a :class:`sim.model.world.World` (the state, the draws, the compiled weeks)
and a ``mesa.Model``: it adds the Mesa agents, views on the arrays, and the agents engine that steps
them one by one around the compiled begin and end of the week (the readable reference), and
collects the series with Mesa's DataCollector. ``engine="numba"`` (default) runs whole weeks in
compiled code, a whole run in one call from ``run_model``. Same seed, same scenario: same numbers,
from either engine and from a bare ``World`` (which ``sim.run`` uses for the numba engine, so a
run never imports Mesa).
"""

from __future__ import annotations

import mesa
import numpy as np

from sim.model import kernels, week
from sim.model.agents import Customer, Employee, Manager
from sim.model.scenario import Scenario
from sim.model.vocabulary import SERIES
from sim.model.world import ENGINES, World, choose_variant, draw

__all__ = ["ENGINES", "CRMRolloutModel", "SeriesCollector", "choose_variant", "draw"]


class CRMRolloutModel(World, mesa.Model):
    """An organisation living through a CRM rollout (or, with ``counterfactual=True``, without one).

    Args:
        scenario: a validated scenario (sim.load_scenario).
        seed: seed of the model's numpy Generator (``mesa.Model(rng=seed)``).
        engine: ``"numba"`` (compiled kernels) or ``"agents"`` (Mesa agents' ``step()``).
        counterfactual: run the same organisation with no CRM programme.
        agents: create the Mesa agent views even with the numba engine (for interactive use); the
            agents engine always creates them, sweeps with the numba engine never pay for them.
    """

    engines = ENGINES

    def __init__(
        self,
        scenario: Scenario,
        seed: int | None = None,
        engine: str = "numba",
        counterfactual: bool = False,
        agents: bool = False,
    ):
        World.__init__(self, scenario, seed, engine, counterfactual)
        if agents:
            self.make_agents()

    def _start(self, seed) -> None:
        """Mesa's Generator (``np.random.default_rng(seed)``, as a World's), counters and agent
        registry."""
        mesa.Model.__init__(self, rng=seed)

    def _assemble(self, scenario, engine, counterfactual, drawn) -> None:
        """The world's state, then Mesa's side: the DataCollector and the (empty) agent lists."""
        World._assemble(self, scenario, engine, counterfactual, drawn)
        self.datacollector = SeriesCollector(
            model_reporters={name: _reporter(name) for name in SERIES}
        )
        self._employee_agents: list[Employee] = []
        self._customer_agents: list[Customer] = []
        #: each customer's revenue and cost to serve this week, written by the Mesa agents
        self.revenue_by_customer = np.zeros(0)
        self.cost_by_customer = np.zeros(0)
        if engine == "agents":  # a twin of an agents-engine model steps agents too
            self.make_agents()

    # --- agents ------------------------------------------------------------------------------

    def make_agents(self) -> None:
        """Create the Mesa agents (views on the arrays) for employees and existing customers."""
        if self._employee_agents:
            return
        emp = self.employees
        self.revenue_by_customer = np.zeros(self.customers.capacity)
        self.cost_by_customer = np.zeros(self.customers.capacity)
        self._employee_agents = [
            (Manager if emp.is_manager[i] else Employee)(self, i) for i in range(emp.n)
        ]
        self._customer_agents = [Customer(self, i) for i in range(self.customers.created)]

    def _add_customer_agents(self) -> None:
        if self._employee_agents:
            for i in range(len(self._customer_agents), self.customers.created):
                self._customer_agents.append(Customer(self, i))

    # --- one week ----------------------------------------------------------------------------

    def step(self) -> None:
        """Advance one week (sim.model.week; see the module docstring for the order)."""
        t = self.steps - 1
        if self.engine == "numba":
            self._run_compiled(t, t + 1)
            return
        emp_arrays = self.employees.arrays()
        week.begin_week(
            t,
            self._measures,
            self._economy,
            emp_arrays,
            self.teams.arrays(),
            self.programme.arrays(),
            self._week_record,
        )
        self.week = self._week_record[0]
        self.revenue_by_customer[:] = 0.0
        self.cost_by_customer[:] = 0.0
        for agent in self._employee_agents:
            agent.step()
        for agent in self._customer_agents:
            agent.step()
        sums = kernels.agents_totals(
            int(self._measures.stepped[0]),
            self.customers.arrays(),
            self.revenue_by_customer,
            self.cost_by_customer,
        )
        self._swap()
        week.end_week(
            t,
            self._measures,
            self._economy,
            self.employees.arrays(),
            self.customers.arrays(),
            self._created_by,
            self.team_usage,
            self.programme.arrays(),
            sums,
            self.customer_params,
            self.series[t],
        )
        self._after_weeks(self.series[t : t + 1])

    def _after_weeks(self, rows: np.ndarray) -> None:
        """The world's counters and metrics, then Mesa's side: new agents and the series."""
        World._after_weeks(self, rows)
        self._add_customer_agents()
        self.datacollector.collect_rows(rows)


class SeriesCollector(mesa.DataCollector):
    """Mesa's DataCollector for the model series, filled a run (or a step) of rows at a time.

    The compiled week writes each week's row of the series (sim.model.vocabulary.SERIES); the model
    hands those rows over here once per call instead of Mesa's ``collect`` reading every reporter
    every week. Everything else (``get_model_vars_dataframe``, ``collect`` itself, tables, agent
    reporters) is Mesa's: the model reporters read ``model.metrics``, the last week's row.
    """

    def collect_rows(self, rows: np.ndarray) -> None:
        """Append weeks of series at once (rows in the order of sim.model.vocabulary.SERIES)."""
        for j, var in enumerate(SERIES):
            if var in self.model_vars:
                self.model_vars[var].extend(rows[:, j].tolist())


def _reporter(name: str):
    return lambda model: model.metrics[name]
