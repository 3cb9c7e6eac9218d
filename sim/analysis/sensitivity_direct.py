"""Sensitivity indices from the model's own points: replicate means, their noise, SALib.

The direct path of :mod:`sim.analysis.sensitivity` (Sobol' on the model itself, or Morris): each
SALib sample row is a design point run R times on the same R seeds; the analysis averages the
replicates, says how much of the variance of those means is replicate noise, and hands the means
to SALib (``SALib.analyze.sobol``, ``SALib.analyze.morris``) for indices with bootstrap
intervals, from the first half of the base rows (stage N) and from all of them (2N). Through an
emulator instead: :mod:`sim.analysis.sobol_emulated`.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from sim.analysis.sensitivity_spec import RATE_OUTPUTS
from sim.errors import InputError
from sim.experiments.summary import ok_rows, rate_columns
from sim.optional import require

__all__ = ["replicate_means", "sobol_indices", "morris_indices", "staged_indices"]

NEEDED_FOR = "crmsim sensitivity"  # named in the message when SALib is missing


def _outputs_of(runs: pd.DataFrame, outputs: tuple[str, ...]) -> pd.DataFrame:
    flags = rate_columns(runs)
    out = pd.DataFrame({"point": runs["point"].to_numpy()}, index=runs.index)
    for name in outputs:
        col = flags[name] if name in RATE_OUTPUTS else runs[name]
        out[name] = pd.to_numeric(col, errors="coerce").astype(float).to_numpy()
    return out


def _noise_variance(values: pd.DataFrame, name: str, replicates: int) -> tuple[float, float]:
    """Replicate-noise variance of the point means: with and without common random numbers.

    A two-way layout ``y[p, r] = mu + a_p + b_r + e_pr`` (point p, replicate r): with common random
    numbers, the replicate effect ``b_r`` (the organisation and draws of seed r) is the same at
    every point and cancels between point means, so only the interaction ``e_pr`` is noise:
    ``MS_interaction / R``. Without that credit (independent seeds), the noise would be the mean
    within-point variance over R. Returns ``(crn, independent)``.
    """
    if replicates < 2:
        return math.nan, math.nan
    table = values.pivot_table(index="point", columns="replicate", values=name, aggfunc="first")
    y = table.to_numpy(dtype=float)
    independent = float(np.nanmean(np.nanvar(y, axis=1, ddof=1)) / replicates)
    if np.isnan(y).any() or y.shape[0] < 2:
        return independent, independent
    resid = y - y.mean(axis=1, keepdims=True) - y.mean(axis=0, keepdims=True) + y.mean()
    ms_int = float((resid**2).sum() / ((y.shape[0] - 1) * (y.shape[1] - 1)))
    return ms_int / replicates, independent


def replicate_means(
    runs: pd.DataFrame, outputs: tuple[str, ...], n_points: int, replicates: int
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Replicate means per point, and how much of their variance is replicate noise.

    The variance of the point means is signal (what the parameters do) plus noise.
    ``noise_share`` is the noise variance (see :func:`_noise_variance`: the point-by-replicate
    interaction over R, since common random numbers cancel each seed's own effect) over the
    variance of the point means, capped at 1; ``noise_share_independent`` is what it would be
    without common random numbers. A large share means the indices describe noise: add replicates.

    Raises:
        InputError: if a point lacks replicates (error rows) or an output has no value.
    """
    ok = ok_rows(runs)
    values = _outputs_of(ok, outputs)
    values["replicate"] = ok["replicate"].to_numpy() if "replicate" in ok else 0
    counts = values.groupby("point").size().reindex(range(n_points), fill_value=0)
    short = counts[counts < replicates]
    if len(short):
        raise InputError(
            f"{len(short)} sample points have fewer than {replicates} finished runs (error rows "
            f"or an unfinished sweep; first: point {short.index[0]}); finish it with --resume",
            key="runs",
        )
    means = values.drop(columns="replicate").groupby("point").mean().reindex(range(n_points))
    rows = []
    for name in outputs:
        if means[name].isna().any():
            raise InputError(
                f"output '{name}' has no value at some points (every run there lacks it)",
                key="outputs",
                value=name,
            )
        total = float(means[name].var(ddof=1))
        crn, independent = _noise_variance(values, name, replicates)

        def share(noise: float, total: float = total) -> float:
            return min(1.0, noise / total) if total > 0 and np.isfinite(noise) else math.nan

        rows.append(
            {
                "output": name,
                "replicates": replicates,
                "variance_of_point_means": total,
                "replicate_noise_variance": crn,
                "noise_share": share(crn),
                "noise_share_independent": share(independent),
            }
        )
    return means.reset_index(), pd.DataFrame(rows)


