"""Mesa agents: Employee, Manager and Customer, the readable reference engine.

Each agent is a view on one index of the state arrays the model owns; its ``step()`` applies rules
of rules.py to itself, reading last week's state and writing next week's buffers (synchronous
update: the order in which agents step does not matter). The numba engine (kernels.py) applies
the same rules to all agents at once and is tested equal to this one.
"""

from __future__ import annotations

import mesa

from sim.model import customer_rules, rules, streams


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
        """One week: training, intention, usage, learning, workarounds, attitude, productivity."""
        m = self.model
        emp, nxt, prm, wk = m.employees, m.employees_next, m.employee_params, m.week
        i = self.index
        team = emp.team[i]
        live_week = m.teams.live_week[team]
        live = live_week >= 0 and wk.t >= live_week
        weeks_live = wk.t - live_week if live else 0
        a, k, u = emp.attitude[i], emp.skill[i], emp.usage[i]
        # this employee's two draws of the week (sim.model.streams: counter = week, then slot)
        draw_peer, draw_work = streams.uniform_pair(wk.key, wk.t * wk.stride + i)
        # turnover: a newcomer takes the place with the organisation's mean attitude and skill
        leaves, draw_work = rules.turnover(draw_work, prm.turnover)
        if leaves and not emp.is_manager[i]:
            a, k, u = prm.newcomer_attitude, prm.newcomer_skill, 0.0

        # Social influence: peers' mean usage (network) and the manager's sponsorship.
        peers = emp.indices[emp.indptr[i] : emp.indptr[i + 1]]
        peer_usage = 0.0
        d_peer = 0.0
        if len(peers) > 0:
            total = 0.0
            for j in peers:
                total += emp.usage[j]
            peer_usage = total / len(peers)
            j = peers[min(int(draw_peer * len(peers)), len(peers) - 1)]
            weight = prm.manager_weight if emp.is_manager[j] else 1.0
            d_peer = rules.bounded_confidence(
                a, emp.attitude[j], prm.epsilon, min(prm.mu * weight, 1.0)
            )
        si = 0.5 * peer_usage + 0.5 * emp.commitment[emp.manager[i]]
        fit = m.teams.fit[team]  # the team's own platform fit (misfits are by function)
        pe = fit * wk.quality * emp.orientation[i]
        ee = k * prm.usability * wk.platform_readiness
        bi = rules.intention(
            pe, ee, si, a, prm.b0, prm.w_pe, prm.w_ee, prm.w_si, prm.w_a, prm.scale
        )
        dk, da_train = rules.training(k, a, wk.people_effort, prm.train_skill, prm.train_attitude)
        nxt.usage[i] = rules.usage_update(u, bi, prm.usage_rate, live)
        if live:
            nxt.skill[i] = rules.learning_by_doing(k + dk, u, prm.tau_learning)
            p_work = rules.workaround_probability(prm.mandate, pe, ee, prm.workaround_gain)
            nxt.workaround[i] = 1.0 if draw_work < p_work else 0.0
            da_use = rules.experience_feedback(
                u, 0.5 * (pe + ee), prm.experience_reference, prm.experience_rate
            )
            da_mgr = rules.manager_influence(
                u,
                m.team_usage[team],
                m.teams.coach[team],
                weeks_live,
                prm.criticism_weeks,
                prm.critic_rate,
                prm.coach_rate,
            ) + rules.shock_attitude(weeks_live, wk.shock, prm.shock_attitude)
            dip = (
                rules.dip_depth(k, prm.dip_min, prm.dip_max, wk.shock)
                if weeks_live == 0
                else emp.dip[i]
            )
            nxt.dip[i] = dip
            nxt.productivity[i] = rules.productivity(
                dip, weeks_live, prm.recovery_weeks, prm.productivity_gain, u, wk.quality, fit
            )
        else:
            nxt.skill[i] = k + dk
            nxt.workaround[i] = 0.0
            da_use = da_mgr = 0.0
            nxt.dip[i] = emp.dip[i]
            nxt.productivity[i] = 1.0
        nxt.attitude[i] = rules.clip(a + da_train + da_use + da_mgr + d_peer, -1.0, 1.0)
        nxt.commitment[i] = emp.commitment[i]


