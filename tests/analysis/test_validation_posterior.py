"""The trait rows' figures over the sweep across the posterior (validation_posterior)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sim.analysis import validation as v
from sim.analysis import validation_posterior as vp
from sim.model.vocabulary import TRAITS


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
                    "scenario": "industry_mix",
                    "draw": k,
                    "status": "live",
                    "met_expectations": bool(rng.random() < p),
                    "business_case_met": False,
                    "measurable_gain": False,
                    "gain_ratio": 0.0,
                    "roi": 0.0,
                    "adoption_final": 0.5,
                    "kpis_set": False,
                    "cancelled": False,
                    "seed": len(rows),
                    "replicate": len(rows),
                    **traits,
                }
            )
    return v.prepare(pd.DataFrame(rows))


def test_the_interval_carries_the_spread_between_draws():
    """The same average effect, alike in every draw or of opposite signs in half of them: the
    bootstrap of whole draws widens with the spread between draws, which a bootstrap of runs
    (the calibrated point's interval) cannot see."""
    alike = _posterior_runs([0.6] * 40)
    split = _posterior_runs([1.0, 0.2] * 20)
    e_alike, lo_alike, hi_alike = vp.effect_over_draws(
        alike, "sponsor_strength", "met_expectations"
    )
    e_split, lo_split, hi_split = vp.effect_over_draws(
        split, "sponsor_strength", "met_expectations"
    )
    assert lo_alike < e_alike < hi_alike and lo_split < e_split < hi_split
    assert e_alike > 0.2 and e_split > 0.2
    # a run-level bootstrap of the heterogeneous sweep is narrower than the draws' bootstrap
    _, lo_runs, hi_runs = v.trait_effect(split, "sponsor_strength", "met_expectations")
    assert hi_split - lo_split > hi_runs - lo_runs


def test_the_effect_is_the_pooled_top_minus_bottom_third():
    runs = _posterior_runs([0.6] * 10)
    pooled, _, _ = v.trait_effect(runs, "sponsor_strength", "met_expectations")
    effect, _, _ = vp.effect_over_draws(runs, "sponsor_strength", "met_expectations")
    assert effect == pytest.approx(pooled)


def test_posterior_texts_fill_the_trait_rows():
    runs = _posterior_runs([0.9] * 30)
    texts = vp.posterior_texts(runs)
    assert texts["rank"].startswith("rank 1 of 7") and "sweep over 30 draws" in texts["rank"]
    rows = v.sponsor_budget_rows(runs, texts)
    by_pattern = {r["pattern"]: r for r in rows}
    sponsor = next(r for p, r in by_pattern.items() if p.startswith("sponsor strength: met"))
    assert sponsor["predictive"] == texts[("met", "sponsor_strength")]
    assert all(r["predictive"].endswith("(sweep over 30 draws)") for r in rows)
    # not a posterior sweep (no draw column): nothing to show, the rows keep "-"
    assert vp.posterior_texts(runs.drop(columns="draw")) == {}
    assert all(r["predictive"] == "" for r in v.sponsor_budget_rows(runs))
