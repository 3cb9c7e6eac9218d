"""Array kernels: the rules of sim/rules.py applied to all agents at once (the numba engine).

Three layers, as in STUMPY's ``stump.py``: a public driver that checks shapes and hands the arrays
over, an ``@njit`` loop over agents (``parallel=True`` with ``prange``: every agent writes only its own
slots of the next-state buffers, so the result does not depend on the thread count), and a per-agent
function that is line for line the Mesa agents' ``step()`` of sim/agents.py. Tests hold the two
engines equal to 1e-9 and each loop against the plain reference in tests/reference.py.
"""

from __future__ import annotations

from numba import njit, prange

from sim import rules


@njit(cache=True)
def _employee(
    i,
    team,
    is_manager,
    manager,
    attitude,
    skill,
    orientation,
    usage,
    workaround,
    dip,
    commitment,
    indptr,
    indices,
    live_week,
    coach,
    team_usage,
    draw_peer,
    draw_work,
    prm,
    wk,
    n_attitude,
    n_skill,
    n_usage,
    n_workaround,
    n_productivity,
    n_dip,
    n_commitment,
):
    """One employee's week; the same rules in the same order as ``agents.Employee.step``."""
    tm = team[i]
    lw = live_week[tm]
    live = lw >= 0 and wk.t >= lw
    weeks_live = wk.t - lw if live else 0
    a = attitude[i]
    k = skill[i]
    u = usage[i]
    start = indptr[i]
    deg = indptr[i + 1] - start
    peer_usage = 0.0
    d_peer = 0.0
    if deg > 0:
        total = 0.0
        for p in range(start, start + deg):
            total += usage[indices[p]]
        peer_usage = total / deg
        j = indices[start + min(int(draw_peer[i] * deg), deg - 1)]
        weight = prm.manager_weight if is_manager[j] else 1.0
        d_peer = rules.bounded_confidence(a, attitude[j], prm.epsilon, min(prm.mu * weight, 1.0))
    si = 0.5 * peer_usage + 0.5 * commitment[manager[i]]
    pe = wk.fit * wk.quality * orientation[i]
    ee = k * prm.usability * wk.platform_readiness
    bi = rules.intention(pe, ee, si, a, prm.b0, prm.w_pe, prm.w_ee, prm.w_si, prm.w_a, prm.scale)
    dk, da_train = rules.training(k, a, wk.people_effort, prm.train_skill, prm.train_attitude)
    n_usage[i] = rules.usage_update(u, bi, prm.usage_rate, live)
    if live:
        n_skill[i] = rules.learning_by_doing(k + dk, u, prm.tau_learning)
        p_work = rules.workaround_probability(prm.mandate, pe, ee, prm.workaround_gain)
        n_workaround[i] = 1.0 if draw_work[i] < p_work else 0.0
        da_use = rules.experience_feedback(
            u, 0.5 * (pe + ee), prm.experience_reference, prm.experience_rate
        )
        da_mgr = rules.manager_influence(
            u,
            team_usage[tm],
            coach[tm],
            weeks_live,
            prm.criticism_weeks,
            prm.critic_rate,
            prm.coach_rate,
        )
        d = rules.dip_depth(k, prm.dip_min, prm.dip_max) if weeks_live == 0 else dip[i]
        n_dip[i] = d
        n_productivity[i] = rules.productivity(
            d, weeks_live, prm.recovery_weeks, prm.productivity_gain, u, wk.quality, wk.fit
        )
    else:
        n_skill[i] = k + dk
        n_workaround[i] = 0.0
        da_use = 0.0
        da_mgr = 0.0
        n_dip[i] = dip[i]
        n_productivity[i] = 1.0
    n_attitude[i] = rules.clip(a + da_train + da_use + da_mgr + d_peer, -1.0, 1.0)
    if is_manager[i]:
        n_commitment[i] = rules.manager_commitment(
            commitment[i], team_usage[tm], wk.quality, wk.sponsor, live, prm.manager_rate
        )
    else:
        n_commitment[i] = commitment[i]


@njit(cache=True, parallel=True)
def _employees_loop(
    team,
    is_manager,
    manager,
    attitude,
    skill,
    orientation,
    usage,
    workaround,
    dip,
    commitment,
    indptr,
    indices,
    live_week,
    coach,
    team_usage,
    draw_peer,
    draw_work,
    prm,
    wk,
    n_attitude,
    n_skill,
    n_usage,
    n_workaround,
    n_productivity,
    n_dip,
    n_commitment,
):
    for i in prange(team.shape[0]):
        _employee(
            i,
            team,
            is_manager,
            manager,
            attitude,
            skill,
            orientation,
            usage,
            workaround,
            dip,
            commitment,
            indptr,
            indices,
            live_week,
            coach,
            team_usage,
            draw_peer,
            draw_work,
            prm,
            wk,
            n_attitude,
            n_skill,
            n_usage,
            n_workaround,
            n_productivity,
            n_dip,
            n_commitment,
        )


