"""docs/VALIDATION.md from the validation tables (sim.analysis.validation): text only.

Reads tables, writes Markdown; runs nothing. The command is ``make validation``.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from sim.report.calibration_charts import CHART_FILES as CALIBRATION_CHARTS

#: The kinds of pattern, in the order the document explains them (sim.analysis.validation.KINDS;
#: not imported: the report does not import what runs a model).
KINDS = ("independent", "calibrated", "built in", "constraint")
RATES = ("never_live", "failed", "financial_failure", "measurable_gain")
LEVER_RATES = (
    "never_live",
    "cancelled",
    "abandoned",
    "failed",
    "financial_failure",
    "overrun > 1.5, went live",
)


def _pct(x: float) -> str:
    return f"{100 * x:.1f}%"


def _md_table(df: pd.DataFrame, pct_cols=(), signed: bool = False) -> str:
    cols = list(df.columns)
    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    for _, r in df.iterrows():
        cells = []
        for c in cols:
            v = r[c]
            if c in pct_cols:
                cells.append(_pct(v))
            elif isinstance(v, bool):
                cells.append("yes" if v else "**no**")
            elif isinstance(v, float):
                cells.append(f"{v:+.2f}" if signed else f"{v:g}")
            else:
                cells.append(str(v))
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _holds(h) -> str:
    return "n/a" if h is None else ("yes" if h else "**no**")


def _pattern_table(rows: list[dict]) -> str:
    lines = [
        "| pattern | kind | source | expected | model (95% interval) | posterior predictive | "
        "holds |",
        "|---|---|---|---|---|---|---|",
    ]
    order = {k: i for i, k in enumerate(KINDS)}
    for r in sorted(rows, key=lambda r: order.get(r["kind"], len(KINDS))):
        lines.append(
            f"| {r['pattern']} | {r['kind']} | {r['source']} | {r['expected']} | {r['model']} | "
            f"{r['predictive'] or '-'} | {_holds(r['holds'])} |"
        )
    return "\n".join(lines)


def _tally(rows: list[dict]) -> str:
    parts = []
    for kind in KINDS:
        judged = [r for r in rows if r["kind"] == kind and r["holds"] is not None]
        held = sum(1 for r in judged if r["holds"])
        parts.append(f"{kind}: {held} of {len(judged)}")
    return "; ".join(parts)


def write_document(
    rows: list[dict], tables: dict[str, pd.DataFrame], charts, out: Path, command: str
) -> None:
    independent = [r for r in rows if r["kind"] == "independent" and r["holds"] is not None]
    held = sum(1 for r in independent if r["holds"])
    traits = tables["trait_effects"]
    pivot = traits.pivot(index="trait", columns="scenario", values="effect").reset_index()
    horizons = tables["horizons"]
    rate_cols = ("failed", "financial_failure", "measurable_gain")
    text = f"""# Validation: the patterns the model reproduces, and those it does not

Pattern-oriented modelling (Grimm et al. 2005, Science 310:987): a model is credible when it
reproduces several patterns observed at different levels at once, not one figure it was fitted
to. One row a pattern: what kind of test it is, its source (2nd = seen only quoted elsewhere;
docs/sources/ holds what was read), the band the source implies, the model's figure at the
calibrated point with its 95% interval (Wilson or bootstrap for rates, Newcombe for paired
differences, a bootstrap over seeds for the calibration file's patterns), the 95% posterior
predictive interval where the calibration computed one (fresh runs at posterior draws: it adds the
uncertainty of the parameters; each draw's figure comes from the calibration's
`predictive_replicates` runs, so the interval also holds the noise of that few runs and is wider
than the README's, which come from the sweep over the posterior: random-effects intervals of the
rate itself over many draws, docs/calibration.md), and whether the figure lies in the band. The
rows on the sponsor's and the budget's effects have no calibration figure; their posterior column
gives the same statistic over the reference sweep across the posterior (blocks of runs, each
block at one draw): the mean of its per-draw values and the 95% prediction interval of a new
draw's value (the random-effects interval of the README's rates;
sim/analysis/validation_posterior.py), to show whether the pattern holds for the parameters the
data allow or only at the calibrated point; "holds" still judges the calibrated point.

**Kinds.** `independent`: an output the calibration never saw (held out of it, or computed only
here), with a band that could fail; `calibrated`: a pattern the calibration fits
(experiments/calibration.toml), so holding it tests the fit, not the model; `built in`: a rule sets
it directly; `constraint`: a requirement of ours, not data.

Failure is compared with the outcome that measures what each source measured: the perception
sources (Gartner 2001, EIU 2007, Merkle 2016) with `met_expectations`, Bain 2002 ("more than half of
all CRM programs are failing to pay back") with `business_case_met` (financial failure = not paid
back; ODD 7.5). One source measured at another age than the model's horizon: Nucleus Research
asked reference customers about their ROI 2 to 3 years after go-live, while the calibration fits
its payback figure at the horizon (156 weeks from the start of the programme, one to two and a
half years after a typical go-live). The rows "payback at the source's age" read the same figure 2
and 3 years after each run's go-live, and at an age drawn per run between them (uniform, an
assumption), as the survey saw its firms each at its own age, from the five-year runs' weekly
series (sim/analysis/validation_payback.py), against the same band.

Regenerated by `{command}` from the reference sweep (experiments/failure_rates.toml, 1,000 paired
replicates per scenario), the orderings on equal resources (experiments/orderings_pure.toml), the
practice orderings judged at four and five years and the mix with its levers raised
(experiments/sponsor_levers.toml), all on the same seeds; nothing here is typed by hand.

