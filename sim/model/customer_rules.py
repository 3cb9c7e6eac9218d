"""The customers' behavioural rules, one small pure scalar function each, with its source.

Split from sim.model.rules (which holds the programme's and employees' rules, and the web
self-service experience the programme also reads) to keep each module small; the same contract
holds: ``@njit`` so kernels inline them, called from Python by the Mesa agents, which keeps the two
engines equal. Numbers that are model parameters arrive as arguments (see params.py).
"""

from __future__ import annotations

import math

from numba import njit

from sim.model.rules import clip


@njit(cache=True)
def live_experience(
    skill, orientation, view, consistency, dip, w_base, w_skill, w_orient, w_view, w_cons, w_dip
):
    """Experience of a contact handled by an employee, in [0, 1] (DESIGN.md 2.3).

    Rises with the handler's skill and customer orientation, the integrated customer view
    (``u_handler * q * d``) and consistency across touch points (process readiness); falls with the
    handler's go-live productivity dip. Weights are assumptions.

    The designed touch points are executed through the CRM's shared customer record, so the
    callers pass process readiness as the consistency only where the handler's team is live; before
    go-live, after cancellation and in the no-CRM counterfactual the old channels run as they were
    (an assumption of model v3, ODD 7.3.4: a never-live programme's ROI is then the loss of its
    spend, ODD 7.5).
    """
    p = (
        w_base
        + w_skill * skill
        + w_orient * orientation
        + w_view * view
        + w_cons * consistency
        - w_dip * dip
    )
    return clip(p, 0.0, 1.0)


@njit(cache=True)
def satisfaction_update(satisfaction, experience, expectation, rate, loss_aversion):
    """Expectation-disconfirmation (Oliver 1980): S moves toward experience plus the surprise.

    ``gap = P - E``; negative gaps weigh ``loss_aversion`` (about 2) times as much;
    ``S += rate * (P + gap' - S)``, clipped to [0, 1].
    """
    gap = experience - expectation
    if gap < 0.0:
        gap = loss_aversion * gap
    return clip(satisfaction + rate * (experience + gap - satisfaction), 0.0, 1.0)


@njit(cache=True)
def expectation_update(expectation, experience, eta):
    """Expectations adapt to experience: ``E += eta * (P - E)`` (DESIGN.md 2.3, eta 0.1 to 0.3)."""
    return expectation + eta * (experience - expectation)


@njit(cache=True)
def churn_hazard(satisfaction, h0, beta):
    """Weekly churn hazard ``h0 * exp(-beta * S)`` (DESIGN.md 2.3)."""
    return h0 * math.exp(-beta * satisfaction)


@njit(cache=True)
def web_capture(stage, draw, capture_name, capture_purchase, capture_preferences):
    """Three-phase web data capture: a web visit completes the next phase with its target rate.

    Phase 1 name + e-mail (target 80%), phase 2 purchase + address (90%), phase 3 preferences
    (pledge essay). Returns the new stage (0 to 3); completeness is then at least stage / 3.
    """
    if stage == 0:
        rate = capture_name
    elif stage == 1:
        rate = capture_purchase
    elif stage == 2:
        rate = capture_preferences
    else:
        return stage
    return stage + 1 if draw < rate else stage


@njit(cache=True)
def logged_contact(completeness, gain):
    """A contact logged in the CRM adds to the profile: ``d += gain * (1 - d)``."""
    return completeness + gain * (1.0 - completeness)


@njit(cache=True)
def weekly_revenue(base, uplift, completeness, handler_usage, quality):
    """Revenue of an active customer, with cross-sell uplift from personalisation ``d * u * q``."""
    return base * (1.0 + uplift * completeness * handler_usage * quality)


@njit(cache=True)
def pick_channel(draw, bounds):
    """Touch point of a uniform draw over the cumulative channel shares, and the draw rescaled.

    Returns the channel index and ``(draw - lower) / width``, a fresh uniform inside the chosen
    channel that the capture or logging decision reuses: one draw a contact
    (sim.model.streams.next_event gives it).
    """
    lo = 0.0
    last = len(bounds) - 1
    for ch in range(last + 1):
        hi = bounds[ch]
        if draw < hi or ch == last:
            width = hi - lo
            if width <= 0.0:
                return ch, 0.0
            return ch, min((draw - lo) / width, 1.0)
        lo = hi
    return last, 0.0
