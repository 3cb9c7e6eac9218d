"""One week of the programme: ``advance``, a table of contents of the submodels of ODD 7.1.

Each submodel is a named compiled function over the programme's state record ``st`` and plan record
``pl`` (sim.model.program), in the order ``advance`` calls them; the rules they apply are the pure
scalar functions of sim.model.rules, with their sources. Both engines call ``advance`` from the
compiled week's ``begin_week`` (sim.model.week).
"""

from __future__ import annotations

import numpy as np
from numba import njit

from sim.model import jit, rules, sponsor_rules
from sim.model.params import WORKSTREAMS
from sim.model.vocabulary import STATE_NAMES

#: The workstreams' indices into readiness and effort arrays (the order of params.WORKSTREAMS).
N_WORKSTREAMS = len(WORKSTREAMS)
PLANNING, PEOPLE, PROCESS, PLATFORM = (WORKSTREAMS.index(w) for w in WORKSTREAMS)

_PLANNED, _LIVE, _CANCELLED, _ABANDONED = range(len(STATE_NAMES))
#: the code of the live state (read by sim.model.week)
LIVE_CODE = _LIVE


@jit.inner
def advance(prog, live_week, pilot, week, adoption, backing, benefit):
    """One week of the programme (``week`` is 0-based; reported weeks are 1-based).

    A table of contents: each line is a submodel of ODD 7.1, in its order.

    Args:
        prog: the programme's arrays (``ProgrammeArrays``: state and plan records, readiness,
            efforts, rates, the plan's schedule, progress and weights); state and arrays updated.
        live_week, pilot: the teams' go-live weeks (set at go-live and abandonment) and pilots.
        adoption: share of employees with usage > 0.5 (last week's state).
        backing: managers' mean commitment (last week's state).
        benefit: the sponsor's perceived benefit index, adoption x data quality x fit.
    """
    st, pl, readiness, efforts = prog.state[0], prog.plan[0], prog.readiness, prog.efforts
    planned_efforts(st, pl, prog, week, efforts)  # 7.1.1
    fund_improvement(st, pl, efforts, adoption)  # 7.1.2
    coordinate(st, pl, efforts)  # 7.1.3
    loss = build(st, pl, readiness, efforts, prog.rates)  # 7.1.4 to 7.1.6
    pay(st, pl, efforts, loss)  # 7.1.7
    st.shock = 0.0
    if not pl.has_phases or st.state == _CANCELLED or st.state == _ABANDONED:
        return
    if st.state == _PLANNED:
        runaway(st, pl)  # 7.1.8
        set_plan_targets(st, pl, readiness)  # 7.1.9
    cut_over(st, pl, readiness, week, live_week, pilot)  # 7.1.10
    if st.state == _LIVE:
        diffuse_web(st, pl, readiness)  # 7.1.11
    update_commitment(st, pl, readiness, prog, week, benefit, backing)  # 7.1.12
    erode_goals(st, pl, week, benefit)  # 7.1.13
    end_programme(st, pl, week, adoption, live_week)  # 7.1.14, 7.1.15


# --- the submodels, in the order of ``advance`` -----------------------------------------------


@jit.inner
def _runaway(st):
    """Spend past the budget: before go-live, a runaway (7.1.8)."""
    return st.spend > st.budget


@jit.inner
def _unbacked_runaway(st, pl):
    """A runaway (7.1.8), reviewed after ``review_weeks`` over budget, whose active sponsorship
    (strength x commitment) is below the defence floor: nobody with the power and the will
    defends it, so it is stopped (sponsor_rules.runaway_stopped)."""
    return _runaway(st) and sponsor_rules.runaway_stopped(
        st.over_budget_weeks, pl.review_weeks, sponsorship(st, pl), pl.defence_floor
    )


@jit.inner
def _working(st, pl):
    """Still spending: planned or live, and spend within the cancel limit (the budget times the
    organisation's multiple, raised by a backing sponsor's escalation: sponsor_rules.cancel_limit,
    with the completion the sponsor saw last week)."""
    limit = sponsor_rules.cancel_limit(
        pl.cancel_spend_multiple, pl.escalation, sponsorship(st, pl), st.completion
    )
    working = st.state == _PLANNED or st.state == _LIVE
    return pl.has_phases and working and st.spend <= limit * st.budget


