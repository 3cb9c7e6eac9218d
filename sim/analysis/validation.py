"""Pattern-oriented validation (Grimm et al. 2005): one row a pattern, its source, the figure.

``make validation`` (``python -m sim.cli.validation``) reads the reference sweep of
experiments/failure_rates.toml (running it first if ``results/failure_rates`` is missing), runs the
few small extra experiments a pattern needs here (a 5-year horizon, one-at-a-time effects of the
calibrated parameters), and writes docs/VALIDATION.md (sim/report/validation_doc.py), its tables
under ``results/reference/validation/`` and the charts of sim/report/model_charts.py. Nothing in the
document is typed by hand: every figure comes from the runs, and whether a pattern holds is
decided by the band written beside it here (the source's figure), never by tuning the output.
"""

from __future__ import annotations

import os
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd

from sim.experiments.experiment import replicate_seeds
from sim.experiments.stats import newcombe_paired_interval, wilson_interval
from sim.model.population import TRAITS
from sim.shipped import source_root

ROOT = source_root()  # the checkout (sim.shipped)
ORDERINGS = ("technology_first", "big_bang", "people_process_platform", "four_ps", "start_small")
ROOT_SEED = 20011127  # experiments/failure_rates.toml
MIX_BANDS = {  # DESIGN.md 2.5
    "never_live": (0.09, 0.15, "AMR Research (12%, in 'Costly Rotten Mistakes'); Johnny Grow 10%"),
    "measurable_gain": (0.12, 0.20, "AMR Research: 16% improve performance measurably"),
    "failed": (0.50, 0.63, "Gartner 2001, Bain 2002 (55%), EIU 2007 (56%), Merkle 2016 (63%)"),
}
#: The calibrated parameters (experiments/calibration.toml) and the step of the one-at-a-time check;
#: expectation inflation and cross-sell, no longer fitted, are kept to show how little they move.
CALIBRATED = {
    "org.complexity": 0.2,
    "employee.utaut_b0": 0.05,
    "sponsor.expectation_inflation": 0.5,
    "employee.productivity_gain": 0.04,
    # no longer fitted (experiments/calibration.toml): kept to show how little it moves the gain
    "economics.crosssell_uplift": 0.015,
}


def _pct(x: float) -> str:
    return f"{100 * x:.1f}%"


def _rate(flags) -> tuple[float, float, float]:
    flags = np.asarray(flags, dtype=bool)
    return wilson_interval(int(flags.sum()), len(flags))


def _rate_text(flags) -> str:
    p, lo, hi = _rate(flags)
    return f"{_pct(p)} [{_pct(lo)}, {_pct(hi)}]"


def prepare(runs: pd.DataFrame) -> pd.DataFrame:
    """Successful runs with the boolean columns the patterns use."""
    ok = runs[runs["status"].notna()].copy()
    ok["failed"] = ~ok["met_expectations"].astype(bool)
    ok["never_live"] = ok["status"] == "never_live"
    ok["abandoned"] = ok["status"] == "abandoned"
    ok["measurable_gain"] = ok["measurable_gain"].astype(bool)
    return ok


def _paired(ok: pd.DataFrame, a: str, b: str, metric: str = "failed"):
    """Paired difference a - b of a binary outcome over the shared seeds, Newcombe interval."""
    x = ok[ok.scenario == a].set_index("seed")[metric]
    y = ok[ok.scenario == b].set_index("seed")[metric]
    common = x.index.intersection(y.index)
    return newcombe_paired_interval(x.loc[common].to_numpy(), y.loc[common].to_numpy())


def mix_rows(ok: pd.DataFrame) -> list[dict]:
    mix = ok[ok.scenario == "industry_mix"]
    rows = []
    for metric, (low, high, source) in MIX_BANDS.items():
        p, lo, hi = _rate(mix[metric])
        rows.append(
            {
                "pattern": f"industry mix: {metric.replace('_', ' ')}",
                "source": source,
                "expected": f"{_pct(low)} to {_pct(high)}",
                "model": f"{_pct(p)} [{_pct(lo)}, {_pct(hi)}] (n={len(mix)})",
                "holds": low <= p <= high,
            }
        )
    return rows


