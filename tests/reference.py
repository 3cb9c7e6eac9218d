"""Plain-Python references for the kernels of sim/model/kernels.py (as STUMPY's tests/naive.py).

Written from the rules of sim/model/rules.py directly, one agent at a time, with no numba loop, no
record arrays and no shared code with the kernels beyond the scalar rules themselves. Tests feed
both the same seeded random inputs and compare.
"""

from __future__ import annotations

import math

import numpy as np

from sim.model import streams


def employees(emp, live_week, coach, team_usage, draw_peer, draw_work, prm, wk, team_fit):
    """Next employee state as a dict of lists: attitude, skill, usage, workaround, productivity,
    dip, commitment."""
    out = {
        k: []
        for k in ("attitude", "skill", "usage", "workaround", "productivity", "dip", "commitment")
    }
    for i in range(len(emp.team)):
        team = emp.team[i]
        lw = live_week[team]
        live = lw >= 0 and wk.t >= lw
        weeks = wk.t - lw if live else 0
        a, k, u = emp.attitude[i], emp.skill[i], emp.usage[i]
        work = draw_work[i]
        if work < prm.turnover:  # leaves: a newcomer takes the place
            work = work / prm.turnover
            if not emp.is_manager[i]:
                a, k, u = prm.newcomer_attitude, prm.newcomer_skill, 0.0
        elif prm.turnover < 1.0:
            work = (work - prm.turnover) / (1.0 - prm.turnover)
        peers = list(emp.indices[emp.indptr[i] : emp.indptr[i + 1]])
        if peers:
            peer_usage = sum(emp.usage[j] for j in peers) / len(peers)
            j = peers[min(math.floor(draw_peer[i] * len(peers)), len(peers) - 1)]
            mu = min(prm.mu * (prm.manager_weight if emp.is_manager[j] else 1.0), 1.0)
            d_peer = mu * (emp.attitude[j] - a) if abs(emp.attitude[j] - a) < prm.epsilon else 0.0
        else:
            peer_usage, d_peer = 0.0, 0.0
        si = 0.5 * peer_usage + 0.5 * emp.commitment[emp.manager[i]]
        pe = team_fit[team] * wk.quality * emp.orientation[i]
        ee = k * prm.usability * wk.platform_readiness
        x = prm.b0 + prm.w_pe * pe + prm.w_ee * ee + prm.w_si * si + prm.w_a * a
        bi = 1.0 / (1.0 + math.exp(-prm.scale * x))
        dk = prm.train_skill * wk.people_effort * (1 - k)
        da = prm.train_attitude * wk.people_effort * (1 - a)
        out["usage"].append(min(1.0, max(0.0, u + prm.usage_rate * (bi - u))) if live else 0.0)
        if live:
            out["skill"].append(1 - (1 - (k + dk)) * math.exp(-u / prm.tau_learning))
            p_work = 1.0 / (1.0 + math.exp(-prm.workaround_gain * (prm.mandate - pe - ee)))
            out["workaround"].append(1.0 if work < p_work else 0.0)
            da += prm.experience_rate * u * (0.5 * (pe + ee) - prm.experience_reference)
            if coach[team]:
                da += prm.coach_rate * team_usage[team]
            else:
                da -= prm.critic_rate * (1.0 if weeks < prm.criticism_weeks else 0.25) * (1 - u)
            if weeks == 0:
                da -= prm.shock_attitude * wk.shock
            dip0 = prm.dip_min + (prm.dip_max - prm.dip_min) * (1 - k) + wk.shock
            dip = min(1.0, dip0) if weeks == 0 else emp.dip[i]
            out["dip"].append(dip)
            out["productivity"].append(
                1
                - dip * math.exp(-3 * weeks / prm.recovery_weeks)
                + prm.productivity_gain * u * wk.quality * team_fit[team]
            )
        else:
            out["skill"].append(k + dk)
            out["workaround"].append(0.0)
            out["dip"].append(emp.dip[i])
            out["productivity"].append(1.0)
        out["attitude"].append(min(1.0, max(-1.0, a + da + d_peer)))
        if emp.is_manager[i]:
            lead = prm.sponsor_lead
            team_target = 0.5 * (team_usage[team] + wk.quality)
            target = lead * wk.sponsor + (1 - lead) * team_target if live else wk.sponsor
            c = emp.commitment[i]
            out["commitment"].append(c + prm.manager_rate * (target - c))
        else:
            out["commitment"].append(emp.commitment[i])
    return out


