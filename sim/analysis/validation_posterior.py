"""The trait patterns of docs/VALIDATION.md over the sweep across the calibration's posterior.

The pattern rows on the sponsor and the budget (sim.analysis.validation.sponsor_budget_rows) are
judged at the calibrated point, one draw of a wide posterior (docs/calibration.md). Their
"posterior predictive" column gives the same statistic over the reference sweep run across the
posterior (``results/failure_rates_posterior``: blocks of replicates, each block at one posterior
draw, sim.experiments.posterior), as the value a new draw of the parameters would give: the
effect in each draw (the thirds cut once, on all runs, as at the calibrated point), pooled with
the random-effects prediction interval the posterior sweeps' rates use
(sim.experiments.posterior.random_effects: the spread between draws plus the uncertainty of the
mean). So a reader sees whether a pattern holds for the parameters the data allow or only at the
calibrated point. With fewer than 3 draws no spread can be estimated and nothing is shown.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from sim.analysis.trait_effects import bottom_minus_top, effect_text, sponsor_rank, thirds
from sim.analysis.validation import MIX_ARM, STOP_SOURCES, never_live_all_cancelled, prepare
from sim.errors import InputError
from sim.experiments.integrity import digest
from sim.experiments.posterior import random_effects
from sim.experiments.store import read_manifest, read_runs
from sim.model.vocabulary import TRAITS
from sim.report.data import has_draws


def effect_over_draws(d: pd.DataFrame, trait: str, outcome: str):
    """``(mean, lo, hi)``: the share with ``outcome`` in the trait's top third minus its bottom
    third, per posterior draw (the ``draw`` column), and the 95% prediction interval of a new
    draw's effect; None with fewer than 3 draws that have runs in both thirds.

    Each draw holds few runs of a third (about 3 of 10), so its within-draw variance takes each
    third's rate pooled over every draw, as sim.experiments.posterior does for a rate: with a
    draw's own rate, a draw where every run met expectations would get no variance and all the
    weight.
    """
    top, bottom = thirds(d, trait)
    sums = {}
    for name, part in (("top", top), ("bottom", bottom)):
        grouped = part.groupby("draw")[outcome].agg(["sum", "count"])
        sums[name] = grouped.rename(columns=lambda c, n=name: f"{n}_{c}")
    both = sums["top"].join(sums["bottom"], how="inner")
    if len(both) < 3:
        return None
    pooled = {n: both[f"{n}_sum"].sum() / both[f"{n}_count"].sum() for n in ("top", "bottom")}
    est = (both.top_sum / both.top_count - both.bottom_sum / both.bottom_count).to_numpy(float)
    var = sum(pooled[n] * (1 - pooled[n]) / both[f"{n}_count"] for n in ("top", "bottom"))
    res = random_effects(est, var.to_numpy(float))
    if res is None:
        return None
    mu, lo, hi, _ = res
    return float(mu), float(lo), float(hi)


def posterior_texts(runs: pd.DataFrame) -> dict:
    """The posterior sweep's figure for each trait row, keyed as sponsor_budget_rows reads them:
    ``("met", trait)``, ``"rank"`` and ``("stop", trait)``; empty for runs that are not a
    posterior sweep's or hold no mix, and without a row's key where its figure cannot be had."""
    mix = runs[runs.scenario == MIX_ARM]
    if mix.empty or not has_draws(mix):
        return {}
    note = f" (sweep over {mix['draw'].nunique()} draws)"
    met = {t: effect_over_draws(mix, t, "met_expectations") for t in TRAITS}
    texts: dict = {("met", t): effect_text(e) + note for t, e in met.items() if e is not None}
    if all(e is not None for e in met.values()):
        texts["rank"] = f"rank {sponsor_rank(met)} of {len(TRAITS)}{note}"
    same = never_live_all_cancelled(mix)
    for trait in STOP_SOURCES:
        parts = []
        for outcome in ("never_live",) if same else ("never_live", "cancelled"):
            effect = effect_over_draws(mix, trait, outcome)
            if effect is not None:
                label = "" if same else f"{outcome.replace('_', ' ')} "
                parts.append(label + effect_text(bottom_minus_top(effect)))
        if parts:
            texts[("stop", trait)] = "; ".join(parts) + note
    return texts


def posterior_sweep_texts(folder: Path, posterior: Path) -> tuple[dict, str]:
    """:func:`posterior_texts` of the posterior sweep in ``folder``, and "" or why it is not used:
    the folder has no complete sweep (or its manifest cannot be read), or it drew from another
    posterior than ``posterior`` (the calibration's file now: an older sweep would describe an
    older posterior)."""
    if not (folder / "manifest.json").exists():
        return {}, f"no posterior sweep in {folder}"
    try:
        meta = read_manifest(folder)
    except InputError as exc:
        return {}, f"cannot read the posterior sweep's manifest ({exc})"
    drawn = (meta.get("spec") or {}).get("posterior") or {}
    if meta.get("status") != "complete":
        return {}, f"the posterior sweep in {folder} is not complete"
    if not posterior.is_file() or drawn.get("sha256") != digest(posterior.read_bytes()):
        return {}, f"the posterior sweep in {folder} drew from another posterior than {posterior}"
    return posterior_texts(prepare(read_runs(folder))), ""
