"""Global sensitivity analysis with SALib, run through the sweep machinery.

Sampling, running and analysing stay apart, as in SALib (DESIGN.md section 4):

1. :func:`draw_sample` asks SALib for a Sobol' (Saltelli scheme, ``SALib.sample.sobol``) or a
   Morris sample on the unit cube, seeded from the experiment's root seed; with an emulator
   (``[sensitivity.emulator]``), :func:`sim.analysis.sobol_emulated.design` gives a Latin
   hypercube of fit points and one of held-out test points instead. :func:`to_values` maps the
   unit cube onto the ranges (integers by equal bins, a calibration prior by its quantiles).
2. :func:`run_sensitivity` turns the sample into a design whose points are the sample's rows and
   hands it to :func:`sim.experiments.sweep.run_experiment`: the same batches, executors (local
   pool or Dask, unchanged), resumable parquet store and error rows as every sweep, and no start-up
   per point. Replicate i of every point runs on the same seed (common random numbers), so the
   difference between two points is not blurred by different organisations and draws. With an
   emulator, a mix runs as its members (arms), all on the same seeds.
3. :func:`analyse_sensitivity` reads the results folder only. Directly
   (:mod:`sim.analysis.sensitivity_direct`): replicate means per point, the share of their
   variance that is replicate noise, SALib's indices with bootstrap intervals, and a convergence
   check (indices from the first half of the base sample, N, against all of it, 2N). Through the
   emulator (:mod:`sim.analysis.sobol_emulated`): figures per point, an emulator per output
   checked on the held-out points, and SALib's indices of the emulator with intervals that hold
   both the Monte Carlo error and the emulator's own uncertainty.

Writes ``RESULTS/sensitivity/``: ``sample.parquet``, ``indices.csv`` (one row per output and
parameter: ``output, parameter, S1, S1_conf, ST, ST_conf``, SALib's names, or Morris's ``mu,
mu_star, mu_star_conf, sigma``), ``convergence.csv`` (stages N and 2N), ``noise.csv``,
``point_means.csv`` (direct) or ``point_figures.csv``, ``emulator.csv`` and
``emulator_test.csv`` (emulator), ``second_order.csv`` (Sobol S2 on request), ``summary.json``
and ``report.md``. In Python, :func:`analyse_sensitivity` returns the summary with the indices
table as a DataFrame under ``"indices"``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats
from threadpoolctl import threadpool_limits

from sim.analysis.priors import is_share
from sim.analysis.sensitivity_direct import (
    morris_indices,
    replicate_means,
    sobol_indices,
    staged_indices,
)
from sim.analysis.sensitivity_report import summarise, write_report
from sim.analysis.sensitivity_spec import SensitivitySpec, load_sensitivity
from sim.analysis.sobol_emulated import analyse_emulated, design
from sim.errors import InputError
from sim.experiments.design import Design, Point
from sim.experiments.executors import Execution
from sim.experiments.experiment import ExperimentSpec, default_results_dir
from sim.experiments.store import atomic_write_bytes, read_manifest, read_runs, spec_hash
from sim.optional import require

__all__ = [
    "SampledDesign",
    "salib_problem",
    "draw_sample",
    "to_values",
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
    """Map unit-cube rows onto the ranges: integer ranges by ``high - low + 1`` equal bins, a
    calibration prior that is a truncated normal by its quantile function, the rest linearly."""
    columns: list[list[Any]] = []
    for j, key in enumerate(spec.names):
        r = spec.parameters[key]
        u = unit[:, j]
        if r["type"] == "integer":
            v = np.minimum(np.floor(r["low"] + u * (r["high"] - r["low"] + 1)), r["high"])
            columns.append([int(x) for x in v])
        elif r.get("prior") == "normal":
            a, b = (r["low"] - r["mean"]) / r["sd"], (r["high"] - r["mean"]) / r["sd"]
            v = stats.truncnorm.ppf(u, a, b, loc=r["mean"], scale=r["sd"])
            columns.append([float(x) for x in v])
        else:
            columns.append([float(x) for x in r["low"] + u * (r["high"] - r["low"])])
    return list(zip(*columns, strict=True))


def draw_sample(spec: SensitivitySpec) -> np.ndarray:
    """The unit-cube sample, rows in SALib's order; with an emulator, its fit then test points."""
    if spec.emulator:
        e = spec.emulator
        frame = design(spec.names, e["points"], e["test_points"], spec.experiment.root_seed)
        return frame[spec.names].to_numpy()
    return _salib_sample(spec)


