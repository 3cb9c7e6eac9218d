"""One week of the model in compiled code: programme, agents, arrivals, measures.

A week has three parts (DESIGN.md 2): ``begin_week`` advances the programme on last week's measures
and fills the week's context; the agents update (synchronously, from this week's state into next
week's buffers), which also sums what the week's measures need of the customers; ``end_week`` adds
arriving customers, measures the new state and writes the week's row of the model series.

The agents engine calls ``begin_week`` and ``end_week`` from Python around the Mesa agents'
``step()``; the numba engine runs ``run_weeks``, the same three parts in one compiled loop over as
many weeks as asked (a whole run: Python is touched once per run). So the two engines share every
model-level number and differ only in how agents are updated.

``run_weeks`` runs on one thread and is cached by numba (a process loads it from disk instead of
compiling it); ``run_weeks_parallel``, for the scale runs (``PARALLEL_MIN_CUSTOMERS``), shares each
week's employees among numba's threads. numba cannot cache a function that calls parallel functions
(numba issue #8578: a process that loads it can crash), so the parallel one compiles once in each
process that needs it. Both give the same numbers to the bit (sim.model.kernels: fixed chunks).

The numba engine's customers live in sim.model.calendar: a week visits only the customers with a
contact or a churn check in it, and keeps the rest as running totals.

Random numbers are drawn where they are used, inside the compiled loops, from counter-based streams
(sim.model.streams): each employee draws its own pair of the week, the market one number, each
customer its own at its events (the weeks of the next ones drawn there too). A run and its no-CRM
counterfactual share the streams' key, so the same agent draws the same numbers in both (common
random numbers), which the measurable-gain test relies on: the counterfactual's market and churn
noise is the run's.
"""

from __future__ import annotations

from collections import namedtuple

import numpy as np
from numba import njit

from sim.model import calendar, context, jit, kernels, market, program_week, rules, streams
from sim.model.records import Field, Record
from sim.model.vocabulary import SERIES

#: Below this many customer slots a run uses one numba thread: a week's kernels then take tens of
#: microseconds, about what waking a second thread costs, and on a busy machine each parallel
#: region waits for a free core (measured under load: 1.6 to 10 s instead of 40 ms for a default
#: run; docs/benchmarks.md). Above it (the scale runs) the kernels use every thread. The
#: value is an assumption between the default organisation (about 7,000 slots) and 1,000,000.
PARALLEL_MIN_CUSTOMERS = 100_000

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


