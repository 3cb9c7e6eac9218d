"""The benchmark's timers, on a fake clock (what is divided by what, not how fast anything is)."""

from __future__ import annotations

import pytest

from sim.bench import timing


def test_a_compiled_loop_is_timed_per_call_of_its_kernel(monkeypatch):
    """``timed_compiled`` runs the loop ``number`` times per sample, chosen from one call to last
    about the target, and reports the time of one call of the kernel."""
    clock = [0.0]
    loops = []
    monkeypatch.setattr(timing.time, "perf_counter", lambda: clock[0])

    def repeat(times, cost):  # a compiled loop calling a kernel of ``cost`` seconds ``times`` times
        loops.append(times)
        clock[0] += times * cost

    res = timing.timed_compiled(repeat, (0.002,), repeats=5, target_s=0.1)
    assert res["number"] == 50 and res["repeats"] == 5
    for key in ("median_s", "min_s", "max_s"):
        assert res[key] == pytest.approx(0.002, rel=1e-9)
    assert loops[:2] == [1, 1]  # loaded, then one call to size the samples
    assert loops[2:] == [50] * 6  # timed's warm-up call, then the 5 samples
