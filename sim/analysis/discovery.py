"""Scenario discovery on any sweep's runs: PRIM boxes and feature scores (EMA Workbench).

Which organisations fail? Scenario discovery (Bryant & Lempert 2010) answers with boxes in the
input space where an outcome is dense: PRIM (Friedman & Fisher 1999) peels the inputs' ranges
step by step, trading coverage (the share of all cases of interest inside the box) for density
(the share of cases inside the box that are of interest). Feature scoring (extra trees, Geurts et
al. 2006; Jaxa-Rozen & Kwakkel 2018) ranks the inputs by how much they explain the outcome.

Both come from EMA Workbench's analysis package (``ema_workbench.analysis.prim`` and
``feature_scoring``, 2.5.x); nothing here re-implements them. :func:`discover` reads a results
folder only (any sweep: a Latin hypercube such as experiments/discovery.toml, a grid, or a
sensitivity sample), treats every finished run as a case (inputs: the design's parameters and,
with several scenarios, the ordering as a category; outcome: the run's flag), and writes
``RESULTS/discovery/OUTCOME/``: ``trajectory.csv`` (the peeling trajectory), ``box.csv`` (the
chosen box's limits with EMA's quasi-p values), ``feature_scores.csv`` (one column per ordering
and one for all runs), ``summary.json`` and ``report.md``.

The chosen box (an assumption where the user gives none): the densest box on the trajectory
that still covers at least ``min_coverage`` (default 0.5) of the cases of interest, the usual
compromise between a box that explains most failures and one that is mostly failures.
"""

from __future__ import annotations

import json
import logging
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.analysis.sensitivity_spec import RATE_OUTPUTS
from sim.errors import InputError
from sim.experiments.store import atomic_write_bytes, read_manifest, read_runs
from sim.experiments.summary import ok_rows, rate_columns
from sim.optional import require

__all__ = ["DISCOVERY_OUTCOMES", "case_table", "discover"]

DISCOVERY_OUTCOMES = RATE_OUTPUTS
ORDERING = "ordering"  # EMA's PRIM drops a column called "scenario", so the ordering gets this name
SUBDIR = "discovery"


