"""One week of the model in compiled code: draws, programme, agents, arrivals, measures.

A week has three parts (DESIGN.md 2): ``begin_week`` draws every random number of the week from the
model's Generator, advances the programme on last week's measures and fills the week's context;
the agents update (synchronously, from this week's state into next week's buffers); ``end_week``
adds arriving customers, measures the new state and writes the week's row of the model series.

The agents engine calls ``begin_week`` and ``end_week`` from Python around the Mesa agents'
``step()``; the numba engine runs ``run_weeks``, the same three parts in one compiled loop over as
many weeks as asked (a whole run: Python is touched once per run). So the two engines share every
model-level number and differ only in how agents are updated.

Random numbers are drawn where they are used, inside the compiled loops, from a counter-based
stream (sim.model.streams): each employee and each active customer draws its own pair of the week,
the market one number. A run and its no-CRM counterfactual share the stream's key, so the same
agent in the same week draws the same numbers in both (common random numbers), which the
measurable-gain test relies on: the counterfactual's market and churn noise is the run's.
"""

from __future__ import annotations

from collections import namedtuple

import numpy as np
from numba import njit

from sim.model import kernels, market, program_week, rules, streams
from sim.model.records import Field, Record

#: Below this many customer slots a run uses one numba thread: a week's kernels then take tens of
#: microseconds, about what waking a second thread costs, and on a busy machine each parallel
#: region waits for a free core (measured under load: 1.6 to 10 s instead of 40 ms for a default
#: run; docs/devnotes/issue-10.md). Above it (the scale runs) the kernels use every thread. The
#: value is an assumption between the default organisation (about 7,000 slots) and 1,000,000.
PARALLEL_MIN_CUSTOMERS = 100_000

#: The model-level series, one row a week, in this order (the DataCollector's model reporters).
SERIES = (
    "adoption",
    "attitude",
    "skill",
    "data_quality",
    "readiness_planning",
    "readiness_people",
    "readiness_process",
    "readiness_platform",
    "fit",
    "commitment",
    "benefit",
    "productivity",
    "workarounds",
    "csat",
    "active_customers",
    "churned",
    "revenue",
    "cost",
    "spend",
    "live",
    "web_share",
)
_S = {name: i for i, name in enumerate(SERIES)}
_ADOPTION, _ATTITUDE, _SKILL, _QUALITY = (
    _S["adoption"],
    _S["attitude"],
    _S["skill"],
    _S["data_quality"],
)
_READINESS, _FIT, _COMMITMENT, _BENEFIT = (
    _S["readiness_planning"],
    _S["fit"],
    _S["commitment"],
    _S["benefit"],
)
_PRODUCTIVITY, _WORKAROUNDS, _CSAT = _S["productivity"], _S["workarounds"], _S["csat"]
_ACTIVE, _CHURNED, _REVENUE, _COST = (
    _S["active_customers"],
    _S["churned"],
    _S["revenue"],
    _S["cost"],
)
_SPEND, _LIVE, _WEB = _S["spend"], _S["live"], _S["web_share"]

#: The model's own state between weeks (one-element record).
MEASURES = np.dtype(
    [
        ("market", np.float64),  # log-demand of the market (sim.model.market)
        ("created", np.int64),  # customer slots created so far
        ("stepped", np.int64),  # customer slots the agents updated this week
        ("adoption", np.float64),  # share of employees with usage > 0.5
        ("quality", np.float64),  # data quality q
        ("attitude", np.float64),
        ("skill", np.float64),
        ("productivity", np.float64),
        ("workarounds", np.float64),
        ("n_active", np.int64),
        ("csat", np.float64),
    ]
)

