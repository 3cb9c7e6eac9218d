"""The rollout programme: workstreams, readiness, budget, sponsor, go-live, cancel, abandonment.

Model-level state shared by both engines (DESIGN.md 2.1, ODD 7.1). Nothing here names an ordering:
the plan is a list of phases, and the outcomes follow from readiness, fit, spend and commitment as
they evolve. A counterfactual programme has no phases and never spends, so the same organisation
runs with no CRM.

Here: the programme's state (``STATE``, a one-element record) and its fixed numbers (``PLAN``,
declared by name), and ``Programme``, the readable face of that record for Python code (outcomes,
tests, the dashboard): ``programme.spend``, ``programme.state == "live"``. The weekly rule is
sim.model.program_week.advance, which both engines call from the compiled week's ``begin_week``,
so the programme cannot differ between the engines.
"""

from __future__ import annotations

from collections import namedtuple

import numpy as np
from numba import njit

from sim.model import program_week, rules
from sim.model.params import WORKSTREAMS
from sim.model.population import Organisation
from sim.model.program_week import N_WORKSTREAMS, PLATFORM
from sim.model.records import Field, Record
from sim.model.scenario import Scenario
from sim.model.vocabulary import LIVE, STATE_NAMES

#: The programme's state, changed every week by ``advance``.
STATE = np.dtype(
    [
        ("state", np.int64),  # index into STATE_NAMES (sim.model.vocabulary)
        ("embedded", np.float64),  # process readiness built into the platform's configuration
        ("fit", np.float64),  # platform fit f (sim.model.rules.platform_fit), from package fit up
        ("commitment", np.float64),  # the executive sponsor's commitment C (Repenning 2002)
        ("scope", np.float64),  # share of functions the first release changes, after planning
        ("budget", np.float64),
        # the budget when work beyond planning first had effort: the estimate at the decision to
        # build, against which the overrun is measured (ODD 7.5); 0 until then
        ("build_budget", np.float64),
        # benefit index the sponsor expects (set by planning until go-live, then eroding toward
        # lower results after the benefit ramp: sim.model.rules.eroded_expectation)
        ("expectation", np.float64),
        ("spend", np.float64),
        ("improve_spend", np.float64),  # process, reconfiguration, support after go-live
        ("improve", np.float64),  # reconfiguration effort this week
        ("support", np.float64),  # training and support effort this week (after go-live)
        ("overhead", np.float64),  # coordination overhead of concurrent workstreams this week
        ("shock", np.float64),  # this week's go-live shock (extra dip of the teams switching)
        ("web_share", np.float64),  # share of web contacts customers self-serve (Bass diffusion)
        ("pilot_share", np.float64),
        ("started", np.bool_),  # has any workstream but planning had effort yet?
        ("golive_week", np.int64),  # week of the first go-live (1-based), -1 before
        ("end_week", np.int64),  # week of cancellation or abandonment (1-based), -1 before
        ("second_wave_week", np.int64),  # 0-based week the rest go live (phased), -1 if none
        ("low_use_weeks", np.int64),
        ("paid", np.float64),  # planned effort paid for this week (workstreams summed)
        ("released", np.float64),  # share of planned effort released from the day job this week
        ("cut", np.float64),  # share of people and process effort cut for the budget this week
        ("rescoped", np.bool_),  # has the sponsor cut the scope of a runaway project?
        ("over_budget_weeks", np.int64),  # weeks before go-live with spend past the budget
        # the completion the sponsor sees: weighted readiness against the go-live threshold before
        # go-live, 1 after (7.1.12); it raises a backing sponsor's cancel limit (7.1.14)
        ("completion", np.float64),
    ]
)


def _org(trait: str) -> Field:
    """A field holding a trait of the drawn organisation."""
    return Field(trait, lambda s: getattr(s.org, trait))


