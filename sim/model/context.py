"""What both engines read besides agent state: rule parameters and the week's model-level context.

One-element numpy records, declared by name (sim.model.records): the kernels and the Mesa agents
call the same per-agent functions (sim.model.agent_week) with the same records, so the two engines
cannot drift apart in which number they use. Sources of every parameter are in params.py.
"""

from __future__ import annotations

import math

import numpy as np

from sim.model import rules, streams
from sim.model.params import CHANNELS
from sim.model.records import Field, Record, from_params, record_of
from sim.model.scenario import Scenario

#: The employees' rule parameters (ODD 7.2). Computed fields read ``inputs.org``, the drawn
#: organisation (sim.model.population.Organisation).
EMPLOYEE = Record(
    [
        *from_params(
            "usability",
            "usage_rate",
            "train_skill",
            "train_attitude",
            "tau_learning",
            prefix="employee.",
        ),
        Field("b0", "employee.utaut_b0"),
        Field("w_pe", "employee.utaut_pe"),
        Field("w_ee", "employee.utaut_ee"),
        Field("w_si", "employee.utaut_si"),
        Field("w_a", "employee.utaut_attitude"),
        Field("scale", "employee.utaut_scale"),
        Field("mandate", "org.mandate"),
        *from_params("workaround_gain", "epsilon", "mu", prefix="employee."),
        Field("manager_weight", "org.manager_weight"),
        *from_params(
            "experience_rate",
            "experience_reference",
            "critic_rate",
            "coach_rate",
            "criticism_weeks",
            "manager_rate",
            "sponsor_lead",
            "dip_min",
            "dip_max",
            "recovery_weeks",
            "productivity_gain",
            "shock_attitude",
            prefix="employee.",
        ),
        Field("turnover", lambda s: rules.weekly_rate(s.v["org.annual_turnover"])),
        # a newcomer arrives with the organisation's drawn change readiness and the initial skill
        Field("newcomer_attitude", lambda s: s.org.culture),
        Field("newcomer_skill", "org.skill_initial"),
    ]
)


def baseline_hazard(values) -> float:
    """h0 such that a customer at the initial satisfaction churns ``annual_churn`` a year.

    Weekly hazard h = -ln(1 - annual) / 52 at S0, so h0 = h exp(beta S0) (DESIGN.md 2.3: the no-CRM
    baseline loses 10 to 20% a year; tests check the baseline lands there).
    """
    weekly = -math.log(1.0 - values["customer.annual_churn"]) / 52.0
    return weekly * math.exp(
        values["customer.churn_beta"] * values["customer.satisfaction_initial"]
    )


#: The customers' rule parameters (ODD 7.3).
CUSTOMER = Record(
    [
        Field("contact_prob", "customer.contact_prob"),
        Field("web_channel", lambda s: CHANNELS.index("web"), int),
        *from_params("w_base", "w_skill", prefix="customer."),
        Field("w_orient", "customer.w_orientation"),
        Field("w_view", "customer.w_view"),
        Field("w_cons", "customer.w_consistency"),
        *from_params(
            "w_dip",
            "web_quality",
            "satisfaction_rate",
            "loss_aversion",
            "eta",
            "churn_beta",
            prefix="customer.",
        ),
        Field("h0", lambda s: baseline_hazard(s.v)),
        # a churn check comes in a week with probability min(h0, 1) (sim.model.agent_week.churns)
        Field("check_prob", lambda s: min(baseline_hazard(s.v), 1.0)),
        # the weekly contact and churn-check probabilities as sim.model.streams draws the gaps
        Field("contact_gap", lambda s: streams.gap_scale(s.v["customer.contact_prob"])),
        Field("check_gap", lambda s: streams.gap_scale(baseline_hazard(s.v))),
        *from_params(
            "capture_name",
            "capture_purchase",
            "capture_preferences",
            "log_gain",
            prefix="customer.",
        ),
        Field("decay_week", lambda s: (1.0 - s.v["customer.decay_month"]) ** (12.0 / 52.0)),
        Field("consolidation_rate", "customer.consolidation_rate"),
        *from_params(
            "revenue_week", "crosssell_uplift", "cost_live", "cost_self", prefix="economics."
        ),
    ]
)

#: The model-level numbers of one week, read by every agent of that week (old state: synchronous);
#: the compiled week fills it (sim.model.week.begin_week).
WEEK = np.dtype(
    [
        ("t", np.int64),
        ("quality", np.float64),
        ("fit", np.float64),
        ("process_readiness", np.float64),
        ("platform_readiness", np.float64),
        ("people_effort", np.float64),
        ("process_effort", np.float64),
        ("sponsor", np.float64),
        ("org_live", np.bool_),
        ("shock", np.float64),
        ("web_share", np.float64),
        ("key", np.int64),  # the run's random stream (sim.model.streams)
        ("stride", np.int64),  # counters a week uses
    ]
)


def employee_params(scenario: Scenario, org) -> np.recarray:
    """The employees' rule parameters as a record (``org``: the drawn organisation)."""
    return EMPLOYEE.build(scenario.values, org=org)


def customer_params(scenario: Scenario) -> np.recarray:
    """The customers' rule parameters as a record."""
    return CUSTOMER.build(scenario.values)


def week_record(**values) -> np.recarray:
    """A week's context from keyword values (tests and benchmarks; the model fills its own)."""
    return record_of(WEEK, **values)


def channel_bounds(scenario: Scenario) -> np.ndarray:
    """Cumulative touch-point shares, in the order of sim.model.params.CHANNELS (last one is 1)."""
    shares = np.array([scenario.values[f"touchpoints.{c}"] for c in CHANNELS])
    bounds = np.cumsum(shares)
    bounds[-1] = 1.0
    return bounds
