"""The runs docs/VALIDATION.md needs besides the reference sweep: the orderings on equal resources,
the orderings judged at four and five years, weekly series for the go-live dip, and the mix with
the sponsor's levers raised.

Every run goes through the sweep machinery (sim.experiments.run_experiment: its process pool or
Dask, its seeds, its store), on the seeds of experiments/failure_rates.toml, so the organisations
are the reference sweep's and the comparisons are paired. Results go to folders under ``work``
(default ``results/validation``), so a second ``make validation`` resumes instead of rerunning.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pandas as pd

from sim.experiments import Execution, load_experiment, read_runs, read_series, run_experiment
from sim.shipped import source_root

ROOT = source_root()
#: The horizons of the ordering comparison, in weeks: three years (the reference sweep), four, five
#: (the sources plan benefits "initially and over the next 3-5 years": seed 003).
HORIZONS = {"3 years": 156, "4 years": 208, "5 years": 260}


def _sweep(spec, folder: Path, execution: Execution) -> pd.DataFrame:
    """Run (or resume) ``spec`` into ``folder``; the finished run rows."""
    resume = (folder / "manifest.json").exists()
    run_experiment(spec, folder, execution=execution, resume=resume, progress=False)
    return read_runs(folder)


def _shipped(name: str, work: Path, replicates: int, execution: Execution) -> pd.DataFrame:
    """experiments/NAME.toml at ``replicates``, into ``work / NAME``; the finished run rows."""
    spec = replace(load_experiment(ROOT / f"experiments/{name}.toml"), replicates=replicates)
    return _sweep(spec, work / name, execution)


def pure_orderings(work: Path, replicates: int, execution: Execution) -> pd.DataFrame:
    """experiments/orderings_pure.toml: the orderings on equal resources."""
    return _shipped("orderings_pure", work, replicates, execution)


def sponsor_levers(work: Path, replicates: int, execution: Execution) -> pd.DataFrame:
    """experiments/sponsor_levers.toml: the mix at the calibrated point and with the sponsor's
    pre-go-live levers raised (what the calibration trades)."""
    return _shipped("sponsor_levers", work, replicates, execution)


def horizon_runs(
    work: Path, replicates: int, execution: Execution, series: int | None = None
) -> dict[str, pd.DataFrame]:
    """The practice orderings of experiments/failure_rates.toml judged at four and five years.

    The five-year sweep keeps the weekly series of its first ``series`` replicates, all of them
    by default (the go-live dip, the counterfactual's churn and the ROI two and three years after
    go-live are read from them: :func:`series_of`).
    """
    kept = replicates if series is None else series
    base = load_experiment(ROOT / "experiments/failure_rates.toml")
    out = {}
    for label, weeks in HORIZONS.items():
        if weeks == 156:
            continue
        spec = replace(
            base,
            name=f"failure_rates_{weeks}w",
            replicates=replicates,
            overrides={**base.overrides, "horizon_weeks": weeks},
            keep_series=kept if weeks == max(HORIZONS.values()) else 0,
        )
        out[label] = _sweep(spec, work / f"failure_rates_{weeks}w", execution)
    return out


def series_of(work: Path) -> pd.DataFrame:
    """The weekly series kept by the five-year sweep of :func:`horizon_runs`."""
    return read_series(work / f"failure_rates_{max(HORIZONS.values())}w")
