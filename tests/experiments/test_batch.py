"""sim.experiments.batch: parameter points x seeds in one process, on common random numbers."""

from __future__ import annotations

import math

import pytest

import sim
from sim.errors import InputError
from sim.experiments.batch import run_points
from sim.model import outcomes
from tests.common import small_scenario

POINTS = [{}, {"rollout.vendor_pressure": 0.9}, {"sponsor.goal_erosion": 0.02}]


def _same(a, b) -> bool:
    if isinstance(a, float) and isinstance(b, float):
        return a == b or (math.isnan(a) and math.isnan(b))
    return a == b


def test_rows_are_the_runs_a_sweep_makes():
    scen = small_scenario("four_ps")
    rows = run_points(scen, POINTS, seeds=[3, 8])
    assert list(rows["point"]) == [0, 1, 2, 0, 1, 2]  # seed-major
    assert list(rows["replicate"]) == [0, 0, 0, 1, 1, 1]
    for _, row in rows.iterrows():
        point = POINTS[row["point"]]
        outcomes._CF_CACHE.clear()
        alone = sim.run(scen.with_overrides(point) if point else scen, seed=row["seed"]).summary
        assert all(_same(row[k], v) for k, v in alone.items()), row["point"]
        assert all(row[f"param.{k}"] == v for k, v in point.items())


def test_points_that_change_only_the_programme_share_a_counterfactual(monkeypatch):
    from sim.model.world import World  # what sim.run builds for the numba engine

    made = []
    real_init, real_twin = World.__init__, World.counterfactual_twin

    def init(self, *args, **kwargs):
        made.append(kwargs.get("counterfactual", False))
        real_init(self, *args, **kwargs)

    def twin(self):
        made.append(True)
        return real_twin(self)

    monkeypatch.setattr(World, "__init__", init)
    monkeypatch.setattr(World, "counterfactual_twin", twin)
    outcomes._CF_CACHE.clear()
    run_points(small_scenario("four_ps"), POINTS, seeds=[3, 8])
    assert made.count(True) == 2  # one counterfactual per seed, three points each
    assert made.count(False) == 6


def test_a_bad_point_fails_before_any_run(monkeypatch):
    from sim.model.world import World  # what sim.run builds for the numba engine

    def no_run(*args, **kwargs):
        raise AssertionError("a run started")

    monkeypatch.setattr(World, "__init__", no_run)
    with pytest.raises(InputError) as err:
        run_points("four_ps", [{}, {"rollout.vendor_pressure": 7.0}], seeds=[1])
    assert "rollout.vendor_pressure" in str(err.value)
