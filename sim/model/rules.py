"""The behavioural rules, one small pure scalar function each, with its source.

Both engines call these functions: the Mesa agents' ``step()`` (agents.py) one agent at a time,
and the compiled kernels (kernels.py) in loops over arrays. They are ``@njit`` so kernels can
inline them; called from Python they run the same compiled code, which is what keeps the two engines
equal to 1e-9. Numbers that are model parameters arrive as arguments; see params.py for defaults
and their sources.
"""

from __future__ import annotations

import math

from numba import njit


@njit(cache=True)
def clip(x, lo, hi):
    """Clamp x into [lo, hi]."""
    return lo if x < lo else (hi if x > hi else x)


@njit(cache=True)
def sigmoid(x):
    """Logistic function 1 / (1 + exp(-x))."""
    return 1.0 / (1.0 + math.exp(-x))


# --- programme (model level) ------------------------------------------------------------------


@njit(cache=True)
def readiness_increment(readiness, rate, effort, efficiency):
    """Weekly rise of a workstream's readiness, with diminishing returns.

    ``dR = rate * effort * efficiency * (1 - R)`` (DESIGN.md 2.1). ``efficiency`` is
    ``1 / (1 + coordination overhead)`` (sim.model.rules.coordination_overhead): concurrent
    workstreams slow each other. Planning does not multiply the rates: it acts through what
    planning does (realistic scope, budget and expectations; ODD 7.1.9:
    sim.model.rules.effective_scope, realistic_budget, realistic_expectation).
    """
    return rate * effort * efficiency * (1.0 - readiness)


@njit(cache=True)
def coordination_overhead(concurrent, scope, cost):
    """Overhead of running workstreams side by side: ``cost * scope * n (n - 1) / 2``.

    Brooks (1975, 2nd): communication paths grow as n(n-1)/2; Flyvbjerg et al. (2022): problems
    cascade across interdependent components. Scope scales it (more functions, more interfaces).
    The programme divides every rate by ``1 + overhead`` and multiplies its weekly cost by it.
    """
    return cost * scope * concurrent * (concurrent - 1) / 2.0


@njit(cache=True)
def effective_scope(scope, planning_readiness, cut):
    """Scope of the first release after planning: ``scope * (1 - cut * R_planning)``.

    Planning sets a realistic scope ("start small": seed 001; Standish's small projects succeed
    more often, used as direction only).
    """
    return scope * (1.0 - cut * planning_readiness)


@njit(cache=True)
def realistic_budget(realism, planning_readiness, funded=1.0):
    """Budget as a share of the plan's real cost: ``realism + (1 - realism) * R_planning``, the
    increase (``realism < 1``) times ``funded``, the share of it the sponsor gets approved
    (sim.model.sponsor_rules.funded_share).

    An unplanned programme keeps its optimistic (or padded) budget; planning re-baselines it
    toward the plan's real cost (McKinsey-Oxford 2012: overruns are the rule; value assumption),
    a padded budget all the way down, an optimistic one as far as the money is found.
    """
    step = (1.0 - realism) * planning_readiness
    return realism + (step * funded if realism < 1.0 else step)


@njit(cache=True)
def realistic_expectation(base, inflation, pressure, planning_readiness):
    """The sponsor's expected benefit: ``base * (1 + inflation * pressure * (1 - R_planning))``.

    Vendor pressure inflates expectations (the pledge essay's "magic bullet"); clear goals and
    KPIs set in planning replace the vendor's promise with the organisation's own (Rigby,
    Reichheld & Schefter 2002: a customer strategy before CRM).
    """
    return base * (1.0 + inflation * pressure * (1.0 - planning_readiness))


@njit(cache=True)
def platform_rate(rate, complexity, load, package_fit, process_readiness):
    """Platform build rate: ``rate / (complexity * (1 + load * (1 - fit0) * R_process))``.

    Configuring a package around designed processes that it does not cover out of the box is
    customisation, which costs time (Soh, Kien & Tay-Yap 2000); complexity and integration load
    divide the rate as before.
    """
    return rate / (complexity * (1.0 + load * (1.0 - package_fit) * process_readiness))


