"""Stylised behaviour of DESIGN.md 2, over a few dozen seeds each (issue: 'what it must show').

The thresholds are the qualitative claims themselves (a direction, a majority of seeds), not tuned
figures; the measured figures are printed (`pytest -s`) and reported in the README.
"""

from __future__ import annotations

import numpy as np

import sim
from tests.common import SCENARIOS

SEEDS = range(24)


def _runs(name, seeds=SEEDS, **overrides):
    scen = sim.load_scenario(
        SCENARIOS / f"{name}.toml",
        overrides={k.replace("__", "."): v for k, v in overrides.items()},
    )
    return [sim.run(scen, seed=s) for s in seeds]


def test_adoption_after_golive_follows_an_s_curve():
    """Under four_ps, adoption rises slowly, then fast, then levels off (diffusion S-curve)."""
    s_shaped, live = 0, 0
    for res in _runs("four_ps"):
        if res.summary["status"] != "live":
            continue
        ts = res.timeseries
        start = int(res.summary["golive_week"])
        curve = ts["adoption"].to_numpy()[start - 1 : start + 40]
        if curve.max() < 0.5:
            continue
        live += 1
        steps = np.diff(curve)
        peak = int(np.argmax(steps))
        # slow start (the first step is well below the fastest), fastest step in the middle of
        # the rise, and a levelling off (the last steps are well below the fastest)
        if (
            steps[0] < 0.5 * steps[peak]
            and 0.05 < curve[peak] < 0.95
            and steps[-5:].mean() < 0.25 * steps[peak]
        ):
            s_shaped += 1
    print(f"four_ps: {s_shaped} of {live} live runs with adoption > 50% have an S-shaped curve")
    assert live >= 12
    assert s_shaped >= 0.8 * live


def test_data_quality_decays_without_training_or_process_work():
    """Technology first with no people and no process work: data quality ends below its start."""
    runs = _runs("technology_first", rollout__effort__people=0.0, rollout__effort__process=0.0)
    start = np.array([r.timeseries["data_quality"].iloc[0] for r in runs])
    end = np.array([r.timeseries["data_quality"].iloc[-1] for r in runs])
    print(
        f"data quality without training or process work: {start.mean():.3f} -> "
        f"{end.mean():.3f} (mean of {len(runs)}); lower at the end in {(end < start).sum()}"
    )
    assert (end < start).mean() >= 0.9


def _paired_adoption(name, key, low, high):
    a = np.array([r.summary["adoption_final"] for r in _runs(name, **{key: low})])
    b = np.array([r.summary["adoption_final"] for r in _runs(name, **{key: high})])
    diff = b - a
    se = diff.std(ddof=1) / np.sqrt(len(diff))
    return a.mean(), b.mean(), diff.mean(), se


def test_more_people_effort_raises_final_adoption():
    lo, hi, diff, se = _paired_adoption("four_ps", "rollout__effort__people", 0.25, 2.0)
    print(
        f"four_ps: final adoption {lo:.3f} with people effort 0.25, {hi:.3f} with 2.0 "
        f"(paired difference {diff:+.3f} +- {1.96 * se:.3f})"
    )
    assert diff - 1.96 * se > 0


def test_critics_end_with_lower_adoption_than_coaches():
    for name in ("four_ps", "big_bang"):
        critic, coach, diff, se = _paired_adoption(name, "org__coach_share", 0.0, 1.0)
        print(
            f"{name}: final adoption {critic:.3f} when managers criticise early, {coach:.3f} "
            f"when they coach (paired difference {diff:+.3f} +- {1.96 * se:.3f})"
        )
        assert diff - 1.96 * se > 0
