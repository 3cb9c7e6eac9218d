"""The calibration's report.md: method, priors and posterior, predictive check, claims, emulators,
sampler, time.

Formatting only: sim.analysis.calibration runs the calibration and hands its tables here. The
charts it shows are drawn from the same files by sim.report.calibration_charts.
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

#: Chart files the report shows (drawn by sim.report.calibration_charts; crmsim calibrate draws
#: them after the files are written).
CHARTS = {
    "prior_posterior.png": "Prior (grey) against posterior (colour), one panel per parameter",
    "posterior_pairs.png": "The posterior's pair plot",
    "predictive_check.png": "Each pattern's band (grey) against its 95% posterior predictive "
    "interval (from fresh runs)",
}
#: Fewest independent samples per parameter emcee's authors ask for: a chain of at least 50
#: autocorrelation times (emcee documentation, "Autocorrelation analysis").
TAU_FACTOR = 50


def _fig(kind: str, x: float) -> str:
    """A figure as text: rates and differences in percent, others with 3 significant figures."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "-"
    if kind == "rate":
        return f"{100 * x:.1f}%"
    if kind in ("difference", "contrast"):
        return f"{100 * x:+.1f} pp"
    return f"{x:.3g}"


def _band(kind: str, low: float, high: float) -> str:
    lo = "-inf" if low == -math.inf else _fig(kind, low)
    hi = "+inf" if high == math.inf else _fig(kind, high)
    return f"{lo} to {hi}"


def targets_line(predictive: pd.DataFrame) -> str:
    """How many patterns agree with their source, against the targets of docs/calibration.md."""
    out = []
    for held, what in ((False, "calibration patterns"), (True, "held-out patterns")):
        part = predictive[predictive["held_out"] == held]
        n, ok = len(part), int(part["inside"].sum())
        verdict = "meets" if n and ok >= n - 1 else "MISSES"
        out.append(f"{ok} of {n} {what} agree ({verdict} the target: all but at most one)")
    return "; ".join(out) + "."