#: Numbers fixed for the whole run: the scenario's parameters, the organisation's traits and what
#: the plan costs. Computed fields read ``inputs.org`` (the organisation) and ``inputs.costs``
#: (``Programme._costs``).
PLAN = Record(
    [
        Field("has_phases", lambda s: s.costs["has_phases"], bool),
        Field("phased", lambda s: s.v["rollout.golive"] == "phased", bool),
        Field("weekly_cost", lambda s: s.costs["weekly_cost"]),
        # what the plan costs with its contingency; the budget is a share of it until planned
        Field("plan_cost", lambda s: s.costs["plan_cost"]),
        Field("platform_plan_cost", lambda s: s.costs["platform_plan_cost"]),
        Field("platform_end", lambda s: s.costs["platform_end"], int),
        _org("complexity"),
        _org("package_fit"),
        Field("org_scope", lambda s: s.org.scope),
        _org("budget_realism"),
        Field("scope_cut", "programme.scope_cut"),
        Field("expectation_base", "sponsor.expectation_base"),
        Field("expectation_inflation", "sponsor.expectation_inflation"),
        Field("vendor_pressure", "rollout.vendor_pressure"),
        Field("extension_effort", "rollout.extension_effort"),
        Field("commitment_floor", "rollout.commitment_floor"),
        Field("improve_effort", "programme.improve_effort"),
        Field("coordination_cost", "programme.coordination_cost"),
        Field("customisation_load", "programme.customisation_load"),
        Field("rework_share", "programme.rework_share"),
        Field("rework_cost", "programme.rework_cost"),
        Field("reconfigure_rate", "programme.reconfigure_rate"),
        Field("cancel_spend_multiple", "rollout.cancel_spend_multiple"),
        _org("sponsor_strength"),
        Field("day_job_drain", "sponsor.day_job_drain"),
        Field("funding_gate", "sponsor.funding_gate"),
        Field("rescope_cut", "sponsor.rescope_cut"),
        Field("review_weeks", "sponsor.review_weeks", int),
        Field("defence_floor", "sponsor.defence_floor"),
        Field("escalation", "sponsor.escalation"),
        Field("budget_cut_rate", "programme.budget_cut"),
        Field("scope_work_share", "programme.scope_work"),
        Field("support_effort", "programme.support_effort"),
        Field("goal_erosion", "sponsor.goal_erosion"),
        Field("golive_threshold", "rollout.golive_threshold"),
        Field("golive_shock", "programme.golive_shock"),
        Field("pilot_weeks", "rollout.pilot_weeks", int),
        Field("pilot_learning", "programme.pilot_learning"),
        Field("abandon_usage", "rollout.abandon_usage"),
        Field("abandon_weeks", "rollout.abandon_weeks", int),
        Field("web_p", "customer.web_p"),
        Field("web_q", "customer.web_q"),
        Field("web_potential", "customer.web_potential"),
        Field("benefit_ramp_weeks", "sponsor.benefit_ramp_weeks"),
        Field("alpha", "sponsor.alpha"),
        Field("delta", "sponsor.delta"),
        Field("reinforcement", "sponsor.reinforcement"),
    ]
)

#: The programme's record, plan and arrays in one tuple, as the compiled code takes them.
ProgrammeArrays = namedtuple(
    "ProgrammeArrays", "state plan readiness efforts rates schedule remaining progress plan_weights"
)