@njit(cache=True)
def coverage(st, pl):
    """The share of the promised functions the release still covers (7.1.8): 1, or what the
    sponsor's rescope of a runaway kept (sponsor_rules.rescoped of the whole); it scales the fit
    (rules.platform_fit)."""
    if not st.rescoped:
        return 1.0
    return sponsor_rules.rescoped(1.0, pl.sponsor_strength, pl.rescope_cut)


@jit.inner
def sponsorship(st, pl):
    """The sponsor's active support this week (strength x commitment; sponsor_rules.sponsorship)."""
    return sponsor_rules.sponsorship(pl.sponsor_strength, st.commitment)


@jit.inner
def planned_efforts(st, pl, prog, week, out):
    """7.1.1 Effort on each workstream in ``week`` (0-based), into ``out``: the plan's, as far as
    the sponsor releases the people for it and the budget leaves room for people and process work.

    While the platform is not live after its planned phases ended, platform work continues at
    ``rollout.extension_effort``, raised by a backing sponsor's escalation (a late programme keeps
    building; sponsor_rules.escalated_effort). When the project's cost at completion (its spend so
    far and the plan's effort still to come) passes the budget, people and process work are cut
    first (``rules.budget_cut``). Of the effort paid for
    (``st.paid``), the share ``sponsor_rules.released_effort`` is released from the day job and
    done.
    """
    out[:] = 0.0
    st.paid = 0.0
    if not _working(st, pl):
        return
    schedule, remaining = prog.schedule, prog.remaining
    left = 0.0
    if week < schedule.shape[0]:
        out += schedule[week]
        left = remaining[week]
    if st.state == _PLANNED and week >= pl.platform_end:
        late = sponsor_rules.escalated_effort(
            pl.extension_effort, pl.escalation, sponsorship(st, pl), st.completion
        )
        out[PLATFORM] = max(out[PLATFORM], late)
    project_spend = st.spend - st.improve_spend
    st.cut = rules.budget_cut(project_spend + pl.weekly_cost * left, st.budget, pl.budget_cut_rate)
    out[PEOPLE] *= 1.0 - st.cut
    out[PROCESS] *= 1.0 - st.cut
    # the plan's people and consultants are paid for the week, but only the released share of
    # their time goes into the programme: progress slows, the cost does not
    st.paid = 0.0
    st.released = sponsor_rules.released_effort(pl.day_job_drain, sponsorship(st, pl))
    for w in range(N_WORKSTREAMS):
        st.paid += out[w]
        out[w] *= st.released


@jit.inner
def fund_improvement(st, pl, efforts, adoption):
    """7.1.2 After go-live the sponsor funds process work and reconfiguration against the misfit
    left (1 - fit), and training and support for the users not yet on board, in proportion to
    the active sponsorship (strength x commitment), less the share a project over its budget cuts
    (7.1.1), and stops both below the commitment floor (Repenning 2002; Soh et al. 2000; Robey,
    Ross & Boudreau 2002; sim.model.rules.support_effort)."""
    st.improve = 0.0
    st.support = 0.0
    if st.state == _LIVE and st.commitment >= pl.commitment_floor:
        funded = sponsorship(st, pl) * (1.0 - st.cut)  # a project over budget has less left
        st.improve = pl.improve_effort * funded * (1.0 - st.fit)
        efforts[PROCESS] += st.improve
        st.support = rules.support_effort(pl.support_effort, funded, adoption)
        efforts[PEOPLE] += st.support


@jit.inner
def coordinate(st, pl, efforts):
    """7.1.3 The coordination overhead of the workstreams with effort this week
    (sim.model.rules.coordination_overhead), and whether the work beyond planning has started
    (the budget then is the estimate at the decision to build: ``build_budget``, ODD 7.5)."""
    if not st.started and (efforts[PEOPLE] + efforts[PROCESS] + efforts[PLATFORM]) > 0:
        st.started = True
        st.build_budget = st.budget  # as planning has made it so far (7.1.9, last week)
    concurrent = 0
    for w in range(N_WORKSTREAMS):
        if efforts[w] > 0:
            concurrent += 1
    st.overhead = rules.coordination_overhead(concurrent, st.scope, pl.coordination_cost)


