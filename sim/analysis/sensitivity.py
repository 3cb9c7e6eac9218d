"""Global sensitivity analysis with SALib, run through the sweep machinery.

Sampling, running and analysing stay apart, as in SALib (DESIGN.md section 4):

1. :func:`draw_sample` asks SALib for a Sobol' (Saltelli scheme, ``SALib.sample.sobol``) or a
   Morris sample on the unit cube, seeded from the experiment's root seed, and maps it onto the
   parameter ranges (integer parameters by equal bins, as the Latin hypercube does).
2. :func:`run_sensitivity` turns the sample into a design whose points are the sample's rows and
   hands it to :func:`sim.experiments.sweep.run_experiment`: the same batches, executors (local
   pool or Dask, unchanged), resumable parquet store and error rows as every sweep, and no start-up
   per point. Replicate i of every point runs on the same seed (common random numbers), so the
   difference between two points is not blurred by different organisations and draws.
3. :func:`analyse_sensitivity` reads the results folder only: replicate means per point, the share
   of their variance that is replicate noise, SALib's indices with bootstrap intervals, and a
   convergence check (indices from the first half of the base sample, N, against all of it, 2N).

Writes ``RESULTS/sensitivity/``: ``sample.parquet``, ``point_means.csv``, ``indices.csv``,
``second_order.csv`` (Sobol S2 on request), ``noise.csv``, ``summary.json`` and ``report.md``.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.analysis.sensitivity_report import summarise, write_report
from sim.analysis.sensitivity_spec import RATE_OUTPUTS, SensitivitySpec, load_sensitivity
from sim.errors import InputError
from sim.experiments.design import Design, Point
from sim.experiments.executors import Execution
from sim.experiments.experiment import ExperimentSpec, default_results_dir
from sim.experiments.store import atomic_write_bytes, read_manifest, read_runs, spec_hash
from sim.experiments.summary import ok_rows, rate_columns
from sim.optional import require

__all__ = [
    "SampledDesign",
    "salib_problem",
    "draw_sample",
    "replicate_means",
    "sobol_indices",
    "morris_indices",
    "run_sensitivity",
    "analyse_sensitivity",
]

SUBDIR = "sensitivity"
NEEDED_FOR = "crmsim sensitivity"  # named in the message when SALib is missing
#: Spawn key of the sensitivity sample's own stream: independent of the replicate seeds
#: (children ``(i,)`` of the same root) and of the Latin hypercube's key.
SAMPLE_SPAWN_KEY = (0x53414C, 0)


@dataclass(frozen=True)
class SampledDesign(Design):
    """A design whose points are the rows of a SALib sample (type ``sobol`` or ``morris``).

    ``to_dict`` records the ranges, the method and a hash of the rows instead of every value, so
    the manifest stays small and a resumed sweep still refuses a different sample.
    """

    rows: tuple[tuple, ...] = ()
    info: dict[str, Any] = field(default_factory=dict)

    def points(self, root_seed: int = 0) -> list[Point]:
        keys = self.keys
        return [Point(i, dict(zip(keys, row, strict=True))) for i, row in enumerate(self.rows)]

    def to_dict(self) -> dict[str, Any]:
        return {
            "type": self.type,
            "parameters": self.parameters,
            "samples": self.samples,
            "points": len(self.rows),
            "rows_sha256": spec_hash([list(r) for r in self.rows]),
            **self.info,
        }


def salib_problem(spec: SensitivitySpec) -> dict[str, Any]:
    """SALib's problem on the unit cube (ranges are applied by :func:`to_values`)."""
    return {
        "num_vars": len(spec.names),
        "names": spec.names,
        "bounds": [[0.0, 1.0]] * len(spec.names),
    }


def _sample_seed(root_seed: int) -> int:
    ss = np.random.SeedSequence(root_seed, spawn_key=SAMPLE_SPAWN_KEY)
    return int(ss.generate_state(1, dtype=np.uint32)[0])


