"""A drawn trait's effect on an outcome: the share in its top third minus its bottom third.

The organisation's traits are drawn independently (sim.model.population), so the difference
between the thirds is the trait's average effect, a model-free partial dependence. Used by the
validation's pattern rows (sim.analysis.validation), its lever table and its figures over the
posterior (sim.analysis.validation_posterior).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.model.vocabulary import TRAITS

#: bootstrap resamples of the trait effects (assumption: enough for a 95% percentile interval)
N_BOOT = 1000


def third_masks(d: pd.DataFrame, trait: str) -> tuple[np.ndarray, np.ndarray]:
    """Which runs are in the trait's top third and which in its bottom third."""
    lo, hi = d[trait].quantile([1 / 3, 2 / 3])
    return (d[trait] >= hi).to_numpy(), (d[trait] <= lo).to_numpy()


def thirds(d: pd.DataFrame, trait: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The runs in the trait's top third and in its bottom third."""
    top, bottom = third_masks(d, trait)
    return d[top], d[bottom]


def trait_effect(d: pd.DataFrame, trait: str, outcome: str, seed: int = 0):
    """Share with ``outcome`` in the trait's top third minus its bottom third, with a bootstrap
    95% percentile interval (traits are drawn independently: the trait's average effect)."""
    top, bottom = thirds(d, trait)
    a = top[outcome].astype(float).to_numpy()
    b = bottom[outcome].astype(float).to_numpy()
    rng = np.random.default_rng(seed)
    boot = rng.choice(a, (N_BOOT, len(a))).mean(1) - rng.choice(b, (N_BOOT, len(b))).mean(1)
    lo, hi = np.quantile(boot, [0.025, 0.975])
    return float(a.mean() - b.mean()), float(lo), float(hi)


def effect_text(effect) -> str:
    d, lo, hi = effect
    return f"{100 * d:+.1f} pp [{100 * lo:+.1f}, {100 * hi:+.1f}]"


def sponsor_rank(effects: dict) -> int:
    """The sponsor's rank among the traits by the size of their effect (1: the largest);
    ``effects`` maps each trait to a tuple whose first item is its effect."""
    return sorted(TRAITS, key=lambda t: -abs(effects[t][0])).index("sponsor_strength") + 1


def top_two_share(d: pd.DataFrame, outcome: str = "met_expectations", seed: int = 0) -> float:
    """Share of bootstrap resamples of the runs ``d`` in which the sponsor's effect on ``outcome``
    is among the two largest of the traits: how firm the sponsor's rank is. The runs are resampled
    together (one resample serves every trait, so the ranks compare like with like); the thirds
    keep the cut points of all the runs."""
    y = d[outcome].astype(float).to_numpy()
    rng = np.random.default_rng(seed)
    pick = rng.integers(0, len(y), (N_BOOT, len(y)))
    sizes = []
    for trait in TRAITS:
        top, bottom = (mask[pick] for mask in third_masks(d, trait))
        with np.errstate(invalid="ignore", divide="ignore"):
            effect = (y[pick] * top).sum(1) / top.sum(1) - (y[pick] * bottom).sum(1) / bottom.sum(1)
        sizes.append(np.abs(effect))
    sizes = np.array(sizes)  # traits x resamples
    sponsor = sizes[TRAITS.index("sponsor_strength")]
    larger = (sizes > sponsor).sum(0)  # traits with a larger effect in each resample
    return float(np.mean(larger <= 1))


def bottom_minus_top(effect):
    """An effect of the top third read as one of the bottom third (bottom minus top)."""
    d, lo, hi = effect
    return 0.0 - d, 0.0 - hi, 0.0 - lo  # 0.0 - x: no "-0.0 pp" for an effect of zero
