"""``make validation``: the validation tables, charts and docs/VALIDATION.md in one command.

Thin: sim.analysis.validation computes, sim.analysis.validation_runs runs the experiments a pattern
needs besides the reference sweep, sim.report.model_charts draws, sim.report.validation_doc writes
the document.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

import pandas as pd

from sim.analysis import validation as v
from sim.analysis import validation_levers, validation_payback, validation_posterior
from sim.analysis import validation_runs as runs
from sim.errors import InputError
from sim.experiments import Execution, read_runs
from sim.model.scenario import load_scenario
from sim.report import model_charts, validation_doc

#: The calibration's posterior, which the posterior sweep must have drawn from to be read here.
POSTERIOR = "results/reference/calibration/posterior.parquet"

TABLES = (
    "patterns",
    "horizons",
    "claims_by_horizon",
    "pure",
    "trait_effects",
    "tf_share",
    "levers",
    "lever_contrasts",
)


def main(argv=None) -> int:
    """``make validation``: status 2 and one line for bad input (a work folder holding another
    experiment's runs, say), as every crmsim command."""
    try:
        return _run(argv)
    except InputError as exc:
        print(f"python -m sim.cli.validation: error: {exc}", file=sys.stderr)
        return 2


def _run(argv) -> int:
    parser = argparse.ArgumentParser(prog="python -m sim.cli.validation")
    parser.add_argument("--results", default=str(v.ROOT / "results/failure_rates"))
    parser.add_argument(
        "--posterior-results",
        default=str(v.ROOT / "results/failure_rates_posterior"),
        help="the reference sweep across the posterior (make reference); the trait rows show "
        "their figure over it when it exists",
    )
    parser.add_argument("--work", default=str(v.ROOT / "results/validation"))
    parser.add_argument("--out", default=str(v.ROOT / "results/reference/validation"))
    parser.add_argument("--doc", default=str(v.ROOT / "docs/VALIDATION.md"))
    parser.add_argument("--horizon-replicates", type=int, default=400)
    parser.add_argument("--pure-replicates", type=int, default=400)
    parser.add_argument("--lever-replicates", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--from-tables", action="store_true", help="re-render the document from saved tables"
    )
    args = parser.parse_args(argv)
    out, work = Path(args.out), Path(args.work)
    if args.from_tables:
        return _render(out, Path(args.doc), {t: pd.read_csv(out / f"{t}.csv") for t in TABLES})
    results = Path(args.results)
    if not (results / "manifest.json").exists():
        subprocess.run(
            [
                sys.executable,
                "-m",
                "sim.cli.main",
                "sweep",
                "experiments/failure_rates.toml",
                "--out",
                str(results),
                "--workers",
                str(args.workers),
            ],
            check=True,
            cwd=v.ROOT,
        )
    execution = Execution(workers=args.workers)
    table = read_runs(results)
    if table.empty or "status" not in table:
        raise InputError(
            "no runs here: expected the results of `crmsim sweep experiments/failure_rates.toml` "
            "(a folder without manifest.json is swept afresh)",
            key="--results",
            value=str(results),
        )
    ok = v.prepare(table)
    pure = v.prepare(runs.pure_orderings(work, args.pure_replicates, execution))
    later = runs.horizon_runs(work, args.horizon_replicates, execution)
    levers = v.prepare(runs.sponsor_levers(work, args.lever_replicates, execution))
    by_horizon = {"3 years": ok, **{k: v.prepare(d) for k, d in later.items()}}
    # the default organisation's size and margin (base.toml, through a scenario that extends it)
    default = load_scenario(v.ROOT / "scenarios/four_ps.toml").values
    customers, margin = default["org.customers"], default["economics.margin"]
    calibration = v.ROOT / "experiments/calibration.toml"
    series = runs.series_of(work)
    rows = (
        v.calibration_rows(ok, calibration, v.ROOT / "results/reference/calibration/predictive.csv")
        + validation_payback.payback_rows(series, later["5 years"], margin, calibration)
        + v.sponsor_budget_rows(ok, _posterior_texts(Path(args.posterior_results)))
        + v.contrast_rows(ok, pure)
        + v.built_in_rows(ok, series, customers)
        + v.constraint_rows(ok)
    )
    tables = {
        "patterns": pd.DataFrame(rows),
        "horizons": v.horizon_table(by_horizon),
        "claims_by_horizon": v.claims_by_horizon(by_horizon, calibration),
        "pure": v.pure_table(pure),
        "trait_effects": v.trait_table(ok),
        "tf_share": v.tf_share_table(ok, v.ROOT / "scenarios/industry_mix.toml"),
        "levers": validation_levers.lever_table(levers),
        "lever_contrasts": validation_levers.lever_contrasts(levers),
    }
    out.mkdir(parents=True, exist_ok=True)
    for name, table in tables.items():
        table.to_csv(out / f"{name}.csv", index=False)
    model_charts.write_all(ok, tables["horizons"], tables["trait_effects"], out)
    return _render(out, Path(args.doc), tables)


def _posterior_texts(folder: Path) -> dict:
    """The trait rows' figures over the sweep across the posterior, or none (and why, on stderr)
    without a complete sweep from the calibration's posterior."""
    texts, why = validation_posterior.posterior_sweep_texts(folder, v.ROOT / POSTERIOR)
    if why:
        print(f"note: {why}; the trait rows show no posterior figure", file=sys.stderr)
    return texts


def _render(out: Path, doc: Path, tables: dict[str, pd.DataFrame]) -> int:
    """Write the document from the tables (saved ones with ``--from-tables``: no runs)."""
    patterns = tables["patterns"].to_dict("records")
    for r in patterns:
        r["holds"] = None if pd.isna(r["holds"]) else bool(r["holds"])
        r["predictive"] = "" if pd.isna(r["predictive"]) else r["predictive"]
    validation_doc.write_document(patterns, tables, model_charts.CHARTS, doc, "make validation")
    print(f"wrote {doc} and {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