def ranking_rows(ok: pd.DataFrame) -> list[dict]:
    """The per-ordering patterns of issue 11: bounds, and the ranking by paired differences."""
    rows = []
    rates = {s: ok[ok.scenario == s] for s in ORDERINGS}
    fail = {s: float(d.failed.mean()) for s, d in rates.items()}
    gain = {s: float(d.measurable_gain.mean()) for s, d in rates.items()}
    rows.append(
        {
            "pattern": "no ordering doomed or safe: failed in [10%, 90%] for every ordering",
            "source": "issue 11 (seed 000: technology first usually fails, not always)",
            "expected": "10% to 90%",
            "model": "; ".join(f"{s} {_pct(fail[s])}" for s in ORDERINGS),
            "holds": all(0.10 <= f <= 0.90 for f in fail.values()),
        }
    )
    rows.append(
        {
            "pattern": "every ordering has some measurable gain",
            "source": "issue 11; CRMGuru 2002: about half pay back within 18 months (2nd)",
            "expected": "> 0%",
            "model": "; ".join(f"{s} {_pct(gain[s])}" for s in ORDERINGS),
            "holds": all(g > 0 for g in gain.values()),
        }
    )
    pairs = [(("technology_first", s), "Rigby et al. 2002; seeds 000, 003") for s in ORDERINGS[1:]]
    pairs += [
        (("big_bang", "four_ps"), "seed 001 ('more shelfware'); Standish 2015 (size, 2nd)"),
        (("big_bang", "start_small"), "seed 001 ('start small'); Robey et al. 2002 (phasing)"),
        (("people_process_platform", "four_ps"), "Gerson 2001 (planning first); seed 003"),
    ]
    for (a, b), source in pairs:
        d, lo, hi = _paired(ok, a, b)
        rows.append(
            {
                "pattern": f"{a} fails more than {b} (paired)",
                "source": source,
                "expected": "difference > 0, interval above 0",
                "model": f"{100 * d:+.1f} pp [{100 * lo:+.1f}, {100 * hi:+.1f}]",
                "holds": lo > 0,
            }
        )
    return rows


def _live_mix(ok: pd.DataFrame) -> pd.DataFrame:
    """The industry mix's live programmes (the population the survey patterns describe)."""
    return ok[(ok.status == "live") & (ok.scenario == "industry_mix")]


def adoption_rows(ok: pd.DataFrame) -> list[dict]:
    live = _live_mix(ok)
    high = live.adoption_final > 0.9
    return [
        {
            "pattern": "adoption spreads: share of live programmes with > 90% of users active",
            "source": "CSO Insights 2006 (n=1,275; Dickie, destinationCRM): under 40%, "
            "24% to 51% by vendor",
            "expected": "24% to 51%",
            "model": f"{_rate_text(high)} (industry mix, {len(live)} live)",
            "holds": 0.24 <= high.mean() <= 0.51,
        }
    ]


def overrun_rows(ok: pd.DataFrame) -> list[dict]:
    mix = ok[(ok.scenario == "industry_mix") & ok.overrun.notna()]
    over = mix.overrun - 1.0
    p200 = _rate(over > 2.0)
    p50 = _rate(over > 0.5)
    return [
        {
            "pattern": "cost overrun: mean over budget (project spend, before post-go-live work)",
            "source": "McKinsey-Oxford 2012: large IT projects +45% on average",
            "expected": "+20% to +70% (our programmes are mid-size: direction and body)",
            "model": f"{100 * over.mean():+.0f}% (median {100 * over.median():+.0f}%)",
            "holds": 0.20 <= over.mean() <= 0.70,
        },
        {
            "pattern": "cost overrun tail: share more than +50% over budget",
            "source": "Flyvbjerg & Gardner 2023: 18% of IT projects over +50% (2nd)",
            "expected": "10% to 30%",
            "model": f"{_pct(p50[0])} [{_pct(p50[1])}, {_pct(p50[2])}]",
            "holds": 0.10 <= p50[0] <= 0.30,
        },
        {
            "pattern": "cost overrun black swans: share more than +200% over budget",
            "source": "McKinsey-Oxford 2012: 17% of large IT projects (ours are smaller)",
            "expected": "above 0%, at most 17%",
            "model": f"{_pct(p200[0])} [{_pct(p200[1])}, {_pct(p200[2])}]",
            "holds": 0 < p200[0] <= 0.17,
        },
    ]


