"""The trait patterns of docs/VALIDATION.md over the sweep across the calibration's posterior.

The pattern rows on the sponsor and the budget (sim.analysis.validation.sponsor_budget_rows) are
judged at the calibrated point, one draw of a wide posterior (docs/calibration.md). Their
"posterior predictive" column gives the same statistic over the reference sweep run across the
posterior (``results/failure_rates_posterior``: blocks of replicates, each block at one posterior
draw, sim.experiments.posterior), so a reader sees whether a pattern holds for the parameters the
data allow or only at the calibrated point. The interval is a bootstrap over the draws (each
resample draws whole blocks), so it carries the parameters' uncertainty as well as the replicate
noise; the thirds are cut once, on all runs, as at the calibrated point.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.analysis.validation import (
    MIX_ARM,
    N_BOOT,
    _thirds,
    bottom_minus_top,
    effect_text,
)
from sim.model.vocabulary import TRAITS


def effect_over_draws(d: pd.DataFrame, trait: str, outcome: str, seed: int = 0):
    """Share with ``outcome`` in the trait's top third minus its bottom third over the runs
    ``d`` of a posterior sweep, with a 95% percentile interval from a bootstrap of whole draws
    (the ``draw`` column: the block of replicates that shared one posterior draw)."""
    top, bottom = _thirds(d, trait)
    draws = np.unique(d["draw"].to_numpy())
    index = {k: i for i, k in enumerate(draws)}

    def per_draw(part):
        where = part["draw"].map(index).to_numpy()
        hits = np.bincount(where, part[outcome].astype(float).to_numpy(), len(draws))
        return hits, np.bincount(where, minlength=len(draws)).astype(float)

    (top_hits, top_n), (bottom_hits, bottom_n) = per_draw(top), per_draw(bottom)
    rng = np.random.default_rng(seed)
    weights = rng.multinomial(len(draws), np.full(len(draws), 1 / len(draws)), N_BOOT)
    with np.errstate(invalid="ignore", divide="ignore"):
        boot = weights @ top_hits / (weights @ top_n) - weights @ bottom_hits / (weights @ bottom_n)
    lo, hi = np.nanquantile(boot, [0.025, 0.975])
    effect = top_hits.sum() / top_n.sum() - bottom_hits.sum() / bottom_n.sum()
    return float(effect), float(lo), float(hi)


def posterior_texts(runs: pd.DataFrame) -> dict:
    """The posterior sweep's figure for each trait row, keyed as sponsor_budget_rows reads them:
    ``("met", trait)``, ``"rank"`` and ``("stop", trait, outcome)``; empty without a ``draw``
    column (not a posterior sweep) or without mix runs."""
    mix = runs[runs.scenario == MIX_ARM]
    if mix.empty or "draw" not in mix:
        return {}
    n_draws = mix["draw"].nunique()
    met = {t: effect_over_draws(mix, t, "met_expectations") for t in TRAITS}
    rank = sorted(TRAITS, key=lambda t: -abs(met[t][0])).index("sponsor_strength") + 1
    texts: dict = {("met", t): effect_text(e) for t, e in met.items()}
    texts["rank"] = f"rank {rank} of {len(TRAITS)}"
    for trait in ("sponsor_strength", "budget_realism"):
        for outcome in ("never_live", "cancelled"):
            effect = bottom_minus_top(effect_over_draws(mix, trait, outcome))
            texts[("stop", trait, outcome)] = effect_text(effect)
    return {k: f"{v} (sweep over {n_draws} draws)" for k, v in texts.items()}
