"""Pattern-oriented validation (Grimm et al. 2005): one row a pattern, what kind of test it is, its
source, the model's figure and whether it holds.

``make validation`` (``python -m sim.cli.validation``) reads the reference sweep of
experiments/failure_rates.toml, runs what a pattern needs besides (sim.analysis.validation_runs:
the orderings on equal resources, the orderings at four and five years), and writes
docs/VALIDATION.md (sim/report/validation_doc.py) with its tables under
``results/reference/validation/``. Nothing in the document is typed by hand, and whether a pattern
holds is decided by the band written beside it (the source's figure), never by tuning the output.

Every row has a ``kind`` (DESIGN.md 2.7, the honest tally):

* ``calibrated``: a pattern the calibration fits (experiments/calibration.toml, not held out);
  holding it tests the fit, not the model;
* ``independent``: an output the calibration never saw (a held-out pattern of the calibration
  file, or a pattern only this module computes), with a band that could fail;
* ``built in``: a rule sets it directly (the go-live dip's depth is the rule's range);
* ``constraint``: a requirement of ours, not data (no ordering doomed or safe by construction).

The headline counts the independent patterns that hold.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd

from sim.analysis.calibration_spec import load_calibration
from sim.analysis.patterns import MIX, Panel
from sim.analysis.trait_effects import (
    N_BOOT,
    bottom_minus_top,
    effect_text,
    sponsor_rank,
    thirds,
    top_two_share,
    trait_effect,
)
from sim.experiments.stats import newcombe_paired_interval, wilson_interval
from sim.experiments.summary import rate_columns
from sim.model.vocabulary import TRAITS
from sim.shipped import source_root

ROOT = source_root()  # the checkout (sim.shipped)
ORDERINGS = ("technology_first", "big_bang", "people_process_platform", "four_ps", "start_small")
MIX_ARM = "industry_mix"  # the reference sweep's mix: one ordering drawn per organisation
KINDS = ("calibrated", "independent", "built in", "constraint")
Z95 = 1.959963984540054


def _pct(x: float) -> str:
    return f"{100 * x:.1f}%"


def rate_text(flags) -> str:
    """A share of true flags with its 95% Wilson interval, as the pattern rows write it."""
    flags = np.asarray(flags, dtype=bool)
    p, lo, hi = wilson_interval(int(flags.sum()), len(flags))
    return f"{_pct(p)} [{_pct(lo)}, {_pct(hi)}]"


def prepare(runs: pd.DataFrame) -> pd.DataFrame:
    """Finished runs with the rate columns of summary.csv (failed, never_live, ...)."""
    ok = runs[runs["status"].notna()].copy()
    rates = rate_columns(ok)
    for col in rates.columns:
        ok[col] = rates[col].to_numpy()
    return ok


def pattern_row(pattern, kind, source, expected, model, holds, predictive="") -> dict:
    """One row of the patterns table (its columns: docs/VALIDATION.md's table)."""
    return {
        "pattern": pattern,
        "kind": kind,
        "source": source,
        "expected": expected,
        "model": model,
        "predictive": predictive,
        "holds": holds,
    }


# --- the calibration file's patterns, on the reference sweep -------------------------------------


def calibration_rows(ok: pd.DataFrame, calibration: Path, predictive: Path | None) -> list[dict]:
    """Every pattern of the calibration file, computed on the reference sweep at the calibrated
    point: ``calibrated`` if it is fitted, ``independent`` if it is held out. The mix's figures
    are the reference sweep's own industry-mix runs; the posterior predictive interval from the
    calibration's fresh runs stands beside each where the reference calibration has one."""
    spec = load_calibration(calibration)
    pred = pd.read_csv(predictive) if predictive is not None and predictive.exists() else None
    panel = Panel(ok, sorted(ok["scenario"].astype(str).unique()))
    rows = []
    for p in spec.patterns:
        q = replace(p, arm=MIX_ARM) if p.arm == MIX else p
        fig = q.compute(panel, {MIX_ARM: 1.0})
        half = Z95 * np.sqrt(fig.var) if np.isfinite(fig.var) else np.nan
        pct = p.kind in ("rate", "difference", "contrast")
        fmt = _pct if pct else (lambda x: f"{x:.2f}")
        model = f"{fmt(fig.value)} [{fmt(fig.value - half)}, {fmt(fig.value + half)}]"
        expected = f"{fmt(p.low)} to {fmt(p.high)}"
        text = ""
        if pred is not None and p.name in set(pred["pattern"]):
            r = pred[pred["pattern"] == p.name].iloc[0]
            text = f"{fmt(r.pred_median)} [{fmt(r.pred_low)}, {fmt(r.pred_high)}]"
        rows.append(
            pattern_row(
                f"{p.name}: {q.describe()}",
                "independent" if p.held_out else "calibrated",
                p.source,
                expected,
                model,
                bool(p.low <= fig.value <= p.high),
                text,
            )
        )
    return rows


# --- patterns only this module computes ----------------------------------------------------------


#: Sources of the stop rows: an abandonment factor for the weak sponsor, one for the budget.
STOP_SOURCES = {
    "sponsor_strength": (
        "weak-sponsor third minus strong third",
        "Ewusi-Mensah & Przasnyski 1991; JCIS 2000 ('lack of corporate leadership' the first "
        "abandonment factor); Prosci (weak sponsorship: 'unavailability of resources to support "
        "the project')",
        0.05,
    ),
    "budget_realism": (
        "unrealistic-budget third minus realistic third",
        "Ewusi-Mensah & Przasnyski 1991 (projects abandoned for 'cost overruns and/or schedule "
        "slippages' among other factors); JCIS 2000 ('deviation from timetable or budget' an "
        "abandonment factor; docs/sources/lit-model-v3.md section 10)",
        0.0,
    ),
}


def never_live_all_cancelled(mix: pd.DataFrame) -> bool:
    """Whether never live and cancelled are the same runs (no programme was still being built at
    the horizon): the two stop rows are then one pattern, counted once."""
    return bool((mix["never_live"].astype(bool) == mix["cancelled"].astype(bool)).all())


def _stop_rows(mix: pd.DataFrame, predictive: dict) -> list[dict]:
    """Never live, and cancelled before go-live, in a trait's bottom third minus its top third.
    The abandonment studies counted decisions to stop; never live adds the programmes still being
    built at the horizon (ODD 7.5), so both are reported, but as one pattern, counted once, when
    no programme was still being built (the two flags are then the same runs)."""
    same = never_live_all_cancelled(mix)
    outcomes = (
        (("never_live", "never live, every one cancelled (one pattern here)"),)
        if same
        else (("never_live", "never live"), ("cancelled", "cancelled"))
    )
    rows = []
    for trait, (contrast, source, least) in STOP_SOURCES.items():
        for outcome, label in outcomes:
            d, lo, hi = bottom_minus_top(trait_effect(mix, trait, outcome))
            size = f">= +{100 * least:.0f} pp" if least else "> 0"
            rows.append(
                pattern_row(
                    f"{label}: {contrast} (industry mix)",
                    "independent",
                    source,
                    f"{size}, interval above 0",
                    effect_text((d, lo, hi)),
                    d >= least and lo > 0,
                    predictive.get(("stop", trait), "") if outcome == "never_live" else "",
                )
            )
    return rows


def sponsor_budget_rows(ok: pd.DataFrame, predictive: dict | None = None) -> list[dict]:
    """The sponsor and the budget as causal levers (ODD 7.1), in the industry mix; ``predictive``
    holds each row's figure over the sweep across the posterior
    (sim.analysis.validation_posterior.posterior_texts), shown beside the calibrated point's."""
    predictive = predictive or {}
    mix = ok[ok.scenario == MIX_ARM]
    met = {t: trait_effect(mix, t, "met_expectations") for t in TRAITS}
    rank = sponsor_rank(met)
    budget = met["budget_realism"]
    tms = (
        "Young & Jordan 2008 (top-management support 'the most important critical success "
        "factor'); Sharma & Yetton 2003 (meta-analysis: management support's effect on "
        "implementation success); Becker, Greve & Albers 2009 (CRM pays 'only if adequately "
        "supported')"
    )
    return [
        pattern_row(
            "sponsor strength: met expectations, top third minus bottom third (industry mix)",
            "independent",
            tms,
            "> 0, interval above 0",
            effect_text(met["sponsor_strength"]),
            met["sponsor_strength"][1] > 0,
            predictive.get(("met", "sponsor_strength"), ""),
        ),
        pattern_row(
            "sponsor strength among the two traits with the largest effect on meeting "
            "expectations (industry mix)",
            "independent",
            tms,
            "rank 1 or 2 of 7",
            f"rank {rank} of {len(TRAITS)} (top two in {top_two_share(mix):.0%} of "
            f"{N_BOOT:,} bootstrap resamples)",
            rank <= 2,
            predictive.get("rank", ""),
        ),
        *_stop_rows(mix, predictive),
        pattern_row(
            "budget realism: met expectations, top third minus bottom third (industry mix)",
            "independent",
            "McKinsey-Oxford 2012 (optimism bias: large IT projects 45% over budget); "
            "practitioner reports that training is cut first (docs/sources/lit-model-v3.md item 3)",
            "> 0, interval above 0",
            effect_text(budget),
            budget[1] > 0,
            predictive.get(("met", "budget_realism"), ""),
        ),
    ]


def paired_difference(ok: pd.DataFrame, a: str, b: str, metric: str):
    """Paired difference a - b of a binary outcome over the shared seeds, Newcombe interval."""
    x = ok[ok.scenario == a].set_index("seed")[metric]
    y = ok[ok.scenario == b].set_index("seed")[metric]
    common = x.index.intersection(y.index)
    return newcombe_paired_interval(x.loc[common].to_numpy(), y.loc[common].to_numpy())


PRACTICE_CONTRASTS = (
    (
        "technology_first",
        "four_ps",
        "failed",
        "Rigby, Reichheld & Schefter 2002 (CRM before a "
        "customer strategy: the first peril); Gerson 2001; seeds 000, 003",
    ),
    (
        "big_bang",
        "four_ps",
        "failed",
        "seed 001 ('more shelfware'); Panorama 2014 (disruption at "
        "go-live, 2nd); Standish 2015 (size; direction only)",
    ),
    (
        "big_bang",
        "start_small",
        "failed",
        "seed 001 ('start small'); Robey, Ross & Boudreau 2002 (a phased approach helped)",
    ),
    (
        "big_bang",
        "start_small",
        "never_live",
        "Standish 2015 and McKinsey-Oxford 2012 (larger "
        "scope, more cancellations; direction only); seed 001",
    ),
)


def contrast_rows(ok: pd.DataFrame, pure: pd.DataFrame | None) -> list[dict]:
    """Paired contrasts of the practice scenarios and of the orderings on equal resources."""
    rows = []
    for a, b, metric, source in PRACTICE_CONTRASTS:
        d, lo, hi = paired_difference(ok, a, b, metric)
        rows.append(
            pattern_row(
                f"{a} {'fails' if metric == 'failed' else 'never goes live'} more than {b} "
                "(practice scenarios, paired)",
                "independent",
                source,
                "difference > 0, interval above 0",
                f"{100 * d:+.1f} pp [{100 * lo:+.1f}, {100 * hi:+.1f}]",
                lo > 0,
            )
        )
    if pure is not None:
        d, lo, hi = paired_difference(pure, "technology_first", "four_ps", "failed")
        rows.append(
            pattern_row(
                "technology first fails more than the four Ps on equal resources (only the order "
                "differs; experiments/orderings_pure.toml, paired)",
                "independent",
                "Rigby, Reichheld & Schefter 2002; Gerson 2001 (platform configured before the "
                "processes are known: rework, misfit; no plan to cut scope)",
                "difference > 0, interval above 0",
                f"{100 * d:+.1f} pp [{100 * lo:+.1f}, {100 * hi:+.1f}]",
                lo > 0,
            )
        )
    return rows


def built_in_rows(ok: pd.DataFrame, series: pd.DataFrame | None, customers: int) -> list[dict]:
    """Patterns a rule sets directly: reported so no one counts them as tests."""
    rows = []
    never = ok[ok.status == "never_live"]
    rows.append(
        pattern_row(
            "a never-live programme's ROI is the loss of its spend (ROI = -1)",
            "built in",
            "ODD 7.5: process work reaches customers only through the live CRM (7.3.5)",
            "all -1",
            f"{(np.isclose(never.roi, -1.0)).mean():.0%} of {len(never)} at -1",
            bool(np.isclose(never.roi, -1.0).all()) if len(never) else None,
        )
    )
    if series is not None and len(series):
        dips, churn = _series_figures(series, customers)
        rows += [
            pattern_row(
                "J-curve depth: go-live productivity dip (median, live programmes)",
                "built in",
                "Markus & Tanis 2000 via DESIGN.md: 10% to 30% (2nd); employee.dip_min/dip_max",
                "10% to 30%",
                f"{_pct(dips.median())} (IQR {_pct(dips.quantile(0.25))} to "
                f"{_pct(dips.quantile(0.75))})",
                bool(0.10 <= dips.median() <= 0.30),
            ),
            pattern_row(
                "baseline churn: no-CRM customers lost in year 1",
                "built in",
                "DESIGN.md 2.3: 10% to 20% a year (the hazard is set so: customer.annual_churn)",
                "10% to 20%",
                _pct(churn.mean()),
                bool(0.10 <= churn.mean() <= 0.20),
            ),
        ]
    return rows


def _series_figures(series: pd.DataFrame, customers: int) -> tuple[pd.Series, pd.Series]:
    """Per run: the go-live dip (1 - lowest productivity from go-live) and the counterfactual's
    churned share of the initial customers after 52 weeks."""
    dips, churn = [], []
    for _, ts in series.groupby("run_id", sort=False):
        ts = ts.sort_values("week")
        live = ts["live"].to_numpy() > 0
        if live.any():
            dips.append(1.0 - ts["productivity"].to_numpy()[np.argmax(live) :].min())
        churn.append(ts["cf_churned"].to_numpy()[51] / customers)
    return pd.Series(dips, dtype=float), pd.Series(churn, dtype=float)


def constraint_rows(ok: pd.DataFrame) -> list[dict]:
    """Requirements of ours, not data: no ordering doomed or safe by construction."""
    fail = {s: float(ok[ok.scenario == s].failed.mean()) for s in ORDERINGS}
    gain = {s: float(ok[ok.scenario == s].measurable_gain.mean()) for s in ORDERINGS}
    return [
        pattern_row(
            "no ordering doomed or safe: failed in [10%, 90%] for every ordering",
            "constraint",
            "DESIGN.md 2.6 (every ordering can succeed or fail; seed 000: technology first "
            "usually fails, not always)",
            "10% to 90%",
            "; ".join(f"{s} {_pct(fail[s])}" for s in ORDERINGS),
            all(0.10 <= f <= 0.90 for f in fail.values()),
        ),
        pattern_row(
            "every ordering has some measurable gain",
            "constraint",
            "DESIGN.md 2.6",
            "> 0%",
            "; ".join(f"{s} {_pct(gain[s])}" for s in ORDERINGS),
            all(g > 0 for g in gain.values()),
        ),
    ]


# --- tables --------------------------------------------------------------------------------------

HORIZON_METRICS = ("failed", "financial_failure", "measurable_gain")


def horizon_table(by_horizon: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Failed, financial failure and measurable gain per ordering at each horizon, with the paired
    difference against the four Ps."""
    rows = []
    for label, frame in by_horizon.items():
        for s in ("industry_mix", *ORDERINGS):
            d = frame[frame.scenario == s]
            if d.empty:
                continue
            row = {"horizon": label, "scenario": s, "n": len(d)}
            for m in HORIZON_METRICS:
                row[m] = float(d[m].mean())
            rows.append(row)
    return pd.DataFrame(rows)


def claims_by_horizon(by_horizon: dict[str, pd.DataFrame], calibration: Path) -> pd.DataFrame:
    """Each ordering claim of the calibration file (its ``[[claims]]``: the claims the README
    states), its paired difference at each horizon, and whether its interval is above 0 there: a
    claim that holds at all three horizons is stated plainly, one that does not says so."""
    rows = []
    for c in load_calibration(calibration).claims:
        p = c.pattern
        row = {"claim": c.claim}
        for label, frame in by_horizon.items():
            frame = frame.assign(**{"_x": p.outcome.mask(frame[p.outcome.field].to_numpy())})
            d, lo, hi = paired_difference(frame, p.arm, p.baseline, "_x")
            row[label] = f"{100 * d:+.1f} pp [{100 * lo:+.1f}, {100 * hi:+.1f}]"
            row[f"{label} holds"] = bool(lo > 0)
        rows.append(row)
    return pd.DataFrame(rows)


def pure_table(pure: pd.DataFrame) -> pd.DataFrame:
    """Rates of the orderings on equal resources, with the paired failed difference vs four Ps."""
    rows = []
    for s in pure.scenario.unique():
        d = pure[pure.scenario == s]
        row = {"ordering (equal resources)": s, "n": len(d)}
        for m in ("never_live", "failed", "financial_failure", "measurable_gain"):
            row[m] = float(d[m].mean())
        if s == "four_ps":  # the baseline against itself: no difference, no interval
            row["failed vs four_ps"] = "baseline"
        else:
            diff, lo, hi = paired_difference(pure, s, "four_ps", "failed")
            row["failed vs four_ps"] = f"{100 * diff:+.1f} pp [{100 * lo:+.1f}, {100 * hi:+.1f}]"
        rows.append(row)
    return pd.DataFrame(rows)


def trait_table(ok: pd.DataFrame) -> pd.DataFrame:
    """Success (met expectations) in a trait's top third minus its bottom third, by ordering."""
    rows = []
    for s in ("industry_mix", *ORDERINGS):
        d = ok[ok.scenario == s]
        for t in TRAITS:
            top, bottom = thirds(d, t)
            effect = top.met_expectations.mean() - bottom.met_expectations.mean()
            rows.append({"scenario": s, "trait": t, "effect": float(effect)})
    return pd.DataFrame(rows)


def tf_share_table(ok: pd.DataFrame, mix_toml: Path) -> pd.DataFrame:
    """The mix figures when technology first has share w (the others keep their proportions):
    exact reweighting of the per-ordering rates (the mix draws one ordering per organisation)."""
    from sim.model.scenario import load_scenario

    mix = load_scenario(mix_toml)
    weights = {v.scenario.name: v.weight for v in mix.variants}
    others = {k: w for k, w in weights.items() if k != "technology_first"}
    total = sum(others.values())
    rows = []
    for share in (0.3, 0.4, 0.5, 0.6, 0.7):
        row = {"technology_first share": share}
        for metric in ("never_live", "measurable_gain", "failed", "financial_failure"):
            rate = share * ok[ok.scenario == "technology_first"][metric].mean()
            for k, w in others.items():
                rate += (1 - share) * w / total * ok[ok.scenario == k][metric].mean()
            row[metric] = float(rate)
        rows.append(row)
    return pd.DataFrame(rows)