@jit.inner
def build(st, pl, readiness, efforts, rates):
    """7.1.4 readiness, 7.1.5 embedded process and fit, 7.1.6 rework; returns the platform
    readiness lost to rework this week (it costs money in ``pay``)."""
    old_process, old_platform = readiness[PROCESS], readiness[PLATFORM]
    efficiency = 1.0 / (1.0 + st.overhead)
    gains = np.empty(N_WORKSTREAMS)
    for w in range(N_WORKSTREAMS):
        rate = rates[w]
        if w == PLATFORM:
            rate = rules.platform_rate(
                rate, pl.complexity, pl.customisation_load, pl.package_fit, old_process
            ) / rules.scope_work(st.scope, pl.scope_work_share)
        gains[w] = rules.readiness_increment(readiness[w], rate, efforts[w], efficiency)
        # a large effort x rate step must not overshoot
        readiness[w] = min(readiness[w] + gains[w], 1.0)
    st.embedded = rules.embed_process(
        st.embedded, old_platform, gains[PLATFORM], readiness[PROCESS]
    )
    loss = 0.0
    if st.state == _PLANNED or efforts[PLATFORM] > 0:
        loss = rules.rework_loss(
            readiness[PLATFORM], gains[PROCESS], st.embedded, readiness[PROCESS], pl.rework_share
        )
        readiness[PLATFORM] -= loss
    if st.improve > 0:
        st.embedded = rules.reconfigure(
            st.embedded, readiness[PROCESS], st.improve, pl.reconfigure_rate
        )
    st.fit = rules.platform_fit(st.embedded, pl.package_fit, coverage(st, pl))
    return loss


@jit.inner
def pay(st, pl, efforts, loss):
    """7.1.7 Spend: the week's planned effort paid for (released or not) at the weekly cost times
    the overhead, improvement work at twice the cost of support, and the rework (a share of the
    planned platform build's cost)."""
    improve_cost = pl.weekly_cost * (2.0 * st.improve + st.support) * (1.0 + st.overhead)
    st.improve_spend += improve_cost
    st.spend += (
        pl.weekly_cost * st.paid * (1.0 + st.overhead)
        + improve_cost
        + pl.rework_cost * loss * pl.platform_plan_cost
    )


@jit.inner
def runaway(st, pl):
    """7.1.8 A project past its budget before go-live is a runaway: it escalates (keeps spending on
    its course; the weeks are counted) unless its sponsor de-escalates it, once, by cutting its
    scope in proportion to the sponsor's strength (sponsor_rules.rescoped; Keil 1995, Keil & Robey
    1999, Montealegre & Keil 2000). The release then covers that much less of what was promised
    (``coverage``, which scales the fit: rules.platform_fit)."""
    if not _runaway(st):
        return
    st.over_budget_weeks += 1
    if not st.rescoped:
        st.scope = sponsor_rules.rescoped(st.scope, pl.sponsor_strength, pl.rescope_cut)
        st.rescoped = True


@njit(cache=True)
def set_plan_targets(st, pl, readiness):
    """7.1.9 Scope, budget and expectations as planning has made them so far."""
    r_plan = readiness[PLANNING]
    if not st.started:  # scope is cut only before the rest of the work starts
        st.scope = rules.effective_scope(pl.org_scope, r_plan, pl.scope_cut)
    funded = sponsor_rules.funded_share(pl.sponsor_strength, pl.funding_gate)
    st.budget = pl.plan_cost * rules.realistic_budget(pl.budget_realism, r_plan, funded)
    st.expectation = rules.realistic_expectation(
        pl.expectation_base, pl.expectation_inflation, pl.vendor_pressure, r_plan
    )


@jit.inner
def cut_over(st, pl, readiness, week, live_week, pilot):
    """7.1.10 Go live at the planned cut-over (the end of the platform phase) or, if the platform is
    not ready by then, when it is: a programme does not cut over before its date. A phased
    go-live's second wave follows ``pilot_weeks`` later."""
    if (
        st.state == _PLANNED
        and week + 1 >= pl.platform_end
        and readiness[PLATFORM] >= pl.golive_threshold
    ):
        _go_live(st, pl, week, live_week, pilot)
    elif st.state == _LIVE and week == st.second_wave_week:
        _second_wave(st, pl, readiness)