**{held} of {len(independent)} independent patterns hold.** All kinds: {_tally(rows)}.

{_pattern_table(rows)}

## The orderings on equal resources: what the order alone does

The practice scenarios differ in more than their order (effort-weeks, vendor pressure, go-live
mode). In experiments/orderings_pure.toml every arm runs the same four phases, vendor pressure,
budget and big-bang go-live, in a different order (all at once runs them side by side); paired on
the same organisations:

{_md_table(tables["pure"], pct_cols=RATES)}

## The horizon: three, four and five years

The practice orderings on the same organisations, judged at three years (the reference sweep) and
at four and five. Big bang goes live at week 30 and the four Ps at week 62, and the gain is judged
on the last year, so some comparisons change with the horizon. Each organisation is judged at
fixed ages rather than at an age drawn per run: a survey of firms at mixed stages is a weighted
average of these rows, with weights (the ages of the surveyed firms) that none of the failure
sources reports, so the rows let a reader apply the weights they believe:

{_md_table(horizons, pct_cols=rate_cols)}

Each ordering claim at each horizon (paired difference, 95% interval; "holds": interval above 0):

{_md_table(tables["claims_by_horizon"])}

## Which traits drive success under each ordering

Share meeting expectations in the top third of a trait minus the bottom third (traits are drawn
independently, so this is the trait's average effect; a model-free partial dependence).

{_md_table(pivot, signed=True)}

## What the calibration trades: the sponsor's and the budget's levers

Two mechanisms tie a weak sponsor to a programme that never goes live: a runaway that nobody with
power defends is stopped at its review (`sponsor.defence_floor`, ODD 7.1.14), and a weak sponsor's
programme loses people to the day job (`sponsor.day_job_drain`, ODD 7.1.1). Two tie an
unrealistic budget to failure: a projected overrun cuts training and process work
(`programme.budget_cut`, ODD 7.1.1), and planning re-baselines an optimistic budget only as far
as the sponsor has the budget power to get the money (`sponsor.funding_gate`, ODD 7.1.9; at 0
every re-baseline is funded). The calibration puts the defence floor near zero and leaves the
day-job drain, the budget cut and the funding gate wide (their posteriors span much of their
priors; the defence floor's and the budget cut's lean against their lower bounds:
docs/calibration.md); a backing sponsor's escalation adds people as well as money (ODD 7.1.1), so a
strong sponsor's runaway is finished late rather than left in build. The funding gate acts only
where a planning phase re-baselines the budget, so in the mix, about half of it technology first
(no planning phase), its arms differ little; under the orderings that plan first its size sets
how much budget realism matters there (at gate 0 hardly at all; the trait table above shows the
calibrated point).
experiments/sponsor_levers.toml runs the industry mix at the calibrated point and with each lever
set otherwise, on the reference sweep's organisations. The values are settings, not
estimates. Read the two effects beside the never-live, abandonment, failure, overrun and
financial-failure columns: those are calibration targets (experiments/calibration.toml), and the
same levers move them. The row `alpha_0.05` sets how fast the sponsor's commitment answers
results (`sponsor.alpha`, ODD 7.1.12) back to 0.05, its fixed value before the calibration
estimated it. The rows `budget_realism_0.6` and `budget_realism_1.0` fix every organisation's
budget realism (the budget as a share of the plan's real cost before planning, ODD 7.1.9) at the
two ends of its drawn range at the calibrated point (0.8 plus or minus 0.2). The rows
`funding_gate_0` and `funding_gate_1` fund every re-baseline and fund it in proportion to the
sponsor's strength. The last two rows
shrink the improvement a sponsor funds after go-live (process work and reconfiguration in
proportion to the active sponsorship, ODD 7.1.2), whose size (`programme.improve_effort`) the
calibration estimates but its patterns do not identify (the posterior spans nearly all of the
prior: docs/calibration.md): compare their sponsor effect and failure with the first row's to see
how much of the sponsor's effect on success runs through that funding rather than through the
people it releases before go-live.

{_md_table(tables["levers"], pct_cols=LEVER_RATES)}

What each lever does to the same organisations: each arm minus the calibrated one, and the budget
at the two ends of its range against each other, in percentage points with Newcombe 95% intervals
(the arms share their seeds, so the differences are paired). The budget pair measures directly
what the pattern rows on never going live and cancellation by budget realism estimate from the
thirds of a drawn trait, whose organisations differ in their other traits too; its contrast is
also larger (0.4 of budget realism, against about 0.27 between the thirds' averages).

{_md_table(tables["lever_contrasts"])}

## Sensitivity of the mix figures to the technology-first share

The industry mix weights technology first by scenarios/industry_mix.toml ("in most cases": Gerson
2001; seed 000; the calibration estimates the share: docs/calibration.md). Exact reweighting of the
per-ordering rates:

{_md_table(tables["tf_share"], pct_cols=RATES)}

## The calibration's posterior

The prior against the posterior of each calibrated parameter, the posterior's pair plot, and the
predictive check (each pattern's band against its 95% posterior predictive interval), from
results/reference/calibration/ (`crmsim calibrate experiments/calibration.toml`;
docs/calibration.md):

{chr(10).join(f"![{c}](../results/reference/calibration/{c})" for c in CALIBRATION_CHARTS)}

## Charts

{chr(10).join(f"![{c}](../results/reference/validation/{c}.png)" for c in charts)}
"""
    out.write_text(text)
