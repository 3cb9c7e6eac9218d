"""The rollout programme: workstreams, readiness, budget, sponsor, go-live, cancel, abandonment.

Model-level state shared by both engines (DESIGN.md 2.1). Nothing here names an ordering: the plan
is a list of phases, and the outcomes follow from readiness, fit, spend and commitment as they
evolve. A counterfactual programme has no phases and never spends, so the same organisation runs
with no CRM.
"""

from __future__ import annotations

import numpy as np

from sim.model import rules
from sim.model.params import WORKSTREAMS
from sim.model.population import Organisation, Teams
from sim.model.scenario import Scenario

PLANNING, PEOPLE, PROCESS, PLATFORM = range(4)

PLANNED, LIVE, CANCELLED, ABANDONED = "planned", "live", "cancelled", "abandoned"


class Programme:
    """State and weekly rules of one CRM programme.

    Attributes:
        readiness: readiness of planning, people, process, platform, each in [0, 1].
        embedded: process readiness built into the platform's configuration.
        fit: platform fit f (sim.rules.platform_fit), from the organisation's package fit up.
        commitment: the executive sponsor's commitment C (Repenning 2002).
        spend, budget: programme spend so far and budget.
        expectation: the benefit index the sponsor expects (set until go-live, then fixed).
        state: planned, live, cancelled or abandoned.
        golive_week: week of the first go-live (1-based), or None.
        efforts: effort on each workstream this week (post-go-live process work included).
        improve: reconfiguration effort this week (after go-live, funded by commitment).
        shock: this week's go-live shock (extra dip of the teams switching this week).
        web_share: share of web contacts that customers self-serve (Bass diffusion after go-live).
    """

    def __init__(
        self, scenario: Scenario, org: Organisation, n_employees: int, counterfactual: bool = False
    ):
        v = scenario.values
        self.v = v
        self.org = org
        self.counterfactual = counterfactual
        self.phases = () if counterfactual else scenario.phases
        self.effort_scale = np.array([v[f"rollout.effort.{w}"] for w in WORKSTREAMS])
        self.rates = np.array([v[f"programme.rate.{w}"] for w in WORKSTREAMS])
        self.weekly_cost = v["programme.cost_per_employee_week"] * n_employees
        effort_weeks = np.zeros(4)
        for p in self.phases:
            i = WORKSTREAMS.index(p.workstream)
            effort_weeks[i] += p.duration * p.effort * self.effort_scale[i]
        #: what the plan costs with its contingency; the budget is a share of it until planned
        self.plan_cost = effort_weeks.sum() * self.weekly_cost * (1.0 + v["org.budget_contingency"])
        self.platform_plan_cost = effort_weeks[PLATFORM] * self.weekly_cost
        platform_ends = [p.end for p in self.phases if p.workstream == "platform"]
        self.platform_end = max(platform_ends, default=0)
        self.plan_weights = np.zeros(4)
        for p in self.phases:
            self.plan_weights[WORKSTREAMS.index(p.workstream)] += p.duration * p.effort
        if self.plan_weights.sum() > 0:
            self.plan_weights /= self.plan_weights.sum()
        self.readiness = np.zeros(4)
        self.started = False  # has any workstream but planning had effort yet?
        self.embedded = 0.0
        self.fit = rules.platform_fit(0.0, org.package_fit)
        self.commitment = org.sponsor_strength
        self._set_plan_targets()
        self.spend = 0.0
        self.improve_spend = 0.0
        self.state = PLANNED
        self.golive_week: int | None = None
        self.end_week: int | None = None
        self.low_use_weeks = 0
        self.efforts = np.zeros(4)
        self.improve = 0.0
        self.overhead = 0.0
        self.shock = 0.0
        self.web_share = 0.0
        self.second_wave_week = -1
        self.pilot_share = 1.0
        self.planned_end = max((p.end for p in self.phases), default=0)
        self._plan_tables()

    def _set_plan_targets(self) -> None:
        """Scope, budget and expectations as planning has made them so far (issue 11, item 4)."""
        v, r_plan = self.v, float(self.readiness[PLANNING])
        if not self.started:  # scope is cut only before the rest of the work starts
            self.scope = rules.effective_scope(self.org.scope, r_plan, v["programme.scope_cut"])
        self.budget = self.plan_cost * rules.realistic_budget(self.org.budget_realism, r_plan)
        self.expectation = rules.realistic_expectation(
            v["sponsor.expectation_base"],
            v["sponsor.expectation_inflation"],
            v["rollout.vendor_pressure"],
            r_plan,
        )

    @property
    def live(self) -> bool:
        """True while the CRM is in use (gone live and not abandoned)."""
        return self.state == LIVE

    @property
    def working(self) -> bool:
        return (
            bool(self.phases)
            and self.state in (PLANNED, LIVE)
            and (self.spend <= self.v["rollout.cancel_spend_multiple"] * self.budget)
        )

    def planned_efforts(self, week: int) -> np.ndarray:
        """Effort on each workstream in ``week`` (0-based), extension work included.

        While the platform is not live after its planned phases ended, platform work continues at
        ``rollout.extension_effort`` (a late programme keeps building; assumption).
        """
        efforts = np.zeros(4)
        if not self.working:
            return efforts
        if week < len(self._schedule):
            efforts += self._schedule[week]
        if self.state == PLANNED and week >= self.platform_end:
            efforts[PLATFORM] = max(efforts[PLATFORM], self.v["rollout.extension_effort"])
        return efforts

    def planned_progress(self, week: int) -> float:
        """Share of the planned effort-weeks scheduled to be done by the end of ``week``."""
        return float(self._progress[min(week, len(self._progress) - 1)])

    def _plan_tables(self) -> None:
        """The plan week by week: effort on each workstream, and the share of effort-weeks done.

        The plan is fixed, so it is tabulated once instead of walking the phases every week.
        """
        weeks = max(self.planned_end, 1)
        self._schedule = np.zeros((weeks, 4))
        for p in self.phases:
            self._schedule[p.start : p.end, WORKSTREAMS.index(p.workstream)] += p.effort
        self._schedule *= self.effort_scale
        per_week = np.zeros(weeks)
        for p in self.phases:
            per_week[p.start : p.end] += p.effort
        total = per_week.sum()
        self._progress = np.cumsum(per_week) / total if total > 0 else np.ones(weeks)

    def advance(
        self, week: int, teams: Teams, adoption: float, backing: float, benefit: float
    ) -> None:
        """One week of the programme (``week`` is 0-based; reported weeks are 1-based).

        Args:
            week: the week index.
            teams: the teams; go-live and abandonment set their ``live_week``.
            adoption: share of employees with usage > 0.5 (last week's state).
            backing: managers' mean commitment (last week's state).
            benefit: the sponsor's perceived benefit index, adoption x data quality x fit.
        """
        v, org = self.v, self.org
        e = self.planned_efforts(week)
        # After go-live the sponsor funds process work and reconfiguration against the misfit
        # left (1 - fit), in proportion to commitment, and cuts them below the commitment floor
        # (Repenning 2002; Soh et al. 2000).
        self.improve = 0.0
        if self.state == LIVE and self.commitment >= v["rollout.commitment_floor"]:
            self.improve = v["programme.improve_effort"] * self.commitment * (1.0 - self.fit)
            e[PROCESS] += self.improve
        self.efforts = e
        self.started = self.started or bool(e[PEOPLE:].sum() > 0)
        old = self.readiness.copy()
        concurrent = int((e > 0).sum())
        self.overhead = rules.coordination_overhead(
            concurrent, self.scope, v["programme.coordination_cost"]
        )
        rates = self.rates.copy()
        rates[PLATFORM] = rules.platform_rate(
            self.rates[PLATFORM],
            org.complexity,
            v["programme.customisation_load"],
            org.package_fit,
            old[PROCESS],
        )
        # all workstreams at once: readiness_increment is elementwise (numba compiles it for arrays)
        gains = rules.readiness_increment(old, rates, e, 1.0 / (1.0 + self.overhead))
        new = np.minimum(old + gains, 1.0)  # a large effort x rate step must not overshoot
        self.embedded = rules.embed_process(
            self.embedded, old[PLATFORM], gains[PLATFORM], new[PROCESS]
        )
        loss = 0.0
        if self.state == PLANNED or e[PLATFORM] > 0:
            loss = rules.rework_loss(
                new[PLATFORM],
                gains[PROCESS],
                self.embedded,
                new[PROCESS],
                v["programme.rework_share"],
            )
            new[PLATFORM] -= loss
        if self.improve > 0:
            self.embedded = rules.reconfigure(
                self.embedded, new[PROCESS], self.improve, v["programme.reconfigure_rate"]
            )
        self.readiness = new
        self.fit = rules.platform_fit(self.embedded, org.package_fit)
        improve_cost = self.weekly_cost * 2.0 * self.improve * (1.0 + self.overhead)
        self.improve_spend += improve_cost  # process work plus reconfiguration, after go-live
        self.spend += (
            self.weekly_cost * (e.sum() - self.improve) * (1.0 + self.overhead)
            + improve_cost
            + v["programme.rework_cost"] * loss * self.platform_plan_cost
        )
        self.shock = 0.0
        if not self.phases or self.state in (CANCELLED, ABANDONED):
            return
        if self.state == PLANNED:
            self._set_plan_targets()
        # Go live at the planned cut-over (the end of the platform phase) or, if the platform is
        # not ready by then, when it is: a programme does not cut over before its date.
        if (
            self.state == PLANNED
            and week + 1 >= self.platform_end
            and new[PLATFORM] >= v["rollout.golive_threshold"]
        ):
            self._go_live(week, teams)
        elif self.state == LIVE and week == self.second_wave_week:
            self._second_wave()
        if self.state == LIVE:
            self._diffuse_web()
        self._update_commitment(week, benefit, backing)
        if self.state == PLANNED and (
            self.commitment < v["rollout.commitment_floor"]
            or self.spend > v["rollout.cancel_spend_multiple"] * self.budget
        ):
            self.state = CANCELLED
            self.end_week = week + 1
        elif self.state == LIVE and (teams.live_week >= 0).all() and week > teams.live_week.max():
            self.low_use_weeks = (
                self.low_use_weeks + 1 if adoption < v["rollout.abandon_usage"] else 0
            )
            # Shelfware is declared when use has stayed low long enough and the sponsor has
            # given up (Repenning 2002: commitment below the floor); a committed sponsor keeps
            # funding improvement instead (7.1.11).
            if (
                self.low_use_weeks >= v["rollout.abandon_weeks"]
                and self.commitment < v["rollout.commitment_floor"]
            ):
                self.state = ABANDONED
                self.end_week = week + 1
                self.web_share = 0.0
                teams.live_week[:] = -1

    def _go_live(self, week: int, teams: Teams) -> None:
        """Big bang: every team now. Phased: pilot teams now, the rest ``pilot_weeks`` later.

        The teams switching this week take the go-live shock (sim.rules.golive_shock).
        """
        self.state = LIVE
        self.golive_week = week + 1
        share = 1.0
        if self.v["rollout.golive"] == "phased":
            self.second_wave_week = week + self.v["rollout.pilot_weeks"]
            teams.live_week[:] = np.where(teams.pilot, week, self.second_wave_week)
            share = float(teams.pilot.mean())
            self.pilot_share = share
        else:
            teams.live_week[:] = week
        self.shock = rules.golive_shock(share, self.scope, self.v["programme.golive_shock"], 0.0)

    def _second_wave(self) -> None:
        """The rest go live after the pilot: the pilot's lessons fix part of the configuration gap
        and spare part of the shock (Robey, Ross & Boudreau 2002; value assumption)."""
        learned = self.v["programme.pilot_learning"]
        self.embedded = rules.reconfigure(self.embedded, self.readiness[PROCESS], 1.0, learned)
        self.fit = rules.platform_fit(self.embedded, self.org.package_fit)
        self.shock = rules.golive_shock(
            1.0 - self.pilot_share, self.scope, self.v["programme.golive_shock"], learned
        )

    def _diffuse_web(self) -> None:
        """Customers take up web self-service gradually (Bass diffusion; sim.rules.bass_step)."""
        v = self.v
        quality = rules.web_experience(1.0, self.fit, self.readiness[PROCESS])
        self.web_share = rules.bass_step(
            self.web_share,
            v["customer.web_p"] / 52.0,
            v["customer.web_q"] / 52.0,
            v["customer.web_potential"],
            quality,
        )

    def _update_commitment(self, week: int, benefit: float, backing: float) -> None:
        """Repenning (2002) commitment: perceived results against expectations.

        Before go-live the sponsor sees progress (each planned workstream's readiness against the
        go-live threshold, weighted by its planned effort) against the plan's schedule (the share of
        planned effort-weeks that should be done); after go-live, the benefit index against the
        expectation (set by vendor pressure and planning: sim.rules.realistic_expectation).
        """
        v = self.v
        if self.state == PLANNED:
            perceived = float(
                np.minimum(1.0, self.readiness / v["rollout.golive_threshold"]) @ self.plan_weights
            )
            expected = self.planned_progress(week)
        else:
            ramp = min(1.0, (week + 2 - self.golive_week) / v["sponsor.benefit_ramp_weeks"])
            perceived = min(2.0, benefit / max(self.expectation, 1e-9))
            expected = ramp
        self.commitment = rules.commitment_update(
            self.commitment,
            perceived,
            expected,
            v["sponsor.alpha"],
            v["sponsor.delta"],
            v["sponsor.reinforcement"],
            backing,
        )