@njit(cache=True)
def embed_process(embedded, platform_before, platform_gain, process_readiness):
    """Process knowledge built into the platform: the readiness-weighted mean of process readiness.

    The platform is configured around the processes known while it is built (DESIGN.md 2.1), so each
    increment of platform readiness embeds the process readiness of that week.
    """
    total = platform_before + platform_gain
    if platform_gain <= 0.0 or total <= 0.0:
        return embedded
    return embedded + platform_gain / total * (process_readiness - embedded)


@njit(cache=True)
def platform_fit(embedded, package_fit, coverage):
    """Fit of the platform to the way the organisation works: ``f = (fit0 + (1 - fit0) * E) * K``.

    ``fit0`` is the organisation's package fit, what the standard package covers out of the box;
    configuration around known processes covers the rest (Soh, Kien & Tay-Yap 2000: misfits are
    resolved by adapting the package or the process). A platform built before the processes were
    designed fits only as well as the package does (Gerson 2001). ``K`` is the share of the
    promised functions the release still covers: 1, less what a sponsor cut from a runaway
    (7.1.8). A cut-down system leaves the functions cut to manual work (Montealegre & Keil 2000:
    Denver's exit was a cut-down system with a manual backup; Keil & Mann 1997 (2nd): 23% of
    escalated projects only partially completed); that the loss is proportional is an assumption.
    """
    return (package_fit + (1.0 - package_fit) * embedded) * coverage


@njit(cache=True)
def team_package_fit(package_fit, offsets, spread):
    """Package fit of each team (function): the organisation's fit plus a centred offset.

    Misfits arise function by function (Soh, Kien & Tay-Yap 2000: the gaps between what the package
    offers and what "the adopting organization" requires, resolved by adapting, customising,
    working around or living with the shortfall), so one organisation holds teams the package
    suits and teams it does not. ``offsets`` are uniform draws in [0, 1); they are centred on
    their mean, so the organisation's package fit stays the mean over its teams (before clipping).
    The spread is an assumption.
    """
    out = offsets.copy()
    n = offsets.shape[0]
    mean = 0.0
    for j in range(n):
        mean += offsets[j]
    mean /= max(n, 1)
    for j in range(n):
        out[j] = clip(package_fit + spread * 2.0 * (offsets[j] - mean), 0.0, 1.0)
    return out


@njit(cache=True)
def eroded_expectation(expectation, benefit, floor, rate):
    """The sponsor's expectation after a week of results below it (eroding goals).

    ``E += rate * (max(floor, B) - E)`` when B < E. Aspirations adjust to the gap between
    performance and aspiration, with an optimistic bias (Lant 1992, Management Science 38(5);
    Mezias, Chen & Murphy 2002 in the field); goals "erode as a result of ... frustration due to
    persistent failure" (Barlas & Yasarcan 2006). Never below ``floor``, the expectation with no
    vendor pressure (the optimistic bias; the form an assumption); no rise after success (the final
    judgement would chase the result). The rate is an assumption.
    """
    if benefit >= expectation:
        return expectation
    target = benefit if benefit > floor else floor
    if target >= expectation:
        return expectation
    return expectation + rate * (target - expectation)


@njit(cache=True)
def budget_cut(cost_at_completion, budget, rate):
    """Share of the people and process effort cut when the cost at completion passes the budget:
    ``min(1, rate * max(0, cost_at_completion / budget - 1))``.

    The platform is what the contract delivers, so a programme squeezed by an unrealistic budget
    cuts training and change work first (practitioner reports; no survey gives a rate: docs/sources/
    lit-model-v3.md item 3). The linear form and ``rate`` are assumptions.
    """
    if budget <= 0.0:
        return 1.0
    over = cost_at_completion / budget - 1.0
    return min(1.0, rate * over) if over > 0.0 else 0.0


