"""``points.csv`` (sim.experiments.summary.points_table): one metrics block per design point.

The table was rewritten from a filter per point (quadratic in the number of points: 48 of 54 s of a
5,120-point sensitivity run) to one split of the rows; its output must not change.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sim.experiments import summary
from sim.experiments.store import read_runs
from tests.common import ROOT

EXPECTED = ROOT / "tests/fixtures/points_table"


def synthetic_runs(points: int = 12, replicates: int = 4, scenarios: int = 2) -> pd.DataFrame:
    """Run rows shaped like a sweep's: shuffled, some error rows, one point whose runs all
    failed, a parameter that is NaN on the first row of a point and one that never varies."""
    rng = np.random.default_rng(7)
    n = points * replicates * scenarios
    runs = pd.DataFrame(
        {
            "run_id": np.arange(n),
            "scenario": np.repeat([f"s{i}" for i in range(scenarios)], points * replicates),
            "point": np.tile(np.repeat(np.arange(points), replicates), scenarios),
            "replicate": np.tile(np.arange(replicates), points * scenarios),
            "status": rng.choice(["live", "never_live", "abandoned"], n),
            "met_expectations": rng.random(n) < 0.4,
            "measurable_gain": rng.random(n) < 0.3,
            "adoption_final": rng.random(n),
            "roi": np.where(rng.random(n) < 0.1, np.nan, rng.normal(size=n)),
            "param.a": np.tile(np.repeat(rng.random(points), replicates), scenarios),
            "param.b": np.tile(np.repeat(rng.integers(0, 5, points), replicates), scenarios),
            "param.c": 1.0,
            "error": None,
        }
    )
    runs["business_case_met"] = runs["roi"] >= 0
    runs.loc[rng.random(n) < 0.08, "error"] = "boom"
    runs.loc[runs["point"] == 1, "error"] = "every run of this point failed"
    runs.loc[0, "param.a"] = np.nan
    return runs.sample(frac=1, random_state=1)


@pytest.mark.parametrize(
    ("params", "expected"),
    [(None, "a_b.csv"), (["param.a", "param.b"], "a_b.csv"), (["param.b", "param.x"], "b.csv")],
)
def test_same_table_as_the_filter_per_point(params, expected):
    """The CSVs were written by the filter-per-point implementation (commit 64292eb)
    from these inputs, then that implementation was removed. Rows it could not have written are
    left out of the comparison and checked on their own below: business_case_met and
    financial_failure (metrics added since) and the bootstrap intervals of adoption_mean and
    roi_median (BCa since, percentile then)."""
    table = summary.points_table(synthetic_runs(), params)
    assert _pinned(table).to_csv(index=False) == _pinned_fixture(expected)


#: Metrics the pinned implementation did not write.
ADDED_SINCE = ("business_case_met", "financial_failure")
BOOTSTRAPPED = {"adoption_mean": ("adoption_final", np.mean), "roi_median": ("roi", np.median)}


def _pinned(table):
    """The table as the old implementation wrote it: its metrics, its bootstrap bounds blank."""
    table = table[~table["metric"].isin(ADDED_SINCE)].copy()
    boot = table["metric"].isin(list(BOOTSTRAPPED))
    table.loc[boot, ["ci_low", "ci_high"]] = np.nan
    return table


def _pinned_fixture(name: str) -> str:
    fixture = pd.read_csv(EXPECTED / name)
    boot = fixture["metric"].isin(list(BOOTSTRAPPED))
    fixture.loc[boot, ["ci_low", "ci_high"]] = np.nan
    return fixture.to_csv(index=False)


def test_bootstrap_rows_are_each_points_bca_interval():
    """adoption_mean and roi_median: the estimate of the old implementation (pinned above) with
    the BCa interval of that point's runs (sim.experiments.stats.bootstrap_interval, seed 0)."""
    from sim.experiments.stats import bootstrap_interval

    runs = synthetic_runs()
    table = summary.points_table(runs, ["param.a"])
    ok = runs[runs["error"].isna()]
    checked = 0
    for metric, (column, stat) in BOOTSTRAPPED.items():
        for row in table[(table["metric"] == metric) & (table["n"] > 0)].itertuples():
            group = ok[(ok["scenario"] == row.scenario) & (ok["point"] == row.point)]
            group = group.sort_values("run_id")  # the order the table reads them in
            est, lo, hi = bootstrap_interval(group[column].to_numpy(float), stat, 1000, seed=0)
            assert (row.value, row.ci_low, row.ci_high) == pytest.approx((est, lo, hi), nan_ok=True)
            checked += 1
    assert checked >= 40


@pytest.mark.parametrize("metric, paid_back", [("business_case_met", 1), ("financial_failure", 0)])
def test_business_case_rows_are_the_wilson_rate_of_payback(metric, paid_back):
    runs = synthetic_runs()
    table = summary.points_table(runs, ["param.a"])
    rows = table[(table["metric"] == metric) & (table["n"] > 0)]
    ok = runs[runs["error"].isna()]
    assert len(rows) > 10
    for row in rows.itertuples():
        group = ok[(ok["scenario"] == row.scenario) & (ok["point"] == row.point)]
        assert row.n == len(group)
        assert row.value == pytest.approx((group["business_case_met"] == paid_back).mean())


def test_same_table_on_the_stored_grid_fixture():
    table = summary.points_table(read_runs(ROOT / "tests/fixtures/grid_small"))
    assert _pinned(table).to_csv(index=False) == _pinned_fixture("grid_small.csv")


def test_every_point_gets_a_block_even_when_all_its_runs_failed():
    table = summary.points_table(synthetic_runs(), ["param.a"])
    assert len(table) == 2 * 12 * 9  # scenarios x points x metrics
    failed = table[table["point"] == 1]
    assert (failed["n"] == 0).all() and failed["value"].isna().all()


def test_rows_are_converted_once_not_once_per_point(monkeypatch):
    calls = []
    real = summary.rate_columns
    monkeypatch.setattr(summary, "rate_columns", lambda runs: calls.append(len(runs)) or real(runs))
    summary.points_table(synthetic_runs(points=50), ["param.a"])
    assert len(calls) == 1