def format_report(
    spec: Any,
    result: dict,
    predictive: pd.DataFrame,
    claims: pd.DataFrame,
    checks: pd.DataFrame,
    params: pd.DataFrame,
) -> str:
    """The report's Markdown (``spec``: a sim.analysis.calibration_spec.CalibrationSpec)."""
    sizes = result["sizes"]
    kinds = {p.name: p.kind for p in spec.patterns}
    design_points = sum(w["points"] for w in result["waves"])
    lines = [
        f"# Calibration report: {spec.name}" + (" (quick mode)" if result["quick"] else ""),
        "",
        "## Method",
        "",
        f"Scenario `{result['scenario']}`, its members run as arms ({', '.join(result['arms'])}) "
        "on common seeds (each design point its own); a mix member's share reweights their runs. "
        f"{len(result['waves'])} design wave(s), {design_points} points in all "
        f"({sizes['points']} in a Latin hypercube over the priors' box"
        + (
            f", then {sizes['wave_points']} from the non-implausible region of history matching"
            if len(result["waves"]) > 1
            else ""
        )
        + (
            f", then {len(result['waves']) - 2} wave(s) of {sizes['wave_points']} drawn from the "
            "posterior on the emulators fitted so far"
            if len(result["waves"]) > 2
            else ""
        )
        + f"), {sizes['replicates']} paired replicates per arm at each point. One Gaussian-process "
        "emulator per pattern (scikit-learn; the logit of a rate; each point's replicate variance "
        "as its noise). Posterior: emcee's ensemble sampler with differential-evolution moves "
        f"({sizes['walkers']} walkers x {sizes['steps']} steps, {sizes['burn']} burnt, every "
        f"{sizes['thin']}th kept: {result['sampler']['draws']} draws) over the priors and a "
        "likelihood of each calibration pattern's observed figure given the emulated figure "
        "(the band read as the source's 95% interval, the emulator's variance added; a band-only "
        "pattern: the probability that the figure lies in it). Predictive check and claims: "
        f"{sizes['predictive_draws']} posterior draws run afresh, "
        f"{sizes['predictive_replicates']} replicates per arm each, on their own seeds. "
        f"{result['runs']:,} runs in all. Method and choices: docs/calibration.md.",
        "",
        "## Priors and posterior",
        "",
        "| parameter | prior | source | posterior median | 95% interval | MAP (calibrated.toml) |",
        "|---|---|---|---|---|---|",
    ]
    priors = {p.key: p for p in spec.priors}
    for r in params.itertuples():
        lines.append(
            f"| `{r.parameter}` | {priors[r.parameter].describe()} | {r.source} | "
            f"{r.post_median:.4g} | {r.post_low:.4g} to {r.post_high:.4g} | "
            f"{result['map'][r.parameter]:.4g} |"
        )
    piled = params[params["piled"].fillna("").astype(str) != ""]
    lines.append("")
    if len(piled):
        for r in piled.itertuples():
            lines.append(
                f"**Warning:** the posterior of `{r.parameter}` is piled against its prior's "
                f"{r.piled} bound ({r.low:g} / {r.high:g}): the data push it beyond the prior's "
                "range; widen the prior if the parameter's source allows, or say why it may not."
            )
    else:
        lines.append("No posterior is piled against a bound of its prior.")
    lines += ["", "## Predictive check", "", targets_line(predictive), ""]
    lines += [
        "| pattern | kind | held out | observed | band | predictive 95% | median | agrees |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in predictive.itertuples():
        k = r.kind
        lines.append(
            f"| {r.pattern} | {k} | {'yes' if r.held_out else 'no'} | {_fig(k, r.observed)} | "
            f"{_band(k, r.low, r.high)} | {_fig(k, r.pred_low)} to {_fig(k, r.pred_high)} | "
            f"{_fig(k, r.pred_median)} | {'yes' if r.inside else '**no**'} |"
        )
    lines += [
        "",
        "A pattern with an observed figure agrees when the figure lies in the predictive "
        "interval; a band-only pattern when the interval reaches into the band.",
    ]
    if len(claims):
        lines += [
            "",
            "## Ordering claims",
            "",
            "Posterior probability that the claim holds: the mean over the draws of "
            "Phi(paired difference / its standard error) (docs/calibration.md).",
            "",
            "| claim | probability | paired difference over the draws (95%) |",
            "|---|---|---|",
        ]
        for r in claims.itertuples():
            lines.append(
                f"| {r.claim} | {r.probability:.3f} | {100 * r.diff_median:+.1f} pp "
                f"({100 * r.diff_low:+.1f} to {100 * r.diff_high:+.1f}) |"
            )
    lines += _emulator_lines(checks, kinds, result)
    lines += _sampler_lines(result)
    lines += ["", "## Charts", ""]
    lines += [f"![{text}]({name})" for name, text in CHARTS.items()]
    return "\n".join(lines) + "\n"


def _emulator_lines(checks: pd.DataFrame, kinds: dict, result: dict) -> list[str]:
    lines = [
        "",
        "## Emulators, checked on held-out design points",
        "",
        "Each design point predicted by a fit on the other folds (5-fold). Standardised error: "
        "(figure - prediction) / sqrt(emulator variance + the point's replicate variance); an "
        "honest emulator has RMS about 1 and about 95% within +-2.",
        "",
        "| pattern | points | R^2 | RMS standardised error | within +-2 |",
        "|---|---|---|---|---|",
    ]
    for r in checks.itertuples():
        lines.append(
            f"| {r.pattern} | {r.points} | {r.r2:.2f} | {r.z_rms:.2f} | {r.coverage_2sd:.0%} |"
        )
    if result["unfit_patterns"]:
        lines += [
            "",
            "**Warning:** too few design points had a figure for "
            + ", ".join(result["unfit_patterns"])
            + "; these calibration patterns were left out of the likelihood.",
        ]
    return lines


def _sampler_lines(result: dict) -> list[str]:
    diag = result["sampler"]
    taus = diag["autocorr_steps"]
    worst = max(taus.values()) if taus else math.nan
    enough = diag["steps_after_burn"] >= TAU_FACTOR * worst
    lines = [
        "",
        "## Sampler and time",
        "",
        f"Mean acceptance fraction {diag['acceptance']:.2f} (about 0.2 to 0.5 is healthy). Longest "
        f"autocorrelation time {worst:.0f} steps; {diag['steps_after_burn']} steps after the burn "
        + (
            f"(at least {TAU_FACTOR} times it)."
            if enough
            else f"(**fewer than {TAU_FACTOR} times it: the chain is short**; raise steps)."
        ),
    ]
    for wave in result["waves"]:
        if "non_implausible_share" in wave:
            lines.append(
                f"After wave {wave['wave']}, {wave['non_implausible_share']:.1%} of the priors' "
                "box was not implausible (history matching, cut-off 3)."
            )
    lines += ["", "| stage | seconds (wall clock) |", "|---|---|"]
    for stage, secs in result["seconds"].items():
        lines.append(f"| {stage} | {secs:.1f} |")
    cpu = result.get("cpu_seconds")
    if cpu is not None:
        lines += [
            "",
            f"CPU time of every process: {cpu:.0f} s ({cpu / 60:.1f} minutes; on 2 otherwise idle "
            f"cores about {cpu / 120:.1f} minutes of wall clock). The wall clock above includes "
            "whatever else the machine ran at the time.",
        ]
    return lines
