"""``make validation``: the validation tables, charts and docs/VALIDATION.md in one command.

Thin: sim.analysis.validation computes (and runs the small extra experiments),
sim.report.model_charts draws, sim.report.validation_doc writes the document.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

import pandas as pd

from sim.analysis import validation as v
from sim.experiments.store import read_runs
from sim.model.scenario import load_scenario
from sim.report import model_charts, validation_doc


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m sim.cli.validation")
    parser.add_argument("--results", default=str(v.ROOT / "results/failure_rates"))
    parser.add_argument("--out", default=str(v.ROOT / "results/reference/validation"))
    parser.add_argument("--doc", default=str(v.ROOT / "docs/VALIDATION.md"))
    parser.add_argument("--five-year-replicates", type=int, default=200)
    parser.add_argument("--oat-replicates", type=int, default=150)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--from-tables", action="store_true", help="re-render the document from saved tables"
    )
    args = parser.parse_args(argv)
    if args.from_tables:
        return _render_saved(Path(args.out), Path(args.doc))
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
    ok = v.prepare(read_runs(results))
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    five = v.five_year_runs(args.five_year_replicates, args.workers)
    calibrated = load_scenario(v.ROOT / "scenarios/industry_mix.toml").values
    oat = v.oat_table(v.oat_runs(args.oat_replicates, args.workers, calibrated))
    rows = (
        v.mix_rows(ok)
        + v.ranking_rows(ok)
        + v.adoption_rows(ok)
        + v.overrun_rows(ok)
        + v.payback_rows(ok)
        + v.nonlive_rows(ok)
        + v.dynamics_rows(five)
    )
    gains = v.gain_table(ok, five)
    traits = v.trait_table(ok)
    tf = v.tf_share_table(ok, v.ROOT / "scenarios/industry_mix.toml")
    pd.DataFrame(rows).to_csv(out / "patterns.csv", index=False)
    gains.to_csv(out / "gain_rates.csv", index=False)
    traits.to_csv(out / "trait_effects.csv", index=False)
    tf.to_csv(out / "tf_share.csv", index=False)
    oat.to_csv(out / "calibrated_oat.csv", index=False)
    charts = model_charts.write_all(ok, gains, traits, out)
    validation_doc.write_document(
        rows, gains, traits, tf, oat, charts, Path(args.doc), "make validation"
    )
    print(f"wrote {args.doc} and {out}")
    return 0


def _render_saved(out: Path, doc: Path) -> int:
    """The document again from the tables a full run saved (no model runs, no charts)."""
    rows = pd.read_csv(out / "patterns.csv").to_dict("records")
    for r in rows:
        r["holds"] = None if pd.isna(r["holds"]) else bool(r["holds"])
    names = ["trait_effects", "adoption_by_ordering", "gain_vs_threshold"]
    validation_doc.write_document(
        rows,
        pd.read_csv(out / "gain_rates.csv"),
        pd.read_csv(out / "trait_effects.csv"),
        pd.read_csv(out / "tf_share.csv"),
        pd.read_csv(out / "calibrated_oat.csv"),
        names,
        doc,
        "make validation",
    )
    print(f"wrote {doc} from {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