def to_values(spec: SensitivitySpec, unit: np.ndarray) -> list[tuple]:
    """Map unit-cube rows onto the ranges; integer ranges by ``high - low + 1`` equal bins."""
    columns: list[list[Any]] = []
    for j, key in enumerate(spec.names):
        r = spec.parameters[key]
        u = unit[:, j]
        if r["type"] == "integer":
            v = np.minimum(np.floor(r["low"] + u * (r["high"] - r["low"] + 1)), r["high"])
            columns.append([int(x) for x in v])
        else:
            columns.append([float(x) for x in r["low"] + u * (r["high"] - r["low"])])
    return list(zip(*columns, strict=True))


def draw_sample(spec: SensitivitySpec) -> np.ndarray:
    """The unit-cube sample, rows in SALib's order (Sobol': blocks of D+2 or 2D+2 rows a base row).

    Sobol' base rows are scrambled Sobol' points, so the first half of a sample of 2N base rows is
    the sample SALib would draw for N: the convergence check needs no extra runs.
    """
    morris_sample = require("SALib.sample.morris", NEEDED_FOR)
    sobol_sample = require("SALib.sample.sobol", NEEDED_FOR)

    problem, seed = salib_problem(spec), _sample_seed(spec.experiment.root_seed)
    if spec.method == "sobol":
        return sobol_sample.sample(
            problem, spec.samples, calc_second_order=spec.second_order, scramble=True, seed=seed
        )
    return morris_sample.sample(problem, spec.samples, num_levels=spec.levels, seed=seed)


def sampled_experiment(spec: SensitivitySpec, unit: np.ndarray) -> ExperimentSpec:
    """The experiment whose design points are the sample's rows."""
    design = SampledDesign(
        type=spec.method,
        parameters=spec.parameters,
        samples=spec.samples,
        rows=tuple(to_values(spec, unit)),
        info={"sensitivity": spec.to_dict()},
    )
    exp = spec.experiment
    return ExperimentSpec(
        name=exp.name,
        scenarios=exp.scenarios,
        scenario_paths=exp.scenario_paths,
        design=design,
        replicates=exp.replicates,
        root_seed=exp.root_seed,
        engine=exp.engine,
        keep_series=exp.keep_series,
        batch_size=exp.batch_size,
        baseline=exp.baseline,
        overrides=exp.overrides,
        description=exp.description,
        file=exp.file,
        extra=exp.extra,
    )


def _write_csv(path: Path, df: pd.DataFrame) -> None:
    atomic_write_bytes(path, df.to_csv(index=False).encode())


def run_sensitivity(
    spec: SensitivitySpec | str | Path,
    out_dir: str | Path | None = None,
    *,
    quick: bool = False,
    execution: Execution | int | None = None,
    resume: bool = False,
    progress: Any = True,
    run_fn=None,
    load_fn=None,
) -> dict[str, Any]:
    """Sample, run every point R times through the sweep machinery, and analyse.

    Args:
        spec: a :class:`SensitivitySpec` or the path of its TOML.
        out_dir: results folder (default ``results/NAME``, ``results/NAME-quick`` with ``quick``).
        quick: run the file's ``[sensitivity.quick]`` version.
        execution, resume, progress, run_fn, load_fn: as for
            :func:`sim.experiments.sweep.run_experiment`.

    Returns:
        The sweep's counts plus ``analysis`` (what :func:`analyse_sensitivity` returns).
    """
    from sim.experiments.sweep import run_experiment

    if not isinstance(spec, SensitivitySpec):
        spec = load_sensitivity(spec)
    if quick:
        spec = spec.quick_version()
    unit = draw_sample(spec)
    experiment = sampled_experiment(spec, unit)
    out = Path(out_dir) if out_dir is not None else default_results_dir(experiment)
    try:
        counts = run_experiment(
            experiment,
            out,
            execution=execution,
            resume=resume,
            progress=progress,
            run_fn=run_fn,
            load_fn=load_fn,
        )
    except InputError as exc:  # the store's "how to resume" names the sweep command
        if "crmsim sweep" not in str(exc.detail):
            raise
        detail = exc.detail.replace("crmsim sweep", "crmsim sensitivity")
        raise InputError(detail, file=exc.file, key=exc.key, value=exc.value) from None
    sample = pd.DataFrame(unit, columns=[f"u.{k}" for k in spec.names])
    values = pd.DataFrame(to_values(spec, unit), columns=spec.names)
    sample = pd.concat([pd.DataFrame({"point": range(len(unit))}), sample, values], axis=1)
    buf = sample.to_parquet(index=False)
    atomic_write_bytes(out / SUBDIR / "sample.parquet", buf)
    counts["analysis"] = analyse_sensitivity(out) if counts["status"] == "complete" else None
    return counts


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


