"""The trait rows' figures over the sweep across the posterior (validation_posterior)."""

from __future__ import annotations

import json

import numpy as np

from sim.analysis import validation as v
from sim.analysis import validation_posterior as vp
from sim.experiments.integrity import digest
from sim.model.vocabulary import TRAITS
from tests.common import validation_runs


def _posterior_runs(effect_by_draw, per_draw=60, seed=0):
    """Mix runs in blocks (one block a draw): in draw k, meeting expectations rises with sponsor
    strength by ``effect_by_draw[k]`` (a linear probability), the other traits do nothing."""
    rng = np.random.default_rng(seed)
    rows = []
    for k, effect in enumerate(effect_by_draw):
        for _ in range(per_draw):
            traits = {t: rng.random() for t in TRAITS}
            p = 0.5 + effect * (traits["sponsor_strength"] - 0.5)
            rows.append(
                {
                    "draw": k,
                    "met_expectations": bool(rng.random() < p),
                    "seed": len(rows),
                    "replicate": len(rows),
                    **traits,
                }
            )
    return validation_runs(rows)


def _width(effect):
    return effect[2] - effect[1]


def test_the_interval_is_that_of_a_new_draw():
    """The same mean effect, alike in every draw or of opposite signs in half of them: the
    prediction interval of a new draw's effect is much wider where the draws disagree (and then
    reaches below zero), whatever the number of draws; a bootstrap of runs cannot see this."""
    alike = vp.effect_over_draws(
        _posterior_runs([0.6] * 40), "sponsor_strength", "met_expectations"
    )
    split_runs = _posterior_runs([1.6, -0.4] * 20)
    split = vp.effect_over_draws(split_runs, "sponsor_strength", "met_expectations")
    assert alike[1] > 0 and alike[1] < alike[0] < alike[2]
    assert split[1] < 0 < split[0] < split[2]
    assert _width(split) > 1.5 * _width(alike)
    runs_only = v.trait_effect(split_runs, "sponsor_strength", "met_expectations")
    assert runs_only[1] > 0  # the run bootstrap says "clear of zero"
    more = _posterior_runs([1.6, -0.4] * 80, seed=1)
    wider = vp.effect_over_draws(more, "sponsor_strength", "met_expectations")
    assert wider[1] < 0  # more draws narrow the mean's uncertainty, not the spread between draws


def test_the_effect_is_the_mean_of_the_draws_effects():
    runs = _posterior_runs([0.6] * 10, per_draw=90)
    pooled, _, _ = v.trait_effect(runs, "sponsor_strength", "met_expectations")
    effect, _, _ = vp.effect_over_draws(runs, "sponsor_strength", "met_expectations")
    assert abs(effect - pooled) < 0.05  # equal draws: about the pooled effect


def test_fewer_than_three_draws_give_no_figure():
    runs = _posterior_runs([0.6, 0.6], per_draw=90)
    assert vp.effect_over_draws(runs, "sponsor_strength", "met_expectations") is None
    texts = vp.posterior_texts(runs)
    assert "rank" not in texts and ("met", "sponsor_strength") not in texts


def test_posterior_texts_fill_the_trait_rows():
    runs = _posterior_runs([0.9] * 30)
    texts = vp.posterior_texts(runs)
    assert texts["rank"].startswith("rank 1 of 7") and "sweep over 30 draws" in texts["rank"]
    rows = v.sponsor_budget_rows(runs, texts)
    sponsor = next(r for r in rows if r["pattern"].startswith("sponsor strength: met"))
    assert sponsor["predictive"] == texts[("met", "sponsor_strength")]
    assert all(r["predictive"].endswith("(sweep over 30 draws)") for r in rows)
    # not a posterior sweep (no draw column): nothing to show, the rows keep "-"
    assert vp.posterior_texts(runs.drop(columns="draw")) == {}
    assert all(r["predictive"] == "" for r in v.sponsor_budget_rows(runs))


def test_never_live_and_cancelled_apart_where_the_posterior_tells_them_apart():
    runs = _posterior_runs([0.9] * 30)
    runs["never_live"] = runs["sponsor_strength"] < 0.3
    runs["cancelled"] = runs["never_live"]
    merged = vp.posterior_texts(runs)[("stop", "sponsor_strength")]
    assert "cancelled" not in merged  # the same runs: one figure
    runs.loc[runs.index[0], "cancelled"] = not runs.loc[runs.index[0], "never_live"]
    apart = vp.posterior_texts(runs)[("stop", "sponsor_strength")]
    assert apart.startswith("never live +") and "; cancelled +" in apart


def test_a_sweep_from_another_posterior_or_unfinished_is_not_read(tmp_path):
    posterior = tmp_path / "posterior.parquet"
    posterior.write_bytes(b"draws")
    folder = tmp_path / "sweep"
    texts, why = vp.posterior_sweep_texts(folder, posterior)
    assert texts == {} and "no posterior sweep" in why
    folder.mkdir()
    meta = {"status": "partial", "spec": {"posterior": {"sha256": digest(posterior.read_bytes())}}}
    (folder / "manifest.json").write_text(json.dumps(meta))
    assert "not complete" in vp.posterior_sweep_texts(folder, posterior)[1]
    meta = {"status": "complete", "spec": {"posterior": {"sha256": "0" * 64}}}
    (folder / "manifest.json").write_text(json.dumps(meta))
    why = vp.posterior_sweep_texts(folder, posterior)[1]
    assert "another posterior" in why
    (folder / "manifest.json").write_text("{not json")  # damaged: a note, no traceback
    assert "cannot read" in vp.posterior_sweep_texts(folder, posterior)[1]