@jit.inner
def measure(measures, economy, emp, team_usage, n_active, ss, sd):
    """Set the week's measures from the employees (one pass, which also fills ``team_usage`` with
    each team's mean usage) and the customers' sums (``n_active`` active customers, ``ss`` and
    ``sd`` the sums of their satisfaction and profile completeness).

    Data quality q is the mean completeness of active customers, less what shadow spreadsheets
    cost (sim.model.params ``employee.workaround_quality``).
    """
    ms = measures[0]
    adopters, sa, sk, sp, sw = kernels.employee_totals(
        emp.usage, emp.attitude, emp.skill, emp.productivity, emp.workaround, emp.team, team_usage
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


@njit(cache=True)
def observe(measures, economy, emp, cus, team_usage, prm_c):
    """Measure the state as it is (the model's initial measures, before the first week), after
    drawing the first events of the customers there at the start."""
    ms = measures[0]
    zero = np.int64(0)  # not a literal 0: the signatures of arrive and customer_totals in end_week
    arrive(cus, zero, ms.created, zero, economy[0].key, prm_c)
    n_active, ss, sd = kernels.customer_totals(
        zero, ms.created, cus.active, cus.satisfaction, cus.completeness, zero, 0.0, 0.0
    )
    measure(measures, economy, emp, team_usage, n_active, ss, sd)


@jit.inner
def arrive(cus, lo, hi, week, key, prm_c):
    """Customer slots ``lo`` to ``hi - 1`` become customers in ``week``: active, with the weeks of
    their first contact and churn check drawn (sim.model.streams.next_event, as if from an event
    in the week before)."""
    prm = prm_c[0]
    capacity = cus.active.shape[0]
    for i in range(lo, hi):
        cus.active[i] = True
        cus.next_contact[i] = streams.next_event(
            key, streams.CONTACT_STREAM, i, week - 1, capacity, prm.contact_gap
        )[1]
        cus.next_check[i] = streams.next_event(
            key, streams.CHURN_STREAM, i, week - 1, capacity, prm.check_gap
        )[1]


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
    # each team's fit: its own package fit plus the process knowledge embedded (issue 11), over
    # the functions the release still covers
    covered = program_week.coverage(st, prog.plan[0])
    for j in range(teams.fit.shape[0]):
        teams.fit[j] = rules.platform_fit(st.embedded, teams.package_fit[j], covered)
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
def end_week(t, measures, economy, emp, cus, created_by, team_usage, prog, sums, prm_c, row):
    """After the agents' update (``emp``, ``cus`` are the new state): arrivals, measures, row.

    ``sums`` are what the customers' week returns (sim.model.calendar.step_customers: still active,
    satisfaction, completeness, revenue, cost); the arrivals continue the first three.
    """
    ms, st, ec = measures[0], prog.state[0], economy[0]
    n_active, ss, sd, revenue, cost = sums
    # new customers arrive at a steady rate (DESIGN.md 2.3)
    created = created_by[t + 1]
    if created > ms.created:
        arrive(cus, ms.created, created, t + 1, ec.key, prm_c)
        n_active, ss, sd = kernels.customer_totals(
            ms.created, created, cus.active, cus.satisfaction, cus.completeness, n_active, ss, sd
        )
    ms.created = created
    measure(measures, economy, emp, team_usage, n_active, ss, sd)
    shock = streams.uniform(ec.key, (t + 1) * ec.stride - 1)  # the week's last counter
    ms.market = market.demand(ms.market, shock, ec.market_persistence, ec.market_volatility)
    live = st.state == program_week.LIVE_CODE
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


#: What the loops read besides the state: the employee and customer rule parameters as named
#: tuples (``EmployeeValues``, ``CustomerValues``, below), the week's context (the record
#: ``begin_week`` fills), the channel bounds as a tuple (sim.model.kernels: an array would cost two
#: atomic updates of its reference count per customer), and the rule parameters as their records
#: (sim.model.context), which the parallel loops take (numba's parallel loops do not take tuples).
KernelParams = namedtuple(
    "KernelParams", "employee customer week bounds employee_record customer_record"
)

#: The rule parameters as named tuples of numbers, the form the compiled engine hands its loops:
#: the per-agent functions read ``prm.mandate`` from a record and from a named tuple alike, and a
#: tuple's numbers are values the compiler keeps in registers for the whole loop, where a record's
#: fields are loaded from memory for every agent (the loop's own writes might change them, as far as
#: the compiler knows). Built from the records' field names, so they follow the records.
EmployeeValues = namedtuple("EmployeeValues", context.EMPLOYEE.dtype.names)
CustomerValues = namedtuple("CustomerValues", context.CUSTOMER.dtype.names)
WeekValues = namedtuple("WeekValues", context.WEEK.names)


def values_of(record: np.ndarray, kind: type) -> tuple:
    """A one-element record array as a one-element tuple of ``kind`` (a named tuple above): the
    per-agent functions index it with ``[0]`` as they index the record array."""
    return (kind(*record[0].tolist()),)


@njit(cache=True)
def week_values(week):
    """This week's context (the record ``begin_week`` filled) as a one-element tuple of
    ``WeekValues``, for the loops (see ``EmployeeValues``)."""
    wk = week[0]
    return (
        WeekValues(
            wk.t,
            wk.quality,
            wk.fit,
            wk.process_readiness,
            wk.platform_readiness,
            wk.people_effort,
            wk.process_effort,
            wk.sponsor,
            wk.org_live,
            wk.shock,
            wk.web_share,
            wk.key,
            wk.stride,
        ),
    )


@njit(cache=True, inline="always")
def _week(t, measures, economy, prog, teams, team_usage, created_by, params, emp, emp_next, cus,
          cal, row):  # fmt: skip
    """One week of the numba engine on one thread, the employees from ``emp`` into ``emp_next``,
    the customers in place (sim.model.calendar)."""
    begin_week(t, measures, economy, emp, teams, prog, params.week)
    wk = week_values(params.week)
    kernels.step_employees(emp, emp_next, teams, team_usage, params.employee, wk)
    scan = cus.active.shape[0] >= calendar.SCAN_MIN_CUSTOMERS
    sums = calendar.step_customers(
        cal, cus, emp, teams, measures[0].created, params.bounds, params.customer, wk, scan
    )
    end_week(t, measures, economy, emp_next, cus, created_by, team_usage, prog, sums,
             params.customer, row)  # fmt: skip


@njit(cache=False)  # not cached: it calls parallel functions (numba issue #8578)
def _week_parallel(t, measures, economy, prog, teams, team_usage, created_by, params, emp,
                   emp_next, cus, cal, row):  # fmt: skip
    """``_week`` with the employees' chunks shared among numba's threads (the same numbers); the
    customers' week visits only the customers with an event and stays on one thread."""
    begin_week(t, measures, economy, emp, teams, prog, params.week)
    wk = params.week
    kernels.step_employees_parallel(emp, emp_next, teams, team_usage, params.employee_record, wk)
    scan = cus.active.shape[0] >= calendar.SCAN_MIN_CUSTOMERS
    sums = calendar.step_customers(
        cal, cus, emp, teams, measures[0].created, params.bounds, params.customer_record, wk, scan
    )
    end_week(t, measures, economy, emp_next, cus, created_by, team_usage, prog, sums,
             params.customer_record, row)  # fmt: skip


@njit(cache=True)
def run_weeks(t0, t1, measures, economy, prog, teams, team_usage, created_by, params, emp_a, emp_b,
              cus, cal, series):  # fmt: skip
    """Weeks ``t0`` to ``t1 - 1`` of the numba engine; week t's row goes to ``series[t - t0]``.

    The employees start in the ``_a`` buffers and alternate between ``_a`` and ``_b`` each week
    (synchronous update without copying): after an odd number of weeks they are in ``_b``. The
    customers are updated in place, and their completeness written out at the end
    (sim.model.calendar.settle).
    """
    for t in range(t0, t1):
        _week(t, measures, economy, prog, teams, team_usage, created_by, params, emp_a, emp_b,
              cus, cal, series[t - t0])  # fmt: skip
        emp_a, emp_b = emp_b, emp_a  # next week reads what this week wrote
    calendar.settle(cal, cus)


@njit(cache=False)  # see _week_parallel
def run_weeks_parallel(t0, t1, measures, economy, prog, teams, team_usage, created_by, params,
                       emp_a, emp_b, cus, cal, series):  # fmt: skip
    """``run_weeks`` with the employees on every numba thread (same arguments, same numbers)."""
    for t in range(t0, t1):
        _week_parallel(t, measures, economy, prog, teams, team_usage, created_by, params, emp_a,
                       emp_b, cus, cal, series[t - t0])  # fmt: skip
        emp_a, emp_b = emp_b, emp_a
    calendar.settle(cal, cus)
