"""One agent's week: the rules of rules.py composed in ODD order, for one employee or one customer.

Both engines call these functions: the numba engine's loops over all agents (sim.model.kernels) and
the Mesa agents' ``step()`` one agent at a time (sim.model.agents). So a rule is wired once for
both engines; what differs between them is only how an agent's inputs are gathered (its peers, its
handler) and where its outputs go. tests/reference.py is the independent twin, written from the
rules directly.

They take and return scalars: handed the arrays instead, a per-agent call cost about 200 ns
(measured: 1.2 ms against 0.13 ms a week for 5,000 customers), even marked for inlining. The
parameters and the week's context come as one-element record arrays (sim.model.context).
"""

from __future__ import annotations

import math

from numba import njit

from sim.model import customer_rules, rules


@njit(cache=True, inline="always")
def employee_week(
    a,
    k,
    u,
    dip,
    own_commitment,
    orientation,
    is_manager,
    manager_commitment,
    team_usage,
    coach,
    live,
    weeks_live,
    dip_left,
    peer_usage,
    deg,
    peer_attitude,
    peer_is_manager,
    draw_work,
    fit,
    prm_rec,
    wk_rec,
):
    """One employee's week: the rules of ODD 7.2 in order, from old state to new. ``dip_left`` is
    the share of the go-live dip left this week (rules.dip_left: the team's; the compiled
    employees' week computes it once a team, the agents once an employee).

    Returns the new (attitude, skill, usage, workaround, productivity, dip, commitment).
    """
    prm, wk = prm_rec[0], wk_rec[0]
    leaves, draw_work = rules.turnover(draw_work, prm.turnover)
    if leaves and not is_manager:  # a newcomer takes the place (and the old state is gone)
        a, k, u = prm.newcomer_attitude, prm.newcomer_skill, 0.0
    d_peer = 0.0
    if deg > 0:
        weight = prm.manager_weight if peer_is_manager else 1.0
        d_peer = rules.bounded_confidence(a, peer_attitude, prm.epsilon, min(prm.mu * weight, 1.0))
    pe = fit * wk.quality * orientation  # PE = f * q * c, f the team's own fit
    ee = k * prm.usability * wk.platform_readiness
    dk, da_train = rules.training(k, a, wk.people_effort, prm.train_skill, prm.train_attitude)
    if live:
        si = 0.5 * peer_usage + 0.5 * manager_commitment
        bi = rules.intention(
            pe, ee, si, a, prm.b0, prm.w_pe, prm.w_ee, prm.w_si, prm.w_a, prm.scale
        )
        new_usage = rules.usage_update(u, bi, prm.usage_rate, True)
        new_skill = rules.learning_by_doing(k + dk, u, prm.tau_learning)
        p_work = rules.workaround_probability(prm.mandate, pe, ee, prm.workaround_gain)
        new_workaround = 1.0 if draw_work < p_work else 0.0
        da_use = rules.experience_feedback(
            u, 0.5 * (pe + ee), prm.experience_reference, prm.experience_rate
        )
        da_mgr = rules.manager_influence(
            u, team_usage, coach, weeks_live, prm.criticism_weeks, prm.critic_rate, prm.coach_rate
        ) + rules.shock_attitude(weeks_live, wk.shock, prm.shock_attitude)
        new_dip = rules.dip_depth(k, prm.dip_min, prm.dip_max, wk.shock) if weeks_live == 0 else dip
        new_productivity = rules.productivity(
            new_dip, dip_left, prm.productivity_gain, u, wk.quality, fit
        )
    else:
        # usage is zero before go-live (rules.usage_update): the intention is not evaluated (an
        # exact shortcut: it spares an exponential for every employee of a team not live)
        new_usage = rules.usage_update(u, 0.0, prm.usage_rate, False)
        new_skill = k + dk
        new_workaround = 0.0
        da_use = 0.0
        da_mgr = 0.0
        new_dip = dip
        new_productivity = 1.0
    new_attitude = rules.clip(a + da_train + da_use + da_mgr + d_peer, -1.0, 1.0)
    if is_manager:
        new_commitment = rules.manager_commitment(
            own_commitment,
            team_usage,
            wk.quality,
            wk.sponsor,
            live,
            prm.manager_rate,
            prm.sponsor_lead,
        )
    else:
        new_commitment = own_commitment
    return (
        new_attitude,
        new_skill,
        new_usage,
        new_workaround,
        new_productivity,
        new_dip,
        new_commitment,
    )


@njit(cache=True, inline="always")
def profile_decay(d, prm_rec, wk_rec):
    """A customer profile's completeness a week on: decay, then the process workstream's
    consolidation (ODD 7.3.2). Affine in ``d`` with the same coefficients for every customer, which
    the compiled engine uses (sim.model.calendar)."""
    prm, wk = prm_rec[0], wk_rec[0]
    d = d * prm.decay_week
    return d + prm.consolidation_rate * wk.process_effort * (1.0 - d)


