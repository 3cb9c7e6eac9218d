"""The drawn-organisation cache (sim.model.world.draw_once) gives what a fresh draw gives.

A sweep runs each seed under every scenario, and ``draw_once`` copies the organisation a seed drew
before when the values it depends on are equal (``drawn_fingerprint``). That is right only while
``draw`` reads no value outside the fingerprint: the first test records every value ``draw`` reads
for every shipped scenario (and a phased one, whose pilot teams are drawn) and checks it.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

import sim
from sim.model import world
from tests.common import SCENARIOS, SMALL


def scenario(name: str, overrides: dict | None = None):
    """A shipped scenario at the small test size, with ``overrides``."""
    return sim.load_scenario(SCENARIOS / f"{name}.toml", overrides={**SMALL, **(overrides or {})})


class _Recording(dict):
    """A scenario's values that remember which keys were read."""

    def __init__(self, values, reads):
        super().__init__(values)
        self._reads = reads

    def __getitem__(self, key):
        self._reads.add(key)
        return super().__getitem__(key)

    def get(self, key, default=None):
        self._reads.add(key)
        return super().get(key, default)


def _recording(scen, reads):
    """``scen`` (and each mix member) with values that record their reads."""
    variants = tuple(
        dataclasses.replace(v, scenario=_recording(v.scenario, reads)) for v in scen.variants
    )
    return dataclasses.replace(scen, values=_Recording(scen.values, reads), variants=variants)


#: The settings files (base.toml, calibrated.toml) are not runnable scenarios.
RUNNABLE = sorted(p for p in SCENARIOS.glob("*.toml") if p.stem not in ("base", "calibrated"))


@pytest.mark.parametrize("path", RUNNABLE, ids=lambda p: p.stem)
def test_draw_reads_only_the_values_in_the_fingerprint(path):
    scen = sim.load_scenario(path)
    members = [v.scenario for v in scen.variants] or [scen]
    for seed in range(8):  # a mix draws a different member with different seeds
        reads: set[str] = set()
        world.draw(_recording(scen, reads), np.random.default_rng(seed))
        assert reads, "nothing recorded: the test no longer sees draw's reads"
        fingerprinted = {k for m in members for k, _ in world.drawn_fingerprint(m)}
        assert reads <= fingerprinted, sorted(reads - fingerprinted)


def _same(a, b):
    for name in ("employees", "teams", "customers"):
        x, y = getattr(a, name), getattr(b, name)
        for f in dataclasses.fields(x):
            u, v = getattr(x, f.name), getattr(y, f.name)
            if isinstance(u, np.ndarray):
                np.testing.assert_array_equal(u, v)
                assert u is not v  # copies: a run changes its state in place
            else:
                assert u == v
    assert a.org == b.org and a.key == b.key and a.variant is b.variant


def test_a_kept_organisation_is_a_fresh_draw_and_leaves_the_generator_where_draw_does():
    world._DRAWN_CACHE.clear()
    phased = scenario("start_small")
    for seed in (3, 4):
        fresh_rng = np.random.default_rng(seed)
        fresh = world.draw(phased, fresh_rng)
        for _ in range(2):  # a miss, then a hit
            rng = np.random.default_rng(seed)
            kept = world.draw_once(phased, seed, rng)
            _same(kept, fresh)
            assert rng.bit_generator.state == fresh_rng.bit_generator.state
    assert len(world._DRAWN_CACHE) == 2


def test_a_run_does_not_change_what_is_kept():
    world._DRAWN_CACHE.clear()
    four_ps, technology_first = scenario("four_ps"), scenario("technology_first")
    fresh = sim.run(four_ps, seed=5).summary
    sim.run(technology_first, seed=5)  # the same organisation: kept, then run and changed
    assert sim.run(four_ps, seed=5).summary == fresh
    assert len(world._DRAWN_CACHE) == 1


def test_programmes_share_a_kept_organisation_and_organisations_do_not():
    world._DRAWN_CACHE.clear()
    rng = np.random.default_rng(0)
    world.draw_once(scenario("four_ps"), 0, rng)
    world.draw_once(scenario("four_ps", {"rollout.vendor_pressure": 0.9}), 0, rng)
    assert len(world._DRAWN_CACHE) == 1
    world.draw_once(scenario("four_ps", {"org.culture": 0.3}), 0, rng)
    world.draw_once(scenario("four_ps", {"rollout.pilot_share": 0.5}), 0, rng)
    assert len(world._DRAWN_CACHE) == 3