def _spec_from_manifest(root: Path) -> tuple[dict, dict]:
    manifest = read_manifest(root)
    spec = manifest.get("spec", {}) if isinstance(manifest, dict) else {}
    design = spec.get("design", {})
    sens = design.get("sensitivity") if isinstance(design, dict) else None
    if not isinstance(sens, dict):
        raise InputError(
            "not a sensitivity results folder (its manifest has no sensitivity design); "
            "run `crmsim sensitivity EXPERIMENT` first",
            file=str(root / "manifest.json"),
        )
    return spec, sens


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


def analyse_sensitivity(results_dir: str | Path) -> dict[str, Any]:
    """Analyse a finished sensitivity results folder (reads files only; runs no model).

    Returns:
        The content of ``summary.json``: per output the noise share, the convergence verdict and
        whether the top five total indices' intervals are narrower than 0.1.
    """
    root = Path(results_dir)
    spec, sens = _spec_from_manifest(root)
    sample_path = root / SUBDIR / "sample.parquet"
    if not sample_path.is_file():
        raise InputError(
            "missing the sample; run the sensitivity command again", file=str(sample_path)
        )
    sample = pd.read_parquet(sample_path)
    names = list(sens["parameters"])
    unit = sample[[f"u.{k}" for k in names]].to_numpy()
    replicates = int(spec["replicates"])
    runs = read_runs(root)
    outputs = tuple(sens["outputs"])
    means, noise = replicate_means(runs, outputs, len(sample), replicates)
    d = len(names)
    per_base = (
        (2 * d + 2 if sens["second_order"] else d + 2) if sens["method"] == "sobol" else d + 1
    )
    seed = _sample_seed(int(spec.get("root_seed", 0)))
    tables, s2_tables, skipped = [], [], []
    for name in outputs:
        y = means[name].to_numpy()
        if not np.var(y) > 0:
            skipped.append(name)
            continue
        for stage, half in (("N", True), ("2N", False)):
            table, s2 = _indices(sens, names, unit, y, per_base, half, seed)
            n_base = (len(y) // per_base) // (2 if half else 1)
            tables.append(table.assign(output=name, stage=stage, n_base=n_base))
            if s2 is not None and not half:
                s2_tables.append(s2.assign(output=name))
    indices = pd.concat(tables, ignore_index=True) if tables else pd.DataFrame()
    if len(indices):
        first = ["output", "stage", "n_base", "parameter"]
        indices = indices[first + [c for c in indices.columns if c not in first]]
    folder = root / SUBDIR
    _write_csv(folder / "point_means.csv", means)
    _write_csv(folder / "noise.csv", noise)
    _write_csv(folder / "indices.csv", indices)
    if s2_tables:
        _write_csv(folder / "second_order.csv", pd.concat(s2_tables, ignore_index=True))
    summary = summarise(sens, spec, indices, noise, skipped, len(runs))
    atomic_write_bytes(folder / "summary.json", (json.dumps(summary, indent=2) + "\n").encode())
    write_report(folder / "report.md", summary)
    return summary
