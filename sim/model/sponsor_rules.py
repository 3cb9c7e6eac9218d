"""The sponsor's rules: what an executive sponsor's strength and commitment do to a programme.

One small pure scalar function each, with its source, like sim.model.rules (split from it so that
each module stays one subject): the sponsor staffs the workstreams, rescopes a runaway, lets an
undefended one be stopped, and escalates a defended one (more money and more people). Compiled
with ``@njit`` for the same reason as sim.model.rules: both engines call them from the compiled
programme week.
"""

from __future__ import annotations

from numba import njit


@njit(cache=True)
def sponsorship(strength, commitment):
    """Active sponsorship: the sponsor's strength (authority, time, budget power) times their
    commitment (the will, Repenning's stock, which moves with results).

    Top-management support is several actions, resources, change management and vision sharing
    (Dong, Neufeld & Higgins 2009, J. Information Technology 24), and it "tends to change over
    time" (Boonstra 2013, Int. J. Project Management 31(4)): a strong sponsor who has lost faith
    and a committed one without power both act weakly. The product form is an assumption.
    """
    return strength * commitment


@njit(cache=True)
def released_effort(drain, sponsorship_):
    """Share of a workstream's planned effort the organisation actually releases from the day job:
    ``1 - drain * (1 - sponsorship)``.

    A sponsor frees project staff and users from their regular work; without that, the team
    works the project beside the day job and the plan slips (Dong et al. 2009: resource provision
    "affected project completion"; a practitioner: "hire temporary help to backfill key user team
    members in their regular jobs", Scavo 2002; Prosci: sponsorship ensures that "priorities are
    established between competing initiatives"). ``drain`` is an assumption.
    """
    return 1.0 - drain * (1.0 - sponsorship_)


@njit(cache=True)
def funded_share(strength, gate):
    """Share of the budget increase that planning finds necessary which the sponsor gets
    approved: ``1 - gate * (1 - strength)``.

    Top management's support is, first, resource provision, and it "affected project completion"
    (Dong, Neufeld & Higgins 2009, J. Information Technology 24); the sponsor's strength is their
    authority, time and budget power (ODD 2). Planning finds what the plan really costs
    (rules.realistic_budget), but money beyond the approved budget comes only through someone
    with the power to get it: a weak sponsor's programme keeps much of its optimistic budget and
    builds squeezed by it (rules.budget_cut). A padded budget is cut to the real cost without
    anyone's help (sim.model.rules.realistic_budget applies this share only to an increase). The
    linear form and ``gate`` are assumptions (``gate`` 0: every re-baseline is funded, model v2).
    """
    return 1.0 - gate * (1.0 - strength)


@njit(cache=True)
def rescoped(scope, strength, cut):
    """Scope after a sponsor de-escalates a runaway project: ``scope * (1 - cut * strength)``.

    De-escalation is triggered from outside the project team and done by "managing resources
    better or changing their level" (Keil & Robey 1999, JMIS 15(4)); at the Denver airport the
    exit was a cut-down system (Montealegre & Keil 2000, MIS Quarterly 24(3)). A weak sponsor has
    not the authority to redefine the project, which then escalates: it keeps absorbing resources
    on its original course (Keil 1995). ``cut`` is an assumption.
    """
    return scope * (1.0 - cut * strength)


@njit(cache=True)
def runaway_stopped(weeks_over, review_weeks, sponsorship_, floor):
    """A runaway project (spend past its budget before go-live) is stopped once it has run over
    budget for ``review_weeks`` and its active sponsorship is below ``floor``:
    ``weeks_over >= review_weeks and sponsorship < floor``.

    Behavioural, political and organisational issues dominate abandonment decisions
    (Ewusi-Mensah & Przasnyski 1991); "lack of corporate leadership" is the first abandonment
    factor (JCIS 2000). De-escalation takes time and an outside trigger (Montealegre & Keil 2000;
    Keil & Robey 1999), so a runaway first escalates; at the review a strong sponsor has rescoped
    it (``rescoped``), a committed one funds it on (Keil 1995), a weak one lets it be stopped
    (docs/sources/lit-model-v3.md 2.5, 10; ODD 7.1.14). Form, lag and floor are assumptions.
    """
    return weeks_over >= review_weeks and sponsorship_ < floor


@njit(cache=True)
def cancel_limit(multiple, escalation, sponsorship_, completion):
    """Spend, as a multiple of the budget, past which a programme is cancelled:
    ``multiple + escalation * sponsorship * completion``.

    A runaway "takes on a life of its own, continuing to absorb valuable resources" when it has
    backing: CONFIG had top-management support and ran about ten years (Keil 1995, MIS Quarterly
    19(4)). Escalation is "constantly adding resources to the project" (Keil, Mann & Rai 2000, MIS
    Quarterly 24(4), as read by Budzier (2nd)); the completion effect (the nearer the project seems
    to completion, the more is added) classified escalation best, and escalated projects overran
    by 158% against 20% (Keil & Mann 1997 (2nd)). So the limit rises with the active sponsorship
    (strength x commitment) and the completion the sponsor sees (0 to 1; 1 once live). Without a
    sponsor's backing the limit is the organisation's own, ``multiple``. The linear form and
    ``escalation`` are assumptions (docs/sources/lit-model-v3.md 2.1, 2.2).
    """
    return multiple + backing(escalation, sponsorship_, completion)


@njit(cache=True)
def backing(escalation, sponsorship_, completion):
    """What a backing sponsor adds to a runaway, in multiples of what the organisation would
    give it alone: ``escalation * sponsorship * completion``. One term for both faces of
    escalation: the money it may spend (``cancel_limit``) and the people it keeps building with
    (``escalated_effort``). Sources and assumptions: those two rules.
    """
    return escalation * sponsorship_ * completion


@njit(cache=True)
def escalated_effort(effort, escalation, sponsorship_, completion):
    """Platform effort a late programme (past its planned phases, not yet live) keeps up each
    week: ``effort * (1 + escalation * sponsorship * completion)``.

    Escalation is "constantly adding resources to the project" (Keil, Mann & Rai 2000, as read by
    Budzier (2nd)); managers "continue pouring in more resources" (Keil & Montealegre 2000). So
    the backing that raises the cancel limit (``cancel_limit``: the money a sponsor lets a late
    project spend) also staffs it: the organisation's own late effort, ``effort``
    (``rollout.extension_effort``), grows by the same term. Without a backing sponsor the late
    project keeps its own effort. The linear form, shared with ``cancel_limit``, is an
    assumption (docs/sources/lit-model-v3.md 2.2, 2.5).
    """
    return effort * (1.0 + backing(escalation, sponsorship_, completion))