@njit(cache=True, inline="always")
def customer_contact(
    s,
    e,
    d_old,
    d,
    st,
    handler_live,
    handler_usage,
    handler_skill,
    handler_orientation,
    handler_workaround,
    handler_productivity,
    u,
    bounds,
    prm_rec,
    wk_rec,
):
    """A customer's contact with the company (ODD 7.3.3 and 7.3.4): the touch point the uniform
    ``u`` picks, self-service or a handler, the experience, satisfaction and expectation, the
    profile (``d_old`` last week's completeness, ``d`` this week's before the contact).

    The touch point matters only where the web self-service is open (``org_live``) or the handler
    logs contacts in the CRM (usage above zero): otherwise every touch point leads to the handler
    and nothing is logged, so the pick is skipped (an exact shortcut, like the employees' intention
    before go-live: it spared the mix runs' compiled weeks 9%, a no-CRM counterfactual's contacts
    and a run's before go-live, docs/benchmarks.md).

    Returns the new (satisfaction, expectation, completeness, stage) and the contact's cost.
    """
    prm, wk = prm_rec[0], wk_rec[0]
    usage = handler_usage if handler_live else 0.0
    if wk.org_live or usage > 0.0:
        channel, w = customer_rules.pick_channel(u, bounds)
    else:  # w >= 0 is never below usage * (1 - workaround) = 0: not logged; not the web
        channel, w = -1, 1.0
    served = False
    if channel == prm.web_channel and wk.org_live:
        served, w = rules.self_service(w, wk.web_share)
    if served:
        p = rules.web_experience(prm.web_quality, wk.fit, wk.process_readiness)
        st = customer_rules.web_capture(
            st, w, prm.capture_name, prm.capture_purchase, prm.capture_preferences
        )
        d = max(d, st / 3.0)
        cost = prm.cost_self
    else:
        dip = max(0.0, 1.0 - handler_productivity)
        # view = u_handler * q * d (the integrated customer view); the designed touch points
        # are executed through the live CRM only (customer_rules.live_experience)
        p = customer_rules.live_experience(
            handler_skill,
            handler_orientation,
            usage * wk.quality * d_old,
            wk.process_readiness if handler_live else 0.0,
            dip,
            prm.w_base,
            prm.w_skill,
            prm.w_orient,
            prm.w_view,
            prm.w_cons,
            prm.w_dip,
        )
        if w < usage * (1.0 - handler_workaround):  # logged in the CRM
            d = customer_rules.logged_contact(d, prm.log_gain)
        cost = prm.cost_live
    s = customer_rules.satisfaction_update(s, p, e, prm.satisfaction_rate, prm.loss_aversion)
    e = customer_rules.expectation_update(e, p, prm.eta)
    return s, e, min(d, 1.0), st, cost


@njit(cache=True, inline="always")
def churns(s, u, prm_rec):
    """Whether a customer leaves at a churn check (ODD 7.3.5).

    The weekly hazard ``h0 exp(-beta S)`` is drawn in two steps: a check comes in a week with
    probability ``c = min(h0, 1)`` (sim.model.streams.next_event), and the customer leaves at it
    with probability ``h0 exp(-beta S) / c`` (``exp(-beta S)`` while h0 <= 1), S its satisfaction
    after the week's contact: the same hazard (Lewis and Shedler's thinning, 1979), with a draw in
    the weeks of a check only.
    """
    prm = prm_rec[0]
    return u * prm.check_prob < prm.h0 * math.exp(-prm.churn_beta * s)


@njit(cache=True, inline="always")
def customer_week(
    s,
    e,
    d_old,
    st,
    contact,
    u_contact,
    check,
    u_check,
    handler_live,
    handler_usage,
    handler_skill,
    handler_orientation,
    handler_workaround,
    handler_productivity,
    bounds,
    prm_rec,
    wk_rec,
):
    """One active customer's week, the rules of ODD 7.3 in order, as the Mesa agents apply them:
    revenue, the profile's decay, the contact if the week has one (``contact``, its uniform
    ``u_contact``), the churn check if it has one (``check``, ``u_check``).

    Returns the new (satisfaction, expectation, completeness, stage, active) and the week's
    (revenue, cost to serve).
    """
    prm = prm_rec[0]
    usage = handler_usage if handler_live else 0.0
    revenue = customer_rules.weekly_revenue(
        prm.revenue_week, prm.crosssell_uplift, d_old, usage, wk_rec[0].quality
    )
    d = min(profile_decay(d_old, prm_rec, wk_rec), 1.0)
    cost = 0.0
    if contact:
        s, e, d, st, cost = customer_contact(
            s,
            e,
            d_old,
            d,
            st,
            handler_live,
            handler_usage,
            handler_skill,
            handler_orientation,
            handler_workaround,
            handler_productivity,
            u_contact,
            bounds,
            prm_rec,
            wk_rec,
        )
    active = not (check and churns(s, u_check, prm_rec))
    return s, e, d, st, active, revenue, cost
