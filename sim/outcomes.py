"""Outcomes of one run: the run paired with its no-CRM counterfactual, then classified.

DESIGN.md 2.4. The counterfactual is the same organisation with the same random draws and no
programme (common random numbers), so every difference between the two is the programme's doing.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim.model import CRMRolloutModel
from sim.program import ABANDONED, CANCELLED, LIVE
from sim.scenario import Scenario

#: Counterfactual series kept beside the run's own (with a ``cf_`` prefix).
CF_SERIES = (
    "adoption",
    "attitude",
    "skill",
    "data_quality",
    "productivity",
    "csat",
    "active_customers",
    "churned",
    "revenue",
    "cost",
)

OUTCOME_FIELDS = (
    "status",
    "golive_week",
    "spend",
    "budget",
    "adoption_final",
    "delta_profit",
    "roi",
    "delta_csat",
    "delta_churn",
    "met_expectations",
    "measurable_gain",
)


@dataclass
class RunResult:
    """A run's outcome fields (``summary``) and weekly series (``timeseries``)."""

    summary: dict
    timeseries: pd.DataFrame


def weekly_profit(revenue: np.ndarray, cost: np.ndarray, spend_cumulative, margin: float):
    """Profit each week: margin x revenue - cost to serve and licences - programme spend."""
    return margin * revenue - cost - np.diff(spend_cumulative, prepend=0.0)


def quarterly(values: np.ndarray, weeks: int = 13) -> np.ndarray:
    """Sums over complete quarters (13 weeks), from the end backwards so the last quarter is whole."""
    n = len(values) // weeks
    if n == 0:
        return np.array([values.sum()])
    return values[len(values) - n * weeks :].reshape(n, weeks).sum(axis=1)


def classify(ts: pd.DataFrame, model: CRMRolloutModel) -> dict:
    """The outcome fields of DESIGN.md 2.4 from a paired time series (treatment and ``cf_``)."""
    v = model.variant.values
    prog = model.programme
    status = {LIVE: "live", ABANDONED: "abandoned", CANCELLED: "never_live"}.get(
        prog.state, "never_live"
    )
    margin = v["economics.margin"]
    profit = weekly_profit(
        ts["revenue"].to_numpy(), ts["cost"].to_numpy(), ts["spend"].to_numpy(), margin
    )
    cf_profit = weekly_profit(
        ts["cf_revenue"].to_numpy(), ts["cf_cost"].to_numpy(), np.zeros(len(ts)), margin
    )
    delta_profit = float(profit.sum() - cf_profit.sum())
    spend = float(prog.spend)
    roi = delta_profit / spend if spend > 0 else 0.0
    # Measurable: the last year's quarterly profit gain beats z x the counterfactual's own
    # quarter-to-quarter noise (what a CFO sees without the counterfactual), and the programme paid.
    delta_q = quarterly(profit) - quarterly(cf_profit)
    noise = np.diff(quarterly(cf_profit))
    noise_sd = float(noise.std(ddof=1)) if len(noise) > 1 else 0.0
    last_year = delta_q[-4:].mean()
    measurable = bool(status == "live" and last_year > v["outcome.detect_z"] * noise_sd and roi > 0)
    # Met expectations: the sponsor's judgement of the benefit index against the expectation set
    # at the start (inflated by vendor pressure), over the last judgement weeks.
    judged = ts["benefit"].to_numpy()[-v["sponsor.judgement_weeks"] :]
    met = bool(status == "live" and judged.mean() >= prog.expectation)
    last = ts.iloc[-1]
    created = last["active_customers"] + last["churned"]
    return {
        "status": status,
        "golive_week": float(prog.golive_week) if prog.golive_week is not None else float("nan"),
        "spend": spend,
        "budget": float(prog.budget),
        "adoption_final": float(last["adoption"]),
        "delta_profit": delta_profit,
        "roi": float(roi),
        "delta_csat": float(last["csat"] - last["cf_csat"]),
        "delta_churn": float((last["churned"] - last["cf_churned"]) / created),
        "met_expectations": met,
        "measurable_gain": measurable,
    }


def run(scenario: Scenario, seed: int = 0, engine: str = "numba") -> RunResult:
    """Run a scenario and its no-CRM counterfactual with the same seed; return outcomes and series.

    Args:
        scenario: a validated scenario (sim.load_scenario).
        seed: the run's seed; the counterfactual uses the same one (common random numbers).
        engine: ``"numba"`` (default) or ``"agents"``.
    """
    model = CRMRolloutModel(scenario, seed=seed, engine=engine)
    model.run_model()
    cf = CRMRolloutModel(scenario, seed=seed, engine=engine, counterfactual=True)
    cf.run_model()
    ts = model.datacollector.get_model_vars_dataframe().reset_index(drop=True)
    cf_ts = cf.datacollector.get_model_vars_dataframe().reset_index(drop=True)
    for name in CF_SERIES:
        ts["cf_" + name] = cf_ts[name].to_numpy()
    ts.insert(0, "week", np.arange(1, len(ts) + 1))
    summary = {
        "scenario": scenario.name,
        "variant": model.variant.name,
        "seed": int(seed),
        "engine": engine,
        **classify(ts, model),
    }
    return RunResult(summary, ts)