class Programme:
    """State and weekly rules of one CRM programme (the record's readable face).

    Attributes (read from the state record; see ``STATE`` for each field's meaning):
        readiness: readiness of planning, people, process, platform, each in [0, 1].
        efforts: effort on each workstream this week (post-go-live process work included).
        state: planned, live, cancelled or abandoned.
        golive_week, end_week: 1-based weeks, or None.
        fit, commitment, scope, budget, expectation, spend, improve_spend, improve, support,
        overhead, shock, web_share, embedded, pilot_share, second_wave_week, low_use_weeks, started.
    """

    def __init__(
        self, scenario: Scenario, org: Organisation, n_employees: int, counterfactual: bool = False
    ):
        v = scenario.values
        self.v = v
        self.org = org
        self.counterfactual = counterfactual
        self.phases = () if counterfactual else scenario.phases
        effort_scale = np.array([v[f"rollout.effort.{w}"] for w in WORKSTREAMS])
        #: each workstream's rate before complexity (DESIGN.md 2.1)
        self.rates = np.array([v[f"programme.rate.{w}"] for w in WORKSTREAMS])
        self.planned_end = max((p.end for p in self.phases), default=0)
        self.plan_weights = np.zeros(N_WORKSTREAMS)
        for p in self.phases:
            self.plan_weights[WORKSTREAMS.index(p.workstream)] += p.duration * p.effort
        if self.plan_weights.sum() > 0:
            self.plan_weights /= self.plan_weights.sum()
        self._plan_tables(effort_scale)
        self.plan = PLAN.build(v, org=org, costs=self._costs(v, effort_scale, n_employees))
        self.record = np.zeros(1, dtype=STATE).view(np.recarray)
        #: the same memory as a plain structured array: Python reads a field of it in a quarter of
        #: the time a recarray's attribute takes (``classify`` reads twenty; sim.bench.profile)
        self._fields = self.record.view(np.ndarray)
        self.readiness = np.zeros(N_WORKSTREAMS)
        self.efforts = np.zeros(N_WORKSTREAMS)
        rec = self.record[0]
        rec.fit = rules.platform_fit(0.0, org.package_fit, 1.0)  # nothing rescoped yet
        rec.commitment = v["sponsor.commitment_initial"]
        rec.released = 1.0
        rec.golive_week = rec.end_week = rec.second_wave_week = -1
        rec.pilot_share = 1.0
        _initial_targets(self.record, self.plan, self.readiness)

    def _costs(self, v, effort_scale: np.ndarray, n_employees: int) -> dict:
        """What the plan costs: a week of full effort, the whole plan, the platform's build."""
        weekly_cost = v["programme.cost_per_employee_week"] * n_employees
        effort_weeks = np.zeros(N_WORKSTREAMS)
        for p in self.phases:
            i = WORKSTREAMS.index(p.workstream)
            effort_weeks[i] += p.duration * p.effort * effort_scale[i]
        platform_ends = [p.end for p in self.phases if p.workstream == "platform"]
        return {
            "has_phases": bool(self.phases),
            "weekly_cost": weekly_cost,
            "plan_cost": effort_weeks.sum() * weekly_cost * (1.0 + v["org.budget_contingency"]),
            "platform_plan_cost": effort_weeks[PLATFORM] * weekly_cost,
            "platform_end": max(platform_ends, default=0),
        }

    def _plan_tables(self, effort_scale: np.ndarray) -> None:
        """The plan week by week: effort on each workstream, and the share of effort-weeks done.

        The plan is fixed, so it is tabulated once instead of walking the phases every week.
        """
        weeks = max(self.planned_end, 1)
        self.schedule = np.zeros((weeks, N_WORKSTREAMS))
        for p in self.phases:
            self.schedule[p.start : p.end, WORKSTREAMS.index(p.workstream)] += p.effort
        self.schedule *= effort_scale
        #: planned effort-weeks still to come from each week on (the cost at completion's basis)
        self.remaining = np.cumsum(self.schedule.sum(axis=1)[::-1])[::-1].copy()
        per_week = np.zeros(weeks)
        for p in self.phases:
            per_week[p.start : p.end] += p.effort
        total = per_week.sum()
        self.progress = np.cumsum(per_week) / total if total > 0 else np.ones(weeks)

    def arrays(self) -> ProgrammeArrays:
        """The record, plan and arrays as the compiled code takes them."""
        return ProgrammeArrays(
            self.record,
            self.plan,
            self.readiness,
            self.efforts,
            self.rates,
            self.schedule,
            self.remaining,
            self.progress,
            self.plan_weights,
        )

    def __getattr__(self, name: str):
        # numeric fields of the state record read as plain Python numbers
        if name in STATE.names:
            return self._fields[name][0].item()
        raise AttributeError(name)

    @property
    def state(self) -> str:
        return STATE_NAMES[int(self._fields["state"][0])]

    @property
    def live(self) -> bool:
        """True while the CRM is in use (gone live and not abandoned)."""
        return self.state == LIVE

    @property
    def golive_week(self) -> int | None:
        week = int(self._fields["golive_week"][0])
        return None if week < 0 else week

    @property
    def end_week(self) -> int | None:
        week = int(self._fields["end_week"][0])
        return None if week < 0 else week


@njit(cache=True)
def _initial_targets(state, plan, readiness):
    """Scope, budget and expectations before any work (called from Python: records by reference)."""
    program_week.set_plan_targets(state[0], plan[0], readiness)
