"""What both engines read besides agent state: rule parameters and the week's model-level context.

Named tuples, because numba compiles them as plain structs: the kernels and the Mesa agents read the
same fields by the same names (``prm.mandate``, ``week.quality``), so the two engines cannot drift
apart in which number they use.
"""

from __future__ import annotations

import math
from collections import namedtuple

import numpy as np

from sim.model import rules
from sim.model.params import CHANNELS
from sim.model.scenario import Scenario

EmployeeParams = namedtuple(
    "EmployeeParams",
    "usability usage_rate train_skill train_attitude tau_learning b0 w_pe w_ee w_si w_a scale "
    "mandate workaround_gain epsilon mu manager_weight experience_rate experience_reference "
    "critic_rate coach_rate criticism_weeks manager_rate dip_min dip_max recovery_weeks "
    "productivity_gain shock_attitude turnover newcomer_attitude newcomer_skill",
)

CustomerParams = namedtuple(
    "CustomerParams",
    "contact_prob web_channel w_base w_skill w_orient w_view w_cons w_dip web_quality "
    "satisfaction_rate loss_aversion eta churn_beta h0 capture_name capture_purchase "
    "capture_preferences log_gain decay_week consolidation_rate revenue_week crosssell_uplift "
    "cost_live cost_self",
)

# The model-level numbers of one week, read by every agent of that week (old state: synchronous).
Week = namedtuple(
    "Week",
    "t quality fit process_readiness platform_readiness people_effort process_effort "
    "sponsor org_live shock web_share key stride",
)
#: The week's context as one record the compiled week fills (sim.model.week.begin_week).
WEEK = np.dtype(
    [
        (
            name,
            np.int64
            if name in ("t", "key", "stride")
            else np.bool_
            if name == "org_live"
            else np.float64,
        )
        for name in Week._fields
    ]
)


def employee_params(scenario: Scenario, culture: float) -> EmployeeParams:
    """Employee rule parameters from a scenario (sources in params.py).

    ``culture`` is the organisation's drawn change readiness (sim.population.Organisation), the
    attitude a newcomer arrives with.
    """
    v = scenario.values
    e = "employee."
    return EmployeeParams(
        v[e + "usability"],
        v[e + "usage_rate"],
        v[e + "train_skill"],
        v[e + "train_attitude"],
        v[e + "tau_learning"],
        v[e + "utaut_b0"],
        v[e + "utaut_pe"],
        v[e + "utaut_ee"],
        v[e + "utaut_si"],
        v[e + "utaut_attitude"],
        v[e + "utaut_scale"],
        v["org.mandate"],
        v[e + "workaround_gain"],
        v[e + "epsilon"],
        v[e + "mu"],
        v["org.manager_weight"],
        v[e + "experience_rate"],
        v[e + "experience_reference"],
        v[e + "critic_rate"],
        v[e + "coach_rate"],
        float(v[e + "criticism_weeks"]),
        v[e + "manager_rate"],
        v[e + "dip_min"],
        v[e + "dip_max"],
        v[e + "recovery_weeks"],
        v[e + "productivity_gain"],
        v[e + "shock_attitude"],
        rules.weekly_rate(v["org.annual_turnover"]),
        float(culture),
        v["org.skill_initial"],
    )


def baseline_hazard(scenario: Scenario) -> float:
    """h0 such that a customer at the initial satisfaction churns ``annual_churn`` a year.

    Weekly hazard h = -ln(1 - annual) / 52 at S0, so h0 = h exp(beta S0) (DESIGN.md 2.3: the no-CRM
    baseline loses 10 to 20% a year; tests check the baseline lands there).
    """
    v = scenario.values
    weekly = -math.log(1.0 - v["customer.annual_churn"]) / 52.0
    return weekly * math.exp(v["customer.churn_beta"] * v["customer.satisfaction_initial"])


def customer_params(scenario: Scenario) -> CustomerParams:
    """Customer rule parameters from a scenario (sources in params.py)."""
    v = scenario.values
    c = "customer."
    return CustomerParams(
        v[c + "contact_prob"],
        CHANNELS.index("web"),
        v[c + "w_base"],
        v[c + "w_skill"],
        v[c + "w_orientation"],
        v[c + "w_view"],
        v[c + "w_consistency"],
        v[c + "w_dip"],
        v[c + "web_quality"],
        v[c + "satisfaction_rate"],
        v[c + "loss_aversion"],
        v[c + "eta"],
        v[c + "churn_beta"],
        baseline_hazard(scenario),
        v[c + "capture_name"],
        v[c + "capture_purchase"],
        v[c + "capture_preferences"],
        v[c + "log_gain"],
        (1.0 - v[c + "decay_month"]) ** (12.0 / 52.0),
        v[c + "consolidation_rate"],
        v["economics.revenue_week"],
        v["economics.crosssell_uplift"],
        v["economics.cost_live"],
        v["economics.cost_self"],
    )


def channel_bounds(scenario: Scenario) -> np.ndarray:
    """Cumulative touch-point shares, in the order of sim.params.CHANNELS (last one is 1)."""
    shares = np.array([scenario.values[f"touchpoints.{c}"] for c in CHANNELS])
    bounds = np.cumsum(shares)
    bounds[-1] = 1.0
    return bounds


def record_dtype(fields: tuple) -> np.dtype:
    """A numpy record dtype for a named tuple of scalars (int64, bool or float64 fields)."""

    def kind(value):
        if isinstance(value, bool | np.bool_):
            return np.bool_
        if isinstance(value, int | np.integer):
            return np.int64
        return np.float64

    return np.dtype(
        [(name, kind(value)) for name, value in zip(fields._fields, fields, strict=True)]
    )


def as_record(fields: tuple, out: np.ndarray | None = None) -> np.ndarray:
    """A one-element record array holding a named tuple's values, for the kernels.

    Passing ``out`` refills an existing record array (the week's context is refilled each week).
    It is a recarray view, so ``rec[0].mandate`` reads the same with ``NUMBA_DISABLE_JIT=1``.
    """
    if out is None:
        out = np.zeros(1, dtype=record_dtype(fields)).view(np.recarray)
    out[0] = tuple(fields)
    return out
