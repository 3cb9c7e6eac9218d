"""Posterior sweeps (sim.experiments.posterior): draws per block of replicates, the same for every
scenario, recorded in the rows, and intervals over the draws that hold parameter uncertainty."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sim.errors import InputError
from sim.experiments.experiment import build_runs, experiment_from_dict
from sim.experiments.posterior import Posterior, draw_interval, random_effects
from sim.experiments.sweep import compare
from tests.common import ROOT
from tests.sweep_helpers import fake_load, fake_run


def write(tmp_path, frame: pd.DataFrame, name: str = "post.parquet"):
    path = tmp_path / name
    frame.to_parquet(path)
    return path


@pytest.fixture
def posterior(tmp_path) -> Posterior:
    rng = np.random.default_rng(0)
    frame = pd.DataFrame(
        {
            "rollout.vendor_pressure": rng.uniform(0, 1, 50),
            "org.employees": rng.integers(20, 40, 50).astype(float),
            "mix.technology_first": rng.uniform(0.3, 0.7, 50),
        }
    )
    return Posterior.load(write(tmp_path, frame), per_draw=4)


def test_a_block_of_replicates_shares_one_draw_chosen_by_the_seed(posterior):
    a = [posterior.values(7, rep, is_mix=True) for rep in range(12)]
    assert a[0] == a[3] and a[4] == a[7] and a[0] != a[4]  # blocks of 4
    assert a == [posterior.values(7, rep, True) for rep in range(12)]  # deterministic
    assert a != [posterior.values(8, rep, True) for rep in range(12)]  # the root seed matters
    assert isinstance(a[0]["org.employees"], int)  # integer parameters stay integers
    assert "mix.technology_first" not in posterior.values(7, 0, is_mix=False)
    assert posterior.draws(10) == 3


def test_weights_steer_the_draws(tmp_path):
    frame = pd.DataFrame({"org.complexity": [0.5, 0.9, 1.3], "weight": [0.0, 1.0, 0.0]})
    post = Posterior.load(write(tmp_path, frame), per_draw=1)
    assert {post.values(1, rep, False)["org.complexity"] for rep in range(30)} == {0.9}


@pytest.mark.parametrize(
    "frame, words",
    [
        (pd.DataFrame({"no.such": [1.0]}), "numeric model parameters"),
        (pd.DataFrame({"org.complexity": [np.nan]}), "finite"),
        (pd.DataFrame({"org.complexity": [1.0], "weight": [-1.0]}), "non-negative"),
        (pd.DataFrame({"org.complexity": []}, dtype=float), "no draws"),
    ],
)
def test_a_bad_posterior_file_is_refused(tmp_path, frame, words):
    with pytest.raises(InputError, match=words):
        Posterior.load(write(tmp_path, frame))


def test_a_missing_or_broken_file_names_the_flag(tmp_path):
    (tmp_path / "bad.parquet").write_text("not parquet")
    for path in (tmp_path / "nowhere.parquet", tmp_path / "bad.parquet"):
        with pytest.raises(InputError) as err:
            Posterior.load(path)
        assert "--posterior" in str(err.value)
    with pytest.raises(InputError, match="--per-draw"):
        Posterior.load(tmp_path / "bad.parquet", per_draw=0)


def test_every_scenario_of_a_replicate_runs_at_its_draw_and_the_file_wins(posterior):
    spec = experiment_from_dict(
        {
            "name": "drawn",
            "scenarios": ["four_ps", "technology_first"],
            "replicates": 8,
            "overrides": {"org.employees": 99},
        },
        base_dir=ROOT,
    )
    runs = build_runs(spec, ["four_ps", "technology_first"], posterior, [False, False])
    by_rep: dict[int, list[dict]] = {}
    for run in runs:
        by_rep.setdefault(run.replicate, []).append(run.overrides)
        assert run.draw == run.replicate // 4
        assert run.overrides["org.employees"] == 99  # the experiment's own override wins
    for overrides in by_rep.values():
        assert overrides[0] == overrides[1]  # the same draw for both scenarios (and seed)
    assert by_rep[0] != by_rep[4]


def test_random_effects_interval_shrinks_to_the_mean_without_spread():
    est = np.full(10, 0.4)
    mu, lo, hi, tau2 = random_effects(est, np.full(10, 0.01))
    assert mu == pytest.approx(0.4) and tau2 == 0.0
    _, lo2, hi2, tau2b = random_effects(np.linspace(0.1, 0.7, 10), np.full(10, 0.01))
    assert tau2b > 0 and hi2 - lo2 > hi - lo
    assert random_effects(est[:2], np.full(2, 0.01)) is None  # no spread from 2 draws
    assert draw_interval(np.ones(20), np.repeat(np.arange(5), 4))[0] == pytest.approx(1.0)


def test_summary_intervals_include_the_parameters_uncertainty(tmp_path):
    """The stand-in model's failure rate moves with vendor pressure: drawn from a posterior
    spread over [0, 1], the failure interval is wider than replicate noise alone."""
    rng = np.random.default_rng(1)
    post = Posterior.load(
        write(tmp_path, pd.DataFrame({"rollout.vendor_pressure": rng.uniform(0, 1, 100)})),
        per_draw=10,
    )
    kwargs = {"replicates": 300, "execution": 1, "progress": False}
    kwargs.update(run_fn=fake_run, load_fn=fake_load)
    plain = compare(["four_ps", "technology_first"], **kwargs)
    drawn = compare(
        ["four_ps", "technology_first"], posterior=post, out_dir=tmp_path / "c", **kwargs
    )

    def width(summary):
        row = summary[(summary.scenario == "four_ps") & (summary.metric == "failed")].iloc[0]
        return row.ci_high - row.ci_low

    assert width(drawn["summary"]) > 1.3 * width(plain["summary"])
    rows = pd.read_parquet(tmp_path / "c" / "runs")
    assert rows["draw"].nunique() == 30
    assert rows.groupby("replicate")["param.rollout.vendor_pressure"].nunique().max() == 1


def test_a_mix_share_reweights_the_members_and_only_a_mix_takes_it():
    import sim

    mix = sim.load_scenario(ROOT / "scenarios/industry_mix.toml")
    before = {v.scenario.name: v.weight for v in mix.variants}
    after = {v.scenario.name: v.weight for v in mix.with_overrides({"mix.big_bang": 0.6}).variants}
    assert after["big_bang"] == pytest.approx(0.6) and sum(after.values()) == pytest.approx(1)
    rest = {k: w for k, w in before.items() if k != "big_bang"}
    for k, w in rest.items():  # the others keep their proportions in the remaining 0.4
        assert after[k] == pytest.approx(0.4 * w / sum(rest.values()))
    for bad in (
        {"mix.nobody": 0.2},
        {"mix.big_bang": 1.5},
        {"mix.big_bang": 0.7, "mix.four_ps": 0.5},
    ):
        with pytest.raises(InputError):
            mix.with_overrides(bad)
    with pytest.raises(InputError, match="not a mix"):
        sim.load_scenario(ROOT / "scenarios/four_ps.toml").with_overrides({"mix.four_ps": 0.5})


def test_a_rate_over_draws_is_the_mean_of_every_run():
    """Draws of equal size weigh the same: rare events in a few draws do not pull the rate down."""
    draws = np.repeat(np.arange(100), 10)
    rng = np.random.default_rng(3)
    rate_of_draw = rng.beta(0.6, 4.0, 100)  # skewed: many draws with few events, as never live
    flags = rng.random(1000) < rate_of_draw[draws]
    value, lo, hi = draw_interval(flags, draws)
    assert value == pytest.approx(flags.mean(), abs=1e-9)
    assert lo < flags.mean() < hi


def test_a_rates_interval_over_draws_stays_inside_what_a_rate_can_be():
    """20 draws of 10 runs whose rates spread widely around 2/3: on the rate's own scale the
    prediction interval ran past 100% and was clipped there (a dashboard read '67% [33%, 100%]');
    on the logit scale it ends below 100%, holds the mean, and is wider than noise alone."""
    rng = np.random.default_rng(5)
    draws = np.repeat(np.arange(20), 10)
    rate_of_draw = np.clip(rng.normal(0.67, 0.2, 20), 0.05, 0.98)
    flags = rng.random(200) < rate_of_draw[draws]
    value, lo, hi = draw_interval(flags, draws)
    assert value == pytest.approx(flags.mean())
    assert 0.0 < lo < value < hi < 0.999
    est = np.array([flags[draws == b].mean() for b in range(20)])
    mu, lo_lin, hi_lin, _ = random_effects(est, np.full(20, value * (1 - value) / 10))
    assert hi_lin > hi  # the symmetric interval reaches further up than the logit one
    assert (hi - lo) > 2 * 1.96 * np.sqrt(value * (1 - value) / 200)  # wider than noise alone
