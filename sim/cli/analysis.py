"""Command-line commands of the analysis: ``crmsim sensitivity`` and ``crmsim discover``.

Thin, like the other command modules: parse the flags, call one library function
(:func:`sim.analysis.sensitivity.run_sensitivity`, :func:`sim.analysis.discovery.discover`),
print what it found and where it wrote it. Bad input raises InputError (exit status 2).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from sim.errors import InputError


def _positive(text: str) -> int:
    """argparse type of a count flag: argparse names the flag in the error (``--trees``)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number >= 1, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number >= 1, got {text!r}")
    return value


def _fraction(text: str) -> float:
    """argparse type of a share flag (``--min-coverage``, ``--threshold``)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number in [0, 1], got {text!r}") from None
    if not 0 <= value <= 1:
        raise argparse.ArgumentTypeError(f"expected a number in [0, 1], got {text!r}")
    return value


def cmd_sensitivity(args) -> int:
    """Sample, run (or resume) and analyse a sensitivity experiment; exit 1 if runs raised."""
    from sim.analysis.sensitivity import analyse_sensitivity, run_sensitivity
    from sim.analysis.sensitivity_report import statements
    from sim.cli.experiments import execution_of

    if args.analyse_only:
        if not args.out:
            raise InputError("--analyse-only needs --out RESULTS_DIR", key="--analyse-only")
        summary, out_dir, errors = analyse_sensitivity(args.out), args.out, 0
    else:
        out = run_sensitivity(
            args.experiment,
            args.out,
            quick=args.quick,
            execution=execution_of(args),
            resume=args.resume,
            progress=True,
        )
        out_dir, errors, summary = out["out_dir"], out["errors"], out["analysis"]
        print(
            f"{out_dir}: {out['ok']} runs ok, {errors} errors, {out['ran']} run now, "
            f"{out['skipped']} already done ({out['backend']})"
        )
    if summary is None:
        print(
            f"crmsim: {errors} runs raised, so the indices were not computed; see the error "
            f"column of {out_dir}/runs/ and run again with --resume",
            file=sys.stderr,
        )
        return 1
    for line in statements(summary):
        print(f"  {line}")
    folder = Path(out_dir) / "sensitivity"
    print(f"wrote {folder}/ (indices.csv, convergence.csv, noise.csv, summary.json, report.md)")
    if not args.no_chart:
        from sim.report.sensitivity_charts import write_sensitivity_charts

        charts = write_sensitivity_charts(out_dir, source=str(args.out or out_dir))
        print(f"charts: {', '.join(str(p) for p in charts)} (and .svg; --no-chart skips them)")
    if args.report:
        from sim.report.html import build_report

        print(f"report: {build_report(out_dir)}")
    return 1 if errors else 0


def cmd_discover(args) -> int:
    """PRIM boxes and feature scores of one or more outcomes over a results folder's runs."""
    from sim.analysis.discovery import discover, report_text

    inputs = [k.strip() for k in args.inputs.split(",") if k.strip()] if args.inputs else None
    outcomes = list(dict.fromkeys(args.outcome or ["failed"]))
    done = 0
    for outcome in outcomes:
        try:
            summary = discover(
                args.results_dir,
                outcome,
                inputs=inputs,
                threshold=args.threshold,
                min_coverage=args.min_coverage,
                box=args.box,
                nr_trees=args.trees,
                seed=args.seed,
            )
        except InputError as exc:  # one outcome that never varies does not stop the others
            if len(outcomes) == 1 or "nothing to discover" not in exc.detail:
                raise
            print(f"{outcome}: {exc.detail}; skipped\n")
            continue
        done += 1
        print(report_text(summary))
        print(f"wrote {Path(args.results_dir) / 'discovery' / outcome}/\n")
    if not done:
        raise InputError("no outcome varies across the runs; nothing to discover", key="--outcome")
    if args.report:
        from sim.report.html import build_report

        print(f"report: {build_report(args.results_dir)}")
    return 0


def add_commands(sub) -> None:
    """Register ``sensitivity`` and ``discover`` on the ``crmsim`` sub-parser."""
    p = sub.add_parser(
        "sensitivity",
        help="Sobol' (on the model, or through an emulator checked on held-out runs) or Morris "
        "sensitivity analysis (SALib); docs/sensitivity.md",
    )
    p.add_argument("experiment", help="a sensitivity experiment TOML (see experiments/)")
    p.add_argument("--out", help="results folder (default results/NAME, results/NAME-quick)")
    p.add_argument("--quick", action="store_true", help="the file's small [sensitivity.quick]")
    p.add_argument("--workers", type=_positive, help="local worker processes (default: cores)")
    where = p.add_mutually_exclusive_group()
    where.add_argument("--scheduler", help="Dask scheduler address, e.g. tcp://host:8786")
    where.add_argument("--dask-local", type=_positive, metavar="N", help="Dask LocalCluster")
    p.add_argument("--resume", action="store_true", help="finish an interrupted run")
    p.add_argument(
        "--analyse-only", action="store_true", help="re-analyse the finished folder --out"
    )
    p.add_argument("--report", action="store_true", help="also write report.html")
    p.add_argument(
        "--no-chart",
        action="store_true",
        help="skip the charts (by default sobol.png or morris.png, and emulator_check.png with "
        "an emulator, beside indices.csv)",
    )
    p.set_defaults(func=cmd_sensitivity)

    p = sub.add_parser("discover", help="scenario discovery: PRIM boxes and feature scores")
    p.add_argument("results_dir", help="a results folder of any sweep")
    p.add_argument(
        "--outcome",
        action="append",
        choices=("failed", "never_live", "measurable_gain", "abandoned", "met_expectations"),
        help="cases of interest (repeatable; default failed)",
    )
    p.add_argument("--inputs", help="comma-separated parameter keys (default: the design's)")
    p.add_argument("--min-coverage", type=_fraction, default=0.5, help="chosen box's coverage")
    p.add_argument("--box", type=int, help="choose this index of the peeling trajectory")
    p.add_argument("--threshold", type=_fraction, help="PRIM density threshold (default: rate)")
    p.add_argument("--trees", type=_positive, default=250, help="extra-trees forest size")
    p.add_argument("--seed", type=int, default=0, help="seed of the extra-trees forest")
    p.add_argument("--report", action="store_true", help="also write report.html")
    p.set_defaults(func=cmd_discover)