def _salib_sample(spec: SensitivitySpec) -> np.ndarray:
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
    """The experiment whose design points are the sample's rows (model parameters only: a mix
    member's share reweights the arms' runs); with an emulator, the scenario's arms run."""
    keep = [j for j, k in enumerate(spec.names) if not is_share(k)]
    rows = tuple(tuple(r[j] for j in keep) for r in to_values(spec, unit))
    sampled = SampledDesign(
        type=spec.method,
        parameters={k: spec.parameters[k] for k in spec.model_names},
        samples=spec.samples,
        rows=rows,
        info={"sensitivity": spec.to_dict()},
    )
    exp = spec.experiment
    scenarios, paths = exp.scenarios, exp.scenario_paths
    if spec.emulator:
        paths = tuple(path for path, _ in spec.arms.values())
        scenarios = paths
    return ExperimentSpec(
        name=exp.name,
        scenarios=scenarios,
        scenario_paths=paths,
        design=sampled,
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
        The sweep's counts plus ``analysis`` (what :func:`analyse_sensitivity` returns: the
        summary, with the indices as a DataFrame under ``"indices"``), None if runs raised.
    """
    from sim.experiments.sweep import run_experiment

    if not isinstance(spec, SensitivitySpec):
        spec = load_sensitivity(spec)
    if quick:
        spec = spec.quick_version()
    require(f"SALib.analyze.{spec.method}", NEEDED_FOR)  # before any run, not after them all
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
    head = pd.DataFrame({"point": range(len(unit))})
    if spec.emulator:
        head["role"] = ["fit"] * spec.emulator["points"] + ["test"] * spec.emulator["test_points"]
    sample = pd.concat([head, sample, values], axis=1)
    buf = sample.to_parquet(index=False)
    atomic_write_bytes(out / SUBDIR / "sample.parquet", buf)
    counts["analysis"] = analyse_sensitivity(out) if counts["status"] == "complete" else None
    return counts


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


def analyse_sensitivity(results_dir: str | Path) -> dict[str, Any]:
    """Analyse a finished sensitivity results folder (reads files only; runs no model).

    Returns:
        The content of ``summary.json`` (per output the noise share, the convergence verdict,
        whether the top five total indices' intervals are at most 0.1 wide and, through an
        emulator, its held-out check), plus ``"indices"``: the indices as a DataFrame, one row per
        output and parameter (``output, parameter, S1, S1_conf, ST, ST_conf`` and, through an
        emulator, each interval's Monte Carlo and emulator parts; Morris: ``mu, mu_star,
        mu_star_conf, sigma``), as written to ``indices.csv``.
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
    replicates = int(spec["replicates"])
    runs = read_runs(root)
    seed = _sample_seed(int(spec.get("root_seed", 0)))
    folder = root / SUBDIR
    checks = None
    if sens.get("emulator"):
        # One BLAS thread: the emulators' matrices are a few hundred points wide, and on a busy
        # 2-core machine more threads only contend (as in sim.analysis.calibration).
        with threadpool_limits(limits=1):
            out = analyse_emulated(sens, sample, runs, replicates, seed)
        indices, stages, noise, constant = (
            out["indices"],
            out["convergence"],
            out["noise"],
            out["constant"],
        )
        checks = out["checks"]
        _write_csv(folder / "point_figures.csv", out["figures"])
        _write_csv(folder / "emulator.csv", checks)
        _write_csv(folder / "emulator_test.csv", out["test_points"])
    else:
        unit = sample[[f"u.{k}" for k in names]].to_numpy()
        means, noise = replicate_means(runs, tuple(sens["outputs"]), len(sample), replicates)
        stages, s2, constant = staged_indices(sens, names, unit, means, seed)
        indices = (
            stages[stages["stage"] == "2N"].drop(columns=["stage", "n_base"])
            if len(stages)
            else stages
        )
        indices = indices.reset_index(drop=True)
        _write_csv(folder / "point_means.csv", means)
        if len(s2):
            _write_csv(folder / "second_order.csv", s2)
    _write_csv(folder / "noise.csv", noise)
    _write_csv(folder / "indices.csv", indices)
    _write_csv(folder / "convergence.csv", stages)
    summary = summarise(sens, spec, indices, stages, noise, constant, len(runs), checks)
    atomic_write_bytes(folder / "summary.json", (json.dumps(summary, indent=2) + "\n").encode())
    write_report(folder / "report.md", summary)
    return {**summary, "indices": indices}
