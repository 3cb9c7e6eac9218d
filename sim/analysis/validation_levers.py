"""The tables of experiments/sponsor_levers.toml: each lever's arm beside the calibrated point, and
what each lever does to the same organisations (paired differences).

The arms run the industry mix on the reference sweep's seeds, so every arm meets the same
organisations and draws (common random numbers) and a difference between two arms is paired: it
measures the lever itself, where the thirds of a drawn trait (docs/VALIDATION.md's pattern rows)
compare different organisations and so carry their other traits' noise.
"""

from __future__ import annotations

import pandas as pd

from sim.analysis.trait_effects import bottom_minus_top, effect_text, trait_effect
from sim.analysis.validation import paired_difference

#: The arm every other arm is paired with.
BASELINE = "calibrated"
#: Pairs compared beside each arm against the baseline: the budget at the two ends of the trait's
#: range at the calibrated point (profile.budget_realism 0.8 +/- 0.2), on the same organisations.
EXTRA_PAIRS = (("budget_realism_0.6", "budget_realism_1.0"),)
#: The outcomes whose paired differences are shown (yes/no outcomes: Newcombe intervals).
PAIRED_OUTCOMES = ("never_live", "cancelled", "failed", "financial_failure")


def lever_table(levers: pd.DataFrame) -> pd.DataFrame:
    """experiments/sponsor_levers.toml, one row an arm: the never-live gap between weak and strong
    sponsors and the budget's effect beside the calibration's failure, overrun and financial
    targets, which the same levers move (overruns among the programmes that went live, as the
    calibration's patterns measure them)."""
    rows = []
    for s in levers.scenario.unique():
        d = levers[levers.scenario == s]
        went = d[~d.never_live.astype(bool)]  # overruns as their sources measure them (ODD 7.5)
        rows.append(
            {
                "industry mix": s,
                "n": len(d),
                "never_live": float(d.never_live.mean()),
                "cancelled": float(d.cancelled.astype(bool).mean()),
                "never live, weak minus strong third": _trait_effect_text(
                    d, "sponsor_strength", "never_live", bottom_minus_top
                ),
                "sponsor effect on met expectations": _trait_effect_text(
                    d, "sponsor_strength", "met_expectations"
                ),
                "budget realism effect on met expectations": _trait_effect_text(
                    d, "budget_realism", "met_expectations"
                ),
                "abandoned": float(d.status.eq("abandoned").mean()),
                "failed": float(d.failed.mean()),
                "financial_failure": float(d.financial_failure.mean()),
                "overrun mean, went live": round(float(went.overrun.mean()), 3),
                "overrun > 1.5, went live": float((went.overrun > 1.5).mean()),
            }
        )
    return pd.DataFrame(rows)


def _trait_effect_text(d: pd.DataFrame, trait: str, outcome: str, sign=lambda e: e) -> str:
    """A trait's top-minus-bottom-third effect as text, or "-" in an arm that fixes the trait
    (its thirds would be the same runs: a difference of zero that measures nothing)."""
    if d[trait].nunique() < 2:
        return "-"
    return effect_text(sign(trait_effect(d, trait, outcome)))


def lever_contrasts(levers: pd.DataFrame) -> pd.DataFrame:
    """Paired differences (percentage points, Newcombe 95% interval) of each arm against the
    calibrated one, then of :data:`EXTRA_PAIRS`, in :data:`PAIRED_OUTCOMES`; a pair whose arms
    the experiment lacks (the calibrated one included) is left out."""
    present = set(levers.scenario.unique())
    arms = [s for s in levers.scenario.unique() if s != BASELINE]
    pairs = [(a, BASELINE) for a in arms if BASELINE in present]
    pairs += [p for p in EXTRA_PAIRS if set(p) <= present]
    rows = []
    for a, b in pairs:
        row = {"arm": a, "minus": b}
        for outcome in PAIRED_OUTCOMES:
            row[outcome] = effect_text(paired_difference(levers, a, b, outcome))
        rows.append(row)
    return pd.DataFrame(rows)
