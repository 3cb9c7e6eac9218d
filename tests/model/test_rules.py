"""Every behavioural rule of sim/model/rules.py, customer_rules.py and sponsor_rules.py against
values worked out by hand.

Each expected value is written as the arithmetic of the rule's formula (DESIGN.md 2.1 to 2.3),
not as a number copied from a run, so a test fails only when a formula changes. Edge cases cover the
branches: bounded confidence beyond epsilon, usage before go-live, web capture past its last stage,
channel boundaries, loss aversion, and learning by doing against its closed form.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from numba.core.registry import CPUDispatcher

from sim.model import customer_rules, rules, sponsor_rules

approx = pytest.approx

#: Every rule tested below (the sponsor's in test_sponsor_rules.py); test_every_rule_is_tested keeps
#: this list complete.
TESTED = {
    "backing",
    "cancel_limit",
    "escalated_effort",
    "clip",
    "sigmoid",
    "readiness_increment",
    "coordination_overhead",
    "effective_scope",
    "realistic_budget",
    "realistic_expectation",
    "platform_rate",
    "reconfigure",
    "golive_shock",
    "bass_step",
    "self_service",
    "shock_attitude",
    "embed_process",
    "platform_fit",
    "rework_loss",
    "commitment_update",
    "training",
    "learning_by_doing",
    "intention",
    "usage_update",
    "workaround_probability",
    "bounded_confidence",
    "experience_feedback",
    "manager_influence",
    "manager_commitment",
    "dip_depth",
    "productivity",
    "dip_left",
    "live_experience",
    "web_experience",
    "satisfaction_update",
    "expectation_update",
    "churn_hazard",
    "web_capture",
    "logged_contact",
    "weekly_revenue",
    "pick_channel",
    "team_package_fit",
    "eroded_expectation",
    "sponsorship",
    "released_effort",
    "funded_share",
    "budget_cut",
    "scope_work",
    "rescoped",
    "runaway_stopped",
    "support_effort",
    "turnover",
    "weekly_rate",
}


def test_every_rule_is_tested():
    # With NUMBA_DISABLE_JIT=1 (make coverage) the rules are plain functions: find them by module.
    rule_names = {
        name
        for module in (rules, customer_rules, sponsor_rules)
        for name, f in vars(module).items()
        if getattr(f, "__module__", None) == module.__name__
        and (isinstance(f, CPUDispatcher) or callable(f))
    }
    assert rule_names == TESTED, f"untested: {rule_names - TESTED}, gone: {TESTED - rule_names}"


# --- helpers ----------------------------------------------------------------------------------


def test_clip():
    assert rules.clip(0.5, 0.0, 1.0) == 0.5
    assert rules.clip(-0.2, 0.0, 1.0) == 0.0
    assert rules.clip(1.7, 0.0, 1.0) == 1.0
    assert rules.clip(-3.0, -1.0, 1.0) == -1.0
    assert rules.clip(1.0, 0.0, 1.0) == 1.0  # the bound itself is kept


def test_sigmoid():
    assert rules.sigmoid(0.0) == 0.5
    assert rules.sigmoid(2.0) == approx(1.0 / (1.0 + math.exp(-2.0)))
    assert rules.sigmoid(-2.0) == approx(1.0 - rules.sigmoid(2.0))
    assert rules.sigmoid(40.0) == approx(1.0)
    assert rules.sigmoid(-40.0) == approx(0.0, abs=1e-15)


# --- programme --------------------------------------------------------------------------------


def test_readiness_increment():
    # dR = rate * effort * efficiency * (1 - R)
    assert rules.readiness_increment(0.2, 0.1, 1.0, 0.75) == approx(0.1 * 1.0 * 0.75 * 0.8)
    assert rules.readiness_increment(0.0, 0.3, 0.5, 1.0) == approx(0.3 * 0.5 * 1.0)
    # Full readiness or no effort: no rise.
    assert rules.readiness_increment(1.0, 0.3, 1.0, 1.0) == 0.0
    assert rules.readiness_increment(0.3, 0.3, 0.0, 1.0) == 0.0
    # Coordination overhead 0.25 (efficiency 1 / 1.25) slows the same work by a fifth.
    assert rules.readiness_increment(0.2, 0.1, 1.0, 1 / 1.25) == approx(
        0.8 * rules.readiness_increment(0.2, 0.1, 1.0, 1.0)
    )


def test_coordination_overhead():
    # cost * scope * n (n - 1) / 2: one stream has no pairs, four have six
    assert rules.coordination_overhead(1, 0.5, 0.1) == 0.0
    assert rules.coordination_overhead(0, 0.5, 0.1) == 0.0
    assert rules.coordination_overhead(2, 0.5, 0.1) == approx(0.1 * 0.5 * 1)
    assert rules.coordination_overhead(4, 0.5, 0.1) == approx(0.1 * 0.5 * 6)
    assert rules.coordination_overhead(4, 0.0, 0.1) == 0.0  # no scope, no interfaces


def test_effective_scope():
    # scope * (1 - cut * R_planning)
    assert rules.effective_scope(0.8, 0.0, 0.5) == approx(0.8)
    assert rules.effective_scope(0.8, 1.0, 0.5) == approx(0.4)
    assert rules.effective_scope(0.8, 0.5, 0.5) == approx(0.8 * 0.75)


def test_realistic_budget():
    # realism + (1 - realism) R_planning: planning moves the budget to the plan's real cost
    assert rules.realistic_budget(0.7, 0.0) == approx(0.7)
    assert rules.realistic_budget(0.7, 1.0) == approx(1.0)
    assert rules.realistic_budget(1.2, 0.5) == approx(1.1)  # a padded budget shrinks too
    # only the funded share of an increase: half funded, half the way to the real cost
    assert rules.realistic_budget(0.7, 1.0, 0.5) == approx(0.85)
    assert rules.realistic_budget(0.7, 1.0, 0.0) == approx(0.7)  # nothing found: as planned
    assert rules.realistic_budget(1.2, 0.5, 0.0) == approx(1.1)  # a padded budget is cut anyway


def test_realistic_expectation():
    # base (1 + inflation * pressure * (1 - R_planning))
    assert rules.realistic_expectation(0.25, 1.0, 0.8, 0.0) == approx(0.25 * 1.8)
    assert rules.realistic_expectation(0.25, 1.0, 0.8, 1.0) == approx(0.25)
    assert rules.realistic_expectation(0.25, 2.0, 0.5, 0.5) == approx(0.25 * 1.5)


def test_platform_rate():
    # rate / (complexity (1 + load (1 - fit0) R_process))
    assert rules.platform_rate(0.08, 1.0, 1.0, 0.5, 0.0) == approx(0.08)  # nothing to customise
    assert rules.platform_rate(0.08, 2.0, 1.0, 0.5, 0.0) == approx(0.04)
    assert rules.platform_rate(0.08, 1.0, 1.0, 0.5, 1.0) == approx(0.08 / 1.5)
    assert rules.platform_rate(0.08, 1.0, 1.0, 1.0, 1.0) == approx(0.08)  # vanilla fit


def test_reconfigure():
    # E += min(1, rate * effort) * (R_process - E), only upward
    assert rules.reconfigure(0.2, 0.6, 0.5, 0.1) == approx(0.2 + 0.05 * 0.4)
    assert rules.reconfigure(0.6, 0.2, 0.5, 0.1) == 0.6  # nothing new to embed
    assert rules.reconfigure(0.2, 0.6, 0.0, 0.1) == 0.2  # no effort
    assert rules.reconfigure(0.2, 0.6, 1.0, 5.0) == approx(0.6)  # at most the whole gap


def test_team_package_fit():
    # centred offsets: the teams' mean is the organisation's fit; spread sets the range
    u = np.array([0.0, 0.25, 0.5, 0.75, 1.0])
    fits = rules.team_package_fit(0.5, u, 0.3)
    assert fits.mean() == approx(0.5)
    assert fits == approx([0.2, 0.35, 0.5, 0.65, 0.8])
    assert rules.team_package_fit(0.5, u, 0.0) == approx([0.5] * 5)  # spread 0: one fit
    assert rules.team_package_fit(0.9, u, 0.3).max() == 1.0  # clipped to [0, 1]
    assert rules.team_package_fit(0.5, np.array([0.9]), 0.3) == approx([0.5])  # one team


def test_eroded_expectation():
    # E += rate (max(floor, B) - E) when B < E; never up, never below the floor
    assert rules.eroded_expectation(0.45, 0.30, 0.25, 0.1) == approx(0.45 - 0.1 * 0.15)
    assert rules.eroded_expectation(0.45, 0.10, 0.25, 0.1) == approx(0.45 - 0.1 * 0.20)
    assert rules.eroded_expectation(0.45, 0.50, 0.25, 0.1) == 0.45  # results above: unchanged
    assert rules.eroded_expectation(0.25, 0.10, 0.25, 0.1) == 0.25  # at the floor already
    assert rules.eroded_expectation(0.45, 0.10, 0.25, 0.0) == 0.45  # no erosion
    e = 0.45
    for _ in range(500):
        e = rules.eroded_expectation(e, 0.0, 0.25, 0.05)
    assert e == approx(0.25) and e >= 0.25


def test_budget_cut():
    # min(1, rate x (cost at completion / budget - 1)), nothing within budget
    assert rules.budget_cut(90.0, 100.0, 2.0) == 0.0
    assert rules.budget_cut(100.0, 100.0, 2.0) == 0.0
    assert rules.budget_cut(125.0, 100.0, 2.0) == approx(0.5)
    assert rules.budget_cut(200.0, 100.0, 2.0) == 1.0
    assert rules.budget_cut(10.0, 0.0, 2.0) == 1.0  # no budget at all: cut everything


def test_scope_work():
    # (1 - share) + share x 2 x scope: the plan's size at scope 0.5, smaller below, larger above
    assert rules.scope_work(0.5, 0.5) == approx(1.0)
    assert rules.scope_work(0.1, 0.5) == approx(0.5 + 0.1)
    assert rules.scope_work(0.9, 0.5) == approx(0.5 + 0.9)
    assert rules.scope_work(0.9, 0.0) == 1.0  # nothing grows with scope


def test_a_release_cut_to_nothing_still_has_a_build():
    """At the share's bound a release of no functions keeps 5% of its build, and a run with it
    finishes; a share of 1 (no build at all: a division by zero in the platform's rate, found by
    the Morris screening) is refused as input."""
    import sim
    from sim.errors import InputError
    from sim.model.params import PARAMS

    high = PARAMS["programme.scope_work"].high
    assert rules.scope_work(0.0, high) == approx(1.0 - high)
    assert rules.scope_work(0.0, high) > 0.0
    four_ps = sim.load_scenario("four_ps")
    run = sim.run(
        four_ps.with_overrides(
            {"programme.scope_work": high, "profile.scope": 0.0, "profile.scope_spread": 0.0}
        ),
        seed=1,
    )
    assert run.summary["status"] in ("live", "never_live", "abandoned")
    with pytest.raises(InputError, match="programme.scope_work"):
        four_ps.with_overrides({"programme.scope_work": 1.0})


def test_support_effort():
    # effort x C x (1 - adoption): nothing when everyone is on board or the sponsor has gone
    assert rules.support_effort(0.3, 0.8, 0.25) == approx(0.3 * 0.8 * 0.75)
    assert rules.support_effort(0.3, 0.8, 1.0) == 0.0
    assert rules.support_effort(0.3, 0.0, 0.1) == 0.0


def test_golive_shock():
    # shock * share * scope * (1 - learned)
    assert rules.golive_shock(1.0, 0.5, 0.6, 0.0) == approx(0.3)
    assert rules.golive_shock(0.1, 0.5, 0.6, 0.0) == approx(0.03)  # a pilot wave
    assert rules.golive_shock(0.9, 0.5, 0.6, 0.5) == approx(0.6 * 0.9 * 0.5 * 0.5)


def test_bass_step():
    # w + (p + q quality w / m)(m - w), clipped to [0, m]
    assert rules.bass_step(0.0, 0.01, 0.1, 0.7, 1.0) == approx(0.01 * 0.7)
    w = 0.2
    assert rules.bass_step(w, 0.01, 0.1, 0.7, 0.5) == approx(w + (0.01 + 0.1 * 0.5 * w / 0.7) * 0.5)
    assert rules.bass_step(0.7, 0.01, 0.1, 0.7, 1.0) == approx(0.7)  # saturated
    assert rules.bass_step(0.3, 0.01, 0.1, 0.0, 1.0) == 0.0  # no potential
    # the S-curve: imitation speeds uptake once some customers use it
    assert rules.bass_step(0.3, 0.0, 0.1, 0.7, 1.0) > rules.bass_step(0.01, 0.0, 0.1, 0.7, 1.0)


def test_self_service():
    # draw < share: self-service, draw rescaled within each branch
    served, w = rules.self_service(0.1, 0.4)
    assert served and w == approx(0.25)
    served, w = rules.self_service(0.7, 0.4)
    assert not served and w == approx(0.5)
    served, w = rules.self_service(0.3, 0.0)
    assert not served and w == approx(0.3)
    assert rules.self_service(0.99, 1.0)[0]


def test_turnover():
    # leaves below the weekly rate; the draw is rescaled inside each branch (two draws a week)
    leaves, w = rules.turnover(0.002, 0.004)
    assert leaves and w == approx(0.5)
    leaves, w = rules.turnover(0.502, 0.004)
    assert not leaves and w == approx(0.498 / 0.996)
    # no turnover: the draw passes through unchanged (the model before turnover)
    assert rules.turnover(0.37, 0.0) == (False, approx(0.37))


def test_weekly_rate():
    # 52 weeks at the weekly rate compound to the annual share
    r = rules.weekly_rate(0.25)
    assert 1.0 - (1.0 - r) ** 52 == approx(0.25)
    assert rules.weekly_rate(0.0) == 0.0


def test_shock_attitude():
    assert rules.shock_attitude(0, 0.3, 0.5) == approx(-0.15)
    assert rules.shock_attitude(1, 0.3, 0.5) == 0.0  # only in the cut-over week


def test_embed_process():
    # embedded + gain / (before + gain) * (process - embedded)
    assert rules.embed_process(0.2, 0.3, 0.1, 0.6) == approx(0.2 + 0.1 / 0.4 * (0.6 - 0.2))
    # The first increment of platform embeds exactly the process readiness of that week.
    assert rules.embed_process(0.0, 0.0, 0.05, 0.7) == approx(0.7)
    # No platform gain: nothing changes (also guards 0 / 0).
    assert rules.embed_process(0.4, 0.5, 0.0, 0.9) == 0.4
    assert rules.embed_process(0.4, 0.0, 0.0, 0.9) == 0.4
    assert rules.embed_process(0.4, 0.5, -0.1, 0.9) == 0.4


def test_embed_process_is_readiness_weighted_mean():
    # Three weeks of platform gains g_i at process readiness p_i: E = sum g_i p_i / sum g_i.
    gains, procs = [0.1, 0.2, 0.05], [0.0, 0.5, 1.0]
    e, before = 0.0, 0.0
    for g, p in zip(gains, procs, strict=True):
        e = rules.embed_process(e, before, g, p)
        before += g
    assert e == approx((0.1 * 0.0 + 0.2 * 0.5 + 0.05 * 1.0) / 0.35)


def test_platform_fit():
    # f = fit0 + (1 - fit0) E: the package's own fit, configuration covers the rest
    assert rules.platform_fit(0.0, 0.3, 1.0) == approx(0.3)
    assert rules.platform_fit(1.0, 0.3, 1.0) == approx(1.0)
    assert rules.platform_fit(0.5, 0.3, 1.0) == approx(0.3 + 0.7 * 0.5)
    # a runaway cut to 70% of its functions supports 70% of the work it promised
    assert rules.platform_fit(1.0, 0.3, 0.7) == approx(0.7)
    assert rules.platform_fit(0.5, 0.3, 0.7) == approx((0.3 + 0.7 * 0.5) * 0.7)


def test_rework_loss():
    # share * process_gain * R_platform, only when process moves past what was embedded
    assert rules.rework_loss(0.6, 0.1, 0.2, 0.5, 0.5) == approx(0.5 * 0.1 * 0.6)
    assert rules.rework_loss(0.6, 0.0, 0.2, 0.5, 0.5) == 0.0  # no process gain
    assert rules.rework_loss(0.6, 0.1, 0.5, 0.5, 0.5) == 0.0  # process not past embedded
    assert rules.rework_loss(0.6, 0.1, 0.7, 0.5, 0.5) == 0.0
    assert rules.rework_loss(0.0, 0.1, 0.2, 0.5, 0.5) == 0.0  # nothing built yet


def test_commitment_update():
    # C + alpha (perceived - expected) - delta C + reinforcement backing, clipped to [0, 1]
    c = rules.commitment_update(0.8, 0.5, 0.7, 0.05, 0.01, 0.02, 0.6)
    assert c == approx(0.8 + 0.05 * (0.5 - 0.7) - 0.01 * 0.8 + 0.02 * 0.6)
    assert rules.commitment_update(0.99, 2.0, 0.0, 1.0, 0.0, 0.0, 0.0) == 1.0
    assert rules.commitment_update(0.05, 0.0, 1.0, 1.0, 0.0, 0.0, 0.0) == 0.0
    # Results beating expectations raise commitment; falling short lowers it.
    assert rules.commitment_update(0.5, 0.9, 0.5, 0.1, 0.0, 0.0, 0.0) > 0.5
    assert rules.commitment_update(0.5, 0.1, 0.5, 0.1, 0.0, 0.0, 0.0) < 0.5


# --- employees --------------------------------------------------------------------------------


def test_training():
    # dk = skill_rate effort (1 - k), da = attitude_rate effort (1 - a)
    dk, da = rules.training(0.2, -0.5, 0.5, 0.06, 0.02)
    assert dk == approx(0.06 * 0.5 * 0.8)
    assert da == approx(0.02 * 0.5 * 1.5)
    assert rules.training(0.2, 0.3, 0.0, 0.06, 0.02) == (0.0, 0.0)  # no people work, no training
    dk, da = rules.training(1.0, 1.0, 1.0, 0.06, 0.02)
    assert dk == 0.0 and da == 0.0


def test_learning_by_doing_one_week():
    # 1 - (1 - k) exp(-u / tau)
    assert rules.learning_by_doing(0.2, 1.0, 8.0) == approx(1 - 0.8 * math.exp(-1 / 8))
    assert rules.learning_by_doing(0.2, 0.5, 8.0) == approx(1 - 0.8 * math.exp(-0.5 / 8))
    assert rules.learning_by_doing(0.2, 0.0, 8.0) == approx(0.2)  # no use, no learning
    assert rules.learning_by_doing(1.0, 1.0, 4.0) == 1.0


@pytest.mark.parametrize("k0, tau, weeks", [(0.15, 8.0, 20), (0.0, 4.0, 12), (0.6, 12.0, 52)])
def test_learning_by_doing_closed_form(k0, tau, weeks):
    # At full usage for t weeks: k(t) = 1 - (1 - k0) exp(-t / tau) (DESIGN.md 2.2).
    k = k0
    for t in range(1, weeks + 1):
        k = rules.learning_by_doing(k, 1.0, tau)
        assert k == approx(1 - (1 - k0) * math.exp(-t / tau), abs=1e-12)


def test_learning_by_doing_partial_use_slows_the_clock():
    # Half usage for 2t weeks equals full usage for t weeks.
    k_half, k_full = 0.1, 0.1
    for _ in range(20):
        k_half = rules.learning_by_doing(k_half, 0.5, 8.0)
    for _ in range(10):
        k_full = rules.learning_by_doing(k_full, 1.0, 8.0)
    assert k_half == approx(k_full, abs=1e-12)


def test_intention():
    # sigmoid(scale (b0 + w_pe PE + w_ee EE + w_si SI + w_a a))
    pe, ee, si, a = 0.4, 0.3, 0.5, -0.2
    b0, w_pe, w_ee, w_si, w_a, scale = -0.235, 0.5, 0.19, 0.2, 0.25, 8.0
    x = scale * (b0 + w_pe * pe + w_ee * ee + w_si * si + w_a * a)
    assert rules.intention(pe, ee, si, a, b0, w_pe, w_ee, w_si, w_a, scale) == approx(
        1 / (1 + math.exp(-x))
    )
    # All weights off and b0 = 0: a coin flip.
    assert rules.intention(1, 1, 1, 1, 0.0, 0, 0, 0, 0, 8.0) == 0.5
    # Increasing in each driver.
    base = rules.intention(pe, ee, si, a, b0, w_pe, w_ee, w_si, w_a, scale)
    assert rules.intention(pe + 0.1, ee, si, a, b0, w_pe, w_ee, w_si, w_a, scale) > base
    assert rules.intention(pe, ee + 0.1, si, a, b0, w_pe, w_ee, w_si, w_a, scale) > base
    assert rules.intention(pe, ee, si + 0.1, a, b0, w_pe, w_ee, w_si, w_a, scale) > base
    assert rules.intention(pe, ee, si, a + 0.1, b0, w_pe, w_ee, w_si, w_a, scale) > base


def test_usage_update():
    # u + rate (BI - u), clipped, and 0 before go-live
    assert rules.usage_update(0.2, 0.9, 0.1, True) == approx(0.2 + 0.1 * 0.7)
    assert rules.usage_update(0.8, 0.3, 0.1, True) == approx(0.8 - 0.1 * 0.5)
    assert rules.usage_update(0.0, 1.0, 1.0, True) == 1.0
    assert rules.usage_update(0.7, 0.9, 0.1, False) == 0.0
    assert rules.usage_update(0.0, 1.0, 0.5, False) == 0.0


def test_workaround_probability():
    # sigmoid(g (mandate - PE - EE))
    assert rules.workaround_probability(0.5, 0.1, 0.2, 6.0) == approx(
        1 / (1 + math.exp(-6.0 * (0.5 - 0.1 - 0.2)))
    )
    assert rules.workaround_probability(0.5, 0.25, 0.25, 6.0) == 0.5
    # A useful, easy system breeds fewer workarounds than a useless one.
    assert rules.workaround_probability(0.5, 0.6, 0.4, 6.0) < rules.workaround_probability(
        0.5, 0.0, 0.0, 6.0
    )


def test_bounded_confidence():
    # mu (a_j - a_i) when |a_j - a_i| < epsilon, else 0
    assert rules.bounded_confidence(0.1, 0.3, 0.3, 0.5) == approx(0.5 * 0.2)
    assert rules.bounded_confidence(0.3, 0.1, 0.3, 0.5) == approx(-0.5 * 0.2)
    assert rules.bounded_confidence(-0.5, 0.5, 0.3, 0.5) == 0.0  # beyond epsilon
    assert rules.bounded_confidence(0.5, -0.5, 0.3, 0.5) == 0.0
    assert rules.bounded_confidence(0.0, 0.25, 0.25, 0.5) == 0.0  # exactly epsilon: strict
    assert rules.bounded_confidence(0.0, 0.1, 0.0, 0.5) == 0.0  # epsilon 0: no influence
    assert rules.bounded_confidence(0.2, 0.2, 0.3, 0.5) == 0.0  # agreement


def test_experience_feedback():
    # rate u (helpfulness - reference)
    assert rules.experience_feedback(0.5, 0.6, 0.25, 0.04) == approx(0.04 * 0.5 * 0.35)
    assert rules.experience_feedback(0.5, 0.1, 0.25, 0.04) == approx(0.04 * 0.5 * -0.15)
    assert rules.experience_feedback(0.0, 0.9, 0.25, 0.04) == 0.0  # no use, no experience


def test_manager_influence():
    # coach: + coach_rate team_usage; critic: - critic_rate w (1 - u), w = 1 early, 0.25 later
    assert rules.manager_influence(0.2, 0.6, True, 3, 8, 0.05, 0.03) == approx(0.03 * 0.6)
    assert rules.manager_influence(0.2, 0.6, True, 30, 8, 0.05, 0.03) == approx(0.03 * 0.6)
    assert rules.manager_influence(0.2, 0.6, False, 3, 8, 0.05, 0.03) == approx(-0.05 * 0.8)
    assert rules.manager_influence(0.2, 0.6, False, 7, 8, 0.05, 0.03) == approx(-0.05 * 0.8)
    assert rules.manager_influence(0.2, 0.6, False, 8, 8, 0.05, 0.03) == approx(-0.05 * 0.25 * 0.8)
    assert rules.manager_influence(1.0, 0.6, False, 0, 8, 0.05, 0.03) == 0.0  # full use: no blame


def test_manager_commitment():
    # follows the sponsor before go-live; after it (team_usage + quality) / 2 and, by lead, the
    # sponsor
    assert rules.manager_commitment(0.5, 0.8, 0.4, 0.9, False, 0.1, 0.5) == approx(0.5 + 0.1 * 0.4)
    assert rules.manager_commitment(0.5, 0.8, 0.4, 0.9, True, 0.1, 0.0) == approx(
        0.5 + 0.1 * (0.6 - 0.5)
    )
    assert rules.manager_commitment(0.5, 0.8, 0.4, 0.9, True, 0.1, 1.0) == approx(
        0.5 + 0.1 * (0.9 - 0.5)
    )
    mixed = rules.manager_commitment(0.5, 0.8, 0.4, 0.9, True, 0.1, 0.25)
    assert mixed == approx(0.5 + 0.1 * (0.25 * 0.9 + 0.75 * 0.6 - 0.5))
    assert rules.manager_commitment(0.5, 0.8, 0.4, 0.9, True, 0.0, 0.5) == 0.5


def test_dip_depth():
    # dip_min + (dip_max - dip_min)(1 - k): 10% with full skill, 30% with none
    assert rules.dip_depth(1.0, 0.1, 0.3, 0.0) == approx(0.1)
    assert rules.dip_depth(0.0, 0.1, 0.3, 0.0) == approx(0.3)
    assert rules.dip_depth(0.25, 0.1, 0.3, 0.0) == approx(0.1 + 0.2 * 0.75)
    # plus the go-live shock, at most 1
    assert rules.dip_depth(0.25, 0.1, 0.3, 0.2) == approx(0.1 + 0.2 * 0.75 + 0.2)
    assert rules.dip_depth(0.0, 0.1, 0.3, 0.9) == 1.0


def test_productivity():
    # 1 - dip exp(-3 t / recovery) + gain u q f
    assert rules.dip_left(0, 26.0) == 1.0
    assert rules.dip_left(13, 26.0) == approx(math.exp(-3 * 13 / 26))
    assert rules.productivity(0.2, rules.dip_left(0, 26.0), 0.15, 0.0, 0.5, 0.8) == approx(0.8)
    assert rules.productivity(0.2, rules.dip_left(13, 26.0), 0.15, 0.5, 0.6, 0.8) == approx(
        1 - 0.2 * math.exp(-3 * 13 / 26) + 0.15 * 0.5 * 0.6 * 0.8
    )
    # After recovery the dip is (almost) gone and the gain remains.
    assert rules.productivity(0.3, rules.dip_left(1000, 26.0), 0.15, 1.0, 1.0, 1.0) == approx(1.15)


# --- customers --------------------------------------------------------------------------------


def test_live_experience():
    w = (0.5, 0.15, 0.2, 0.1, 0.05, 0.5)  # w_base, w_skill, w_orient, w_view, w_cons, w_dip
    p = customer_rules.live_experience(0.4, 0.6, 0.3, 0.5, 0.1, *w)
    assert p == approx(0.5 + 0.15 * 0.4 + 0.2 * 0.6 + 0.1 * 0.3 + 0.05 * 0.5 - 0.5 * 0.1)
    assert (
        customer_rules.live_experience(1, 1, 1, 1, 0, 0.9, 0.3, 0.3, 0.3, 0.3, 0.5) == 1.0
    )  # clipped
    assert customer_rules.live_experience(0, 0, 0, 0, 1, 0.2, 0.1, 0.1, 0.1, 0.1, 2.0) == 0.0
    # The go-live dip lowers the experience.
    assert customer_rules.live_experience(0.4, 0.6, 0.3, 0.5, 0.2, *w) < p


def test_web_experience():
    # web_quality fit (0.5 + 0.5 consistency)
    assert rules.web_experience(0.7, 0.8, 0.4) == approx(0.7 * 0.8 * 0.7)
    assert rules.web_experience(0.7, 1.0, 1.0) == approx(0.7)
    assert rules.web_experience(0.7, 0.0, 1.0) == 0.0


def test_satisfaction_update_positive_gap():
    # gap = P - E; S + rate (P + gap - S)
    s = customer_rules.satisfaction_update(0.5, 0.7, 0.6, 0.3, 2.0)
    assert s == approx(0.5 + 0.3 * (0.7 + 0.1 - 0.5))


def test_satisfaction_update_negative_gap_weighs_loss_aversion():
    s = customer_rules.satisfaction_update(0.5, 0.6, 0.7, 0.3, 2.0)
    assert s == approx(0.5 + 0.3 * (0.6 + 2.0 * (-0.1) - 0.5))
    # A shortfall moves S further than a surprise of the same size, by loss_aversion times.
    up = customer_rules.satisfaction_update(
        0.6, 0.6, 0.5, 0.3, 2.5
    ) - customer_rules.satisfaction_update(0.6, 0.6, 0.6, 0.3, 2.5)
    down = customer_rules.satisfaction_update(
        0.6, 0.6, 0.6, 0.3, 2.5
    ) - customer_rules.satisfaction_update(0.6, 0.6, 0.7, 0.3, 2.5)
    assert down == approx(2.5 * up)
    # Met expectations: S moves toward P.
    assert customer_rules.satisfaction_update(0.5, 0.7, 0.7, 0.3, 2.0) == approx(0.5 + 0.3 * 0.2)


def test_satisfaction_update_clipped():
    assert customer_rules.satisfaction_update(0.95, 1.0, 0.0, 1.0, 2.0) == 1.0
    assert customer_rules.satisfaction_update(0.05, 0.0, 1.0, 1.0, 2.0) == 0.0


def test_expectation_update():
    # E + eta (P - E)
    assert customer_rules.expectation_update(0.6, 0.8, 0.2) == approx(0.6 + 0.2 * 0.2)
    assert customer_rules.expectation_update(0.6, 0.4, 0.2) == approx(0.6 - 0.2 * 0.2)
    assert customer_rules.expectation_update(0.6, 0.4, 0.0) == 0.6


def test_churn_hazard():
    # h0 exp(-beta S)
    assert customer_rules.churn_hazard(0.65, 0.01, 3.0) == approx(0.01 * math.exp(-3.0 * 0.65))
    assert customer_rules.churn_hazard(0.0, 0.01, 3.0) == approx(0.01)
    assert customer_rules.churn_hazard(0.5, 0.01, 0.0) == approx(0.01)


def test_churn_hazard_decreases_in_satisfaction():
    s = np.linspace(0, 1, 21)
    h = [customer_rules.churn_hazard(x, 0.02, 3.0) for x in s]
    assert all(b < a for a, b in zip(h, h[1:], strict=False))


@pytest.mark.parametrize(
    "stage, draw, expected",
    [
        (0, 0.79, 1),  # phase 1, name + e-mail, capture 80%
        (0, 0.80, 0),
        (1, 0.89, 2),  # phase 2, purchase + address, 90%
        (1, 0.95, 1),
        (2, 0.49, 3),  # phase 3, preferences, 50%
        (2, 0.50, 2),
        (3, 0.00, 3),  # complete: stays 3
        (3, 0.99, 3),
    ],
)
def test_web_capture(stage, draw, expected):
    assert customer_rules.web_capture(stage, draw, 0.8, 0.9, 0.5) == expected


def test_logged_contact():
    # d + gain (1 - d)
    assert customer_rules.logged_contact(0.3, 0.1) == approx(0.3 + 0.1 * 0.7)
    assert customer_rules.logged_contact(1.0, 0.1) == 1.0
    assert customer_rules.logged_contact(0.3, 0.0) == 0.3


def test_weekly_revenue():
    # base (1 + uplift d u q)
    assert customer_rules.weekly_revenue(150.0, 0.15, 0.5, 0.8, 0.6) == approx(
        150.0 * (1 + 0.15 * 0.5 * 0.8 * 0.6)
    )
    assert (
        customer_rules.weekly_revenue(150.0, 0.15, 0.5, 0.0, 0.6) == 150.0
    )  # no CRM use, no uplift


BOUNDS = np.cumsum([0.15, 0.25, 0.25, 0.30, 0.02, 0.03])
BOUNDS[-1] = 1.0


@pytest.mark.parametrize(
    "draw, channel, rescaled",
    [
        (0.0, 0, 0.0),
        (0.075, 0, 0.5),  # middle of face (width 0.15)
        (0.15, 1, 0.0),  # a boundary belongs to the next channel
        (0.30, 1, (0.30 - 0.15) / 0.25),
        (0.40, 2, 0.0),
        (0.65, 3, 0.0),
        (0.80, 3, (0.80 - 0.65) / 0.30),
        (0.96, 4, (0.96 - 0.95) / 0.02),
        (0.97, 5, 0.0),
        (0.999, 5, (0.999 - 0.97) / 0.03),
    ],
)
def test_pick_channel(draw, channel, rescaled):
    ch, w = customer_rules.pick_channel(draw, BOUNDS)
    assert ch == channel
    assert w == approx(rescaled, abs=1e-9)


def test_pick_channel_rescaled_draw_is_uniform_within_channel():
    # Draws spread evenly over the web channel map to evenly spread rescaled draws in [0, 1).
    lo, hi = BOUNDS[1], BOUNDS[2]
    draws = lo + (hi - lo) * (np.arange(100) + 0.5) / 100
    out = [customer_rules.pick_channel(d, BOUNDS) for d in draws]
    assert {ch for ch, _ in out} == {2}
    np.testing.assert_allclose([w for _, w in out], (np.arange(100) + 0.5) / 100, atol=1e-9)


def test_pick_channel_zero_width_and_last_channel():
    bounds = np.array([0.5, 0.5, 1.0])  # the middle channel has no share
    assert customer_rules.pick_channel(0.5, bounds) == (2, 0.0)
    assert customer_rules.pick_channel(0.49, bounds)[0] == 0
    # A draw of 1.0 (never produced by Generator.random, but at the edge) falls in the last
    # channel with the rescaled draw capped at 1.
    assert customer_rules.pick_channel(1.0, bounds) == (2, 1.0)
    # A channel with zero width that is picked (only via the last-channel rule) gives 0.
    assert customer_rules.pick_channel(0.7, np.array([0.7, 0.7])) == (1, 0.0)