@jit.inner
def _go_live(st, pl, week, live_week, pilot):
    """Big bang: every team now. Phased: pilot teams now, the rest ``pilot_weeks`` later.

    The teams switching this week take the go-live shock (sim.model.rules.golive_shock).
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


@jit.inner
def _second_wave(st, pl, readiness):
    """The rest go live after the pilot: the pilot's lessons fix part of the configuration gap
    and spare part of the shock (Robey, Ross & Boudreau 2002; value assumption)."""
    learned = pl.pilot_learning
    st.embedded = rules.reconfigure(st.embedded, readiness[PROCESS], 1.0, learned)
    st.fit = rules.platform_fit(st.embedded, pl.package_fit, coverage(st, pl))
    st.shock = rules.golive_shock(1.0 - st.pilot_share, st.scope, pl.golive_shock, learned)


@jit.inner
def diffuse_web(st, pl, readiness):
    """7.1.11 Customers take up web self-service gradually (Bass diffusion; rules.bass_step)."""
    quality = rules.web_experience(1.0, st.fit, readiness[PROCESS])
    st.web_share = rules.bass_step(
        st.web_share, pl.web_p / 52.0, pl.web_q / 52.0, pl.web_potential, quality
    )


@jit.inner
def update_commitment(st, pl, readiness, prog, week, benefit, backing):
    """7.1.12 Repenning (2002) commitment: perceived results against expectations.

    Before go-live the sponsor sees progress (each planned workstream's readiness against the
    go-live threshold, weighted by its planned effort) against the plan's schedule (the share of
    planned effort-weeks that should be done); after go-live, the benefit index against the
    expectation (set by vendor pressure and planning: sim.model.rules.realistic_expectation).
    The progress seen before go-live is also the completion the sponsor sees (``st.completion``,
    1 once live), which raises a backing sponsor's cancel limit (sponsor_rules.cancel_limit).
    """
    if st.state == _PLANNED:
        perceived = 0.0
        for w in range(N_WORKSTREAMS):
            perceived += min(1.0, readiness[w] / pl.golive_threshold) * prog.plan_weights[w]
        st.completion = perceived
        expected = prog.progress[min(week, prog.progress.shape[0] - 1)]
    else:
        st.completion = 1.0
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


@jit.inner
def erode_goals(st, pl, week, benefit):
    """7.1.13 Eroding goals after the benefit ramp (sim.model.rules.eroded_expectation)."""
    if st.state == _LIVE and week + 2 - st.golive_week >= pl.benefit_ramp_weeks:
        st.expectation = rules.eroded_expectation(
            st.expectation, benefit, pl.expectation_base, pl.goal_erosion
        )


@jit.inner
def _all_live_before(live_week, week):
    """Every team has gone live, each before ``week`` (``live_week.min() >= 0 and week >
    live_week.max()``, as a loop: numba's array min and max cost about 0.5 s of a cold first run
    to compile, issue 22)."""
    for w in live_week:
        if w < 0 or w >= week:
            return False
    return True


@jit.inner
def end_programme(st, pl, week, adoption, live_week):
    """7.1.14 Cancellation before go-live (commitment below the floor, spend past the cancel
    limit, which a backing sponsor raises, or a runaway nobody defends) and 7.1.15 abandonment
    after it: shelfware is declared when use has stayed low long enough and the sponsor has given
    up (Repenning 2002: commitment below the floor); a committed sponsor keeps funding improvement
    instead (7.1.2)."""
    if st.state == _PLANNED and (
        st.commitment < pl.commitment_floor or not _working(st, pl) or _unbacked_runaway(st, pl)
    ):
        st.state = _CANCELLED
        st.end_week = week + 1
    elif st.state == _LIVE and _all_live_before(live_week, week):
        st.low_use_weeks = st.low_use_weeks + 1 if adoption < pl.abandon_usage else 0
        if st.low_use_weeks >= pl.abandon_weeks and st.commitment < pl.commitment_floor:
            st.state = _ABANDONED
            st.end_week = week + 1
            st.web_share = 0.0
            live_week[:] = -1
