"""Model invariants as hypothesis properties (DESIGN.md 6), over random valid small scenarios.

After every week: states stay in their bounds, customers are conserved (a churned customer never
comes back, slots are created only by the steady arrival stream), and the programme's own state
is in bounds. Across runs: the same seed gives the same output, and the no-CRM counterfactual never
goes live and never spends. Inputs come from the shared strategies of tests/strategies.py.
"""

from __future__ import annotations

import math
import os

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import sim
from sim.model.model import CRMRolloutModel
from tests.strategies import runs

# 15 fixed examples per property by default (deterministic, a few seconds). For a bug hunt:
# PROP_N=400 PROP_RANDOM=1 pytest tests/test_properties.py
PROPERTY = settings(
    max_examples=int(os.environ.get("PROP_N", 15)),
    deadline=None,
    derandomize=not os.environ.get("PROP_RANDOM"),
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
TOL = 1e-12


def in_unit(values, name):
    values = np.asarray(values, dtype=float)
    assert np.all(np.isfinite(values)), f"{name} not finite"
    assert values.min(initial=0.0) >= -TOL and values.max(initial=0.0) <= 1 + TOL, (
        f"{name} out of [0, 1]: {values.min()}..{values.max()}"
    )


def expected_created(scen, weeks_done: int) -> int:
    """Initial customers plus the steady arrivals of DESIGN.md 2.3, computed independently."""
    initial = scen["org.customers"]
    weekly = initial * scen["customer.annual_arrivals"] / 52.0
    return initial + math.floor(weekly * weeks_done + 1e-9)


def data_quality(model: CRMRolloutModel) -> float:
    """Org data quality q (DESIGN.md 2.3), recomputed from state: mean completeness of active
    customers, less what shadow spreadsheets cost."""
    cus, emp = model.customers, model.employees
    active = cus.active[: cus.created]
    q_data = float(cus.completeness[: cus.created][active].mean()) if active.any() else 0.0
    return q_data * (1.0 - model.variant["employee.workaround_quality"] * emp.workaround.mean())


def check_week(model: CRMRolloutModel, churned_before: np.ndarray) -> np.ndarray:
    """Assert every per-week invariant; return the churned mask (over created slots)."""
    emp, cus, prog = model.employees, model.customers, model.programme
    in_unit(emp.usage, "usage")
    in_unit(emp.skill, "skill")
    in_unit(emp.workaround, "workaround")
    in_unit(emp.commitment, "manager commitment")
    assert np.all(emp.attitude >= -1 - TOL) and np.all(emp.attitude <= 1 + TOL), "attitude"
    assert np.all(np.isfinite(emp.productivity)) and np.all(emp.productivity > 0), "productivity"
    quality = data_quality(model)
    in_unit([quality], "data quality")
    if hasattr(model, "_quality"):
        assert model._quality() == pytest.approx(quality, abs=1e-9)
    assert model.metrics["data_quality"] == pytest.approx(quality, abs=1e-9)

    created = cus.created
    active = cus.active[:created]
    in_unit(cus.satisfaction[:created][active], "satisfaction of active customers")
    in_unit(cus.expectation[:created][active], "expectation of active customers")
    in_unit(cus.completeness[:created], "completeness")
    assert np.all((cus.stage[:created] >= 0) & (cus.stage[:created] <= 3)), "capture stage"

    # Customers are conserved: created only by the arrival stream, never revived once churned.
    assert created == expected_created(model.variant, model.steps)
    assert not cus.active[created:].any(), "a customer slot is active before it was created"
    churned = ~active
    assert not np.any(churned[: len(churned_before)] < churned_before), (
        "a churned customer returned"
    )
    m = model.metrics
    assert m["active_customers"] + m["churned"] == created
    assert m["active_customers"] == int(active.sum())

    in_unit(prog.readiness, "readiness")
    in_unit([prog.fit, prog.commitment, prog.embedded], "fit, commitment, embedded process")
    assert prog.spend >= 0
    if not prog.live:
        assert not np.any(emp.usage), "usage before go-live (or after abandonment)"
    return churned


@PROPERTY
@given(runs())
def test_states_stay_in_bounds_and_customers_are_conserved(run):
    scen, seed = run
    model = CRMRolloutModel(scen, seed=seed)
    churned = np.zeros(0, dtype=bool)
    spend = 0.0
    while model.running:
        model.step()
        churned = check_week(model, churned)
        assert model.programme.spend >= spend, "spend went down"
        spend = model.programme.spend
    assert model.steps == scen["horizon_weeks"]
    ts = model.datacollector.get_model_vars_dataframe()
    assert len(ts) == scen["horizon_weeks"]
    assert np.all(np.diff(ts["churned"].to_numpy()) >= 0)


def _same(a: dict, b: dict) -> bool:
    def norm(v):
        return None if isinstance(v, float) and math.isnan(v) else v

    return {k: norm(v) for k, v in a.items()} == {k: norm(v) for k, v in b.items()}


@PROPERTY
@given(runs())
def test_same_seed_same_summary(run):
    scen, seed = run
    first = sim.run(scen, seed=seed)
    second = sim.run(scen, seed=seed)
    assert _same(first.summary, second.summary)
    assert first.timeseries.equals(second.timeseries)
    assert first.summary["status"] in ("never_live", "abandoned", "live")
    assert (first.summary["status"] == "never_live") or not math.isnan(first.summary["golive_week"])


@PROPERTY
@given(runs())
def test_counterfactual_never_goes_live_and_spends_nothing(run):
    scen, seed = run
    cf = CRMRolloutModel(scen, seed=seed, counterfactual=True)
    skill0 = cf.employees.skill.copy()
    churned = np.zeros(0, dtype=bool)
    while cf.running:
        cf.step()
        churned = check_week(cf, churned)
        assert not cf.programme.live
        assert cf.programme.spend == 0.0
        assert np.all(cf.teams.live_week == -1)
        assert not np.any(cf.employees.usage)
        assert not np.any(cf.employees.workaround)
        # no training without a programme: a skill changes only when a newcomer takes the place
        # (turnover), and then to the organisation's initial skill
        newcomer = scen["org.skill_initial"]
        assert np.all((cf.employees.skill == skill0) | (cf.employees.skill == newcomer))
    ts = cf.datacollector.get_model_vars_dataframe()
    assert (ts["live"] == 0).all() and (ts["spend"] == 0).all() and (ts["adoption"] == 0).all()
    assert cf.programme.budget == 0.0
    assert cf.programme.golive_week is None


@PROPERTY
@given(runs())
def test_counterfactual_shares_the_organisation(run):
    # Common random numbers: the run and its counterfactual start from the same organisation.
    scen, seed = run
    a = CRMRolloutModel(scen, seed=seed)
    b = CRMRolloutModel(scen, seed=seed, counterfactual=True)
    assert a.variant.name == b.variant.name
    assert a.org == b.org
    for field in ("attitude", "skill", "orientation", "indptr", "indices"):
        np.testing.assert_array_equal(getattr(a.employees, field), getattr(b.employees, field))
    np.testing.assert_array_equal(a.customers.satisfaction, b.customers.satisfaction)
    np.testing.assert_array_equal(a.customers.handler, b.customers.handler)


def _rewired_reference(src, dst, rewire, targets, n):
    """The rewiring with a Python set, as ``population._rewired_edges`` did before its table."""
    edges = {min(s, d) * n + max(s, d) for s, d in zip(src.tolist(), dst.tolist(), strict=True)}
    for s, old, new, r in zip(
        src.tolist(), dst.tolist(), targets.tolist(), rewire.tolist(), strict=True
    ):
        key_new = min(s, new) * n + max(s, new)
        if not r or new == s or key_new in edges:
            continue
        edges.discard(min(s, old) * n + max(s, old))
        edges.add(key_new)
    return sorted(edges)


@PROPERTY
@given(
    n=st.integers(3, 300),
    k=st.integers(2, 12),
    p=st.floats(0.0, 1.0),
    seed=st.integers(0, 2**32 - 1),
)
def test_the_rewired_edges_are_the_set_rewiring(n, k, p, seed):
    """The compiled open-addressing table keeps exactly the edges a set would (issue 22 replaced
    numba's set, which was slow to compile)."""
    from sim.model.population import _rewired_edges

    rng = np.random.default_rng(seed)
    half = max(1, min(k // 2, (n - 1) // 2))
    src = np.repeat(np.arange(n), half)
    dst = (src + np.tile(np.arange(1, half + 1), n)) % n
    rewire = rng.random(len(src)) < p
    targets = rng.integers(0, n, len(src))
    table = _rewired_edges(src, dst, rewire, targets, n)
    keys = table[table >= 0]
    assert len(keys) == len(set(keys.tolist()))
    assert sorted(keys.tolist()) == _rewired_reference(src, dst, rewire, targets, n)