#: Numbers fixed for the whole run that the week needs besides the rules' (one-element record).
#: Computed fields read ``inputs.key`` (the run's random stream, drawn by the model after the
#: organisation and shared with its counterfactual), ``inputs.stride`` (counters a week uses,
#: sim.model.streams.slots) and ``inputs.n`` (employees).
ECONOMY = Record(
    [
        Field("key", lambda s: s.key, int),
        Field("stride", lambda s: s.stride, int),
        Field("workaround_quality", "employee.workaround_quality"),
        Field("market_persistence", "economics.market_persistence"),
        Field("market_volatility", "economics.market_volatility"),
        # of all employees together
        Field("staff_cost_week", lambda s: s.v["economics.staff_cost_week"] * s.n),
        Field("licence_week", lambda s: s.v["programme.licence_per_user_week"] * s.n),
    ]
)


@njit(cache=True)
def observe(measures, economy, emp, cus, team_usage, out, n_paid):
    """Aggregate the current state once: adoption, data quality, team usage, and the rest.

    Data quality q is the mean completeness of active customers, less what shadow spreadsheets
    cost (sim.params ``employee.workaround_quality``). Returns the week's revenue and cost to
    serve: ``out.revenue`` and ``out.cost`` summed over the ``n_paid`` customers of the week, in
    the same pass (sim.model.kernels.customer_totals).
    """
    ms = measures[0]
    adopters, sa, sk, sp, sw = kernels.employee_totals(
        emp.usage, emp.attitude, emp.skill, emp.productivity, emp.workaround, emp.team, team_usage
    )
    n_active, ss, sd, revenue, cost = kernels.customer_totals(
        ms.created, cus.active, cus.satisfaction, cus.completeness, out.revenue, out.cost, n_paid
    )
    n = emp.team.shape[0]
    ms.adoption = adopters / n
    q_data = sd / n_active if n_active else 0.0
    ms.quality = q_data * (1.0 - economy[0].workaround_quality * sw / n)
    ms.attitude = sa / n
    ms.skill = sk / n
    ms.productivity = sp / n
    ms.workarounds = sw / n
    ms.n_active = n_active
    ms.csat = ss / n_active if n_active else 0.0
    return revenue, cost


@njit(cache=True)
def begin_week(t, measures, economy, emp, teams, prog, week):
    """Advance the programme on last week's measures and fill the week's context ``week``."""
    ms, st = measures[0], prog.state[0]
    ms.stepped = ms.created
    backing = 0.0
    for m in teams.manager:
        backing += emp.commitment[m]
    backing /= teams.manager.shape[0]
    quality, adoption = ms.quality, ms.adoption
    program_week.advance(
        prog, teams.live_week, teams.pilot, t, adoption, backing, adoption * quality * st.fit
    )
    # each team's fit: its own package fit plus the process knowledge embedded (issue 11)
    for j in range(teams.fit.shape[0]):
        teams.fit[j] = rules.platform_fit(st.embedded, teams.package_fit[j])
    wk = week[0]
    wk.t = t
    wk.quality = quality
    wk.fit = st.fit
    wk.process_readiness = prog.readiness[program_week.PROCESS]
    wk.platform_readiness = prog.readiness[program_week.PLATFORM]
    wk.people_effort = prog.efforts[program_week.PEOPLE]
    wk.process_effort = prog.efforts[program_week.PROCESS]
    wk.sponsor = program_week.sponsorship(st, prog.plan[0])  # what managers follow
    wk.org_live = st.state == program_week.LIVE_CODE
    wk.shock = st.shock
    wk.web_share = st.web_share
    wk.key = economy[0].key
    wk.stride = economy[0].stride