def step_employees(emp, nxt, teams, team_usage, draw_peer, draw_work, prm, wk) -> None:
    """Driver: apply one week of employee rules to every employee (writes ``nxt``)."""
    n = emp.n
    if draw_peer.shape[0] < n or draw_work.shape[0] < n:
        raise ValueError("need one peer draw and one workaround draw per employee")
    _employees_loop(
        emp.team,
        emp.is_manager,
        emp.manager,
        emp.attitude,
        emp.skill,
        emp.orientation,
        emp.usage,
        emp.workaround,
        emp.dip,
        emp.commitment,
        emp.indptr,
        emp.indices,
        teams.live_week,
        teams.coach,
        team_usage,
        draw_peer,
        draw_work,
        prm,
        wk,
        nxt.attitude,
        nxt.skill,
        nxt.usage,
        nxt.workaround,
        nxt.productivity,
        nxt.dip,
        nxt.commitment,
    )


@njit(cache=True)
def _customer(
    i,
    handler,
    active,
    satisfaction,
    expectation,
    completeness,
    stage,
    emp_team,
    emp_skill,
    emp_orientation,
    emp_usage,
    emp_workaround,
    emp_productivity,
    live_week,
    draw_contact,
    draw_churn,
    bounds,
    prm,
    wk,
    n_active,
    n_satisfaction,
    n_expectation,
    n_completeness,
    n_stage,
):
    """One customer's week; the same rules in the same order as ``agents.Customer.step``.

    Returns (revenue, cost to serve) of the week.
    """
    h = handler[i]
    lw = live_week[emp_team[h]]
    handler_usage = emp_usage[h] if (lw >= 0 and wk.t >= lw) else 0.0
    d_old = completeness[i]
    revenue = rules.weekly_revenue(
        prm.revenue_week, prm.crosssell_uplift, d_old, handler_usage, wk.quality
    )
    d = d_old * prm.decay_week
    d += prm.consolidation_rate * wk.process_effort * (1.0 - d)
    s = satisfaction[i]
    e = expectation[i]
    st = stage[i]
    cost = 0.0
    draw = draw_contact[i]
    if draw < prm.contact_prob:
        channel, w = rules.pick_channel(draw / prm.contact_prob, bounds)
        if channel == prm.web_channel and wk.org_live:
            p = rules.web_experience(prm.web_quality, wk.fit, wk.process_readiness)
            st = rules.web_capture(
                st, w, prm.capture_name, prm.capture_purchase, prm.capture_preferences
            )
            d = max(d, st / 3.0)
            cost = prm.cost_self
        else:
            dip = max(0.0, 1.0 - emp_productivity[h])
            # view = u_handler * q * d (the integrated customer view)
            p = rules.live_experience(
                emp_skill[h],
                emp_orientation[h],
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
            if w < handler_usage * (1.0 - emp_workaround[h]):
                d = rules.logged_contact(d, prm.log_gain)
            cost = prm.cost_live
        s = rules.satisfaction_update(s, p, e, prm.satisfaction_rate, prm.loss_aversion)
        e = rules.expectation_update(e, p, prm.eta)
    n_satisfaction[i] = s
    n_expectation[i] = e
    n_completeness[i] = min(d, 1.0)
    n_stage[i] = st
    n_active[i] = not (draw_churn[i] < rules.churn_hazard(s, prm.h0, prm.churn_beta))
    return revenue, cost


@njit(cache=True, parallel=True)
def _customers_loop(
    n,
    handler,
    active,
    satisfaction,
    expectation,
    completeness,
    stage,
    emp_team,
    emp_skill,
    emp_orientation,
    emp_usage,
    emp_workaround,
    emp_productivity,
    live_week,
    draw_contact,
    draw_churn,
    bounds,
    prm,
    wk,
    n_active,
    n_satisfaction,
    n_expectation,
    n_completeness,
    n_stage,
):
    revenue = 0.0
    cost = 0.0
    for i in prange(n):
        if active[i]:
            r, c = _customer(
                i,
                handler,
                active,
                satisfaction,
                expectation,
                completeness,
                stage,
                emp_team,
                emp_skill,
                emp_orientation,
                emp_usage,
                emp_workaround,
                emp_productivity,
                live_week,
                draw_contact,
                draw_churn,
                bounds,
                prm,
                wk,
                n_active,
                n_satisfaction,
                n_expectation,
                n_completeness,
                n_stage,
            )
            revenue += r
            cost += c
        else:  # churned: carry the state over unchanged
            n_active[i] = False
            n_satisfaction[i] = satisfaction[i]
            n_expectation[i] = expectation[i]
            n_completeness[i] = completeness[i]
            n_stage[i] = stage[i]
    return revenue, cost


def step_customers(cus, nxt, emp, teams, draw_contact, draw_churn, bounds, prm, wk):
    """Driver: one week of every existing customer; returns (revenue, cost to serve).

    Churned customers' state is carried over unchanged.
    """
    n = cus.created
    if draw_contact.shape[0] < n or draw_churn.shape[0] < n:
        raise ValueError("need one contact draw and one churn draw per existing customer")
    return _customers_loop(
        n,
        cus.handler,
        cus.active,
        cus.satisfaction,
        cus.expectation,
        cus.completeness,
        cus.stage,
        emp.team,
        emp.skill,
        emp.orientation,
        emp.usage,
        emp.workaround,
        emp.productivity,
        teams.live_week,
        draw_contact,
        draw_churn,
        bounds,
        prm,
        wk,
        nxt.active,
        nxt.satisfaction,
        nxt.expectation,
        nxt.completeness,
        nxt.stage,
    )
