"""The pattern rows of docs/VALIDATION.md (sim.analysis.validation) on small made-up runs.

Each row's figure and its "holds" verdict are checked against counts worked out by hand, so a
pattern cannot pass or fail for a reason other than the runs it is given.
"""

from __future__ import annotations

import pandas as pd
import pytest

from sim.analysis import validation as v


def _runs(rows: list[dict]) -> pd.DataFrame:
    base = {
        "scenario": "industry_mix",
        "seed": 0,
        "status": "live",
        "met_expectations": True,
        "business_case_met": False,
        "measurable_gain": False,
        "gain_ratio": 0.0,
        "roi": 0.0,
        "adoption_final": 0.5,
        "kpis_set": False,
    }
    return v.prepare(pd.DataFrame([{**base, **r} for r in rows]))


def test_payback_counts_live_mix_programmes_only():
    runs = _runs(
        [{"roi": 0.3}, {"roi": -0.2}, {"roi": -0.1}, {"roi": -0.5}]
        + [{"roi": 2.0, "status": "abandoned"}]  # not live: not counted
        + [{"roi": 2.0, "scenario": "four_ps"}]  # not the mix: not counted
    )
    (row,) = v.payback_rows(runs)
    assert row["model"].startswith("25.0% [") and "4 live" in row["model"]
    assert row["holds"]  # 25% is at most 43%
    (row,) = v.payback_rows(_runs([{"roi": 0.3}, {"roi": 0.2}]))
    assert not row["holds"]  # 100% positive: more than the reference customers


def test_adoption_spread_band():
    runs = _runs([{"adoption_final": 0.95}, {"adoption_final": 0.8}, {"adoption_final": 0.5}])
    (row,) = v.adoption_rows(runs)
    assert row["model"].startswith("33.3%") and row["holds"]
    (row,) = v.adoption_rows(_runs([{"adoption_final": 0.95}] * 3))
    assert not row["holds"]


def test_gain_table_thresholds_and_kpi_share():
    runs = _runs(
        [
            {"gain_ratio": 0.5, "kpis_set": True},
            {"gain_ratio": 1.5, "kpis_set": True},
            {"gain_ratio": 2.5},
            {"gain_ratio": 3.5},
        ]
    )
    table = v.gain_table(runs, None)
    row = table[table.scenario == "industry_mix"].iloc[0]
    assert row["n"] == 4
    assert row["KPIs set"] == pytest.approx(0.5)
    assert [row["1x noise"], row["2x noise"], row["3x noise"]] == pytest.approx([0.75, 0.5, 0.25])
