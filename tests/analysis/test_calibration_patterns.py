"""Patterns computed from run rows (sim.analysis.patterns): conditions, mix weights, pairing."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from sim.analysis.patterns import FIELDS, Condition, Figure, Panel, Pattern, latent, latent_band
from sim.errors import InputError


def rows(spec: dict[str, list[dict]]) -> pd.DataFrame:
    """Run rows from {arm: [outcome fields of replicate 0, 1, ...]} with sensible defaults."""
    out = []
    for arm, runs in spec.items():
        for r, fields in enumerate(runs):
            row = {
                "scenario": arm,
                "replicate": r,
                "seed": 100 + r,
                "point": 0,
                "error": None,
                "status": "live",
                "met_expectations": True,
                "measurable_gain": False,
                "business_case_met": False,
                "roi": 0.1,
                "overrun": 1.2,
            }
            row.update(fields)
            out.append(row)
    return pd.DataFrame(out)


def test_conditions_parse_and_name_their_key():
    c = Condition.parse("status == 'live'")
    assert (c.field, c.op, c.value) == ("status", "==", "live")
    assert Condition.parse("not failed").negate
    assert Condition.parse("roi >= -0.5").value == -0.5
    for bad in ("", "roi >", "nosuchfield", "not roi > 0", "roi > nan", 5, "roi ~ 1"):
        with pytest.raises(InputError) as err:
            Condition.parse(bad, file="f.toml", key="patterns.x.outcome")
        assert "patterns.x.outcome" in str(err.value) and "f.toml" in str(err.value)
    assert "business_case_met" in FIELDS and "failed" in FIELDS


def test_a_bare_field_must_be_true_or_false():
    col = np.array([0.3, 1.7, None], dtype=object)
    with pytest.raises(InputError, match="not a true/false field"):
        Condition.parse("roi").mask(col)
    got = Condition.parse("roi > 1").mask(col)
    assert got[:2].tolist() == [0.0, 1.0] and math.isnan(got[2])
    with pytest.raises(InputError, match="cannot be compared"):
        Condition.parse("status > 3").mask(np.array(["live"], dtype=object))


def test_mix_rate_is_the_weighted_rate_of_its_arms():
    # a: 1 of 4 failed; b: 3 of 4 failed; weights 0.25 / 0.75 -> 0.25*0.25 + 0.75*0.75
    data = rows(
        {
            "a": [{"met_expectations": m} for m in (False, True, True, True)],
            "b": [{"met_expectations": m} for m in (False, False, False, True)],
        }
    )
    panel = Panel(data, ["a", "b"])
    p = Pattern("f", "rate", "mix", outcome=Condition.parse("failed"))
    fig = p.compute(panel, {"a": 0.25, "b": 0.75})
    assert fig.value == pytest.approx(0.25 * 0.25 + 0.75 * 0.75)
    assert fig.var > 0 and 0 < fig.n <= 8
    alone = Pattern("f", "rate", "b", outcome=Condition.parse("failed")).compute(panel, {})
    assert alone.value == pytest.approx(0.75)


def test_conditional_rate_leaves_out_runs_without_the_where_or_a_value():
    data = rows(
        {
            "a": [
                {"status": "live", "roi": 0.5},
                {"status": "live", "roi": -0.5},
                {"status": "never_live", "roi": 0.9},
                {"status": "live", "roi": None},
            ]
        }
    )
    p = Pattern(
        "pay",
        "rate",
        "a",
        outcome=Condition.parse("roi > 0"),
        where=Condition.parse("status == 'live'"),
    )
    assert p.compute(Panel(data, ["a"]), {}).value == pytest.approx(0.5)


def test_error_rows_are_missing_not_failures():
    data = rows({"a": [{"met_expectations": False}, {"met_expectations": True}, {}]})
    data = data.astype(object)
    data.loc[2, "error"] = "ValueError: boom"
    data.loc[2, ["status", "met_expectations"]] = None
    p = Pattern("f", "rate", "a", outcome=Condition.parse("failed"))
    assert p.compute(Panel(data, ["a"]), {}).value == pytest.approx(0.5)


def test_paired_difference_uses_the_shared_seeds():
    data = rows(
        {
            "a": [{"met_expectations": m} for m in (False, False, True, False)],
            "b": [{"met_expectations": m} for m in (True, False, True, True)],
        }
    )
    p = Pattern("d", "difference", "a", outcome=Condition.parse("failed"), baseline="b")
    fig = p.compute(Panel(data, ["a", "b"]), {})
    d = np.array([1, 0, 0, 1])  # a failed minus b failed, seed by seed
    assert fig.value == pytest.approx(d.mean())
    assert fig.var == pytest.approx(d.var(ddof=1) / 4)


def test_mean_and_quantile_weigh_the_arms():
    data = rows(
        {"a": [{"overrun": v} for v in (1.0, 2.0)], "b": [{"overrun": v} for v in (3.0, 5.0)]}
    )
    panel = Panel(data, ["a", "b"])
    mean = Pattern("m", "mean", "mix", field="overrun").compute(panel, {"a": 0.5, "b": 0.5})
    assert mean.value == pytest.approx(np.mean([1.0, 2.0, 3.0, 5.0]))
    heavy = Pattern("m", "mean", "mix", field="overrun").compute(panel, {"a": 0.0, "b": 1.0})
    assert heavy.value == pytest.approx(4.0)
    q = Pattern("q", "quantile", "mix", field="overrun", q=0.5).compute(panel, {"a": 0.9, "b": 0.1})
    assert q.value == pytest.approx(2.0)  # 90% of the weight on a's runs


def test_an_arm_without_runs_is_named():
    with pytest.raises(InputError, match="no runs of arm 'c'"):
        Pattern("f", "rate", "c", outcome=Condition.parse("failed")).compute(
            Panel(rows({"a": [{}]}), ["a"]), {}
        )


def test_latent_scale_keeps_zero_and_one_finite():
    p = Pattern("f", "rate", "a", outcome=Condition.parse("failed"))
    for value in (0.0, 1.0, 0.3):
        y, v = latent(p, Figure(value, 0.0, 40))
        assert math.isfinite(y) and v > 0
    lo, hi, obs = latent_band(Pattern("f", "rate", "a", low=0.0, high=0.43, observed=None))
    assert lo == -math.inf and hi < 0 and obs is None
    d = Pattern("d", "difference", "a", low=0.0, high=1.0)
    assert latent(d, Figure(0.2, 0.0, 10)) == (0.2, 1e-12)


def test_contrast_is_a_rate_in_one_group_minus_another_over_the_mix():
    """A trait's effect: never live with a weak sponsor minus with a strong one, each group's rate
    weighted over the mix's members like any rate; runs in neither group do not count."""
    weak = {"sponsor_strength": 0.2}
    strong = {"sponsor_strength": 0.8}
    middle = {"sponsor_strength": 0.5, "status": "never_live"}
    never = {"status": "never_live"}
    data = rows(
        {  # a: weak 2 of 2 never live, strong 0 of 2; b: weak 1 of 2, strong 1 of 2
            "a": [{**weak, **never}, {**weak, **never}, strong, strong, middle],
            "b": [{**weak, **never}, weak, {**strong, **never}, strong, middle],
        }
    )
    panel = Panel(data, ["a", "b"])
    p = Pattern(
        "gap",
        "contrast",
        "mix",
        outcome=Condition.parse("never_live"),
        where=Condition.parse("sponsor_strength < 0.35"),
        versus=Condition.parse("sponsor_strength >= 0.65"),
    )
    fig = p.compute(panel, {"a": 0.5, "b": 0.5})
    assert fig.value == pytest.approx(0.5 * (1.0 - 0.0) + 0.5 * (0.5 - 0.5))
    assert fig.var > 0 and fig.n > 0
    alone = p.compute(Panel(data[data.scenario == "a"], ["a"]), {"a": 1.0})
    assert alone.value == pytest.approx(1.0)
    assert p.transform == "identity"
    assert "minus with sponsor_strength >= 0.65" in p.describe()
