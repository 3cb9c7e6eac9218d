"""Sobol' indices through a Gaussian-process emulator of the model, checked on held-out runs.

Brute-force Sobol' needs ``N (D + 2)`` model points with replicates at each: over 20 parameters,
intervals 0.1 wide would take hundreds of thousands of runs. An emulator needs a few hundred
points (Oakley & O'Hagan 2004, J. R. Stat. Soc. B 66; Marrel et al. 2009). The steps, each a
function here (sampling, running and analysing apart, as in SALib):

1. :func:`design`: a Latin hypercube (scipy.stats.qmc, centred-discrepancy optimised) of
   ``points`` rows on the unit cube for the fit, and an independent one of ``test_points`` held
   out of it. :func:`sim.analysis.sensitivity.run_sensitivity` runs every arm (a mix's members) at
   every point on the same ``replicates`` seeds, through the sweep's store.
2. :func:`point_figures`: each output at each point, the mix's as its members' rates weighted by
   the point's shares (sim.analysis.patterns.Panel), with the noise of that figure. Common random
   numbers make the seed's own effect (its organisation) the same at every point, so only the
   point-by-seed interaction is noise between points: a rate's noise is its binomial variance
   times the share of it that the interaction keeps (one factor per output, from the two-way
   table of per-seed figures); a mean's is the interaction's mean square over R.
3. :func:`fit_emulators`: one :class:`~sim.analysis.emulator.Emulator` per output on the fit
   points (rates on the logit scale, the noise as the GP's ``alpha``), and :func:`held_out_check`
   on the test points, on the output's own scale: R^2, R^2 of the signal (replicate noise taken
   out of both sides), standardised errors. The check passes when the signal's R^2 is at least
   :data:`R2_MIN` and at least :data:`COVERAGE_MIN` of the standardised errors lie within +-2
   (Bastos & O'Hagan 2009, Technometrics 51); it gives no verdict, and so fails, when replicate
   noise is half the held-out figures' variance or more (it could not tell a good emulator from
   a bad one).
4. :func:`emulated_indices`: SALib's Saltelli sample of ``samples`` base rows on the emulator's
   mean, SALib's analysis with bootstrap intervals (the Monte Carlo part), and the emulator's
   part: ``draws`` functions from its posterior (sim.analysis.gp_draws) on a smaller Saltelli
   sample of :data:`DRAW_BASE` rows, each draw's indices less the mean function's on the same
   rows (so that sample's own Monte Carlo error mostly cancels; what is left, measured by a
   bootstrap of those rows, is taken out of the draws' variance). The reported index is the mean
   function's plus the draws' mean difference (the posterior mean of the index); its interval
   adds the two variances: ``conf = z sqrt((mc_conf / z)^2 + emulator_sd^2)``.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from scipy.special import expit
from scipy.stats import norm, qmc
from sklearn.metrics import r2_score

from sim.analysis.calibration_runs import Arms
from sim.analysis.emulator import Emulator, to_latent
from sim.analysis.gp_draws import posterior_functions
from sim.analysis.patterns import Condition, Panel
from sim.analysis.sensitivity_spec import RATE_OUTPUTS
from sim.optional import require

__all__ = [
    "R2_MIN",
    "COVERAGE_MIN",
    "DRAW_BASE",
    "design",
    "point_figures",
    "fit_emulators",
    "held_out_check",
    "emulated_indices",
]

#: Least R^2 of the signal on the held-out points for the check to pass (assumption: an
#: emulator that misses a fifth of what the parameters do would misattribute a fifth of the
#: variance).
R2_MIN = 0.8
#: Least share of held-out standardised errors within +-2 (assumption: 95% when the stated
#: uncertainty is right; 0.85 allows for a few dozen test points).
COVERAGE_MIN = 0.85
#: Saltelli base rows (SALib's N) of the sample the posterior functions are drawn on
#: (assumption: 128 base rows of 20-odd parameters make about 3,000 points, whose joint
#: covariance is factored in seconds; only differences from the mean function are used there).
DRAW_BASE = 128
#: Bootstrap resamples of the small sample's base rows that measure its own Monte Carlo noise in
#: each draw's difference from the mean function (assumption: 100 give that variance to 15%).
DIFF_RESAMPLES = 100
#: Spawn keys of the design's streams (independent of the replicate seeds and of SALib's).
DESIGN_KEY = (0x454D55, 0)
#: Rows of the emulator's mean evaluated at a time (memory: ROWS x design points doubles).
ROWS = 8192


def design(names: list[str], points: int, test_points: int, root_seed: int) -> pd.DataFrame:
    """The unit-cube design: ``points`` rows to fit on and ``test_points`` to check on.

    Returns:
        Columns ``role`` ("fit" or "test") and one per parameter, in [0, 1).
    """
    fit_ss, test_ss = np.random.SeedSequence(root_seed, spawn_key=DESIGN_KEY).spawn(2)
    d = len(names)
    fit = qmc.LatinHypercube(d=d, optimization="random-cd", seed=np.random.default_rng(fit_ss))
    test = qmc.LatinHypercube(d=d, seed=np.random.default_rng(test_ss))
    unit = np.vstack([fit.random(points), test.random(test_points)])
    frame = pd.DataFrame(unit, columns=names)
    frame.insert(0, "role", ["fit"] * points + ["test"] * test_points)
    return frame


def _per_seed(panel: Panel, output: str, rate: bool, weights: dict[str, float]) -> np.ndarray:
    """The output of each seed, its arms weighted (NaN where an arm's run is missing)."""
    m = panel.mask(Condition.parse(output), weights) if rate else panel.values(output, weights)
    return m @ np.array(list(weights.values()))


def _interaction(v: np.ndarray) -> tuple[float, float]:
    """Mean squares of a points x seeds table: (point-by-seed interaction, within points).

    With common random numbers the seed's main effect is shared by every point, so the noise of
    a point's mean is the interaction over R; without them it would be the within-point
    variance over R (sim.analysis.sensitivity_direct._noise_variance, the same two-way layout).
    """
    v = v[np.isfinite(v).all(axis=1)]
    P, R = v.shape
    if R < 2 or P < 2:
        return math.nan, math.nan
    resid = v - v.mean(axis=1, keepdims=True) - v.mean(axis=0, keepdims=True) + v.mean()
    return float((resid**2).sum() / ((P - 1) * (R - 1))), float(np.var(v, axis=1, ddof=1).mean())


def point_figures(
    runs: pd.DataFrame, values: pd.DataFrame, arms: dict, outputs: list[str], rates: set[str]
) -> pd.DataFrame:
    """Each output at each point, with its replicate noise, on the figure and the latent scale.

    Args:
        runs: run rows (``point``, ``scenario`` = the arm, ``replicate``, ``error``, outcomes).
        values: the points' parameter values (dotted names; a ``mix.MEMBER`` share among them),
            row i for point i.
        arms: the scenario's arms, name -> (file, weight).
        outputs: the outputs, in order.
        rates: which of them are rates (the rest are means).

    Returns:
        One row per (point, output): ``value``, ``noise_var`` (of the point's figure, common
        random numbers credited), ``independent_var`` (without that credit), ``n`` (effective
        runs), ``latent``, ``latent_var`` (the emulator's scale).
    """
    names, members = list(arms), Arms(arms)
    groups = dict(tuple(runs.groupby("point", sort=True)))
    per_seed = {o: [] for o in outputs}
    n_eff = []
    for i, point in enumerate(values.to_dict("records")):
        panel = Panel(groups.get(i, runs.iloc[:0]), names)
        w = members.weights(point)  # a share in the point fixes its member's weight
        n_eff.append(panel.replicates / max(sum(x * x for x in w.values()), 1e-12))
        for o in outputs:
            per_seed[o].append(_per_seed(panel, o, o in rates, w))
    rows = []
    for o in outputs:
        width = max(len(v) for v in per_seed[o])
        table = np.full((len(values), width), np.nan)
        for i, v in enumerate(per_seed[o]):
            table[i, : len(v)] = v
        reps = np.maximum(np.isfinite(table).sum(axis=1), 1)
        with np.errstate(invalid="ignore", divide="ignore"):
            value = np.nanmean(table, axis=1)
        inter, within = _interaction(table)
        # per point: the rate's binomial variance (its shape over points), scaled so that its
        # mean is the interaction's (the size common random numbers leave); a mean: the
        # interaction over R. Without two seeds there is no interaction: binomial, or none.
        latent, binom = (
            to_latent(value, np.asarray(n_eff)) if o in rates else (value, np.zeros(len(value)))
        )
        q = expit(latent)
        base = binom * (q * (1 - q)) ** 2
        if o in rates:
            scale = (
                inter / reps.mean() / base.mean() if np.isfinite(inter) and base.mean() > 0 else 1.0
            )
            noise, latent_var = scale * base, scale * binom
        else:
            noise = (
                np.full(len(value), inter) / reps if np.isfinite(inter) else np.zeros(len(value))
            )
            latent_var = noise
        independent = within / reps if np.isfinite(within) else base
        for i in range(len(values)):
            rows.append(
                {
                    "point": i,
                    "output": o,
                    "value": float(value[i]),
                    "noise_var": float(noise[i]),
                    "independent_var": float(independent[i]),
                    "n": float(n_eff[i]),
                    "latent": float(latent[i]),
                    "latent_var": float(latent_var[i]),
                }
            )
    return pd.DataFrame(rows)


def fit_emulators(
    figures: pd.DataFrame, unit: np.ndarray, outputs: list[str], rates: set[str], seed: int
) -> dict[str, Emulator]:
    """One emulator per output on the unit-cube rows ``unit`` (point i is row i)."""
    d = unit.shape[1]
    out = {}
    for j, o in enumerate(outputs):
        f = figures[figures["output"] == o].sort_values("point")
        em = Emulator(np.zeros(d), np.ones(d), "logit" if o in rates else "identity", seed=seed + j)
        out[o] = em.fit(unit[f["point"].to_numpy()], f["latent"], f["latent_var"])
    return out


def _figure(latent: np.ndarray, rate: bool) -> np.ndarray:
    return expit(latent) if rate else latent


def held_out_check(em: Emulator, unit: np.ndarray, figures: pd.DataFrame, rate: bool) -> dict:
    """The emulator against points it never saw (``figures`` of those points, ``unit`` rows).

    On the output's own scale, where the indices are computed: a rate as the emulator sees it
    (with the half-run correction of sim.analysis.emulator.to_latent), its noise and the
    emulator's standard deviation carried over from the logit scale by the delta method. (On the
    logit scale a rate near 0 or 1 is very uncertain and says little about the indices.)

    Returns:
        ``n``, ``noise_share`` (of the held-out figures' variance), ``r2``, ``r2_signal`` (1 -
        the emulator's error variance over the figures' signal variance, replicate noise taken
        out of both), ``z_rms``, ``coverage_2sd``, ``rmse``, ``passed``, and ``points``: per test
        point the observed and predicted figure with their standard deviations.
    """
    y = figures["latent"].to_numpy()
    m, s = em.predict(unit)
    if not em.fitted or len(y) < 2:
        return {
            "n": len(y),
            "noise_share": math.nan,
            "r2": math.nan,
            "r2_signal": math.nan,
            "z_rms": math.nan,
            "coverage_2sd": math.nan,
            "rmse": math.nan,
            "passed": False,
            "points": None,
        }
    observed, predicted = _figure(y, rate), _figure(m, rate)
    obs_sd = np.sqrt(figures["latent_var"].to_numpy()) * (observed * (1 - observed) if rate else 1)
    pred_sd = s * (predicted * (1 - predicted) if rate else 1.0)
    z = (observed - predicted) / np.sqrt(pred_sd**2 + obs_sd**2)
    noise, total = float(np.mean(obs_sd**2)), float(observed.var())
    mse = float(np.mean((observed - predicted) ** 2))
    # Without a signal at least as large as the noise the check has no power: no verdict.
    signal = total - noise
    r2_signal = 1 - max(mse - noise, 0.0) / signal if signal >= noise else math.nan
    coverage = float(np.mean(np.abs(z) <= 2))
    points = pd.DataFrame(
        {
            "point": figures["point"].to_numpy(),
            "observed": observed,
            "observed_sd": obs_sd,
            "predicted": predicted,
            "predicted_sd": pred_sd,
        }
    )
    passed = bool(np.isfinite(r2_signal) and r2_signal >= R2_MIN and coverage >= COVERAGE_MIN)
    return {
        "n": len(y),
        "noise_share": min(1.0, noise / total) if total > 0 else 1.0,
        "r2": float(r2_score(observed, predicted)),
        "r2_signal": float(min(r2_signal, 1.0)) if np.isfinite(r2_signal) else math.nan,
        "z_rms": float(np.sqrt(np.mean(z**2))),
        "coverage_2sd": coverage,
        "rmse": float(np.sqrt(mse)),
        "passed": passed,
        "points": points,
    }


def _mean(em: Emulator, unit: np.ndarray) -> np.ndarray:
    """The emulator's latent mean at many rows, a block at a time (the mean alone: its standard
    deviation would cost a triangular solve per row)."""
    if em.gp is None:
        return np.full(len(unit), np.nan)
    scaled = (unit - em.low) / (em.high - em.low)
    blocks = [em.gp.predict(scaled[i : i + ROWS]) for i in range(0, len(unit), ROWS)]
    return em.mu + em.sd * np.concatenate(blocks) if blocks else np.empty(0)


def _point_indices(
    y: np.ndarray, d: int, n: int, boot: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """S1 then ST (one vector of 2d) by SALib's estimators (Saltelli et al. 2010), on ``y``
    normalised as ``SALib.analyze.sobol.analyze`` normalises it, and the same on each bootstrap
    resample of the base rows (``boot``: n x resamples row indices), shape resamples x 2d."""
    sobol = require("SALib.analyze.sobol", "crmsim sensitivity")
    sd = float(np.std(y))
    if not sd > 0:
        return np.zeros(2 * d), np.zeros((boot.shape[1], 2 * d))
    y = (y - y.mean()) / sd
    A, B, AB, _ = sobol.separate_output_values(y, d, n, False)
    point = [sobol.first_order(A, AB[:, j], B) for j in range(d)]
    point += [sobol.total_order(A, AB[:, j], B) for j in range(d)]
    resampled = [sobol.first_order(A[boot], AB[boot, j], B[boot]) for j in range(d)]
    resampled += [sobol.total_order(A[boot], AB[boot, j], B[boot]) for j in range(d)]
    return np.array(point), np.array(resampled).T


def emulated_indices(
    em: Emulator,
    rate: bool,
    names: list[str],
    *,
    samples: int,
    draws: int,
    bootstrap: int,
    conf_level: float,
    seed: int,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Sobol' indices of one output through its emulator (module docstring, step 4).

    Returns:
        ``(indices, convergence)``: one row per parameter (S1, S1_conf, ST, ST_conf and their
        parts ``*_mc_conf``, ``*_emulator_sd``); and the mean function's indices from the first
        half of the base rows (stage N) and all of them (2N), with SALib's bootstrap intervals.
    """
    sample = require("SALib.sample.sobol", "crmsim sensitivity")
    sobol = require("SALib.analyze.sobol", "crmsim sensitivity")
    d = len(names)
    problem = {"num_vars": d, "names": names, "bounds": [[0.0, 1.0]] * d}
    big = sample.sample(problem, samples, calc_second_order=False, scramble=True, seed=seed)
    y = _figure(_mean(em, big), rate)
    stages = []
    for stage, n in (("N", samples // 2), ("2N", samples)):
        res = sobol.analyze(
            problem,
            y[: n * (d + 2)],
            calc_second_order=False,
            num_resamples=bootstrap,
            conf_level=conf_level,
            seed=seed,
        )
        stages.append(
            pd.DataFrame(
                {
                    "stage": stage,
                    "n_base": n,
                    "parameter": names,
                    "S1": res["S1"],
                    "S1_conf": res["S1_conf"],
                    "ST": res["ST"],
                    "ST_conf": res["ST_conf"],
                }
            )
        )
    full = stages[1]
    small = sample.sample(problem, DRAW_BASE, calc_second_order=False, scramble=True, seed=seed + 1)
    mean, F = posterior_functions(em, small, draws, np.random.default_rng(seed))
    boot = np.random.default_rng(seed + 2).integers(0, DRAW_BASE, (DRAW_BASE, DIFF_RESAMPLES))
    base, base_boot = _point_indices(_figure(mean, rate), d, DRAW_BASE, boot)
    dev, noise = [], []
    for k in range(draws):
        one, one_boot = _point_indices(_figure(F[:, k], rate), d, DRAW_BASE, boot)
        dev.append(one - base)
        noise.append((one_boot - base_boot).var(axis=0, ddof=1))
    diffs = np.array(dev)
    # the draws' spread, less the small sample's own Monte Carlo noise in each difference
    shift = diffs.mean(axis=0)
    spread = np.sqrt(np.maximum(diffs.var(axis=0, ddof=1) - np.mean(noise, axis=0), 0.0))
    z = float(norm.ppf(0.5 + conf_level / 2))
    out = pd.DataFrame({"parameter": names})
    parts = {}
    for i, col in enumerate(("S1", "ST")):
        mc = full[f"{col}_conf"].to_numpy()
        sd = spread[i * d : (i + 1) * d]
        out[col] = full[col].to_numpy() + shift[i * d : (i + 1) * d]
        out[f"{col}_conf"] = z * np.sqrt((mc / z) ** 2 + sd**2)
        parts[f"{col}_mc_conf"], parts[f"{col}_emulator_sd"] = mc, sd
    return out.assign(**parts), pd.concat(stages, ignore_index=True)


def _noise_rows(figures: pd.DataFrame, outputs: list[str], replicates: int) -> pd.DataFrame:
    """Per output: the variance of the fit points' figures and the share of it that is noise."""
    rows = []
    for o in outputs:
        f = figures[(figures["output"] == o) & (figures["role"] == "fit")]
        total = float(f["value"].var(ddof=1)) if len(f) > 1 else math.nan
        noise, independent = float(f["noise_var"].mean()), float(f["independent_var"].mean())

        def share(v: float, total: float = total) -> float:
            return min(1.0, v / total) if total > 0 and np.isfinite(v) else math.nan

        rows.append(
            {
                "output": o,
                "replicates": replicates,
                "variance_of_point_means": total,
                "replicate_noise_variance": noise,
                "noise_share": share(noise),
                "noise_share_independent": share(independent),
            }
        )
    return pd.DataFrame(rows)


def analyse_emulated(
    sens: dict, sample: pd.DataFrame, runs: pd.DataFrame, replicates: int, seed: int
) -> dict[str, object]:
    """The whole analysis of a finished emulator design (steps 2 to 4 of the module docstring).

    Args:
        sens: the sensitivity settings as the manifest holds them (SensitivitySpec.to_dict).
        sample: ``sample.parquet``: ``point``, ``role``, ``u.KEY`` (unit cube) and ``KEY``
            (values) columns, row i for point i.
        runs: the run rows.
        replicates: seeds a point.
        seed: seeds the emulators, the Saltelli samples and the posterior draws.

    Returns:
        DataFrames ``indices``, ``convergence``, ``checks`` (one row per output: the held-out
        check, a k-fold check, the length scales), ``test_points``, ``figures`` and ``noise``;
        and ``constant``, the outputs that never vary over the fit points (no indices).
    """
    names = list(sens["parameters"])
    outputs = list(sens["outputs"])
    rates = {o for o in outputs if o in RATE_OUTPUTS}
    arms = {k: (str(v[0]), float(v[1])) for k, v in sens["arms"].items()}
    figures = point_figures(runs, sample[names].reset_index(drop=True), arms, outputs, rates)
    roles = sample["role"].to_numpy()
    figures["role"] = roles[figures["point"].to_numpy()]
    unit = sample[[f"u.{k}" for k in names]].to_numpy()
    fitting = figures[figures["role"] == "fit"]
    emulators = fit_emulators(fitting, unit, outputs, rates, seed)
    indices, convergence, checks, tests, constant = [], [], [], [], []
    for j, o in enumerate(outputs):
        em, rate = emulators[o], o in rates
        if not em.fitted or not fitting.loc[fitting["output"] == o, "value"].var() > 0:
            constant.append(o)  # nothing to emulate, check or apportion
            continue
        test = figures[(figures["output"] == o) & (figures["role"] == "test")]
        check = held_out_check(em, unit[test["point"].to_numpy()], test, rate)
        kfold = em.check()
        row = {
            "output": o,
            "transform": em.transform,
            "fit_points": em.n_fit,
            "test_points": check["n"],
        }
        row.update({k: v for k, v in check.items() if k != "points"})
        row.update({"kfold_r2": kfold.r2, "kfold_z_rms": kfold.z_rms})
        row.update({f"length.{k}": v for k, v in zip(names, em.length_scales, strict=True)})
        checks.append(row)
        if check["points"] is not None:
            tests.append(check["points"].assign(output=o))
        table, stages = emulated_indices(
            em,
            rate,
            names,
            samples=int(sens["samples"]),
            draws=int(sens["emulator"]["draws"]),
            bootstrap=int(sens["bootstrap"]),
            conf_level=float(sens["conf_level"]),
            seed=seed + j,
        )
        indices.append(table.assign(output=o, emulator_passed=check["passed"]))
        convergence.append(stages.assign(output=o))
    first = ["output", "parameter"]
    index_table = pd.concat(indices, ignore_index=True) if indices else pd.DataFrame()
    if len(index_table):
        index_table = index_table[first + [c for c in index_table.columns if c not in first]]
    stages = pd.concat(convergence, ignore_index=True) if convergence else pd.DataFrame()
    if len(stages):
        stages = stages[["output", *[c for c in stages.columns if c != "output"]]]
    test_table = pd.concat(tests, ignore_index=True) if tests else pd.DataFrame()
    if len(test_table):
        test_table = test_table[["output", *[c for c in test_table.columns if c != "output"]]]
    return {
        "indices": index_table,
        "convergence": stages,
        "checks": pd.DataFrame(checks),
        "test_points": test_table,
        "figures": figures,
        "noise": _noise_rows(figures, outputs, replicates),
        "constant": constant,
    }
