"""sim.bench.parts: a default run's passes, each week timed at its state, and the rest."""

from __future__ import annotations

import pytest

from sim.bench import parts


@pytest.fixture(scope="module")
def measured():
    return parts.measure(n_seeds=2)


def test_the_passes_and_the_rest_make_the_run(measured):
    for r in measured["rows"]:
        assert r["passes_s"] == pytest.approx(sum(r[k] for k, _ in parts.PASSES))
        assert r["passes_s"] + r["rest_s"] == pytest.approx(r["fresh_s"])
        assert all(r[k] > 0 for k in ("offline_s", "employees_s", "cf_customers_s"))


def test_the_counterfactual_has_no_live_week_and_the_run_one(measured):
    """The counterfactual's customers take the offline pass every week; a run that goes live
    takes the live pass (the mix's first seed does). The run and its counterfactual have as many
    weeks, and customers at the start, so neither side's customer-weeks are zero."""
    rows = measured["rows"]
    assert all(r["cf_live_cw"] == 0 and r["cf_cw"] > 0 for r in rows)
    assert rows[0]["live_cw"] > 0 and rows[0]["live_s"] > 0


def test_the_report_has_a_line_for_every_pass(measured):
    text = parts.report(measured)
    for _key, label in parts.PASSES:
        assert label in text
    assert "ns a customer-week" in text
    assert len(text.splitlines()) == 1 + len(parts.PASSES) + 3
