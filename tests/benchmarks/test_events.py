"""sim.bench.events: the offline customer weeks as the model draws them and drawn by events.

What the bench's figures rest on: the model's pass is the model's (it reproduces a counterfactual
world's weekly series), the calendar visits the same customers as the scan that visits everyone,
and drawing by events is the model's process in distribution (a change of streams, not of rules).
"""

from __future__ import annotations

import numpy as np
import pytest

import sim
from sim.bench import events
from sim.bench.runs import MIX, mix_seeds
from sim.model.vocabulary import SERIES
from sim.model.world import World

SEEDS = mix_seeds(4)


@pytest.fixture(scope="module")
def mix():
    return sim.load_scenario(MIX)


@pytest.fixture(scope="module")
def passes(mix):
    """Each seed's three passes, and its counterfactual world run by the model."""
    out = []
    for seed in SEEDS:
        cf = World(mix, seed, "numba", True)
        weeks = {name: res for name, (_cpu, res) in events.passes(cf).items()}
        cf.run_model()
        out.append((weeks, cf))
    return out


def test_the_per_week_pass_is_the_models_counterfactual(passes):
    """The model's own loop, run by the bench, gives the counterfactual world's active customers
    and satisfaction to the bit (at the shipped parameters a counterfactual handler's offline
    experience does not change: its skill does not weigh, its productivity is 1, its orientation
    stays, so holding it at the first week's value is exact here)."""
    for weeks, cf in passes:
        pw = weeks["per_week"]
        active = cf.series[:, SERIES.index("active_customers")]
        np.testing.assert_array_equal(pw[:, 0], active)
        np.testing.assert_array_equal(pw[:, 1] / pw[:, 0], cf.series[:, SERIES.index("csat")])


def test_the_calendar_visits_the_customers_the_scan_does(passes):
    """Same draws, same customers: every week's active customers and contacts equal; the sums,
    kept as running totals in the calendar and added in slot order in the scan, equal to 1e-12."""
    for weeks, _cf in passes:
        scan, cal = weeks["scan"], weeks["calendar"]
        np.testing.assert_array_equal(scan[:, [0, 4]], cal[:, [0, 4]])
        np.testing.assert_allclose(scan[:, 1:4], cal[:, 1:4], rtol=1e-12)
        assert scan[-1, 0] < scan[0, 0]  # customers churned: the thinning was exercised


def test_every_pass_counts_a_weeks_revenue_the_same_way(passes):
    """The revenue column is the base revenue of every customer active at the week's start (the
    model's offline week: those who churn in it pay for it, arrivals start next week)."""
    for weeks, cf in passes:
        base = cf.customer_params.revenue_week[0]
        for name in ("per_week", "scan", "calendar"):
            w = weeks[name]
            np.testing.assert_allclose(w[1:, 3], base * w[:-1, 0], rtol=1e-12, err_msg=name)


def test_drawing_by_events_is_the_models_process_in_distribution(passes, mix):
    """Pooled over the seeds, the event draws give the model's contact rate (contacts per paying
    customer-week), as many customers churned by the horizon (within 6%: the two draw
    independently, about 3.5 standard deviations of the difference) and the same final
    satisfaction."""

    created = sum(int(cf.customers.created) for _w, cf in passes)

    def pooled(name):
        cols = [w[name] for w, _cf in passes]
        paying = sum(c[:, 3].sum() for c in cols) / passes[0][1].customer_params.revenue_week[0]
        contact_rate = sum(c[:, 4].sum() for c in cols) / paying
        final_active = sum(c[-1, 0] for c in cols)
        final_csat = sum(c[-1, 1] for c in cols) / final_active
        return contact_rate, created - final_active, final_csat

    p = mix.values["customer.contact_prob"]
    model, drawn = pooled("per_week"), pooled("calendar")
    assert model[0] == pytest.approx(p, abs=0.002)
    assert drawn[0] == pytest.approx(p, abs=0.002)
    assert model[1] > 0.1 * created  # churn the comparison can see (about a fifth churns)
    assert drawn[1] == pytest.approx(model[1], rel=0.06)
    assert drawn[2] == pytest.approx(model[2], abs=0.005)


def test_a_geometric_gap_has_the_weekly_trials_odds():
    """``_gap``: P(gap >= g) = (1 - p)^g, checked on a grid of uniforms."""
    p = 0.1
    u = (np.arange(200_000) + 0.5) / 200_000
    gaps = np.array([events._gap(x, 1.0 / np.log(1.0 - p)) for x in u])
    for g in range(6):
        assert (gaps >= g).mean() == pytest.approx((1 - p) ** g, abs=1e-4)