@njit(cache=True)
def scope_work(scope, share):
    """The platform build's size relative to a release of half the organisation's functions:
    ``(1 - share) + share * 2 * scope``.

    A share of the build (integration, migration, the platform itself) is there whatever the
    release covers; the rest grows with the functions it changes, so cutting scope shortens the
    build (McKinsey-Oxford 2012: overruns grow with size and duration; Standish, as direction
    only). ``share`` is an assumption; scope 0.5 keeps the build as large as planned.
    """
    return (1.0 - share) + share * 2.0 * scope


@njit(cache=True)
def reconfigure(embedded, process_readiness, effort, rate):
    """Reconfiguration after go-live embeds process work done since: ``E += rate * e * gap``.

    The gap is process readiness above the embedded level; a technology-first programme pays its
    assimilation debt later (Robey, Ross & Boudreau 2002, "piecemeal"). Costs money (the programme
    charges the effort).
    """
    gap = process_readiness - embedded
    if gap <= 0.0 or effort <= 0.0:
        return embedded
    return embedded + min(1.0, rate * effort) * gap


@njit(cache=True)
def support_effort(effort, commitment, adoption):
    """Training and support after go-live: ``effort * C * (1 - adoption)``.

    A committed sponsor funds training for the users not yet on board (Robey, Ross & Boudreau 2002:
    user training in the system and the new processes overcame the assimilation barrier; ODD 7.1.2
    item 8). Added to the people effort (and cost) while C is above the floor; size an assumption.
    """
    return effort * commitment * (1.0 - adoption)


@njit(cache=True)
def golive_shock(share, scope, shock, learned):
    """Extra go-live dip when a wave switches at once: ``shock * share * scope * (1 - learned)``.

    Support saturates when every team switches in one week (Panorama 2014, 2nd: 51% of firms had
    a material disruption at go-live); a later wave avoids the share its pilot learned.
    """
    return shock * share * scope * (1.0 - learned)


@njit(cache=True)
def bass_step(share, p, q, potential, quality):
    """One step of Bass diffusion of web self-service among customers' web contacts.

    ``dw = (p + q * quality * w / m) * (m - w)`` with p, q per step (Bass 1969; mean p 0.03, q
    0.38 a year across products, Sultan, Farley & Lehmann 1990, 2nd); imitation is weighted by the
    web experience relative to its best (bad encounters spread by word of mouth: Meuter et al.
    2000), m is the self-service potential (Gartner 2019: 70%).
    """
    if potential <= 0.0:
        return 0.0
    w = share + (p + q * quality * share / potential) * (potential - share)
    return clip(w, 0.0, potential)


@njit(cache=True)
def self_service(draw, share):
    """Does a web contact use self-service? ``draw < share``; returns (yes, the draw rescaled).

    The rescaled draw is a fresh uniform inside the chosen branch (as
    sim.model.customer_rules.pick_channel), so the number of random draws per customer stays fixed.
    """
    if draw < share:
        return True, min(draw / share, 1.0)
    if share >= 1.0:
        return True, 0.0
    return False, min((draw - share) / (1.0 - share), 1.0)


@njit(cache=True)
def rework_loss(platform_readiness, process_gain, embedded, process_readiness, share):
    """Platform readiness lost to rework when process design moves past what was built.

    Process readiness gained after the platform was configured (above the embedded level) forces
    part of the platform to be rebuilt (DESIGN.md 2.1: "forces rework ... or leaves fit low"). The
    loss is
    ``share * process_gain * R_platform``; share is an assumption.
    """
    if process_gain <= 0.0 or process_readiness <= embedded:
        return 0.0
    return share * process_gain * platform_readiness