class Manager(Employee):
    """A team's manager: an employee whose commitment follows the sponsor, then the team's results.

    Managers weigh more in their peers' attitudes (``org.manager_weight``) and coach or criticise
    their team (``Teams.coach``).
    """

    @property
    def coach(self) -> bool:
        return bool(self.model.teams.coach[self.team])

    def step(self) -> None:
        super().step()
        m = self.model
        i, team = self.index, self.model.employees.team[self.index]
        live_week = m.teams.live_week[team]
        team_live = live_week >= 0 and m.week.t >= live_week
        m.employees_next.commitment[i] = rules.manager_commitment(
            m.employees.commitment[i],
            m.team_usage[team],
            m.week.quality,
            m.week.sponsor,
            team_live,
            m.employee_params.manager_rate,
        )


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
        """One week: data decay, maybe a contact (experience, satisfaction, data), churn."""
        m = self.model
        cus, nxt, prm, wk, emp = (
            m.customers,
            m.customers_next,
            m.customer_params,
            m.week,
            m.employees,
        )
        i = self.index
        if not cus.active[i]:  # churned: carry the state over unchanged
            nxt.active[i] = False
            nxt.satisfaction[i] = cus.satisfaction[i]
            nxt.expectation[i] = cus.expectation[i]
            nxt.completeness[i] = cus.completeness[i]
            nxt.stage[i] = cus.stage[i]
            return
        # this customer's two draws of the week; customers' slots follow the employees'
        draw, draw_churn = streams.uniform_pair(wk.key, wk.t * wk.stride + emp.n + i)
        h = cus.handler[i]
        handler_live_week = m.teams.live_week[emp.team[h]]
        handler_usage = (
            emp.usage[h] if handler_live_week >= 0 and wk.t >= handler_live_week else 0.0
        )
        d_old = cus.completeness[i]
        revenue = customer_rules.weekly_revenue(
            prm.revenue_week, prm.crosssell_uplift, d_old, handler_usage, wk.quality
        )
        d = d_old * prm.decay_week
        d += prm.consolidation_rate * wk.process_effort * (1.0 - d)
        s, e, stage, cost = cus.satisfaction[i], cus.expectation[i], cus.stage[i], 0.0
        if draw < prm.contact_prob:
            channel, w = customer_rules.pick_channel(draw / prm.contact_prob, m.channel_bounds)
            served = False
            if channel == prm.web_channel and wk.org_live:
                # customers take up self-service gradually (Bass diffusion, sim.rules.bass_step)
                served, w = rules.self_service(w, wk.web_share)
            if served:
                p = rules.web_experience(prm.web_quality, wk.fit, wk.process_readiness)
                stage = customer_rules.web_capture(
                    stage, w, prm.capture_name, prm.capture_purchase, prm.capture_preferences
                )
                d = max(d, stage / 3.0)
                cost = prm.cost_self
            else:
                dip = max(0.0, 1.0 - emp.productivity[h])
                p = customer_rules.live_experience(
                    emp.skill[h],
                    emp.orientation[h],
                    handler_usage * wk.quality * d_old,
                    wk.process_readiness,
                    dip,
                    prm.w_base,
                    prm.w_skill,
                    prm.w_orient,
                    prm.w_view,
                    prm.w_cons,
                    prm.w_dip,
                )
                if w < handler_usage * (1.0 - emp.workaround[h]):
                    d = customer_rules.logged_contact(d, prm.log_gain)
                cost = prm.cost_live
            s = customer_rules.satisfaction_update(
                s, p, e, prm.satisfaction_rate, prm.loss_aversion
            )
            e = customer_rules.expectation_update(e, p, prm.eta)
        nxt.satisfaction[i] = s
        nxt.expectation[i] = e
        nxt.completeness[i] = min(d, 1.0)
        nxt.stage[i] = stage
        nxt.active[i] = not (draw_churn < customer_rules.churn_hazard(s, prm.h0, prm.churn_beta))
        m.revenue_by_customer[i] = revenue
        m.cost_by_customer[i] = cost
