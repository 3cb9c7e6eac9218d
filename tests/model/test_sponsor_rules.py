"""The sponsor's rules (sim.model.sponsor_rules), one test each: values at known points."""

from pytest import approx

from sim.model import sponsor_rules


def test_sponsorship_needs_both_strength_and_commitment():
    assert sponsor_rules.sponsorship(0.9, 0.8) == approx(0.72)
    assert sponsor_rules.sponsorship(0.0, 1.0) == 0.0  # committed but powerless
    assert sponsor_rules.sponsorship(1.0, 0.0) == 0.0  # powerful but given up


def test_released_effort():
    # 1 - drain x (1 - sponsorship): all of it with full sponsorship, 1 - drain with none
    assert sponsor_rules.released_effort(0.5, 1.0) == 1.0
    assert sponsor_rules.released_effort(0.5, 0.0) == approx(0.5)
    assert sponsor_rules.released_effort(0.5, 0.4) == approx(1 - 0.5 * 0.6)
    assert sponsor_rules.released_effort(0.0, 0.0) == 1.0  # no day job to lose people to


def test_funded_share():
    # 1 - gate x (1 - strength): a strong sponsor gets the whole re-baseline, a weak one little
    assert sponsor_rules.funded_share(1.0, 1.0) == 1.0
    assert sponsor_rules.funded_share(0.0, 1.0) == 0.0
    assert sponsor_rules.funded_share(0.4, 0.5) == approx(1 - 0.5 * 0.6)
    assert sponsor_rules.funded_share(0.0, 0.0) == 1.0  # gate 0: every increase funded (model v2)


def test_rescoped():
    # scope x (1 - cut x strength): a strong sponsor cuts, a weak one barely does
    assert sponsor_rules.rescoped(0.6, 1.0, 0.5) == approx(0.3)
    assert sponsor_rules.rescoped(0.6, 0.1, 0.5) == approx(0.6 * 0.95)
    assert sponsor_rules.rescoped(0.6, 0.0, 0.5) == 0.6


def test_runaway_stopped():
    # stopped only after the review and with active sponsorship below the floor
    assert sponsor_rules.runaway_stopped(13, 13, 0.1, 0.2)
    assert not sponsor_rules.runaway_stopped(12, 13, 0.1, 0.2)  # not reviewed yet: it escalates
    assert not sponsor_rules.runaway_stopped(20, 13, 0.3, 0.2)  # a defended runaway escalates
    assert not sponsor_rules.runaway_stopped(20, 13, 0.2, 0.2)  # at the floor: still defended


def test_cancel_limit():
    # multiple + escalation x sponsorship x completion: the organisation's limit without backing
    assert sponsor_rules.cancel_limit(1.75, 1.0, 0.0, 1.0) == 1.75  # nobody backs it
    assert sponsor_rules.cancel_limit(1.75, 1.0, 0.8, 0.0) == 1.75  # nothing seen done yet
    assert sponsor_rules.cancel_limit(1.75, 0.0, 0.8, 1.0) == 1.75  # no escalation at all
    assert sponsor_rules.cancel_limit(1.75, 1.0, 0.8, 0.5) == approx(1.75 + 0.4)
    # the completion effect: the nearer done it looks, the more a backing sponsor adds
    assert sponsor_rules.cancel_limit(1.75, 1.0, 0.8, 0.9) > sponsor_rules.cancel_limit(
        1.75, 1.0, 0.8, 0.3
    )


def test_escalated_effort():
    # effort x (1 + escalation x sponsorship x completion): the organisation's own late effort
    # without backing, more people the more a committed, powerful sponsor sees done
    assert sponsor_rules.escalated_effort(0.6, 3.0, 0.0, 1.0) == 0.6  # nobody backs it
    assert sponsor_rules.escalated_effort(0.6, 0.0, 0.9, 1.0) == 0.6  # no escalation at all
    assert sponsor_rules.escalated_effort(0.6, 3.0, 0.8, 0.0) == 0.6  # nothing seen done yet
    assert sponsor_rules.escalated_effort(0.6, 2.0, 0.5, 0.5) == approx(0.6 * 1.5)
    # the same backing term as the cancel limit: more money to spend and more people to spend it
    backing = sponsor_rules.cancel_limit(0.0, 2.0, 0.5, 0.5)
    assert sponsor_rules.escalated_effort(1.0, 2.0, 0.5, 0.5) == approx(1.0 + backing)


def test_backing():
    # escalation x sponsorship x completion: nothing without escalation, a sponsor or progress
    assert sponsor_rules.backing(2.0, 0.5, 0.5) == approx(0.5)
    assert sponsor_rules.backing(0.0, 0.9, 1.0) == 0.0
    assert sponsor_rules.backing(3.0, 0.0, 1.0) == 0.0
    assert sponsor_rules.backing(3.0, 0.8, 0.0) == 0.0
    # both faces of escalation add exactly this term
    b = sponsor_rules.backing(3.7, 0.6, 0.8)
    assert sponsor_rules.cancel_limit(1.75, 3.7, 0.6, 0.8) == 1.75 + b
    assert sponsor_rules.escalated_effort(0.6, 3.7, 0.6, 0.8) == 0.6 * (1.0 + b)