@njit(cache=True)
def end_week(t, measures, economy, emp, cus, cus_next, created_by, team_usage, prog, out):
    """After the agents' update (``emp``, ``cus`` are the new state): arrivals, measures, row.

    ``out.revenue`` and ``out.cost`` hold each customer's revenue and cost to serve of the week;
    they are summed here in one fixed order for both engines.
    """
    ms, st, ec = measures[0], prog.state[0], economy[0]
    # new customers arrive at a steady rate (DESIGN.md 2.3); their slots become active
    created = created_by[t + 1]
    if created > ms.created:
        cus.active[ms.created : created] = True
        cus_next.active[ms.created : created] = True
        ms.created = created
    revenue, cost = observe(measures, economy, emp, cus, team_usage, out, ms.stepped)
    shock = streams.uniform(ec.key, (t + 1) * ec.stride - 1)  # the week's last counter
    ms.market = market.demand(ms.market, shock, ec.market_persistence, ec.market_volatility)
    live = st.state == program_week.LIVE_CODE
    row = out.row
    row[_ADOPTION] = ms.adoption
    row[_ATTITUDE] = ms.attitude
    row[_SKILL] = ms.skill
    row[_QUALITY] = ms.quality
    for w in range(4):
        row[_READINESS + w] = prog.readiness[w]
    row[_FIT] = st.fit
    row[_COMMITMENT] = st.commitment
    row[_BENEFIT] = ms.adoption * ms.quality * st.fit if live else 0.0
    row[_PRODUCTIVITY] = ms.productivity
    row[_WORKAROUNDS] = ms.workarounds
    row[_CSAT] = ms.csat
    row[_ACTIVE] = ms.n_active
    row[_CHURNED] = ms.created - ms.n_active
    # Licences run while the CRM is live and end with abandonment (issue 11, item 8); employee
    # time is money: a productivity below 1 costs that share of the staff cost, above 1 saves.
    staff = ec.staff_cost_week * (1.0 - ms.productivity)
    row[_REVENUE] = revenue * np.exp(ms.market)
    row[_COST] = cost + staff + (ec.licence_week if live else 0.0)
    row[_SPEND] = st.spend
    row[_LIVE] = 1.0 if live else 0.0
    row[_WEB] = st.web_share


#: Per-week scratch of ``end_week``: customers' revenue and cost, and the week's series row.
WeekOutput = namedtuple("WeekOutput", "revenue cost row")


# Not cached, nor is run_weeks: numba cannot yet cache a function that calls parallel functions
# (numba issue #8578: a process that loads it from the cache can crash; seen here). Each process
# compiles these two once (about 1 to 2 s); everything they call is cached.
@njit(cache=False)
def _numba_week(
    t,
    measures,
    economy,
    prog,
    teams,
    team_usage,
    created_by,
    params,
    emp,
    emp_next,
    cus,
    cus_next,
    out,
):
    """One week of the numba engine, from (emp, cus) into (emp_next, cus_next)."""
    begin_week(t, measures, economy, emp, teams, prog, params.week)
    nc = measures[0].stepped
    kernels.step_employees(emp, emp_next, teams, team_usage, params.employee, params.week)
    kernels.step_customers(
        nc,
        cus,
        cus_next,
        emp,
        teams,
        params.bounds,
        params.customer,
        params.week,
        out.revenue,
        out.cost,
    )
    end_week(t, measures, economy, emp_next, cus_next, cus, created_by, team_usage, prog, out)


#: The rule parameters and the week's context as the kernels read them (sim.model.context).
KernelParams = namedtuple("KernelParams", "employee customer week bounds")


@njit(cache=False)  # see _numba_week
def run_weeks(
    t0,
    t1,
    measures,
    economy,
    prog,
    teams,
    team_usage,
    created_by,
    params,
    emp_a,
    emp_b,
    cus_a,
    cus_b,
    revenue,
    cost,
    series,
):
    """Weeks ``t0`` to ``t1 - 1`` of the numba engine; week t's row goes to ``series[t - t0]``.

    The state starts in the ``_a`` buffers and alternates between ``_a`` and ``_b`` each week
    (synchronous update without copying): after an odd number of weeks it is in ``_b``.
    """
    for t in range(t0, t1):
        out = WeekOutput(revenue, cost, series[t - t0])
        _numba_week(
            t,
            measures,
            economy,
            prog,
            teams,
            team_usage,
            created_by,
            params,
            emp_a,
            emp_b,
            cus_a,
            cus_b,
            out,
        )
        emp_a, emp_b = emp_b, emp_a  # next week reads what this week wrote
        cus_a, cus_b = cus_b, cus_a
