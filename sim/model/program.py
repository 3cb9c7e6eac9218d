"""The rollout programme: workstreams, readiness, budget, sponsor, go-live, cancel, abandonment.

Model-level state shared by both engines (DESIGN.md 2.1). Nothing here names an ordering: the plan
is a list of phases, and the outcomes follow from readiness, fit, spend and commitment as they
evolve. A counterfactual programme has no phases and never spends, so the same organisation runs
with no CRM.

The weekly rule is one compiled function, ``advance``, over a one-element record of the programme's
state (``STATE``) and one of its fixed numbers (``PLAN``): the numba engine calls it from inside the
compiled week (sim.model.week) and the agents engine calls the same function from Python, so the
programme cannot differ between the engines. ``Programme`` is the readable face of that record for
Python code (outcomes, tests, the dashboard): ``programme.spend``, ``programme.state == "live"``.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from sim.model import rules
from sim.model.params import WORKSTREAMS
from sim.model.population import Organisation, Teams
from sim.model.scenario import Scenario

PLANNING, PEOPLE, PROCESS, PLATFORM = range(4)

PLANNED, LIVE, CANCELLED, ABANDONED = "planned", "live", "cancelled", "abandoned"
#: the programme's states as stored in the record (index into this tuple)
STATES = (PLANNED, LIVE, CANCELLED, ABANDONED)
_PLANNED, _LIVE, _CANCELLED, _ABANDONED = range(4)
#: the code of the live state in the record (read by sim.model.week)
LIVE_CODE = _LIVE

#: The programme's state, changed every week by ``advance``.
STATE = np.dtype(
    [
        ("state", np.int64),  # index into STATES
        ("embedded", np.float64),  # process readiness built into the platform's configuration
        ("fit", np.float64),  # platform fit f (sim.rules.platform_fit), from package fit up
        ("commitment", np.float64),  # the executive sponsor's commitment C (Repenning 2002)
        ("scope", np.float64),  # share of functions the first release changes, after planning
        ("budget", np.float64),
        # benefit index the sponsor expects (set by planning until go-live, then eroding toward
        # lower results after the benefit ramp: sim.rules.eroded_expectation)
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
    ]
)

#: Numbers fixed for the whole run: the scenario's parameters, the organisation's traits, the plan.
PLAN = np.dtype(
    [
        ("has_phases", np.bool_),
        ("phased", np.bool_),
        ("weekly_cost", np.float64),
        ("plan_cost", np.float64),
        ("platform_plan_cost", np.float64),
        ("platform_end", np.int64),
        ("complexity", np.float64),
        ("package_fit", np.float64),
        ("org_scope", np.float64),
        ("budget_realism", np.float64),
        ("scope_cut", np.float64),
        ("expectation_base", np.float64),
        ("expectation_inflation", np.float64),
        ("vendor_pressure", np.float64),
        ("extension_effort", np.float64),
        ("commitment_floor", np.float64),
        ("improve_effort", np.float64),
        ("coordination_cost", np.float64),
        ("customisation_load", np.float64),
        ("rework_share", np.float64),
        ("rework_cost", np.float64),
        ("reconfigure_rate", np.float64),
        ("cancel_spend_multiple", np.float64),
        ("escalation", np.float64),
        ("sponsor_strength", np.float64),
        ("support_effort", np.float64),
        ("goal_erosion", np.float64),
        ("golive_threshold", np.float64),
        ("golive_shock", np.float64),
        ("pilot_weeks", np.int64),
        ("pilot_learning", np.float64),
        ("abandon_usage", np.float64),
        ("abandon_weeks", np.int64),
        ("web_p", np.float64),
        ("web_q", np.float64),
        ("web_potential", np.float64),
        ("benefit_ramp_weeks", np.float64),
        ("alpha", np.float64),
        ("delta", np.float64),
        ("reinforcement", np.float64),
    ]
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
        weekly_cost = v["programme.cost_per_employee_week"] * n_employees
        effort_weeks = np.zeros(4)
        for p in self.phases:
            i = WORKSTREAMS.index(p.workstream)
            effort_weeks[i] += p.duration * p.effort * effort_scale[i]
        platform_ends = [p.end for p in self.phases if p.workstream == "platform"]
        self.planned_end = max((p.end for p in self.phases), default=0)
        self.plan_weights = np.zeros(4)
        for p in self.phases:
            self.plan_weights[WORKSTREAMS.index(p.workstream)] += p.duration * p.effort
        if self.plan_weights.sum() > 0:
            self.plan_weights /= self.plan_weights.sum()
        self._plan_tables(effort_scale)
        self.plan = np.zeros(1, dtype=PLAN).view(np.recarray)
        self.plan[0] = (
            bool(self.phases),
            v["rollout.golive"] == "phased",
            weekly_cost,
            # what the plan costs with its contingency; the budget is a share of it until planned
            effort_weeks.sum() * weekly_cost * (1.0 + v["org.budget_contingency"]),
            effort_weeks[PLATFORM] * weekly_cost,
            max(platform_ends, default=0),
            org.complexity,
            org.package_fit,
            org.scope,
            org.budget_realism,
            v["programme.scope_cut"],
            v["sponsor.expectation_base"],
            v["sponsor.expectation_inflation"],
            v["rollout.vendor_pressure"],
            v["rollout.extension_effort"],
            v["rollout.commitment_floor"],
            v["programme.improve_effort"],
            v["programme.coordination_cost"],
            v["programme.customisation_load"],
            v["programme.rework_share"],
            v["programme.rework_cost"],
            v["programme.reconfigure_rate"],
            v["rollout.cancel_spend_multiple"],
            v["rollout.escalation"],
            org.sponsor_strength,
            v["programme.support_effort"],
            v["sponsor.goal_erosion"],
            v["rollout.golive_threshold"],
            v["programme.golive_shock"],
            v["rollout.pilot_weeks"],
            v["programme.pilot_learning"],
            v["rollout.abandon_usage"],
            v["rollout.abandon_weeks"],
            v["customer.web_p"],
            v["customer.web_q"],
            v["customer.web_potential"],
            v["sponsor.benefit_ramp_weeks"],
            v["sponsor.alpha"],
            v["sponsor.delta"],
            v["sponsor.reinforcement"],
        )
        self.record = np.zeros(1, dtype=STATE).view(np.recarray)
        self.readiness = np.zeros(4)
        self.efforts = np.zeros(4)
        rec = self.record[0]
        rec.fit = rules.platform_fit(0.0, org.package_fit)
        rec.commitment = org.sponsor_strength
        rec.golive_week = rec.end_week = rec.second_wave_week = -1
        rec.pilot_share = 1.0
        set_plan_targets(self.record, self.plan, self.readiness)

    def _plan_tables(self, effort_scale: np.ndarray) -> None:
        """The plan week by week: effort on each workstream, and the share of effort-weeks done.

        The plan is fixed, so it is tabulated once instead of walking the phases every week.
        """
        weeks = max(self.planned_end, 1)
        self.schedule = np.zeros((weeks, 4))
        for p in self.phases:
            self.schedule[p.start : p.end, WORKSTREAMS.index(p.workstream)] += p.effort
        self.schedule *= effort_scale
        per_week = np.zeros(weeks)
        for p in self.phases:
            per_week[p.start : p.end] += p.effort
        total = per_week.sum()
        self.progress = np.cumsum(per_week) / total if total > 0 else np.ones(weeks)

    def advance(
        self, week: int, teams: Teams, adoption: float, backing: float, benefit: float
    ) -> None:
        """One week of the programme (see ``advance``, the compiled rule both engines call)."""
        advance(
            self.record,
            self.plan,
            self.readiness,
            self.efforts,
            self.rates,
            self.schedule,
            self.progress,
            self.plan_weights,
            teams.live_week,
            teams.pilot,
            week,
            adoption,
            backing,
            benefit,
        )

    def __getattr__(self, name: str):
        # numeric fields of the state record read as plain Python numbers
        if name in STATE.names:
            return self.record[name][0].item()
        raise AttributeError(name)

    @property
    def state(self) -> str:
        return STATES[int(self.record.state[0])]

    @property
    def live(self) -> bool:
        """True while the CRM is in use (gone live and not abandoned)."""
        return self.state == LIVE

    @property
    def golive_week(self) -> int | None:
        week = int(self.record.golive_week[0])
        return None if week < 0 else week

    @property
    def end_week(self) -> int | None:
        week = int(self.record.end_week[0])
        return None if week < 0 else week


@njit(cache=True)
def set_plan_targets(state, plan, readiness):
    """Scope, budget and expectations as planning has made them so far (issue 11, item 4)."""
    st, pl = state[0], plan[0]
    r_plan = readiness[PLANNING]
    if not st.started:  # scope is cut only before the rest of the work starts
        st.scope = rules.effective_scope(pl.org_scope, r_plan, pl.scope_cut)
    st.budget = pl.plan_cost * rules.realistic_budget(pl.budget_realism, r_plan)
    st.expectation = rules.realistic_expectation(
        pl.expectation_base, pl.expectation_inflation, pl.vendor_pressure, r_plan
    )


@njit(cache=True)
def _working(st, pl):
    # escalation (sim.rules.cancel_limit) follows the sponsor's standing commitment (strength)
    limit = rules.cancel_limit(pl.cancel_spend_multiple, pl.sponsor_strength, pl.escalation)
    return (
        pl.has_phases
        and (st.state == _PLANNED or st.state == _LIVE)
        and st.spend <= limit * st.budget
    )


@njit(cache=True)
def planned_efforts(state, plan, schedule, week, out):
    """Effort on each workstream in ``week`` (0-based), extension work included, into ``out``.

    While the platform is not live after its planned phases ended, platform work continues at
    ``rollout.extension_effort`` (a late programme keeps building; assumption).
    """
    st, pl = state[0], plan[0]
    out[:] = 0.0
    if not _working(st, pl):
        return
    if week < schedule.shape[0]:
        out += schedule[week]
    if st.state == _PLANNED and week >= pl.platform_end:
        out[PLATFORM] = max(out[PLATFORM], pl.extension_effort)


@njit(cache=True)
def advance(
    state,
    plan,
    readiness,
    efforts,
    rates,
    schedule,
    progress,
    plan_weights,
    live_week,
    pilot,
    week,
    adoption,
    backing,
    benefit,
):
    """One week of the programme (``week`` is 0-based; reported weeks are 1-based).

    Args:
        state, plan: one-element records of dtype ``STATE`` and ``PLAN``.
        readiness, efforts: the four workstreams' readiness and this week's effort (updated).
        rates, schedule, progress, plan_weights: the plan (see ``Programme``).
        live_week, pilot: the teams' go-live weeks (set at go-live and abandonment) and pilots.
        adoption: share of employees with usage > 0.5 (last week's state).
        backing: managers' mean commitment (last week's state).
        benefit: the sponsor's perceived benefit index, adoption x data quality x fit.
    """
    st, pl = state[0], plan[0]
    planned_efforts(state, plan, schedule, week, efforts)
    e = efforts
    # After go-live the sponsor funds process work and reconfiguration against the misfit
    # left (1 - fit), in proportion to commitment, and cuts them below the commitment floor
    # (Repenning 2002; Soh et al. 2000).
    st.improve = 0.0
    st.support = 0.0
    if st.state == _LIVE and st.commitment >= pl.commitment_floor:
        st.improve = pl.improve_effort * st.commitment * (1.0 - st.fit)
        e[PROCESS] += st.improve
        # ... and training and support for users not yet on board (sim.rules.support_effort)
        st.support = rules.support_effort(pl.support_effort, st.commitment, adoption)
        e[PEOPLE] += st.support
    st.started = st.started or (e[PEOPLE] + e[PROCESS] + e[PLATFORM]) > 0
    concurrent = 0
    for w in range(4):
        if e[w] > 0:
            concurrent += 1
    st.overhead = rules.coordination_overhead(concurrent, st.scope, pl.coordination_cost)
    old_process, old_platform = readiness[PROCESS], readiness[PLATFORM]
    efficiency = 1.0 / (1.0 + st.overhead)
    gains = np.empty(4)
    for w in range(4):
        rate = rates[w]
        if w == PLATFORM:
            rate = rules.platform_rate(
                rate, pl.complexity, pl.customisation_load, pl.package_fit, old_process
            )
        gains[w] = rules.readiness_increment(readiness[w], rate, e[w], efficiency)
        # a large effort x rate step must not overshoot
        readiness[w] = min(readiness[w] + gains[w], 1.0)
    st.embedded = rules.embed_process(
        st.embedded, old_platform, gains[PLATFORM], readiness[PROCESS]
    )
    loss = 0.0
    if st.state == _PLANNED or e[PLATFORM] > 0:
        loss = rules.rework_loss(
            readiness[PLATFORM],
            gains[PROCESS],
            st.embedded,
            readiness[PROCESS],
            pl.rework_share,
        )
        readiness[PLATFORM] -= loss
    if st.improve > 0:
        st.embedded = rules.reconfigure(
            st.embedded, readiness[PROCESS], st.improve, pl.reconfigure_rate
        )
    st.fit = rules.platform_fit(st.embedded, pl.package_fit)
    improve_cost = pl.weekly_cost * (2.0 * st.improve + st.support) * (1.0 + st.overhead)
    st.improve_spend += improve_cost
    total_effort = 0.0
    for w in range(4):
        total_effort += e[w]
    st.spend += (
        pl.weekly_cost * (total_effort - st.improve - st.support) * (1.0 + st.overhead)
        + improve_cost
        + pl.rework_cost * loss * pl.platform_plan_cost
    )
    st.shock = 0.0
    if not pl.has_phases or st.state == _CANCELLED or st.state == _ABANDONED:
        return
    if st.state == _PLANNED:
        set_plan_targets(state, plan, readiness)
    # Go live at the planned cut-over (the end of the platform phase) or, if the platform is
    # not ready by then, when it is: a programme does not cut over before its date.
    if (
        st.state == _PLANNED
        and week + 1 >= pl.platform_end
        and readiness[PLATFORM] >= pl.golive_threshold
    ):
        _go_live(st, pl, week, live_week, pilot)
    elif st.state == _LIVE and week == st.second_wave_week:
        _second_wave(st, pl, readiness)
    if st.state == _LIVE:
        _diffuse_web(st, pl, readiness)
    _update_commitment(st, pl, readiness, progress, plan_weights, week, benefit, backing)
    # eroding goals after the benefit ramp (sim.rules.eroded_expectation)
    if st.state == _LIVE and week + 2 - st.golive_week >= pl.benefit_ramp_weeks:
        st.expectation = rules.eroded_expectation(
            st.expectation, benefit, pl.expectation_base, pl.goal_erosion
        )
    if st.state == _PLANNED and (st.commitment < pl.commitment_floor or not _working(st, pl)):
        st.state = _CANCELLED
        st.end_week = week + 1
    elif st.state == _LIVE and live_week.min() >= 0 and week > live_week.max():
        st.low_use_weeks = st.low_use_weeks + 1 if adoption < pl.abandon_usage else 0
        # Shelfware is declared when use has stayed low long enough and the sponsor has
        # given up (Repenning 2002: commitment below the floor); a committed sponsor keeps
        # funding improvement instead (7.1.11).
        if st.low_use_weeks >= pl.abandon_weeks and st.commitment < pl.commitment_floor:
            st.state = _ABANDONED
            st.end_week = week + 1
            st.web_share = 0.0
            live_week[:] = -1


@njit(cache=True)
def _go_live(st, pl, week, live_week, pilot):
    """Big bang: every team now. Phased: pilot teams now, the rest ``pilot_weeks`` later.

    The teams switching this week take the go-live shock (sim.rules.golive_shock).
    """
    st.state = _LIVE
    st.golive_week = week + 1
    share = 1.0
    if pl.phased:
        st.second_wave_week = week + pl.pilot_weeks
        pilots = 0
        for team in range(live_week.shape[0]):
            live_week[team] = week if pilot[team] else st.second_wave_week
            pilots += 1 if pilot[team] else 0
        share = pilots / live_week.shape[0]
        st.pilot_share = share
    else:
        live_week[:] = week
    st.shock = rules.golive_shock(share, st.scope, pl.golive_shock, 0.0)


@njit(cache=True)
def _second_wave(st, pl, readiness):
    """The rest go live after the pilot: the pilot's lessons fix part of the configuration gap
    and spare part of the shock (Robey, Ross & Boudreau 2002; value assumption)."""
    learned = pl.pilot_learning
    st.embedded = rules.reconfigure(st.embedded, readiness[PROCESS], 1.0, learned)
    st.fit = rules.platform_fit(st.embedded, pl.package_fit)
    st.shock = rules.golive_shock(1.0 - st.pilot_share, st.scope, pl.golive_shock, learned)


@njit(cache=True)
def _diffuse_web(st, pl, readiness):
    """Customers take up web self-service gradually (Bass diffusion; sim.rules.bass_step)."""
    quality = rules.web_experience(1.0, st.fit, readiness[PROCESS])
    st.web_share = rules.bass_step(
        st.web_share, pl.web_p / 52.0, pl.web_q / 52.0, pl.web_potential, quality
    )


@njit(cache=True)
def _update_commitment(st, pl, readiness, progress, plan_weights, week, benefit, backing):
    """Repenning (2002) commitment: perceived results against expectations.

    Before go-live the sponsor sees progress (each planned workstream's readiness against the
    go-live threshold, weighted by its planned effort) against the plan's schedule (the share of
    planned effort-weeks that should be done); after go-live, the benefit index against the
    expectation (set by vendor pressure and planning: sim.rules.realistic_expectation).
    """
    if st.state == _PLANNED:
        perceived = 0.0
        for w in range(4):
            perceived += min(1.0, readiness[w] / pl.golive_threshold) * plan_weights[w]
        expected = progress[min(week, progress.shape[0] - 1)]
    else:
        ramp = min(1.0, (week + 2 - st.golive_week) / pl.benefit_ramp_weeks)
        perceived = min(2.0, benefit / max(st.expectation, 1e-9))
        expected = ramp
    st.commitment = rules.commitment_update(
        st.commitment,
        perceived,
        expected,
        pl.alpha,
        pl.delta,
        pl.reinforcement,
        backing,
    )