def payback_rows(ok: pd.DataFrame) -> list[dict]:
    live = _live_mix(ok)
    paid = live.roi > 0
    return [
        {
            "pattern": "payback: live programmes with a positive ROI at three years",
            "source": "Nucleus Research via destinationCRM (Myron 2003) and the FT (2005): 57% of "
            "21 SAP CRM and 61% of Siebel reference customers had no positive ROI after 2 to 3 "
            "years (small, disputed samples of customers expected to do better than average)",
            "expected": "at most 43%",
            "model": f"{_rate_text(paid)} (industry mix, {len(live)} live)",
            "holds": paid.mean() <= 0.43,
        }
    ]


def nonlive_rows(ok: pd.DataFrame) -> list[dict]:
    bad = ok[ok.status.isin(["never_live", "abandoned"])]
    p, lo, hi = _rate(bad.roi > 0)
    return [
        {
            "pattern": "never-live and abandoned programmes with a positive ROI",
            "source": "issue 11: only through a named mechanism (process work improves service "
            "and retention without the platform: customer.w_consistency, data consolidation)",
            "expected": "rare (< 10%), and explained",
            "model": f"{_pct(p)} [{_pct(lo)}, {_pct(hi)}] of {len(bad)}, median ROI "
            f"{bad.roi.median():+.2f}",
            "holds": p < 0.10,
        }
    ]


def gain_table(ok: pd.DataFrame, five: pd.DataFrame | None) -> pd.DataFrame:
    """Measurable-gain rate by ordering, detection threshold (1x, 2x, 3x noise) and horizon."""
    rows = []
    for horizon, frame in (("3 years", ok), ("5 years", five)):
        if frame is None:
            continue
        for s in ("industry_mix", *ORDERINGS):
            d = frame[frame.scenario == s]
            if d.empty:
                continue
            row = {"horizon": horizon, "scenario": s, "n": len(d)}
            if "kpis_set" in d:
                row["KPIs set"] = float(d.kpis_set.mean())
            for z in (1, 2, 3):
                row[f"{z}x noise"] = float((d.gain_ratio > z).mean())
            rows.append(row)
    return pd.DataFrame(rows)


def trait_table(ok: pd.DataFrame) -> pd.DataFrame:
    """Success (met expectations) in a trait's top third minus its bottom third, by ordering.

    A model-free partial-dependence summary: the traits are drawn independently, so the
    difference is the trait's average effect under that ordering.
    """
    rows = []
    for s in ("industry_mix", *ORDERINGS):
        d = ok[ok.scenario == s]
        for t in TRAITS:
            lo, hi = d[t].quantile([1 / 3, 2 / 3])
            top = (~d[d[t] >= hi].failed).mean()
            bottom = (~d[d[t] <= lo].failed).mean()
            rows.append({"scenario": s, "trait": t, "effect": float(top - bottom)})
    return pd.DataFrame(rows)


def tf_share_table(ok: pd.DataFrame, mix_toml: Path) -> pd.DataFrame:
    """The three mix figures when technology first has share w (others keep their proportions).

    Exact reweighting of the per-ordering rates (the mix draws one ordering per organisation), so
    it needs no new runs.
    """
    from sim.model.scenario import load_scenario

    mix = load_scenario(mix_toml)
    weights = {v.scenario.name: v.weight for v in mix.variants}
    others = {k: w for k, w in weights.items() if k != "technology_first"}
    total = sum(others.values())
    rows = []
    for share in (0.3, 0.4, 0.5, 0.6, 0.7):
        row = {"technology_first share": share}
        for metric in MIX_BANDS:
            rate = share * ok[ok.scenario == "technology_first"][metric].mean()
            for k, w in others.items():
                rate += (1 - share) * w / total * ok[ok.scenario == k][metric].mean()
            row[metric] = float(rate)
        rows.append(row)
    return pd.DataFrame(rows)


# --- extra experiments -------------------------------------------------------------------------


