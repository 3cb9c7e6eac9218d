"""Command-line commands over many runs: sweep, compare, calibrate, report, bench.

Kept apart from sim/cli/main.py (single runs, validation, listing) so each stays a thin layer: every
command parses its flags, calls one library function and prints what it did.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from sim.errors import InputError, check_seed


def execution_of(args):
    """The :class:`sim.experiments.executors.Execution` that a command's ``--workers``,
    ``--scheduler`` and ``--dask-local`` flags ask for (a command without a flag leaves it None)."""
    from sim.experiments.executors import Execution

    return Execution(
        workers=getattr(args, "workers", None),
        scheduler=getattr(args, "scheduler", None),
        dask_local=getattr(args, "dask_local", None),
    )


def posterior_of(args):
    """The posterior ``--posterior FILE`` names, loaded with ``--per-draw`` (None without it)."""
    if not getattr(args, "posterior", None):
        return None
    from sim.experiments.posterior import Posterior

    return Posterior.load(args.posterior, args.per_draw)


def _posterior_flags(p) -> None:
    from sim.experiments.posterior import DEFAULT_PER_DRAW

    p.add_argument(
        "--posterior",
        metavar="FILE",
        help="draw each block of replicates' parameters from this posterior (posterior.parquet "
        "of crmsim calibrate), the same draw for every scenario; summary.csv's intervals then "
        "include parameter uncertainty (docs/calibration.md)",
    )
    p.add_argument(
        "--per-draw",
        type=_positive,
        default=DEFAULT_PER_DRAW,
        metavar="N",
        help=f"replicates per posterior draw (default {DEFAULT_PER_DRAW})",
    )


def cmd_sweep(args) -> int:
    """Run (or resume) an experiment; exit 1 when some runs raised (they are error rows)."""
    execution = execution_of(args)
    execution.start_early()  # the workers' fork server warms up while the sweep prepares
    from sim.experiments.experiment import load_experiment
    from sim.experiments.sweep import run_experiment

    spec = load_experiment(args.experiment, replicates=args.replicates)
    out = run_experiment(
        spec,
        args.out,
        execution=execution,
        resume=args.resume,
        progress=True,
        allow_large=args.allow_large,
        posterior=posterior_of(args),
    )
    print(
        f"{out['out_dir']}: {out['ok']} runs ok, {out['errors']} errors, "
        f"{out['ran']} run now, {out['skipped']} already done ({out['backend']})"
    )
    _print_summary(Path(out["out_dir"]))
    if out["errors"]:
        from sim.experiments.store import read_runs

        runs = read_runs(out["out_dir"])
        failed = runs[runs["error"].notna()]
        print(
            f"crmsim: {len(failed)} runs raised (error rows in {out['out_dir']}/runs/):",
            file=sys.stderr,
        )
        for row in failed.head(10).itertuples():
            print(
                f"  run {row.run_id} ({row.scenario}, replicate {row.replicate}, seed {row.seed}):"
                f" {row.error}",
                file=sys.stderr,
            )
        return 1
    return 0


def _interval_kind(folder: Path) -> str:
    """What the printed intervals are: a sweep over a posterior (its manifest's spec names one)
    prints posterior predictive intervals, one at a point Wilson's (replicate noise only)."""
    from sim.experiments.store import read_manifest

    try:
        over_posterior = bool(read_manifest(folder).get("spec", {}).get("posterior"))
    except InputError:  # a label, never a reason to fail after the runs are saved
        over_posterior = False
    if over_posterior:
        return (
            "Rates with 95% posterior predictive intervals (the parameters' uncertainty and the "
            "replicate noise; docs/calibration.md):"
        )
    return "Rates with Wilson 95% intervals (replicate noise at one parameter point):"


def _print_summary(folder: Path) -> None:
    import pandas as pd

    from sim.experiments.summary import format_rates_table

    summary = folder / "summary.csv"
    if summary.exists():
        paired = folder / "paired.csv"
        pair = pd.read_csv(paired) if paired.exists() and paired.stat().st_size else None
        print(_interval_kind(folder))
        print(format_rates_table(pd.read_csv(summary), pair))
    points = folder / "points.csv"
    if points.exists() and points.stat().st_size:
        _print_points(pd.read_csv(points), points)


#: Design points printed one line each at most; more are left to points.csv (assumption: a screen).
POINTS_SHOWN = 30
POINT_RATES = (
    ("failed", "failed"),
    ("never_live", "never live"),
    ("business_case_met", "paid back"),
    ("measurable_gain", "gain"),
)


def _print_points(points, path: Path) -> None:
    """A grid's rates per design point (the table above pools them), or where to find them."""
    params = [c for c in points.columns if c.startswith("param.")]
    keys = points[["scenario", "point", *params]].drop_duplicates()
    print(f"The table above pools {len(keys)} design points; {path} has each point's rates.")
    if len(keys) > POINTS_SHOWN:
        return
    s = points.set_index(["scenario", "point", "metric"])
    rates = [(m, label) for m, label in POINT_RATES if m in set(points["metric"])]
    head = ["scenario", "point", *(p.removeprefix("param.") for p in params)]
    lines = [[*head, *(label for _, label in rates)]]
    for row in keys.itertuples(index=False):
        cells = [
            str(row[0]),
            str(row[1]),
            *(f"{v:g}" if isinstance(v, float) else str(v) for v in row[2:]),
        ]
        for metric, _ in rates:
            r = s.loc[(row[0], row[1], metric)]
            cells.append(f"{r['value']:.0%} [{r['ci_low']:.0%}, {r['ci_high']:.0%}]")
        lines.append(cells)
    widths = [max(len(line[i]) for line in lines) for i in range(len(lines[0]))]
    for line in lines:
        print("  ".join(c.ljust(w) for c, w in zip(line, widths, strict=True)).rstrip())


def parse_arm(text: str) -> str | dict:
    """One ``crmsim compare`` argument: ``FILE[:key=value,key2=value2][@LABEL]``.

    ``four_ps.toml:rollout.effort.people=2@trained`` is the file four_ps.toml with more training,
    labelled ``trained`` in every table and chart. Without ``@LABEL`` an arm with overrides is
    labelled by its scenario name and overrides. A plain FILE stays a plain path. Values are TOML
    scalars, as for ``--set``; a value cannot hold ``,`` or ``@``.
    """
    from sim.model.scenario import parse_assignment

    label = None
    if "@" in text:
        text, label = text.rsplit("@", 1)
        if not label:
            raise InputError("empty label after '@'", key="scenarios", value=text + "@")
    cut = text.find(".toml:")
    if cut >= 0:
        path, sets = text[: cut + 5], text[cut + 6 :]
    elif ":" in text and "/" not in text.split(":", 1)[0]:
        path, sets = text.split(":", 1)
    else:
        path, sets = text, ""
    overrides = dict(
        parse_assignment(item, "scenarios") for item in sets.split(",") if item.strip()
    )
    if sets.strip() and not overrides:
        raise InputError("expected key=value after ':'", key="scenarios", value=text)
    if label is None and not overrides:
        return path
    arm: dict = {"scenario": path, "overrides": overrides}
    if label is not None:
        arm["label"] = label
    return arm


def cmd_compare(args) -> int:
    """Quick paired comparison of scenarios on common seeds; prints the rates, writes the report."""
    from sim.experiments.sweep import compare
    from sim.model.scenario import parse_assignment
    from sim.report.html import build_report

    overrides = dict(parse_assignment(text) for text in (args.set or []))
    out = compare(
        [parse_arm(text) for text in args.scenarios],
        replicates=args.replicates,
        out_dir=args.out,
        overrides=overrides,
        execution=execution_of(args),
        root_seed=args.seed,
        baseline=args.baseline,
        # the report's time-band charts want at least 100 runs' weekly series (or all of them)
        keep_series=min(args.replicates, 100) if args.out else 0,
        posterior=posterior_of(args),
    )
    print(out["table"])
    if args.out:
        print(f"report: {build_report(args.out)}")
    return 0


def cmd_calibrate(args) -> int:
    """A posterior over the file's parameters, its predictive check and claims, in results/NAME.

    The scenario file the shipped scenarios load changes only with ``--write-scenario`` (or an
    explicit ``--output``), atomically, the old file kept as ``.bak``.
    """
    from sim.analysis.calibration import FILES, calibrate
    from sim.analysis.checks import prepare_calibration
    from sim.experiments.executors import default_workers
    from sim.report.calibration_charts import draw_charts
    from sim.safepaths import check_output_dir, safe_name

    execution = execution_of(args)
    workers = execution.concurrency or default_workers()
    spec = prepare_calibration(args.experiment, args.allow_large, workers, quick=args.quick)
    write_scenario = args.write_scenario or bool(args.output)
    if args.output:
        spec.output = Path(args.output)
        if spec.output.suffix != ".toml" or spec.output.is_dir():
            raise InputError("expected a .toml file", key="--output", value=args.output)
    if write_scenario:
        check_output_dir(spec.output.parent, "--output")
    out = check_output_dir(args.out or Path("results") / safe_name(spec.name))
    calibrate(spec, out, execution, quick=args.quick, write_scenario=write_scenario)
    charts = draw_charts(out)
    print((out / "report.md").read_text())
    print(f"wrote {out}/: {', '.join(FILES)}, {', '.join(p.name for p in charts)}")
    if write_scenario:
        print(f"replaced {spec.output} (the old file is kept as {spec.output.name}.bak)")
    else:
        print(f"{spec.output} is unchanged; to update it, run again with --write-scenario")
    return 0


def cmd_report(args) -> int:
    """Charts and the HTML report of a results folder."""
    from sim.report.html import build_report

    print(f"report: {build_report(args.results_dir)}")
    return 0


def cmd_bench(args) -> int:
    """Benchmarks; writes results/bench/bench.json and a table; 1 when a target is missed."""
    from sim.bench.report import main as bench_main
    from sim.safepaths import check_output_dir

    out = check_output_dir(args.out, "--out")
    return bench_main(quick=args.quick, out=out, report_only=args.report_only)


def _positive(text: str) -> int:
    """argparse type of a count flag; argparse names the flag in the error (``--workers``)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number >= 1, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number >= 1, got {text!r}")
    return value


def seed_flag(text: str) -> int:
    """argparse type of ``--seed``: a whole number in [0, 2**63 - 1] (numpy's seeds are >= 0)."""
    try:
        return check_seed(int(text))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number >= 0, got {text!r}") from None
    except InputError as exc:
        raise argparse.ArgumentTypeError(f"{exc.detail}, got {exc.value}") from None


def _allow_large(p) -> None:
    p.add_argument(
        "--allow-large",
        action="store_true",
        help="run even when the size guard estimates too many runs or too much memory",
    )


def add_commands(sub) -> None:
    """Register the experiment commands on the ``crmsim`` sub-parser."""
    p = sub.add_parser("sweep", help="run an experiment (scenarios x design x replicates)")
    p.add_argument(
        "experiment",
        help="an experiment TOML (experiments/failure_rates.toml) or a shipped one's name "
        "(crmsim list shows them)",
    )
    p.add_argument("--out", help="results folder (default results/NAME)")
    p.add_argument("--replicates", type=_positive, help="override the experiment's replicates")
    p.add_argument("--workers", type=_positive, help="local worker processes (default: cores)")
    where = p.add_mutually_exclusive_group()
    where.add_argument("--scheduler", help="Dask scheduler address, e.g. tcp://host:8786")
    where.add_argument(
        "--dask-local",
        type=_positive,
        metavar="N",
        help="run on a Dask LocalCluster with N workers",
    )
    p.add_argument("--resume", action="store_true", help="finish an interrupted sweep")
    _posterior_flags(p)
    _allow_large(p)
    p.set_defaults(func=cmd_sweep)

    p = sub.add_parser(
        "compare",
        help="quick paired comparison of scenarios",
        description="Arms: FILE[:key=value,key2=value2][@LABEL], e.g. "
        "scenarios/four_ps.toml:rollout.effort.people=2@trained",
    )
    p.add_argument("scenarios", nargs="+", metavar="FILE[:key=value,...][@LABEL]")
    p.add_argument("--baseline", help="arm label (or scenario name) to pair the others against")
    p.add_argument(
        "--replicates", type=_positive, default=100, help="paired replicates per arm (default 100)"
    )
    p.add_argument("--workers", type=_positive, help="local worker processes (default: cores)")
    p.add_argument("--seed", type=seed_flag, default=0, help="root seed")
    p.add_argument(
        "--set",
        action="append",
        metavar="KEY=VALUE",
        help="override a parameter in every arm, e.g. --set org.employees=50",
    )
    p.add_argument("--out", help="results folder for the comparison and its report")
    _posterior_flags(p)
    p.set_defaults(func=cmd_compare)

    p = sub.add_parser(
        "calibrate",
        help="a posterior over the uncertain parameters, checked on held-out patterns",
        description="Bayesian calibration (docs/calibration.md): Gaussian-process emulators of "
        "the file's patterns over a Latin hypercube design, emcee over the priors, then a "
        "posterior predictive check on fresh runs. Writes posterior.parquet, predictive.csv, "
        "claims.csv, design.csv, emulators.csv, parameters.csv, calibration.json, report.md, "
        "calibrated.toml (the MAP point) and the charts into --out. The scenario file the shipped "
        "scenarios load changes only with --write-scenario or --output.",
    )
    p.add_argument("experiment", help="the calibration file (experiments/calibration.toml)")
    p.add_argument("--out", help="folder for the calibration's files (default results/NAME)")
    p.add_argument("--workers", type=_positive, help="local worker processes (default: cores)")
    where = p.add_mutually_exclusive_group()
    where.add_argument("--scheduler", help="Dask scheduler address, e.g. tcp://host:8786")
    where.add_argument(
        "--dask-local",
        type=_positive,
        metavar="N",
        help="run on a Dask LocalCluster with N workers",
    )
    p.add_argument(
        "--output",
        help="also write the MAP point to this scenario file (old one kept as .bak)",
    )
    p.add_argument(
        "--write-scenario",
        action="store_true",
        help="replace the scenario file the calibration names (output =, default "
        "scenarios/calibrated.toml) with the posterior's MAP point, keeping the old one as .bak",
    )
    p.add_argument(
        "--quick",
        action="store_true",
        help="the file's [calibration.quick] sizes and overrides: the same files, small",
    )
    _allow_large(p)
    p.set_defaults(func=cmd_calibrate)

    p = sub.add_parser("report", help="charts and report.html of a results folder")
    p.add_argument("results_dir", help="a results folder written by crmsim sweep or compare")
    p.set_defaults(func=cmd_report)

    p = sub.add_parser("bench", help="benchmark the kernels and whole runs")
    p.add_argument("--quick", action="store_true", help="small sizes, a few rounds")
    p.add_argument(
        "--out",
        default="results/bench",
        help="folder for bench.md and bench.json (default results/bench)",
    )
    p.add_argument(
        "--report-only",
        action="store_true",
        help="exit 0 even when a target is missed or a gate fails (default: exit 1)",
    )
    p.set_defaults(func=cmd_bench)
