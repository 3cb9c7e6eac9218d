"""What a sensitivity analysis says, in numbers and sentences: convergence, interval widths, noise.

:func:`summarise` turns the index and noise tables of :mod:`sim.analysis.sensitivity` into the
verdicts a reviewer asks for, and :func:`write_report` writes them as ``report.md``:

* Convergence (indices at N and 2N): Sobol' indices have converged when no S1 or ST moved by more
  than 0.05 between the first half of the base sample and all of it (the 0.05 threshold of
  Sarrazin, Pianosi & Wagener 2016, Environ. Model. Softw. 79, for screening); Morris mu* when no
  mu* moved by more than 10% of the largest (assumption).
* Interval widths: the 95% intervals of the five largest total indices should be narrower than
  0.1 (issue 12's target); if not, the report says the sample is too small.
* Replicate noise: the share of the variance of the point means that is replicate noise (with
  common random numbers, the point-by-replicate interaction; and what it would be without them).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.experiments.store import atomic_write_bytes

__all__ = ["SOBOL_TOL", "MORRIS_TOL", "WIDTH_TARGET", "TOP", "summarise", "write_report"]

SOBOL_TOL = 0.05
MORRIS_TOL = 0.10
WIDTH_TARGET = 0.10
TOP = 5


def _f(x: Any) -> float | None:
    return None if x is None or not np.isfinite(x) else float(x)


def _sobol_output(table: pd.DataFrame) -> dict[str, Any]:
    half = table[table["stage"] == "N"].set_index("parameter")
    full = table[table["stage"] == "2N"].set_index("parameter")
    change = max(
        float((full["ST"] - half["ST"]).abs().max()), float((full["S1"] - half["S1"]).abs().max())
    )
    top = full.sort_values("ST", ascending=False).head(TOP)
    widths = 2 * top["ST_conf"]
    return {
        "n_base": int(full["n_base"].iloc[0]),
        "converged": bool(change <= SOBOL_TOL),
        "max_change": _f(change),
        "top": [
            {
                "parameter": p,
                "S1": _f(r["S1"]),
                "S1_conf": _f(r["S1_conf"]),
                "ST": _f(r["ST"]),
                "ST_conf": _f(r["ST_conf"]),
                "ST_width": _f(2 * r["ST_conf"]),
            }
            for p, r in top.iterrows()
        ],
        "widest_top_interval": _f(widths.max()),
        "intervals_narrow": bool(widths.max() < WIDTH_TARGET),
        "sum_S1": _f(full["S1"].sum()),
    }


def _morris_output(table: pd.DataFrame) -> dict[str, Any]:
    half = table[table["stage"] == "N"].set_index("parameter")
    full = table[table["stage"] == "2N"].set_index("parameter")
    scale = float(full["mu_star"].max()) or 1.0
    change = float((full["mu_star"] - half["mu_star"]).abs().max()) / scale
    top = full.sort_values("mu_star", ascending=False).head(TOP)
    same = list(top.index) == list(half.sort_values("mu_star", ascending=False).head(TOP).index)
    return {
        "n_base": int(full["n_base"].iloc[0]),
        "converged": bool(change <= MORRIS_TOL),
        "max_change": _f(change),
        "same_top_five": bool(same),
        "top": [
            {
                "parameter": p,
                "mu_star": _f(r["mu_star"]),
                "mu_star_conf": _f(r["mu_star_conf"]),
                "sigma": _f(r["sigma"]),
            }
            for p, r in top.iterrows()
        ],
    }


def summarise(
    sens: dict, spec: dict, indices: pd.DataFrame, noise: pd.DataFrame, skipped, n_runs: int
) -> dict[str, Any]:
    """The verdicts, per output, as plain data (``summary.json``)."""
    out: dict[str, Any] = {
        "method": sens["method"],
        "parameters": list(sens["parameters"]),
        "samples": sens["samples"],
        "replicates": spec.get("replicates"),
        "scenario": (spec.get("scenarios") or ["?"])[0],
        "runs": n_runs,
        "conf_level": sens["conf_level"],
        "outputs": {},
        "constant_outputs": list(skipped),
    }
    noise = noise.set_index("output")
    for name in sens["outputs"]:
        entry: dict[str, Any] = {}
        if name in noise.index:
            entry["noise_share"] = _f(noise.loc[name, "noise_share"])
            entry["noise_share_independent"] = _f(noise.loc[name, "noise_share_independent"])
            entry["variance_of_point_means"] = _f(noise.loc[name, "variance_of_point_means"])
        if name not in skipped and len(indices):
            table = indices[indices["output"] == name]
            entry.update(
                _sobol_output(table) if sens["method"] == "sobol" else _morris_output(table)
            )
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
        if method == "sobol":
            top = ", ".join(
                f"{t['parameter']} {t['ST']:.2f} +- {t['ST_conf']:.2f}" for t in e["top"]
            )
            width = (
                f"the top {len(e['top'])} total indices' intervals are narrower than "
                f"{WIDTH_TARGET} (widest {e['widest_top_interval']:.3f})"
                if e["intervals_narrow"]
                else f"the sample is too small: the widest of the top {len(e['top'])} total "
                f"indices' intervals is {e['widest_top_interval']:.3f} (target < {WIDTH_TARGET})"
            )
            text += f"; {width}. Largest total indices: {top}."
        else:
            top = ", ".join(f"{t['parameter']} {t['mu_star']:.3g}" for t in e["top"])
            text += f". Largest mu*: {top}."
        lines.append(text)
    return lines


def write_report(path: Path, summary: dict) -> None:
    """``report.md``: the setup and one paragraph per output."""
    head = (
        f"# Sensitivity analysis ({summary['method']})\n\n"
        f"Scenario `{summary['scenario']}`, {len(summary['parameters'])} parameters, "
        f"samples {summary['samples']}, {summary['replicates']} replicates a point with common "
        f"random numbers, {summary['runs']} runs. Intervals: {summary['conf_level']:.0%} "
        "bootstrap.\n\n"
    )
    body = "\n".join(f"- {line}" for line in statements(summary))
    atomic_write_bytes(path, (head + body + "\n").encode())