def _ema():
    """Import EMA Workbench's analysis modules, quietly (its package import warns about optional
    parallel back-ends this package never uses)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        prim = require("ema_workbench.analysis.prim", "crmsim discover")
        feature_scoring = require("ema_workbench.analysis.feature_scoring", "crmsim discover")
        util = require("ema_workbench.analysis.scenario_discovery_util", "crmsim discover")
    RuleInductionType = util.RuleInductionType
    logging.getLogger("EMA").setLevel(logging.WARNING)
    return prim, feature_scoring, RuleInductionType


def _design_keys(manifest: dict) -> list[str] | None:
    spec = manifest.get("spec") if isinstance(manifest, dict) else None
    design = spec.get("design") if isinstance(spec, dict) else None
    params = design.get("parameters") if isinstance(design, dict) else None
    return list(params) if isinstance(params, dict) and params else None


def case_table(
    runs: pd.DataFrame, outcome: str, inputs: list[str] | None = None
) -> tuple[pd.DataFrame, np.ndarray, pd.Series]:
    """Inputs ``x`` (one row per finished run), outcome flags ``y`` and each run's scenario.

    Args:
        runs: run rows of a results folder.
        outcome: one of :data:`DISCOVERY_OUTCOMES`.
        inputs: dotted parameter keys to use (default: every ``param.*`` column that varies
            within a scenario, the design's axes).

    Raises:
        InputError: for an unknown outcome or input, or no input that varies.
    """
    if outcome not in DISCOVERY_OUTCOMES:
        raise InputError(
            f"allowed: {', '.join(DISCOVERY_OUTCOMES)}", key="--outcome", value=outcome
        )
    ok = ok_rows(runs).reset_index(drop=True)
    if ok.empty:
        raise InputError("no finished runs to analyse", key="runs")
    if inputs is None:
        cols = [c for c in ok.columns if c.startswith("param.")]
        within = ok.groupby("scenario")[cols].nunique(dropna=True).max()
        cols = [c for c in cols if within[c] >= 2]
    else:
        cols = []
        for key in inputs:
            col = key if key.startswith("param.") else f"param.{key}"
            if col not in ok.columns:
                raise InputError("not a parameter column of these runs", key="--inputs", value=key)
            cols.append(col)
    if not cols:
        raise InputError(
            "no parameter varies within a scenario; discovery needs a sweep over a design "
            "(grid, lhs or a sensitivity sample)",
            key="runs",
        )
    x = pd.DataFrame({c.removeprefix("param."): ok[c] for c in cols})
    for c in x.columns:
        if x[c].dtype == bool or pd.api.types.is_integer_dtype(x[c]):
            # EMA Workbench 2.5's PRIM pastes a quantile (e.g. 9.5) into an int64 box limit,
            # which pandas 2 refuses (its paste converts only int32): whole numbers go in as floats
            x[c] = x[c].astype(float)
        elif x[c].dtype == object:
            x[c] = x[c].astype(str)
    scenario = ok["scenario"].astype(str)
    if scenario.nunique() > 1:
        x[ORDERING] = scenario.to_numpy()
    y = rate_columns(ok)[outcome].to_numpy(dtype=bool)
    return x, y, scenario


def _choose(traj: pd.DataFrame, min_coverage: float) -> int:
    ok = traj[traj["coverage"] >= min_coverage]
    if ok.empty:
        return 0
    best = ok["density"].max()
    return int(ok[ok["density"] >= best - 1e-12].sort_values("res_dim").index[0])


def _box_limits(box, i: int) -> pd.DataFrame:
    """The chosen box's restricted dimensions: limits, the full range, quasi-p values.

    Read from the box's ``box_lims`` and ``qp`` lists (EMA's ``inspect(style="data")`` does the
    same but fails on categorical inputs under pandas 3). A quasi-p of -1 (EMA's "this side is
    not restricted") becomes empty.
    """
    lims, full, qps = box.box_lims[i], box.box_lims[0], box.qp[i]
    rows = []
    for name, (qp_lo, qp_hi) in sorted(qps.items(), key=lambda kv: min(kv[1][0], 2)):
        lo, hi = lims[name].iloc[0], lims[name].iloc[1]
        categorical = isinstance(lo, set)
        rows.append(
            {
                "input": name,
                "lower": ", ".join(sorted(map(str, lo))) if categorical else float(lo),
                "upper": "" if categorical else float(hi),
                "range_lower": ", ".join(sorted(map(str, full[name].iloc[0])))
                if categorical
                else float(full[name].iloc[0]),
                "range_upper": "" if categorical else float(full[name].iloc[1]),
                "qp_lower": None if qp_lo is None or qp_lo < 0 else float(qp_lo),
                "qp_upper": None if qp_hi is None or qp_hi < 0 else float(qp_hi),
            }
        )
    return pd.DataFrame(
        rows,
        columns=["input", "lower", "upper", "range_lower", "range_upper", "qp_lower", "qp_upper"],
    )


def _feature_scores(x, y, scenario, nr_trees: int, seed: int) -> tuple[pd.DataFrame, list[str]]:
    _prim, fs, rit = _ema()
    columns, notes = {}, []
    groups = [("all runs", np.ones(len(y), dtype=bool))]
    if scenario.nunique() > 1:
        groups += [(name, (scenario == name).to_numpy()) for name in dict.fromkeys(scenario)]
    for name, mask in groups:
        sub_x = (
            x[mask].drop(columns=[ORDERING]) if name != "all runs" and ORDERING in x else x[mask]
        )
        sub_y = y[mask]
        if sub_y.min() == sub_y.max():
            notes.append(
                f"{name}: every run has the same outcome ({bool(sub_y[0])}); no feature scores"
            )
            columns[name] = pd.Series(np.nan, index=x.columns)
            continue
        scores, _forest = fs.get_ex_feature_scores(
            sub_x, sub_y.astype(int), mode=rit.CLASSIFICATION, nr_trees=nr_trees, random_state=seed
        )
        columns[name] = scores.iloc[:, 0]
    table = pd.DataFrame(columns).reindex(list(x.columns))
    table = table.sort_values("all runs", ascending=False)
    return table.rename_axis("input").reset_index(), notes


def discover(
    results_dir: str | Path,
    outcome: str = "failed",
    *,
    inputs: list[str] | None = None,
    threshold: float | None = None,
    min_coverage: float = 0.5,
    box: int | None = None,
    peel_alpha: float = 0.05,
    mass_min: float = 0.05,
    nr_trees: int = 250,
    seed: int = 0,
) -> dict[str, Any]:
    """PRIM and feature scoring of one outcome over a results folder's runs; writes the tables.

    Args:
        results_dir: a results folder written by any sweep.
        outcome: the cases of interest (``failed``, ``never_live``, ``measurable_gain``, ...).
        inputs: parameter keys to use (default: those the design varies).
        threshold: the density a box must reach for EMA to keep it (default: the overall rate,
            so the whole trajectory is kept and the choice is left to ``min_coverage``/``box``).
        min_coverage: the chosen box is the densest with at least this coverage.
        box: choose this trajectory index instead.
        peel_alpha, mass_min: PRIM's peeling share and smallest box mass (EMA defaults).
        nr_trees, seed: the extra-trees forest.

    Returns:
        ``summary.json`` as a dict: the chosen box (index, coverage, density, mass, limits with
        quasi-p values), the trajectory length and the feature-score notes.
    """
    root = Path(results_dir)
    for name, value, low, high in (
        ("--min-coverage", min_coverage, 0.0, 1.0),
        ("--peel-alpha", peel_alpha, 0.001, 0.5),
        ("--mass-min", mass_min, 0.0, 0.5),
    ):
        if not low <= value <= high:
            raise InputError(f"expected a number in [{low}, {high}]", key=name, value=value)
    manifest = read_manifest(root)
    runs = read_runs(root)
    if runs.empty:
        raise InputError("no run parts; has the sweep run?", file=str(root / "runs"))
    x, y, scenario = case_table(runs, outcome, inputs or _design_keys(manifest))
    if y.all() or not y.any():
        raise InputError(
            f"every run has {outcome} = {bool(y[0])}; nothing to discover",
            file=str(root),
            key="--outcome",
            value=outcome,
        )
    prim, _fs, _rit = _ema()
    rate = float(y.mean())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        p = prim.Prim(
            x,
            y,
            threshold=rate if threshold is None else threshold,
            peel_alpha=peel_alpha,
            mass_min=mass_min,
        )
        found = p.find_box()
        traj = found.peeling_trajectory.reset_index(drop=True)
        if box is not None and not 0 <= box < len(traj):
            raise InputError(
                f"expected a trajectory index in [0, {len(traj) - 1}]", key="--box", value=box
            )
        chosen = _choose(traj, min_coverage) if box is None else int(box)
        limits = _box_limits(found, chosen)
    scores, notes = _feature_scores(x, y, scenario, nr_trees, seed)
    stats = traj.loc[chosen]
    records = [
        {k: (None if isinstance(v, float) and np.isnan(v) else v) for k, v in r.items()}
        for r in limits.to_dict(orient="records")
    ]
    summary = {
        "outcome": outcome,
        "cases": int(len(y)),
        "cases_of_interest": int(y.sum()),
        "rate": rate,
        "inputs": list(x.columns),
        "trajectory_length": int(len(traj)),
        "chosen_box": {
            "index": chosen,
            "rule": f"given (--box {box})"
            if box is not None
            else f"densest box with coverage >= {min_coverage}",
            "coverage": float(stats["coverage"]),
            "density": float(stats["density"]),
            "mass": float(stats["mass"]),
            "restricted_dimensions": int(stats["res_dim"]),
            "limits": records,
            "all_significant": bool(
                all(q is None or q < 0.05 for r in records for q in (r["qp_lower"], r["qp_upper"]))
            ),
        },
        "feature_score_notes": notes,
        "top_feature": str(scores["input"].iloc[0]),
    }
    folder = root / SUBDIR / outcome
    for name, df in (
        ("trajectory.csv", traj.assign(chosen=traj.index == chosen)),
        ("box.csv", limits),
        ("feature_scores.csv", scores),
    ):
        atomic_write_bytes(folder / name, df.to_csv(index=False).encode())
    atomic_write_bytes(folder / "summary.json", (json.dumps(summary, indent=2) + "\n").encode())
    atomic_write_bytes(folder / "report.md", report_text(summary).encode())
    return summary


def report_text(summary: dict) -> str:
    """``report.md``: what the chosen box says, in words, with its numbers."""
    b = summary["chosen_box"]
    lines = [
        f"# Scenario discovery: {summary['outcome']}",
        "",
        f"{summary['cases']} runs, {summary['cases_of_interest']} with {summary['outcome']} "
        f"({summary['rate']:.1%}). PRIM (EMA Workbench) peeled {summary['trajectory_length']} "
        f"boxes; chosen: box {b['index']} ({b['rule']}): coverage {b['coverage']:.1%}, density "
        f"{b['density']:.1%}, mass {b['mass']:.1%}.",
        "",
        "| input | box | full range | quasi-p (lower, upper) |",
        "|---|---|---|---|",
    ]
    for r in b["limits"]:
        box = r["lower"] if r["upper"] == "" else f"{r['lower']:.4g} to {r['upper']:.4g}"
        full = (
            r["range_lower"]
            if r["range_upper"] == ""
            else f"{r['range_lower']:.4g} to {r['range_upper']:.4g}"
        )
        qp = ", ".join("-" if q is None else f"{q:.2g}" for q in (r["qp_lower"], r["qp_upper"]))
        lines.append(f"| {r['input']} | {box} | {full} | {qp} |")
    sig = "all below 0.05" if b["all_significant"] else "NOT all below 0.05"
    lines += ["", f"Quasi-p values (Bryant & Lempert 2010): {sig}."]
    lines += ["", f"Most important input by extra-trees feature scores: {summary['top_feature']}."]
    lines += [f"- {n}" for n in summary["feature_score_notes"]]
    return "\n".join(lines) + "\n"
