"""What a sensitivity analysis says, in numbers and sentences: convergence, interval widths, noise.

:func:`summarise` turns the index and noise tables of :mod:`sim.analysis.sensitivity` into the
verdicts a reviewer asks for, and :func:`write_report` writes them as ``report.md``:

* Convergence (indices at N and 2N): Sobol' indices have converged when no S1 or ST moved by more
  than 0.05 between the first half of the base sample and all of it (the 0.05 threshold of
  Sarrazin, Pianosi & Wagener 2016, Environ. Model. Softw. 79, for screening); Morris mu* when no
  mu* moved by more than 10% of the largest (assumption).
* Interval widths: the 95% intervals of the five largest total indices should be at most 0.1
  wide (assumption: a width at which the ranking of the top five is readable); if not, the
  report says the sample is too small.
* Replicate noise: the share of the variance of the point means that is replicate noise (with
  common random numbers, the point-by-replicate interaction; and what it would be without them).
* Through an emulator, its check on the held-out points (sim.analysis.sobol_emulated): when it
  fails, every sentence about that output says the indices describe the emulator, not the model.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.analysis.sobol_emulated import COVERAGE_MIN, R2_MIN
from sim.experiments.store import atomic_write_bytes

__all__ = ["SOBOL_TOL", "MORRIS_TOL", "WIDTH_TARGET", "TOP", "summarise", "write_report"]

SOBOL_TOL = 0.05
MORRIS_TOL = 0.10
WIDTH_TARGET = 0.10
TOP = 5


def _f(x: Any) -> float | None:
    return None if x is None or not np.isfinite(x) else float(x)


def _change(stages: pd.DataFrame, columns: tuple[str, ...]) -> float:
    half = stages[stages["stage"] == "N"].set_index("parameter")
    full = stages[stages["stage"] == "2N"].set_index("parameter")
    return max(float((full[c] - half[c]).abs().max()) for c in columns)


def _check(row: pd.Series) -> dict[str, Any]:
    keys = (
        "fit_points",
        "test_points",
        "noise_share",
        "r2",
        "r2_signal",
        "z_rms",
        "coverage_2sd",
        "rmse",
    )
    out: dict[str, Any] = {k: _f(row[k]) for k in keys}
    out["passed"] = bool(row["passed"])
    return out


def _sobol_output(
    table: pd.DataFrame, stages: pd.DataFrame, check: pd.Series | None
) -> dict[str, Any]:
    change = _change(stages, ("ST", "S1"))
    top = table.sort_values("ST", ascending=False).head(TOP)
    widths = 2 * top["ST_conf"]
    out = {
        "n_base": int(stages.loc[stages["stage"] == "2N", "n_base"].iloc[0]),
        "converged": bool(change <= SOBOL_TOL),
        "max_change": _f(change),
        "top": [
            {
                "parameter": r["parameter"],
                "S1": _f(r["S1"]),
                "S1_conf": _f(r["S1_conf"]),
                "ST": _f(r["ST"]),
                "ST_conf": _f(r["ST_conf"]),
                "ST_width": _f(2 * r["ST_conf"]),
            }
            for _, r in top.iterrows()
        ],
        "widest_top_interval": _f(widths.max()),
        "intervals_narrow": bool(widths.max() <= WIDTH_TARGET),
        "sum_S1": _f(table["S1"].sum()),
    }
    if check is not None:
        out["emulator"] = _check(check)
    out["target_met"] = out["intervals_narrow"] and (check is None or out["emulator"]["passed"])
    return out


def _morris_output(table: pd.DataFrame, stages: pd.DataFrame) -> dict[str, Any]:
    half = stages[stages["stage"] == "N"].set_index("parameter")
    scale = float(table["mu_star"].max()) or 1.0
    change = _change(stages, ("mu_star",)) / scale
    top = table.sort_values("mu_star", ascending=False).head(TOP)
    same = list(top["parameter"]) == list(
        half.sort_values("mu_star", ascending=False).head(TOP).index
    )
    return {
        "n_base": int(stages.loc[stages["stage"] == "2N", "n_base"].iloc[0]),
        "converged": bool(change <= MORRIS_TOL),
        "max_change": _f(change),
        "same_top_five": bool(same),
        "top": [
            {
                "parameter": r["parameter"],
                "mu_star": _f(r["mu_star"]),
                "mu_star_conf": _f(r["mu_star_conf"]),
                "sigma": _f(r["sigma"]),
            }
            for _, r in top.iterrows()
        ],
    }


def summarise(
    sens: dict,
    spec: dict,
    indices: pd.DataFrame,
    stages: pd.DataFrame,
    noise: pd.DataFrame,
    constant,
    n_runs: int,
    checks: pd.DataFrame | None = None,
) -> dict[str, Any]:
    """The verdicts, per output, as plain data (``summary.json``)."""
    out: dict[str, Any] = {
        "method": sens["method"],
        "parameters": list(sens["parameters"]),
        "samples": sens["samples"],
        "replicates": spec.get("replicates"),
        "scenario": sens.get("scenario") or (spec.get("scenarios") or ["?"])[0],
        "runs": n_runs,
        "conf_level": sens["conf_level"],
        "outputs": {},
        "constant_outputs": list(constant),
    }
    if sens.get("emulator"):
        out["emulator"] = dict(sens["emulator"])
        out["arms"] = list(sens["arms"])
    noise = noise.set_index("output")
    by_output = checks.set_index("output") if checks is not None and len(checks) else None
    for name in sens["outputs"]:
        entry: dict[str, Any] = {}
        if name in noise.index:
            entry["noise_share"] = _f(noise.loc[name, "noise_share"])
            entry["noise_share_independent"] = _f(noise.loc[name, "noise_share_independent"])
            entry["variance_of_point_means"] = _f(noise.loc[name, "variance_of_point_means"])
        check = by_output.loc[name] if by_output is not None and name in by_output.index else None
        if name not in constant and len(indices):
            table = indices[indices["output"] == name]
            steps = stages[stages["output"] == name]
            entry.update(
                _sobol_output(table, steps, check)
                if sens["method"] == "sobol"
                else _morris_output(table, steps)
            )
        elif check is not None:
            entry["emulator"] = _check(check)
        out["outputs"][name] = entry
    return out


def statements(summary: dict) -> list[str]:
    """One sentence per verdict, for the terminal, report.md and the HTML report."""
    lines = []
    method, r = summary["method"], summary["replicates"]
    for name, e in summary["outputs"].items():
        if name in summary["constant_outputs"]:
            lines.append(f"{name}: the same at every point; no indices (nothing varies).")
            continue
        share, indep = e.get("noise_share"), e.get("noise_share_independent")
        noise = (
            f"{share:.0%} of the variance of its replicate means is replicate noise "
            f"({r} replicates, common random numbers; {indep:.0%} without them)"
            if share is not None and indep is not None
            else "replicate noise not estimated (one replicate)"
        )
        conv = (
            f"converged (largest change from N to 2N {e['max_change']:.3f})"
            if e["converged"]
            else f"NOT converged (largest change from N to 2N {e['max_change']:.3f}): increase "
            "samples"
        )
        text = f"{name}: {noise}; {conv}"
        if "emulator" in e:
            text += f"; {_emulator_text(e['emulator'])}"
        if method == "sobol":
            top = ", ".join(
                f"{t['parameter']} {t['ST']:.2f} +- {t['ST_conf']:.2f}" for t in e["top"]
            )
            width = (
                f"the top {len(e['top'])} total indices' intervals are at most "
                f"{WIDTH_TARGET} wide (widest {e['widest_top_interval']:.3f})"
                if e["intervals_narrow"]
                else f"the sample is too small: the widest of the top {len(e['top'])} total "
                f"indices' intervals is {e['widest_top_interval']:.3f} (target <= {WIDTH_TARGET})"
            )
            text += f"; {width}. Largest total indices: {top}."
        else:
            top = ", ".join(f"{t['parameter']} {t['mu_star']:.3g}" for t in e["top"])
            text += f". Largest mu*: {top}."
        lines.append(text)
    return lines


def _emulator_text(c: dict) -> str:
    """The held-out check in words; a failed check says what the indices then are."""
    where = (
        f"emulator checked on {c['test_points']:.0f} points held out of its fit "
        f"({c['fit_points']:.0f})"
    )
    if c["r2"] is None:
        return (
            f"{where}: FAILED (too few points with a value), so the indices below describe the "
            "emulator, not the model"
        )
    if c["r2_signal"] is None:
        return (
            f"{where}: no verdict, so FAILED: replicate noise is {c['noise_share']:.0%} of the "
            "held-out figures' variance, too much to tell a good emulator from a bad one; the "
            "indices below describe the emulator, not the model: add replicates"
        )
    fit = (
        f"{where}: R^2 {c['r2']:.2f} (of the signal {c['r2_signal']:.2f}), standardised errors "
        f"rms {c['z_rms']:.2f}, {c['coverage_2sd']:.0%} within +-2, error {c['rmse']:.3g} on the "
        "output's scale"
    )
    if c["passed"]:
        return f"{fit}: passed"
    return (
        f"{fit}: FAILED (needs R^2 of the signal >= {R2_MIN} and {COVERAGE_MIN:.0%} within "
        "+-2), so the indices below describe the emulator, not the model: add design points or "
        "replicates"
    )


def write_report(path: Path, summary: dict) -> None:
    """``report.md``: the setup and one paragraph per output."""
    how = (
        f"samples {summary['samples']}, {summary['replicates']} replicates a point with common "
        f"random numbers, {summary['runs']} runs. Intervals: {summary['conf_level']:.0%} "
        "bootstrap."
    )
    if "emulator" in summary:
        e = summary["emulator"]
        how = (
            f"through a Gaussian-process emulator per output: {e['points']} design points "
            f"(and {e['test_points']} held out to check it) x {summary['replicates']} seeds x "
            f"{len(summary['arms'])} arms ({', '.join(summary['arms'])}), "
            f"{summary['runs']:,} runs; "
            f"SALib's Saltelli sample of {summary['samples']} base rows on the emulator. "
            f"Intervals ({summary['conf_level']:.0%}): SALib's bootstrap and the spread over "
            f"{e['draws']} functions drawn from each emulator's posterior, added in variance."
        )
    head = (
        f"# Sensitivity analysis ({summary['method']})\n\n"
        f"Scenario `{summary['scenario']}`, {len(summary['parameters'])} parameters, {how}\n\n"
    )
    body = "\n".join(f"- {line}" for line in statements(summary))
    atomic_write_bytes(path, (head + body + "\n").encode())