def _next_event(key, stream, slot, week, capacity, p):
    """The uniform an event at ``week`` uses and the week of the next one: the pair at counter
    ``(week + 1) x capacity + slot`` of the event's stream, the gap geometric by inversion."""
    u_gap, u_event = streams.uniform_pair(
        int(np.uint64(key) ^ stream), (week + 1) * capacity + slot
    )
    if p <= 0:
        return u_event, week + streams.NEVER
    gap = 1 if p >= 1 else 1 + int(math.log(1.0 - u_gap) / math.log(1.0 - p))
    return u_event, week + gap


def customers(cus, emp, live_week, bounds, prm, wk):
    """Next customer state (dict of lists, with the weeks of the next contact and check) and the
    week's (revenue, cost). A customer contacts the company in its ``next_contact`` week and faces a
    churn check in its ``next_check`` week (drawn: sim.model.streams)."""
    keys = ("active", "satisfaction", "expectation", "completeness", "stage")
    out = {k: [] for k in (*keys, "next_contact", "next_check")}
    revenue = cost = 0.0
    capacity = len(cus.active)
    check_prob = min(prm.h0, 1.0)
    for i in range(cus.created):
        s, e, d0, st = (cus.satisfaction[i], cus.expectation[i], cus.completeness[i], cus.stage[i])
        nc, nk = cus.next_contact[i], cus.next_check[i]
        if not cus.active[i]:
            for key, v in zip(out, (False, s, e, d0, st, nc, nk), strict=True):
                out[key].append(v)
            continue
        h = cus.handler[i]
        lw = live_week[emp.team[h]]
        u = emp.usage[h] if (lw >= 0 and wk.t >= lw) else 0.0
        revenue += prm.revenue_week * (1 + prm.crosssell_uplift * d0 * u * wk.quality)
        d = d0 * prm.decay_week
        d += prm.consolidation_rate * wk.process_effort * (1 - d)
        d = min(d, 1.0)
        if nc == wk.t:
            v, nc = _next_event(wk.key, streams.CONTACT_STREAM, i, wk.t, capacity, prm.contact_prob)
            ch = next((c for c in range(len(bounds)) if v < bounds[c]), len(bounds) - 1)
            lo = bounds[ch - 1] if ch > 0 else 0.0
            w = min((v - lo) / (bounds[ch] - lo), 1.0)
            served = False
            if ch == prm.web_channel and wk.org_live:
                if w < wk.web_share:
                    served, w = True, min(w / wk.web_share, 1.0)
                elif wk.web_share >= 1.0:
                    served, w = True, 0.0
                else:
                    w = min((w - wk.web_share) / (1.0 - wk.web_share), 1.0)
            if served:
                p = min(
                    1.0, max(0.0, prm.web_quality * wk.fit * (0.5 + 0.5 * wk.process_readiness))
                )
                rates = (prm.capture_name, prm.capture_purchase, prm.capture_preferences)
                if st < 3 and w < rates[st]:
                    st += 1
                d = max(d, st / 3.0)
                cost += prm.cost_self
            else:
                dip = max(0.0, 1.0 - emp.productivity[h])
                p = (
                    prm.w_base
                    + prm.w_skill * emp.skill[h]
                    + prm.w_orient * emp.orientation[h]
                    + prm.w_view * u * wk.quality * d0
                    + prm.w_cons * (wk.process_readiness if (lw >= 0 and wk.t >= lw) else 0.0)
                    - prm.w_dip * dip
                )
                p = min(1.0, max(0.0, p))
                if w < u * (1 - emp.workaround[h]):
                    d = d + prm.log_gain * (1 - d)
                cost += prm.cost_live
            gap = p - e
            gap = prm.loss_aversion * gap if gap < 0 else gap
            s = min(1.0, max(0.0, s + prm.satisfaction_rate * (p + gap - s)))
            e = e + prm.eta * (p - e)
        active = True
        if nk == wk.t:
            v, nk = _next_event(wk.key, streams.CHURN_STREAM, i, wk.t, capacity, check_prob)
            # the weekly hazard h0 exp(-beta S) as a check of probability min(h0, 1), thinned
            active = not (v * check_prob < prm.h0 * math.exp(-prm.churn_beta * s))
        for key, val in zip(out, (active, s, e, min(d, 1.0), st, nc, nk), strict=True):
            out[key].append(val)
    return out, (revenue, cost)
