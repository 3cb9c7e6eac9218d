"""sim.bench.parts: a default run's passes, each week's timed on copies of its inputs."""

from __future__ import annotations

import numpy as np
import pytest

import sim
from sim.bench import parts
from sim.bench.runs import MIX, mix_seeds
from sim.model.vocabulary import SERIES
from sim.model.world import World


@pytest.fixture(scope="module")
def mix():
    return sim.load_scenario(MIX)


@pytest.fixture(scope="module")
def measured():
    return parts.measure(n_seeds=2)


@pytest.mark.parametrize("counterfactual", [False, True])
def test_timing_the_passes_leaves_the_world_as_a_whole_run_leaves_it(mix, counterfactual):
    """The passes are timed on copies of the week's inputs: the world stepped week by week with
    the timings in between has the series of the same world run whole, to the bit, and every
    week's customers are counted once (live or offline)."""
    seed = mix_seeds(1)[0]
    timed = World(mix, seed, "numba", counterfactual)
    start = int(timed._measures.n_active[0])
    out = parts.world_passes(timed)
    whole = World(mix, seed, "numba", counterfactual)
    whole.run_model()
    np.testing.assert_array_equal(timed.series, whole.series)
    active = whole.series[:, SERIES.index("active_customers")]
    assert out["live_cw"] + out["offline_cw"] == start + int(active[:-1].sum())


def test_the_counterfactual_has_no_live_week_and_the_run_one(measured):
    """The counterfactual's customers take the offline pass every week; a run that goes live
    takes the live pass (the mix's first seed does)."""
    rows = measured["rows"]
    assert all(r["cf_live_cw"] == 0 and r["cf_cw"] > 0 for r in rows)
    assert rows[0]["live_cw"] > 0 and rows[0]["live_s"] > 0
    assert all(r[k] > 0 for r in rows for k in ("offline_s", "employees_s", "cf_customers_s"))


def test_the_report_has_a_line_for_every_pass(measured):
    text = parts.report(measured)
    for _key, label in parts.PASSES:
        assert label in text
    assert "ns a customer-week" in text
    assert len(text.splitlines()) == 1 + len(parts.PASSES) + 3
