"""Mesa agents: Employee, Manager and Customer, the readable reference engine.

Each agent is a view on one index of the state arrays the model owns; its ``step()`` gathers its
inputs (its peers, its handler), applies the week's rules to itself through the same per-agent
function the numba engine's loops call (sim.model.agent_week), and writes next week's buffers
(synchronous update: the order in which agents step does not matter). The two engines are tested
equal to 1e-9; tests/reference.py is the independent twin of the rules.
"""

from __future__ import annotations

import mesa

from sim.model import agent_week, rules, streams


class Employee(mesa.Agent):
    """An employee: attitude, skill, customer orientation, usage, workaround flag, productivity."""

    def __init__(self, model, index: int):
        super().__init__(model)
        self.index = index

    # Views on the model's arrays, for notebooks and tests.
    @property
    def attitude(self) -> float:
        return float(self.model.employees.attitude[self.index])

    @property
    def skill(self) -> float:
        return float(self.model.employees.skill[self.index])

    @property
    def usage(self) -> float:
        return float(self.model.employees.usage[self.index])

    @property
    def productivity(self) -> float:
        return float(self.model.employees.productivity[self.index])

    @property
    def team(self) -> int:
        return int(self.model.employees.team[self.index])

    def step(self) -> None:
        """One week (ODD 7.2): gather this employee's inputs, apply the rules, write next week's.

        The rules themselves are composed once, in sim.model.agent_week.employee_week, which the
        numba engine's loop calls too; here the inputs are gathered one agent at a time.
        """
        m = self.model
        emp, nxt, wk = m.employees, m.employees_next, m.week
        i = self.index
        team = emp.team[i]
        live_week = m.teams.live_week[team]
        live = live_week >= 0 and wk.t >= live_week
        # this employee's two draws of the week (sim.model.streams: counter = week, then slot)
        draw_peer, draw_work = streams.uniform_pair(wk.key, wk.t * wk.stride + i)
        # peers: their mean usage, and one peer drawn uniformly for bounded confidence
        peers = emp.indices[emp.indptr[i] : emp.indptr[i + 1]]
        peer_usage, peer_attitude, peer_is_manager = 0.0, 0.0, False
        if len(peers) > 0:
            total = 0.0
            for j in peers:
                total += emp.usage[j]
            peer_usage = total / len(peers)
            j = peers[min(int(draw_peer * len(peers)), len(peers) - 1)]
            peer_attitude, peer_is_manager = emp.attitude[j], emp.is_manager[j]
        (
            nxt.attitude[i],
            nxt.skill[i],
            nxt.usage[i],
            nxt.workaround[i],
            nxt.productivity[i],
            nxt.dip[i],
            nxt.commitment[i],
        ) = agent_week.employee_week(
            emp.attitude[i],
            emp.skill[i],
            emp.usage[i],
            emp.dip[i],
            emp.commitment[i],
            emp.orientation[i],
            emp.is_manager[i],
            emp.commitment[emp.manager[i]],
            m.team_usage[team],
            m.teams.coach[team],
            live,
            wk.t - live_week if live else 0,
            rules.dip_left(wk.t - live_week, m.employee_params[0].recovery_weeks) if live else 1.0,
            peer_usage,
            len(peers),
            peer_attitude,
            peer_is_manager,
            draw_work,
            m.teams.fit[team],  # the team's own platform fit (misfits are by function)
            m.employee_params,
            m._week_record,
        )


class Manager(Employee):
    """A team's manager: an employee whose commitment follows the sponsor, then the team's results.

    Managers weigh more in their peers' attitudes (``org.manager_weight``) and coach or criticise
    their team (``Teams.coach``).
    """

    @property
    def coach(self) -> bool:
        return bool(self.model.teams.coach[self.team])


class Customer(mesa.Agent):
    """A customer: satisfaction, expectation, profile completeness; contacts the company weekly."""

    def __init__(self, model, index: int):
        super().__init__(model)
        self.index = index

    @property
    def satisfaction(self) -> float:
        return float(self.model.customers.satisfaction[self.index])

    @property
    def active(self) -> bool:
        return bool(self.model.customers.active[self.index])

    def step(self) -> None:
        """One week (ODD 7.3): revenue, data decay, a contact if this is one of the customer's
        contact weeks, a churn check if it is one of its check weeks.

        The rules are composed once, in sim.model.agent_week.customer_week; the numba engine
        applies the same pieces to the customers with an event in the week (sim.model.calendar).
        Here the handler's state is gathered for this one customer, and the customer's next
        contact and check are drawn when this week has one (sim.model.streams.next_event).
        """
        m = self.model
        cus, wk, emp = m.customers, m.week, m.employees
        prm = m.customer_params[0]
        i = self.index
        if not cus.active[i]:  # churned: nothing changes
            return
        t, capacity = wk.t, cus.capacity
        contact = cus.next_contact[i] == t
        check = cus.next_check[i] == t
        u_contact = u_check = 0.0
        if contact:
            u_contact, cus.next_contact[i] = streams.next_event(
                wk.key, streams.CONTACT_STREAM, i, t, capacity, prm.contact_gap
            )
        if check:
            u_check, cus.next_check[i] = streams.next_event(
                wk.key, streams.CHURN_STREAM, i, t, capacity, prm.check_gap
            )
        h = cus.handler[i]
        handler_live_week = m.teams.live_week[emp.team[h]]
        (
            cus.satisfaction[i],
            cus.expectation[i],
            cus.completeness[i],
            cus.stage[i],
            cus.active[i],
            m.revenue_by_customer[i],
            m.cost_by_customer[i],
        ) = agent_week.customer_week(
            cus.satisfaction[i],
            cus.expectation[i],
            cus.completeness[i],
            cus.stage[i],
            contact,
            u_contact,
            check,
            u_check,
            handler_live_week >= 0 and wk.t >= handler_live_week,
            emp.usage[h],
            emp.skill[h],
            emp.orientation[h],
            emp.workaround[h],
            emp.productivity[h],
            m.channel_bounds,
            m.customer_params,
            m._week_record,
        )