def sobol_indices(
    names: list[str],
    y: np.ndarray,
    *,
    second_order: bool = False,
    bootstrap: int = 1000,
    conf_level: float = 0.95,
    seed: int = 0,
) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    """S1 and ST (and S2) with bootstrap intervals (``SALib.analyze.sobol``; Saltelli 2010).

    Returns:
        ``(indices, s2)``: one row per parameter (S1, S1_conf, ST, ST_conf; conf is the half-width
        of the interval) and, with ``second_order``, one row per pair.
    """
    sobol = require("SALib.analyze.sobol", NEEDED_FOR)

    problem = {"num_vars": len(names), "names": names, "bounds": [[0.0, 1.0]] * len(names)}
    res = sobol.analyze(
        problem,
        np.asarray(y, dtype=float),
        calc_second_order=second_order,
        num_resamples=bootstrap,
        conf_level=conf_level,
        seed=seed,
    )
    table = pd.DataFrame(
        {
            "parameter": names,
            "S1": res["S1"],
            "S1_conf": res["S1_conf"],
            "ST": res["ST"],
            "ST_conf": res["ST_conf"],
        }
    )
    if not second_order:
        return table, None
    pairs = [
        {
            "parameter_i": names[i],
            "parameter_j": names[j],
            "S2": res["S2"][i, j],
            "S2_conf": res["S2_conf"][i, j],
        }
        for i in range(len(names))
        for j in range(i + 1, len(names))
    ]
    return table, pd.DataFrame(pairs)


def morris_indices(
    names: list[str],
    x: np.ndarray,
    y: np.ndarray,
    *,
    levels: int = 4,
    bootstrap: int = 1000,
    conf_level: float = 0.95,
    seed: int = 0,
) -> pd.DataFrame:
    """Morris elementary effects per whole range: mu, mu* (Campolongo et al. 2007), sigma."""
    morris = require("SALib.analyze.morris", NEEDED_FOR)

    problem = {"num_vars": len(names), "names": names, "bounds": [[0.0, 1.0]] * len(names)}
    res = morris.analyze(
        problem,
        np.asarray(x, dtype=float),
        np.asarray(y, dtype=float),
        num_resamples=bootstrap,
        conf_level=conf_level,
        num_levels=levels,
        seed=seed,
    )
    return pd.DataFrame(
        {
            "parameter": names,
            "mu": res["mu"],
            "mu_star": res["mu_star"],
            "mu_star_conf": res["mu_star_conf"],
            "sigma": res["sigma"],
        }
    )


def _indices(sens: dict, names, unit, y, rows_per_base: int, half: bool, seed: int):
    """Indices from all rows, or from the first half of the base rows (trajectories)."""
    n = len(y) // rows_per_base
    take = (n // 2 if half else n) * rows_per_base
    if sens["method"] == "sobol":
        return sobol_indices(
            names,
            y[:take],
            second_order=sens["second_order"],
            bootstrap=sens["bootstrap"],
            conf_level=sens["conf_level"],
            seed=seed,
        )
    table = morris_indices(
        names,
        unit[:take],
        y[:take],
        levels=sens["levels"],
        bootstrap=sens["bootstrap"],
        conf_level=sens["conf_level"],
        seed=seed,
    )
    return table, None


def staged_indices(
    sens: dict, names: list[str], unit: np.ndarray, means: pd.DataFrame, seed: int
) -> tuple[pd.DataFrame, pd.DataFrame, list[str]]:
    """Indices of every output from the replicate means, at stages N and 2N.

    Returns:
        ``(stages, s2, constant)``: one row per (output, stage, parameter) with ``n_base``; the
        second-order table (empty unless asked for); the outputs that never vary (no indices).
    """
    d = len(names)
    per_base = (
        (2 * d + 2 if sens["second_order"] else d + 2) if sens["method"] == "sobol" else d + 1
    )
    tables, s2_tables, constant = [], [], []
    for name in sens["outputs"]:
        y = means[name].to_numpy()
        if not np.var(y) > 0:
            constant.append(name)
            continue
        for stage, half in (("N", True), ("2N", False)):
            table, s2 = _indices(sens, names, unit, y, per_base, half, seed)
            n_base = (len(y) // per_base) // (2 if half else 1)
            tables.append(table.assign(output=name, stage=stage, n_base=n_base))
            if s2 is not None and not half:
                s2_tables.append(s2.assign(output=name))
    stages = pd.concat(tables, ignore_index=True) if tables else pd.DataFrame()
    if len(stages):
        first = ["output", "stage", "n_base", "parameter"]
        stages = stages[first + [c for c in stages.columns if c not in first]]
    s2 = pd.concat(s2_tables, ignore_index=True) if s2_tables else pd.DataFrame()
    return stages, s2, constant
