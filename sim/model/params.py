"""Every scalar parameter of the model: type, default, bounds and source.

One table, in the style of EMA Workbench's ``RealParameter`` / ``IntegerParameter``: a parameter is
typed, bounded data with its provenance beside it. The scenario loader validates TOML values against
this table, the experiment designs draw from its bounds, and docs/ODD.md cites the same sources. A
default with no published source says "assumption".

Keys are dotted (``section.name``): the spelling a TOML table, ``--set`` and an experiment design
use.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

WORKSTREAMS = ("planning", "people", "process", "platform")
CHANNELS = ("face", "email", "web", "phone", "fax", "mail")


@dataclass(frozen=True)
class Param:
    """One model parameter.

    Attributes:
        key: dotted key, e.g. ``org.employees``.
        kind: ``float``, ``int``, ``bool`` or ``str``.
        default: default value.
        low: lower bound (inclusive) for numbers.
        high: upper bound (inclusive) for numbers.
        choices: allowed values for strings.
        doc: what it means, with units.
        source: where the default comes from, or "assumption".
    """

    key: str
    kind: type
    default: Any
    low: float | None = None
    high: float | None = None
    choices: tuple[str, ...] | None = None
    doc: str = ""
    source: str = "assumption"

    def allowed(self) -> str:
        """Human-readable description of the allowed values."""
        if self.choices:
            return "one of " + ", ".join(repr(c) for c in self.choices)
        if self.kind is bool:
            return "true or false"
        if self.kind is int:
            return f"an integer in [{int(self.low)}, {int(self.high)}]"
        return f"a number in [{self.low:g}, {self.high:g}]"


def _p(key, kind, default, low=None, high=None, doc="", source="assumption", choices=None):
    return Param(key, kind, default, low, high, choices, doc, source)


_PARAMS = [
    # --- time and organisation -------------------------------------------------------------
    _p("horizon_weeks", int, 156, 1, 1040, "simulated weeks (one tick = one week)", "DESIGN.md 2"),
    _p("org.employees", int, 200, 4, 1_000_000, "employees, managers included", "DESIGN.md 2"),
    _p("org.team_size", int, 10, 2, 200, "employees per team (one manager each)", "DESIGN.md 2"),
    _p("org.customers", int, 5000, 10, 20_000_000, "customers at the start", "DESIGN.md 2"),
    _p(
        "org.culture",
        float,
        0.0,
        -1,
        1,
        "mean initial attitude towards the change",
        source=(
            "change readiness; direction: Hong & Kim 2002 (organisational resistance as a "
            "contingency); Panorama 2014 (63% found managing change difficult, 2nd); value "
            "assumption"
        ),
    ),
    _p(
        "org.culture_spread",
        float,
        0.3,
        0,
        1,
        "per-organisation culture offset, drawn uniformly in +-spread",
        source=(
            "Panorama 2014 (2% found managing change easy, 63% difficult, 2nd): readiness "
            "differs widely; width assumption"
        ),
    ),
    _p("org.attitude_sd", float, 0.3, 0, 1, "spread of initial attitudes within the organisation"),
    _p("org.customer_orientation", float, 0.6, 0, 1, "mean employee customer orientation c"),
    _p("org.skill_initial", float, 0.15, 0, 1, "mean initial CRM skill k"),
    _p(
        "org.annual_turnover",
        float,
        0.35,
        0,
        0.95,
        "share of employees (managers excepted) replaced in a year; a newcomer arrives with the "
        "organisation's mean attitude and initial skill and does not use the CRM yet",
        "HBR 2017 'How to predict turnover on your sales team' (Kumar et al.): annual turnover "
        "among US salespeople 'as high as 27%', and 'in many industries, the average tenure is "
        "less than two years' (above 50% a year); sales-operations vendors quote 34-35% "
        "(Optymyze, EnableU; weak). 0.35 is an assumption inside that range",
    ),
    _p(
        "org.complexity",
        float,
        1.0,
        0.1,
        10,
        "median technical complexity (divides platform build rate), lognormal per organisation",
    ),
    _p(
        "org.complexity_sigma",
        float,
        0.25,
        0,
        2,
        "log-sd of the lognormal body of technical complexity across organisations",
    ),
    _p(
        "org.complexity_tail_share",
        float,
        0.17,
        0,
        1,
        "share of organisations whose complexity comes from a Pareto tail above 3x the median",
        "Flyvbjerg & Budzier 2011; McKinsey-Oxford 2012 (17% of IT projects over +200%)",
    ),
    _p(
        "org.complexity_tail_alpha",
        float,
        1.05,
        1.01,
        50,
        "Pareto index of the complexity tail",
        "Flyvbjerg et al. 2022 (IT cost overruns follow a power law with a fat tail); IT the only "
        "project type with a tail index at or below 1 (Project Management Journal 2025 abstract, "
        "as in docs/sources/lit-model-v2.md); 1.05 keeps the mean finite (assumption)",
    ),
    _p("org.budget_contingency", float, 0.10, 0, 2, "budget = planned cost x (1 + contingency)"),
    _p("org.network_k", int, 6, 2, 20, "Watts-Strogatz mean degree", "DESIGN.md 2.2 (k 4 to 10)"),
    _p(
        "org.network_rewiring",
        float,
        0.1,
        0,
        1,
        "Watts-Strogatz rewiring probability",
        "DESIGN.md 2.2 (0.05 to 0.2); Watts & Strogatz 1998",
    ),
    _p("org.coach_share", float, 0.5, 0, 1, "share of managers who coach (the rest criticise)"),
    _p(
        "org.mandate",
        float,
        0.5,
        0,
        1,
        "how strongly use of the CRM is mandated",
        "Ferneley & Sobreperez 2006 (mandated use breeds workarounds); value assumption",
    ),
    _p("org.manager_weight", float, 2.0, 1, 10, "weight of a manager's attitude in peer influence"),
    # --- organisation profile (DESIGN.md 2.6; ODD 5): drawn per run, fixed by spread = 0 --------
    # Each trait is centre + spread x (2u - 1), clipped to its range, one uniform draw per trait
    # per run (the treatment and its counterfactual share the draw). A scenario describes one
    # client by setting a centre and a spread of 0.
    _p(
        "profile.package_fit",
        float,
        0.51,
        0,
        1,
        "share of the firm's processes the vendor's standard package covers out of the box "
        "(fit of an unconfigured platform)",
        "Soh, Kien & Tay-Yap 2000 (package misfits); Hong & Kim 2002 (organisational fit drives "
        "ERP success); centre and spread put 23% above 0.7 (near vanilla) and 34% below 0.4 "
        "(heavy customisation), Panorama 2008 as quoted in Panorama's blog (2nd)",
    ),
    _p(
        "profile.package_fit_spread",
        float,
        0.35,
        0,
        1,
        "half-width of the package-fit draw",
        "Panorama 2008 (2nd): see profile.package_fit",
    ),
    _p(
        "profile.team_fit_spread",
        float,
        0.3,
        0,
        1,
        "half-width of each team's (function's) package fit around the organisation's: teams the "
        "package suits and teams it does not, in one organisation",
        "Soh, Kien & Tay-Yap 2000 (misfits are gaps between the package's functionality and what "
        "the adopting organisation requires, function by function); value assumption",
    ),
    _p(
        "profile.scope",
        float,
        0.5,
        0,
        1,
        "share of the organisation's functions and teams the first release changes",
        "direction: Standish CHAOS 2015 (small projects succeed far more often, 2nd; method "
        "disputed, Eveleens & Verhoef 2010) and McKinsey-Oxford 2012 (overruns grow with size); "
        "value assumption",
    ),
    _p("profile.scope_spread", float, 0.4, 0, 1, "half-width of the scope draw (assumption)"),
    _p(
        "profile.data_maturity_spread",
        float,
        0.15,
        0,
        1,
        "half-width of the per-organisation offset of initial profile completeness "
        "(customer.completeness_initial is the centre)",
    ),
    _p(
        "profile.sponsor_strength",
        float,
        0.5,
        0,
        1,
        "the executive sponsor's strength: authority, time and budget power to release people, "
        "lead the managers, fund improvement and cut a runaway project's scope (times the "
        "sponsor's commitment, which moves with results)",
        "Young & Jordan 2008 (top-management support 'the most important critical success "
        "factor'); Dong, Neufeld & Higgins 2009 (resources, change management, vision sharing); "
        "centre and spread: Prosci (about half of project teams rate their sponsor poor to "
        "fair) and PMI 2014 (fewer than two thirds of projects have an assigned sponsor), both "
        "as read in docs/sources/lit-model-v3.md item 8; the uniform form an assumption",
    ),
    _p(
        "profile.sponsor_strength_spread",
        float,
        0.45,
        0,
        1,
        "half-width of the per-organisation sponsor strength (profile.sponsor_strength is the "
        "centre)",
        "Prosci and PMI 2014 (see profile.sponsor_strength): weak sponsors are common, so the "
        "draw spans 0.05 to 0.95; width an assumption",
    ),
    _p(
        "profile.budget_realism",
        float,
        0.8,
        0.05,
        1.5,
        "budget as a share of what the plan really costs before planning corrects it "
        "(optimism bias)",
        "direction: McKinsey-Oxford 2012 (large IT projects 45% over budget on average); "
        "value assumption",
    ),
    _p("profile.budget_realism_spread", float, 0.2, 0, 1, "half-width of the budget-realism draw"),
    # --- rollout plan ----------------------------------------------------------------------
    _p("rollout.durations.planning", int, 8, 1, 260, "weeks of a planning phase in an ordering"),
    _p("rollout.durations.people", int, 12, 1, 260, "weeks of a people phase in an ordering"),
    _p("rollout.durations.process", int, 12, 1, 260, "weeks of a process phase in an ordering"),
    _p("rollout.durations.platform", int, 30, 1, 260, "weeks of a platform phase in an ordering"),
    _p("rollout.effort.planning", float, 1.0, 0, 5, "multiplier on every planning phase's effort"),
    _p("rollout.effort.people", float, 1.0, 0, 5, "multiplier on every people phase's effort"),
    _p("rollout.effort.process", float, 1.0, 0, 5, "multiplier on every process phase's effort"),
    _p("rollout.effort.platform", float, 1.0, 0, 5, "multiplier on every platform phase's effort"),
    _p(
        "rollout.golive",
        str,
        "big_bang",
        doc="big_bang: everyone at once; phased: pilot teams first",
        choices=("big_bang", "phased"),
        source="DESIGN.md 2.1",
    ),
    _p(
        "rollout.pilot_share",
        float,
        0.1,
        0.01,
        1,
        "share of teams in the pilot (phased go-live)",
        source=(
            "Robey, Ross & Boudreau 2002 (a phased approach helped); Panorama 2011 (over "
            "half phased, 2nd); share assumption"
        ),
    ),
    _p(
        "rollout.pilot_weeks",
        int,
        12,
        1,
        260,
        "weeks between the pilot's go-live and the rest",
        source="Robey, Ross & Boudreau 2002 (phased approach); length assumption",
    ),
    _p(
        "rollout.golive_threshold",
        float,
        0.8,
        0.05,
        1,
        "platform readiness needed to go live",
        "DESIGN.md 2.1",
    ),
    _p(
        "rollout.extension_effort",
        float,
        0.6,
        0,
        5,
        "platform effort kept up after the planned phases while not yet live, without a "
        "backing sponsor (sponsor.escalation raises it)",
    ),
    _p(
        "rollout.vendor_pressure",
        float,
        0.0,
        0,
        1,
        "how hard a vendor drives the programme; inflates the sponsor's expectations",
        "Costly Rotten Mistakes essay ('magic bullet'); value per scenario",
    ),
    _p(
        "rollout.cancel_spend_multiple",
        float,
        1.75,
        1,
        20,
        "cancel when spend passes budget x this",
        "DESIGN.md 2.1",
    ),
    _p("rollout.commitment_floor", float, 0.2, 0, 1, "cancel when sponsor commitment falls below"),
    _p(
        "rollout.abandon_usage",
        float,
        0.3,
        0,
        1,
        "abandoned when active users stay under this share",
        "DESIGN.md 2.1",
    ),
    _p(
        "rollout.abandon_weeks",
        int,
        26,
        1,
        520,
        "weeks of low use before abandonment",
        "DESIGN.md 2.1",
    ),
    # --- programme dynamics ----------------------------------------------------------------
    _p("programme.rate.planning", float, 0.30, 0, 5, "readiness rate per week at full effort"),
    _p("programme.rate.people", float, 0.20, 0, 5, "readiness rate per week at full effort"),
    _p("programme.rate.process", float, 0.20, 0, 5, "readiness rate per week at full effort"),
    _p(
        "programme.rate.platform",
        float,
        0.08,
        0,
        5,
        "readiness rate per week at full effort (divided by complexity)",
    ),
    _p(
        "programme.rework_share",
        float,
        0.5,
        0,
        1,
        "platform readiness lost per unit of process readiness gained after the platform was built",
    ),
    _p(
        "programme.customisation_load",
        float,
        1.0,
        0,
        10,
        "extra platform work per unit of misfit (1 - package fit) x process readiness to embed: "
        "configuring the package around designed processes is customisation",
        "Soh, Kien & Tay-Yap 2000 ('customizing the package'); Panorama 2008 (2nd); value "
        "assumption",
    ),
    _p(
        "programme.coordination_cost",
        float,
        0.1,
        0,
        5,
        "overhead per pair of concurrent workstreams per unit of scope: rates divided, weekly cost "
        "multiplied by 1 + cost x scope x n(n-1)/2",
        "Brooks 1975 (n(n-1)/2 communication paths, 2nd); Flyvbjerg et al. 2022 (interdependent "
        "components, cascades); value assumption",
    ),
    _p(
        "programme.rework_cost",
        float,
        1.0,
        0,
        10,
        "spend per unit of platform readiness lost to rework, as a share of the planned platform "
        "build's cost",
        "Soh, Kien & Tay-Yap 2000 (adapting the package costs money and time); value assumption",
    ),
    _p(
        "programme.improve_effort",
        float,
        1.0,
        0,
        5,
        "process and reconfiguration effort after go-live at full sponsor commitment and no fit "
        "(funded by the sponsor: effort x commitment x (1 - fit), none below the commitment "
        "floor)",
        "Soh, Kien & Tay-Yap 2000 (adapt package or process); Robey, Ross & Boudreau 2002 "
        "(piecemeal: technology first, process later); value assumption",
    ),
    _p(
        "programme.support_effort",
        float,
        0.3,
        0,
        5,
        "training and support effort after go-live at full sponsor commitment and no adoption "
        "(effort x commitment x (1 - adoption), none below the commitment floor)",
        "Robey, Ross & Boudreau 2002 (user training in the system and the new processes "
        "overcame assimilation barriers); value assumption",
    ),
    _p(
        "programme.reconfigure_rate",
        float,
        0.1,
        0,
        5,
        "weekly share of the gap between process readiness and embedded process knowledge that "
        "reconfiguration closes at effort 1",
    ),
    _p(
        "programme.scope_work",
        float,
        0.5,
        0,
        0.95,
        "share of the platform build that grows with scope (the rest: integration, migration, the "
        "platform itself); the build's size is (1 - share) + share x 2 x scope; below 1, since "
        "that rest is there whatever the release covers (at 1 a release cut to no functions had "
        "no build to do: a division by zero)",
        "direction: McKinsey-Oxford 2012 (overruns grow with size and duration); Standish CHAOS "
        "2015 (small projects succeed more often; as direction only); value assumption",
    ),
    _p(
        "programme.budget_cut",
        float,
        2.0,
        0,
        20,
        "people and process effort cut per unit of the projected overrun (cost at completion / "
        "budget - 1): a 25% projected overrun cuts half of the training and process work",
        "practitioner reports that training and change work are cut first (no survey rate; "
        "docs/sources/lit-model-v3.md item 3); value assumption",
    ),
    _p(
        "programme.scope_cut",
        float,
        0.5,
        0,
        1,
        "share of scope a finished planning phase cuts to a realistic first release",
        "seed 001 ('start small'); Standish CHAOS 2015 direction (2nd); value assumption",
    ),
    _p(
        "programme.golive_shock",
        float,
        0.2,
        0,
        2,
        "extra go-live productivity dip when the whole scope switches in one week (support "
        "saturation): shock x share going live x scope",
        "Panorama 2014 (51% material disruption at go-live, 2nd); size: assumption, estimated "
        "by the calibration from Panorama's month-or-more share (prior uniform 0 to 1)",
    ),
    _p(
        "programme.pilot_learning",
        float,
        0.5,
        0,
        1,
        "share of the pilot's configuration gap fixed, and of the later wave's shock avoided, "
        "before the rest go live",
        "Robey, Ross & Boudreau 2002 (a phased approach helped assimilation); value assumption",
    ),
    _p(
        "programme.cost_per_employee_week",
        float,
        60.0,
        0,
        1e6,
        "programme cost per employee per week at effort 1 (consultants, staff time)",
        source=(
            "assumption; order of magnitude checked against IDC 2004 (median initial CRM "
            "investment about 426,000 USD, 2nd)"
        ),
    ),
    _p(
        "programme.licence_per_user_week",
        float,
        15.0,
        0,
        1e4,
        "CRM licence per employee per week from go-live (about 65 a user a month)",
    ),
    # --- sponsor (Repenning 2002) ----------------------------------------------------------
    _p(
        "sponsor.commitment_initial",
        float,
        0.8,
        0,
        1,
        "sponsor commitment C (the will, which then moves with results) when the programme is "
        "approved",
        source="Repenning 2002 (commitment as a stock); value assumption",
    ),
    _p(
        "sponsor.day_job_drain",
        float,
        0.5,
        0,
        1,
        "share of the planned effort lost to the day job with no active sponsorship: the share "
        "released is 1 - drain x (1 - strength x commitment)",
        "Dong, Neufeld & Higgins 2009 (resource provision 'affected project completion'); "
        "practitioners on backfilling project staff (Scavo 2002; docs/sources/lit-model-v3.md "
        "1.9); value assumption",
    ),
    _p(
        "sponsor.funding_gate",
        float,
        0.5,
        0,
        1,
        "how far an optimistic budget's re-baseline depends on the sponsor's budget power: "
        "planning raises the budget toward the plan's real cost by the share "
        "1 - gate x (1 - strength) of the increase (0: every increase funded)",
        "Dong, Neufeld & Higgins 2009 (top management's resource provision 'affected project "
        "completion'); Young & Jordan 2008 (top-management support the most important critical "
        "success factor); value assumption, estimated by the calibration",
    ),
    _p(
        "sponsor.rescope_cut",
        float,
        0.5,
        0,
        1,
        "share of a runaway project's scope a sponsor of strength 1 cuts when spend passes the "
        "budget before go-live (de-escalation); strength x this share is cut, once",
        "Keil & Robey 1999 (de-escalation by changing the level of resources); Montealegre & "
        "Keil 2000 (the exit was a cut-down system); value assumption",
    ),
    _p(
        "sponsor.defence_floor",
        float,
        0.2,
        0,
        1,
        "the active sponsorship (strength x commitment) a runaway project needs at its review "
        "(sponsor.review_weeks over budget) to go on; below it the project is stopped",
        "Ewusi-Mensah & Przasnyski 1991 and JCIS 2000 (leadership decides abandonment; "
        "docs/sources/lit-model-v3.md section 10); value an assumption (the commitment floor's), "
        "estimated by the calibration",
    ),
    _p(
        "sponsor.escalation",
        float,
        1.0,
        0,
        10,
        "how far a backing sponsor raises the cancel limit (multiples of the budget) at full "
        "active sponsorship and full completion seen: limit = rollout.cancel_spend_multiple + "
        "this x sponsorship x completion; a late programme's platform effort grows by the same "
        "term: rollout.extension_effort x (1 + this x sponsorship x completion)",
        "Keil 1995 (a backed runaway absorbs resources for years); Keil, Mann & Rai 2000 "
        "(escalation is adding resources; the completion effect predicts it); value an assumption "
        "near Keil & Mann 1997's 158% mean overrun of escalated projects (2nd; a limit of 2.75 x "
        "budget), "
        "estimated by the calibration",
    ),
    _p(
        "sponsor.review_weeks",
        int,
        13,
        1,
        520,
        "weeks a runaway project spends past its budget before go-live before the organisation "
        "reviews it: then, if its active sponsorship (strength x commitment) is below "
        "sponsor.defence_floor, it is stopped",
        "Montealegre & Keil 2000 (de-escalation a four-phase process, problem recognition first, "
        "with a lag); Keil & Robey 1999 (triggered by senior managers, auditors or consultants); "
        "Keil & Mann 1997, as read (2nd) in docs/sources/lit-model-v3.md 2.2 (escalated "
        "projects overran 158% on average, 18% of them were abandoned); a quarter is an "
        "assumption",
    ),
    _p(
        "sponsor.alpha",
        float,
        0.05,
        0,
        5,
        "response of C to results minus expectations",
        "Repenning 2002 (structure); value assumption",
    ),
    _p("sponsor.delta", float, 0.01, 0, 1, "weekly decay of C", "Repenning 2002; value assumption"),
    _p(
        "sponsor.reinforcement",
        float,
        0.02,
        0,
        1,
        "weekly reinforcement of C from managers' backing",
        "Repenning 2002; value assumption",
    ),
    _p(
        "sponsor.expectation_base",
        float,
        0.25,
        0,
        1,
        "benefit index (adoption x data quality x fit) the sponsor expects with no vendor pressure",
    ),
    _p(
        "sponsor.expectation_inflation",
        float,
        1.0,
        0,
        10,
        "expectation = base x (1 + inflation x vendor_pressure)",
        "the 'magic bullet' of the pledge essay; value assumption (at full vendor pressure the "
        "expectation doubles). Not calibrated: with eroding goals it barely moves a mix figure "
        "(experiments/calibration.toml)",
    ),
    _p(
        "sponsor.goal_erosion",
        float,
        0.05,
        0,
        1,
        "weekly share of the gap between expectation and a lower benefit (never below the "
        "expectation with no vendor pressure) by which the sponsor revises expectations after "
        "go-live",
        "Lant 1992 and Mezias, Chen & Murphy 2002 (aspirations adapt to the attainment "
        "discrepancy, with an optimistic bias); Barlas & Yasarcan 2006 (goal erosion after "
        "persistent failure); value assumption",
    ),
    _p(
        "sponsor.benefit_ramp_weeks",
        int,
        26,
        1,
        520,
        "weeks after go-live over which the sponsor expects benefits to build up to expectation",
        source=(
            "CRMGuru 2002 (about half paid back within 18 months, 2nd); IDC 2004 (58% of "
            "those measuring paid back within a year, 2nd); value assumption"
        ),
    ),
    _p(
        "sponsor.judgement_weeks",
        int,
        13,
        1,
        104,
        "weeks at the end over which results are judged against expectations",
    ),
    # --- employees -------------------------------------------------------------------------
    _p(
        "employee.train_skill",
        float,
        0.06,
        0,
        1,
        "skill gained per week of training at effort 1",
        "'train, explain and refrain' (pledge essay); value assumption",
    ),
    _p("employee.train_attitude", float, 0.02, 0, 1, "attitude gained per week of training"),
    _p(
        "employee.tau_learning",
        float,
        8.0,
        1,
        104,
        "learning-by-doing time constant (weeks)",
        "DESIGN.md 2.2 (tau 4 to 12 weeks)",
    ),
    _p("employee.utaut_b0", float, -0.235, -5, 5, "UTAUT intercept"),
    _p(
        "employee.utaut_pe",
        float,
        0.50,
        0,
        5,
        "weight of performance expectancy",
        "King & He 2006 meta-analysis (PE -> BI 0.50)",
    ),
    _p(
        "employee.utaut_ee",
        float,
        0.19,
        0,
        5,
        "weight of effort expectancy",
        "King & He 2006 (EE -> BI 0.19)",
    ),
    _p(
        "employee.utaut_si",
        float,
        0.20,
        0,
        5,
        "weight of social influence",
        "Venkatesh et al. 2003 (SI significant under mandate); value assumption",
    ),
    _p("employee.utaut_attitude", float, 0.25, 0, 5, "weight of attitude"),
    _p(
        "employee.utaut_scale",
        float,
        8.0,
        0.1,
        50,
        "common scale of the UTAUT weights (assumption: the calibration fits complexity, "
        "expectations and benefit sizes instead)",
    ),
    _p(
        "employee.usability",
        float,
        0.8,
        0,
        1,
        "platform usability when fully built",
        source=(
            "AMR Research 2007 (reps reject CRM 'mainly because it's just not easy to "
            "use'); value assumption"
        ),
    ),
    _p(
        "employee.usage_rate", float, 0.1, 0, 1, "weekly share of the gap usage closes to intention"
    ),
    _p(
        "employee.workaround_gain",
        float,
        6.0,
        0,
        50,
        "g in P(workaround) = sigmoid(g(mandate-PE-EE))",
        "Ferneley & Sobreperez 2006; Alter 2014",
    ),
    _p(
        "employee.workaround_quality",
        float,
        0.5,
        0,
        1,
        "data quality lost when every employee keeps a shadow spreadsheet",
    ),
    _p(
        "employee.epsilon",
        float,
        0.3,
        0,
        2,
        "bounded-confidence threshold",
        "Deffuant et al. 2000 (DESIGN.md: 0.2 to 0.4)",
    ),
    _p(
        "employee.mu",
        float,
        0.3,
        0,
        0.5,
        "bounded-confidence convergence rate",
        "Deffuant et al. 2000 (DESIGN.md: 0.1 to 0.5)",
    ),
    _p("employee.experience_rate", float, 0.04, 0, 1, "attitude change per week from use"),
    _p(
        "employee.experience_reference",
        float,
        0.25,
        0,
        1,
        "helpfulness (PE+EE)/2 above which use raises attitude",
    ),
    _p(
        "employee.critic_rate",
        float,
        0.05,
        0,
        1,
        "attitude lost per week by low users of a critic",
        "'refrain from criticism when it is all new' (pledge essay); value assumption",
    ),
    _p(
        "employee.coach_rate",
        float,
        0.03,
        0,
        1,
        "attitude gained per week from a coach's team wins",
        "ADKAR reinforcement (Hiatt 2006); value assumption",
    ),
    _p(
        "employee.shock_attitude",
        float,
        2.5,
        0,
        10,
        "attitude lost at go-live per unit of go-live shock (early criticism of a disrupted "
        "cut-over)",
        "Panorama 2014 (disruption at go-live, 2nd); Meuter et al. 2000 (failures draw blame); "
        "value assumption (raised from 0.5 when the shock was cut from 0.6 to 0.2 for the dip, "
        "so the early criticism of a full-scope cut-over is kept)",
    ),
    _p("employee.criticism_weeks", int, 8, 0, 104, "weeks after go-live when criticism hurts most"),
    _p(
        "employee.manager_rate", float, 0.1, 0, 1, "weekly rate a manager's commitment follows team"
    ),
    _p(
        "employee.sponsor_lead",
        float,
        0.5,
        0,
        1,
        "weight of the sponsor's commitment in a manager's commitment after go-live (the rest: "
        "the team's usage and the dashboards' data quality); before go-live managers follow the "
        "sponsor alone",
        "Dong, Neufeld & Higgins 2009 (J. Information Technology 24: top management 'sharing the "
        "vision' drove middle managers' buy-in); Liang et al. 2007 (MIS Quarterly 31(1): top "
        "management keeps raising use after go-live); value assumption",
    ),
    _p(
        "employee.dip_min",
        float,
        0.10,
        0,
        1,
        "go-live productivity dip with full skill",
        "assumption (the 10% to 30% range); Markus & Tanis 2000 for the shakedown phase's dip "
        "(what was read gives no size: docs/sources/lit-model-v2.md 9)",
    ),
    _p(
        "employee.dip_max",
        float,
        0.30,
        0,
        1,
        "go-live productivity dip with no skill",
        "assumption (see employee.dip_min); Markus & Tanis 2000 for the dip's existence",
    ),
    _p(
        "employee.recovery_weeks",
        float,
        26.0,
        1,
        104,
        "weeks to recover from the dip (3 tau)",
        "eResource ERP (a stabilisation period of 'three to nine months' with 'some dip in "
        "business performance'; docs/sources/lit-model-v3.md 5.4); estimated by the calibration "
        "within that range",
    ),
    _p(
        "employee.productivity_gain",
        float,
        0.15,
        0,
        2,
        "productivity gain at u = q = f = 1; the calibrated benefit size "
        "(experiments/calibration.toml)",
        "shape: Brynjolfsson et al. 2021 (productivity J-curve); Peerstone 2002 (68% of 139 "
        "firms said CRM significantly improves sales-force productivity); size calibrated",
    ),
    # --- customers -------------------------------------------------------------------------
    _p("customer.contact_prob", float, 0.10, 0, 1, "weekly probability a customer makes contact"),
    _p("customer.satisfaction_initial", float, 0.65, 0, 1, "mean initial satisfaction S"),
    _p("customer.satisfaction_sd", float, 0.1, 0, 1, "spread of initial satisfaction"),
    _p("customer.w_base", float, 0.50, 0, 1, "experience from any contact"),
    _p(
        "customer.w_skill",
        float,
        0.0,
        0,
        1,
        "experience weight of the handler's CRM skill beyond the integrated view",
        "0 (model v2): CRM skill reaches the customer through the integrated view (w_view) and "
        "the go-live dip (which scales with missing skill); a weight of its own counted it twice",
    ),
    _p("customer.w_orientation", float, 0.20, 0, 1, "experience weight of customer orientation"),
    _p("customer.w_view", float, 0.10, 0, 1, "experience weight of the integrated view u*q*d"),
    _p("customer.w_consistency", float, 0.05, 0, 1, "experience weight of process readiness"),
    _p(
        "customer.w_dip", float, 0.5, 0, 2, "experience lost per unit of handler's productivity dip"
    ),
    _p(
        "customer.web_quality",
        float,
        0.7,
        0,
        1,
        "experience of a web self-service contact at fit 1",
    ),
    _p(
        "customer.web_p",
        float,
        0.03,
        0,
        1,
        "Bass innovation coefficient of web self-service, per year",
        "Sultan, Farley & Lehmann 1990 mean p (2nd, course page)",
    ),
    _p(
        "customer.web_q",
        float,
        0.38,
        0,
        5,
        "Bass imitation coefficient of web self-service, per year, at full web experience",
        "Sultan, Farley & Lehmann 1990 mean q 0.38, range 0.3-0.5 (2nd); scaled by the web "
        "experience (Meuter et al. 2000: bad encounters spread by word of mouth)",
    ),
    _p(
        "customer.web_potential",
        float,
        0.7,
        0,
        1,
        "share of web contacts that can become self-service at saturation (Bass m)",
        "Gartner 2019: 70% of customers use self-service somewhere in a journey",
    ),
    _p(
        "customer.satisfaction_rate",
        float,
        0.3,
        0,
        1,
        "share of the disconfirmation gap S takes up",
        "Oliver 1980 (expectation-disconfirmation)",
    ),
    _p(
        "customer.loss_aversion",
        float,
        2.0,
        1,
        5,
        "weight of negative gaps vs positive",
        "Oliver 1980; Kahneman & Tversky 1979 (about 2)",
    ),
    _p(
        "customer.eta",
        float,
        0.2,
        0,
        1,
        "expectation adaptation E += eta (P - E)",
        "DESIGN.md 2.3 (0.1 to 0.3)",
    ),
    _p("customer.churn_beta", float, 3.0, 0, 20, "churn hazard h0 exp(-beta S)"),
    _p(
        "customer.annual_churn",
        float,
        0.15,
        0,
        0.9,
        "no-CRM annual churn; sets h0 at the initial satisfaction",
        "DESIGN.md 2.3 (10 to 20%)",
    ),
    _p("customer.annual_arrivals", float, 0.15, 0, 2, "new customers a year, share of the start"),
    _p("customer.completeness_initial", float, 0.3, 0, 1, "mean initial profile completeness d"),
    _p(
        "customer.capture_name",
        float,
        0.8,
        0,
        1,
        "web phase 1 capture rate (name + e-mail)",
        "pledge essay: capture target 80%",
    ),
    _p(
        "customer.capture_purchase",
        float,
        0.9,
        0,
        1,
        "web phase 2 conversion (purchase + address)",
        "pledge essay: conversion target 90%",
    ),
    _p("customer.capture_preferences", float, 0.5, 0, 1, "web phase 3 capture (preferences)"),
    _p(
        "customer.log_gain", float, 0.1, 0, 1, "completeness gained per logged contact, d += g(1-d)"
    ),
    _p("customer.decay_month", float, 0.025, 0, 1, "monthly data decay", "DESIGN.md 2.3 (2 to 3%)"),
    _p(
        "customer.consolidation_rate",
        float,
        0.02,
        0,
        1,
        "weekly completeness gained by data consolidation while process work runs",
    ),
    _p(
        "touchpoints.face",
        float,
        0.15,
        0,
        1,
        "share of contacts face to face (assisted: the five behave alike, ODD 7.3.3)",
    ),
    _p(
        "touchpoints.email",
        float,
        0.25,
        0,
        1,
        "share of contacts by e-mail (assisted: the five behave alike, ODD 7.3.3)",
    ),
    _p(
        "touchpoints.web",
        float,
        0.25,
        0,
        1,
        "share of contacts on the web (self-service after go-live)",
    ),
    _p(
        "touchpoints.phone",
        float,
        0.30,
        0,
        1,
        "share of contacts by phone (assisted: the five behave alike, ODD 7.3.3)",
    ),
    _p(
        "touchpoints.fax",
        float,
        0.02,
        0,
        1,
        "share of contacts by fax (assisted: the five behave alike, ODD 7.3.3)",
    ),
    _p(
        "touchpoints.mail",
        float,
        0.03,
        0,
        1,
        "share of contacts by mail (assisted: the five behave alike, ODD 7.3.3)",
    ),
    _p(
        "economics.revenue_week",
        float,
        150.0,
        0,
        1e6,
        "revenue per active customer per week",
        "assumption: about 200,000 revenue per employee a year over 5,000 customers",
    ),
    _p(
        "economics.market_volatility",
        float,
        0.02,
        0,
        1,
        "weekly sd of the market's log-demand shock (AR(1), shared with the counterfactual)",
        "assumption: quarterly revenue swings of a few percent",
    ),
    _p(
        "economics.market_persistence",
        float,
        0.9,
        0,
        0.999,
        "AR(1) persistence of the demand shock",
    ),
    _p(
        "economics.staff_cost_week",
        float,
        1000.0,
        0,
        1e6,
        "cost of an employee's week: productivity below 1 costs this share of it, above 1 saves",
        "assumption: about 52,000 a year per employee against 200,000 revenue per employee",
    ),
    _p("economics.margin", float, 0.3, 0, 1, "gross margin on revenue"),
    _p(
        "economics.crosssell_uplift",
        float,
        0.02,
        0,
        5,
        "revenue uplift at d = u = q = 1 (personalisation)",
        "assumption: the v2 calibrations fitted 0.016 to 0.041 while it was the fitted benefit "
        "size; once gain was judged on KPIs (ODD 7.5) it reached its lower search bound, "
        "so the employees' productivity gain is fitted instead (experiments/calibration.toml)",
    ),
    _p(
        "economics.cost_live",
        float,
        8.01,
        0,
        1e4,
        "cost to serve a live contact",
        "Gartner 2019 (8.01 USD)",
    ),
    _p(
        "economics.cost_self",
        float,
        0.10,
        0,
        1e4,
        "cost to serve a self-service contact",
        "Gartner 2019 (0.10 USD)",
    ),
    _p(
        "outcome.detect_z",
        float,
        2.0,
        0,
        10,
        "a gain is measurable when it exceeds z x the counterfactual's quarter-to-quarter noise",
    ),
    _p(
        "outcome.disruption_depth",
        float,
        0.25,
        0,
        1,
        "productivity shortfall from which the go-live counts as a material operational "
        "disruption (its length in weeks is the outcome disruption_weeks)",
        "Panorama 2014 (51% of firms had a material operational disruption at go-live, about two "
        "in three of them for a month or more; 2nd); the depth is our definition (assumption)",
    ),
    _p(
        "outcome.escalation_weeks",
        int,
        13,
        1,
        520,
        "weeks a project must keep spending past its budget before go-live to count as "
        "escalated (continued commitment to a failing course)",
        "Keil, Mann & Rai 2000 (escalation of commitment to a failing course of action; 30-40% "
        "of IS projects show some); a quarter is an assumption",
    ),
    _p(
        "outcome.kpi_planning",
        float,
        0.5,
        0,
        1,
        "planning readiness at go-live from which the programme has set KPIs and measured a "
        "baseline: its gain is judged on those KPIs (operating profit) rather than on the "
        "bottom line after the programme's spend",
        "Gartner 2002 European CRM survey (Thompson, Davies & Frey): 'most respondents failed "
        "to begin using metrics before implementing CRM and are unable to report their ROI'; "
        "threshold an assumption",
    ),
]

PARAMS: dict[str, Param] = {p.key: p for p in _PARAMS}


def defaults() -> dict[str, Any]:
    """A fresh dict of every parameter's default, keyed by dotted key."""
    return {k: p.default for k, p in PARAMS.items()}
