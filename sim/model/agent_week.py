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
    peer_usage,
    deg,
    peer_attitude,
    peer_is_manager,
    draw_work,
    fit,
    prm_rec,
    wk_rec,
):
    """One employee's week: the rules of ODD 7.2 in order, from old state to new.

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
            new_dip, weeks_live, prm.recovery_weeks, prm.productivity_gain, u, wk.quality, fit
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
def customer_week(
    s,
    e,
    d_old,
    st,
    handler_live,
    handler_usage,
    handler_skill,
    handler_orientation,
    handler_workaround,
    handler_productivity,
    draw,
    draw_churn,
    bounds,
    prm_rec,
    wk_rec,
):
    """One active customer's week: the rules of ODD 7.3 in order, from old state to new.

    Returns the new (satisfaction, expectation, completeness, stage, active) and the week's
    (revenue, cost to serve).
    """
    prm, wk = prm_rec[0], wk_rec[0]
    usage = handler_usage if handler_live else 0.0
    revenue = customer_rules.weekly_revenue(
        prm.revenue_week, prm.crosssell_uplift, d_old, usage, wk.quality
    )
    d = d_old * prm.decay_week
    d += prm.consolidation_rate * wk.process_effort * (1.0 - d)
    cost = 0.0
    if draw < prm.contact_prob:
        channel, w = customer_rules.pick_channel(draw / prm.contact_prob, bounds)
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
    # churn: the hazard h0 exp(-beta S) never exceeds h0, so a draw at or above h0 survives
    # without evaluating the exponential (an exact shortcut: the same decision, ~98% of customers)
    active = draw_churn >= prm.h0 or not (
        draw_churn < customer_rules.churn_hazard(s, prm.h0, prm.churn_beta)
    )
    return s, e, min(d, 1.0), st, active, revenue, cost


@njit(cache=True, inline="always")
def offline_experience(handler_skill, handler_orientation, handler_productivity, prm_rec):
    """The experience of a contact with a handler whose team does not use the CRM (ODD 7.3.4).

    ``customer_week``'s ``live_experience`` when the handler is not live: the handler's usage is
    zero, so the integrated view ``u * q * d`` is zero, and the designed touch points (process
    readiness) do not reach the customer. It depends on the handler alone, so the offline pass
    computes it once a week per handler instead of once per contact.
    """
    prm = prm_rec[0]
    return customer_rules.live_experience(
        handler_skill,
        handler_orientation,
        0.0,
        0.0,
        max(0.0, 1.0 - handler_productivity),
        prm.w_base,
        prm.w_skill,
        prm.w_orient,
        prm.w_view,
        prm.w_cons,
        prm.w_dip,
    )


@njit(cache=True, inline="always")
def customer_week_offline(s, e, d_old, experience, draw, draw_churn, prm_rec, wk_rec):
    """One active customer's week while nobody uses the CRM: ``customer_week`` without its live
    branches, to the bit (tests/model/test_engines.py holds them equal).

    Valid in a week when no team is live and the organisation is not live: every week of the no-CRM
    counterfactual, and the weeks of a programme before its go-live or after its abandonment. Then
    the handler's usage is zero, so revenue carries no cross-sell uplift and no contact is logged in
    the CRM; the web channel is not self-served, so the touch point drawn changes nothing (it is
    not computed) and the profile stage stays; the contact's experience is the handler's
    ``offline_experience``, passed in.

    Returns the new (satisfaction, expectation, completeness, active) and the week's (revenue,
    cost to serve).
    """
    prm, wk = prm_rec[0], wk_rec[0]
    # customer_rules.weekly_revenue at zero usage: base x (1 + uplift x d x 0 x q) is base, exactly
    revenue = prm.revenue_week
    d = d_old * prm.decay_week
    d += prm.consolidation_rate * wk.process_effort * (1.0 - d)
    # A contact's updates are computed for every customer and kept only where there was a contact:
    # the same numbers, without a branch that a one-in-ten contact makes the processor mispredict
    # (measured: the counterfactual's compiled weeks 13% faster; docs/benchmarks.md)
    contact = draw < prm.contact_prob
    s_contact = customer_rules.satisfaction_update(
        s, experience, e, prm.satisfaction_rate, prm.loss_aversion
    )
    e_contact = customer_rules.expectation_update(e, experience, prm.eta)
    s = s_contact if contact else s
    e = e_contact if contact else e
    cost = prm.cost_live if contact else 0.0
    active = draw_churn >= prm.h0 or not (
        draw_churn < customer_rules.churn_hazard(s, prm.h0, prm.churn_beta)
    )
    return s, e, min(d, 1.0), active, revenue, cost