@njit(cache=True)
def commitment_update(commitment, perceived, expected, alpha, delta, reinforcement, backing):
    """Sponsor commitment, after Repenning (2002).

    ``dC = alpha (perceived - expected) - delta C + reinforcement backing``, clipped to [0, 1];
    backing is the managers' mean commitment (their reinforcement of the sponsor).
    """
    dc = alpha * (perceived - expected) - delta * commitment + reinforcement * backing
    return clip(commitment + dc, 0.0, 1.0)


# --- employees --------------------------------------------------------------------------------


@njit(cache=True)
def training(skill, attitude, effort, skill_rate, attitude_rate):
    """Training while the people workstream runs raises skill and attitude ("train, explain").

    ``k += skill_rate * effort * (1 - k)``, ``a += attitude_rate * effort * (1 - a)``. Returns the
    increments (dk, da). Pledge essay "train, explain and refrain"; rates are assumptions.
    """
    return skill_rate * effort * (1.0 - skill), attitude_rate * effort * (1.0 - attitude)


@njit(cache=True)
def turnover(draw, weekly_rate):
    """Does this employee leave this week (replaced by a newcomer)? ``draw < weekly_rate``.

    Returns (leaves, the draw rescaled), as sim.model.rules.self_service: the rescaled draw is a
    fresh uniform inside the branch, which the workaround decision reuses, so each employee still
    draws two numbers a week. Sales forces lose up to 27% of their people a year (HBR 2017); a
    newcomer has to learn the CRM, so adoption cannot stay saturated without ongoing training
    (ODD 7.2.0).
    """
    return self_service(draw, weekly_rate)


@njit(cache=True)
def weekly_rate(annual):
    """The weekly probability of an event that happens to ``annual`` of the people in a year."""
    return 1.0 - (1.0 - annual) ** (1.0 / 52.0)


@njit(cache=True)
def learning_by_doing(skill, usage, tau):
    """Skill after one week of use: the exact weekly step of ``k(t) = 1 - (1 - k0) exp(-t / tau)``.

    At full use this is DESIGN.md 2.2's learning curve ``EE(t) = EE_inf - (EE_inf - EE_0)
    exp(-t / tau)`` (with EE_inf = 1); partial use slows the clock in proportion.
    """
    return 1.0 - (1.0 - skill) * math.exp(-usage / tau)


@njit(cache=True)
def intention(pe, ee, si, attitude, b0, w_pe, w_ee, w_si, w_a, scale):
    """Behavioural intention to use the CRM (UTAUT, Venkatesh et al. 2003).

    ``BI = sigmoid(scale * (b0 + w_pe PE + w_ee EE + w_si SI + w_a a))``; the weights 0.50 and 0.19
    are King & He's (2006) meta-analytic PE and EE effects, scale is calibrated.
    """
    return sigmoid(scale * (b0 + w_pe * pe + w_ee * ee + w_si * si + w_a * attitude))


@njit(cache=True)
def usage_update(usage, intention_, rate, live):
    """Usage moves toward intention after go-live and is zero before (DESIGN.md 2.2)."""
    if not live:
        return 0.0
    return clip(usage + rate * (intention_ - usage), 0.0, 1.0)


@njit(cache=True)
def workaround_probability(mandate, pe, ee, gain):
    """Chance of keeping a shadow spreadsheet: ``sigmoid(g * (mandate - PE - EE))``.

    Mandated use of a system that neither helps nor is easy breeds workarounds (Ferneley &
    Sobreperez 2006; Alter 2014).
    """
    return sigmoid(gain * (mandate - pe - ee))


@njit(cache=True)
def bounded_confidence(attitude, other, epsilon, mu):
    """Deffuant et al. (2000) bounded confidence: move toward a peer only if close enough.

    Returns the change ``mu * (a_j - a_i)`` when ``|a_j - a_i| < epsilon``, else 0.
    """
    gap = other - attitude
    if abs(gap) < epsilon:
        return mu * gap
    return 0.0