def _one(task):
    scenario, overrides, seed, series = task
    import numba

    numba.set_num_threads(1)
    import sim

    scen = sim.load_scenario(ROOT / "scenarios" / f"{scenario}.toml", overrides=overrides)
    result = sim.run(scen, seed=seed)
    row = {"scenario": scenario, **result.summary}
    if series and result.summary["status"] != "never_live":
        ts = result.timeseries
        gl = int(result.summary["golive_week"])
        prod = ts["productivity"].to_numpy()[gl - 1 :]
        row["dip"] = float(1.0 - prod.min())
        below = np.flatnonzero(prod < 0.99)
        row["dip_weeks"] = float(below[-1] + 1) if len(below) else 0.0
        cf = ts["cf_churned"].to_numpy()
        row["cf_churn_year1"] = float(cf[51] / scen["org.customers"])
    return row


def run_tasks(tasks, workers: int) -> pd.DataFrame:
    os.environ.setdefault("NUMBA_NUM_THREADS", "1")
    with ProcessPoolExecutor(workers) as pool:
        return pd.DataFrame(list(pool.map(_one, tasks, chunksize=8)))


def five_year_runs(replicates: int, workers: int) -> pd.DataFrame:
    seeds = replicate_seeds(ROOT_SEED, replicates)
    tasks = [(s, {"horizon_weeks": 260}, seed, True) for s in ORDERINGS for seed in seeds]
    return prepare(run_tasks(tasks, workers))


def oat_runs(replicates: int, workers: int, calibrated: dict) -> pd.DataFrame:
    """The industry mix with each calibrated parameter one step down and up (common seeds)."""
    seeds = replicate_seeds(ROOT_SEED, replicates, stream=7)
    tasks, labels = [], []
    for key, step in CALIBRATED.items():
        for sign in (-1, 1):
            value = calibrated[key] + sign * step
            tasks += [("industry_mix", {key: value}, seed, False) for seed in seeds]
            labels += [(key, sign, value)] * len(seeds)
    out = prepare(run_tasks(tasks, workers))
    out["parameter"] = [lab[0] for lab in labels]
    out["sign"] = [lab[1] for lab in labels]
    out["value"] = [lab[2] for lab in labels]
    return out


def oat_table(oat: pd.DataFrame) -> pd.DataFrame:
    g = oat.groupby(["parameter", "sign", "value"])
    table = g[["never_live", "measurable_gain", "failed"]].mean().reset_index()
    return table


def dynamics_rows(five: pd.DataFrame) -> list[dict]:
    live = five[five.dip.notna()]
    churn = five.cf_churn_year1.dropna()
    gl = five[five.golive_week.notna()].golive_week
    material = (live.dip >= 0.25) & (live.dip_weeks >= 4)
    return [
        {
            "pattern": "J-curve depth: go-live productivity dip (median)",
            "source": "Markus & Tanis 2000 via DESIGN.md: 10% to 30% (2nd)",
            "expected": "10% to 30%",
            "model": f"{_pct(live.dip.median())} (IQR {_pct(live.dip.quantile(0.25))} to "
            f"{_pct(live.dip.quantile(0.75))})",
            "holds": 0.10 <= live.dip.median() <= 0.30,
        },
        {
            "pattern": "J-curve duration: weeks until productivity is back within 1% (median)",
            "source": "Markus & Tanis 2000 via DESIGN.md: 3 to 9 months (2nd)",
            "expected": "13 to 39 weeks",
            "model": f"{live.dip_weeks.median():.0f} weeks",
            "holds": 13 <= live.dip_weeks.median() <= 39,
        },
        {
            "pattern": "material disruption at go-live (dip >= 25% lasting >= 4 weeks; our "
            "definition)",
            "source": "Panorama 2014 (n=192): 51% had a material disruption (2nd)",
            "expected": "35% to 65%",
            "model": _rate_text(material),
            "holds": 0.35 <= material.mean() <= 0.65,
        },
        {
            "pattern": "baseline churn: no-CRM customers lost in year 1",
            "source": "DESIGN.md 2.3: 10% to 20% a year",
            "expected": "10% to 20%",
            "model": f"{_pct(churn.mean())}",
            "holds": 0.10 <= churn.mean() <= 0.20,
        },
        {
            "pattern": "time to go-live (median week, live or abandoned programmes)",
            "source": "no published band found; Nucleus 2003: SAP references 'nearly three years' "
            "to judge ROI",
            "expected": "reported only",
            "model": f"week {gl.median():.0f} (IQR {gl.quantile(0.25):.0f} to "
            f"{gl.quantile(0.75):.0f})",
            "holds": None,
        },
    ]