@njit(cache=True)
def experience_feedback(usage, helpfulness, reference, rate):
    """Use of a tool that helps raises attitude; one that frustrates lowers it (DESIGN.md 2.2).

    ``da = rate * u * (helpfulness - reference)``; helpfulness is (PE + EE) / 2. Rate and reference
    are assumptions.
    """
    return rate * usage * (helpfulness - reference)


@njit(cache=True)
def manager_influence(usage, team_usage, is_coach, weeks_live, window, critic_rate, coach_rate):
    """Attitude change from the manager's style after go-live.

    A critic's criticism of low usage hurts, most in the first ``window`` weeks ("refrain from
    criticism when it's all new", pledge essay): ``-critic_rate * (1 - u)`` (a quarter of that
    later). A coach reinforces visible team wins (ADKAR reinforcement, Hiatt 2006):
    ``+coach_rate * team_usage``.
    """
    if is_coach:
        return coach_rate * team_usage
    weight = 1.0 if weeks_live < window else 0.25
    return -critic_rate * weight * (1.0 - usage)


@njit(cache=True)
def shock_attitude(weeks_live, shock, weight):
    """Attitude lost in the week a team cuts over into a disrupted go-live: ``-weight * shock``.

    A cut-over that saturates support draws early criticism (ODD 7.1.10: the shock of a wave that
    switches at once; Meuter et al. 2000: customers and users blame the technology for failures).
    Zero in every other week; weight is an assumption.
    """
    return -weight * shock if weeks_live == 0 else 0.0


@njit(cache=True)
def manager_commitment(commitment, team_usage, quality, sponsor, team_live, rate, lead):
    """A manager's commitment follows the sponsor before go-live; after it, the team's usage and
    dashboards, and still, by ``lead``, the sponsor's mandate.

    After go-live the target is ``lead * sponsor + (1 - lead) * (team_usage + data_quality) / 2``
    (DESIGN.md 2.2 for the second term). Top management's support reaches users through middle
    managers ("sharing the vision" drove middle managers' buy-in: Dong, Neufeld & Higgins 2009,
    J. Information Technology 24) and keeps raising use after go-live (Liang et al. 2007, MIS
    Quarterly 31(1): top management mediates the institutional pressures on assimilation); a
    manager's commitment enters the employees' social influence (UTAUT). ``rate`` and ``lead``
    are assumptions.
    """
    if team_live:
        target = lead * sponsor + (1.0 - lead) * 0.5 * (team_usage + quality)
    else:
        target = sponsor
    return commitment + rate * (target - commitment)


@njit(cache=True)
def dip_depth(skill, dip_min, dip_max, shock):
    """Go-live productivity dip, 10 to 30% scaled by missing skill (Markus & Tanis 2000), plus the
    wave's go-live shock (sim.model.rules.golive_shock), at most 1."""
    return min(1.0, dip_min + (dip_max - dip_min) * (1.0 - skill) + shock)


@njit(cache=True)
def dip_left(weeks_live, recovery_weeks):
    """The share of a go-live dip left ``t`` weeks after go-live, ``exp(-3 t / recovery)``: the
    dip recovers in 3 to 9 months (Markus & Tanis 2000). A team's employees share it (the compiled
    employees' week takes one exponential a team, sim.model.kernels)."""
    return math.exp(-3.0 * weeks_live / recovery_weeks)


@njit(cache=True)
def productivity(dip, left, gain, usage, quality, fit):
    """Productivity J-curve: ``1 - dip * left + gain * u * q * f``, ``left`` the share of the dip
    left (``dip_left``); the later gain is proportional to ``u * q * f`` (Brynjolfsson et al.
    2021).
    """
    return 1.0 - dip * left + gain * usage * quality * fit


# --- customers (the rest: sim.model.customer_rules) ---------------------------------------


@njit(cache=True)
def web_experience(web_quality, fit, consistency):
    """Experience of web self-service: ``web_quality * fit * (0.5 + 0.5 * consistency)``."""
    return clip(web_quality * fit * (0.5 + 0.5 * consistency), 0.0, 1.0)
