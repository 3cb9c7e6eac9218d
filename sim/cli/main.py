"""The ``crmsim`` command line: a thin layer over the Python API (DESIGN.md section 5).

Every input error (a bad file, an unknown key, a value out of range, a bad flag) exits with status 2
and one message naming the file, the key, the value and what is allowed; no traceback; nothing is
written. Output files are written to a temporary folder first and moved into place at the end, so an
error never leaves half a result behind.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import os
import shutil
import sys
import tempfile
from pathlib import Path

from sim.errors import InputError, StoppedError, did_you_mean

EXIT_INPUT = 2


class _Parser(argparse.ArgumentParser):
    """argparse that raises InputError instead of printing usage and exiting, and says what is
    allowed: the commands when none is given, the shipped scenarios when none is named, the
    nearest flag to a misspelt one."""

    def error(self, message):
        # prog is "crmsim" for the top level and "crmsim run" for a command
        raise InputError(f"{message}{self._allowed(message)} (see `{self.prog} --help`)")

    def _allowed(self, message: str) -> str:
        if message.endswith("required: command"):
            return f": one of {', '.join(self._commands())}"
        if message.endswith("required: scenario"):
            from sim.shipped import shipped_files

            names = ", ".join(p.stem for p in shipped_files("scenarios"))
            return f": a TOML file or a shipped scenario's name ({names})"
        if message.startswith("unrecognized arguments:"):
            flags = [o for a in self._actions for o in a.option_strings]
            words = message.split(":", 1)[1].split()
            return "".join(did_you_mean(w, flags) for w in words if w.startswith("-"))[:200]
        return ""

    def _commands(self) -> list[str]:
        return list(_subcommands(self))


def _subcommands(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    """A parser's commands by name (none for a command's own parser)."""
    return {
        name: command
        for a in parser._actions
        if isinstance(a, argparse._SubParsersAction)
        for name, command in a.choices.items()
    }


def _scenario_from(args):
    from sim.experiments.preflight import prepare_run
    from sim.model.scenario import parse_assignment

    overrides = dict(parse_assignment(text) for text in (args.set or []))
    return prepare_run(args.scenario, overrides=overrides, allow_large=args.allow_large)


def _check_rerun(out: Path, scenario, args) -> None:
    """Refuse to replace a run folder that holds a run with other settings (unless --overwrite)."""
    previous = out / "summary.json"
    if args.overwrite or not previous.is_file():
        return
    try:
        old = json.loads(previous.read_text())
    except (OSError, ValueError):
        old = {}
    mine = {
        "scenario": scenario.name,
        "seed": args.seed,
        "engine": args.engine,
        "overrides": json.loads(json.dumps(scenario.overrides, default=str)),
    }
    theirs = {k: old.get(k) for k in mine}
    theirs["overrides"] = theirs["overrides"] or {}
    if theirs != mine:
        diff = ", ".join(
            f"{k} {theirs[k]!r} there, {mine[k]!r} now" for k in mine if theirs[k] != mine[k]
        )
        raise InputError(
            f"already holds a run with other settings ({diff}); choose another --out, or pass "
            "--overwrite to replace it",
            file=str(out),
        )


_RUN_FILES = ("summary.json", "timeseries.parquet", "timeseries.csv", "charts")


def _refuse_foreign_files(out: Path) -> None:
    """Refuse an ``--out`` folder that holds what ``crmsim run`` did not write.

    A run replaces its files in the folder and its ``charts/`` folder as a whole (``_publish``),
    so a run into a sweep's results folder, or into a folder whose ``charts/`` holds a user's own
    files, would delete them. Allowed: the run's files, ``charts/`` with run charts only
    (``run_*.png`` / ``.svg``), and hidden entries at the top (a file manager's), which a run
    never touches.
    """
    foreign = sorted(p.name for p in out.iterdir() if p.name not in _RUN_FILES and p.name[0] != ".")
    charts = out / "charts"
    if charts.is_dir():
        foreign += sorted(
            f"charts/{p.name}"
            for p in charts.iterdir()
            if not (p.is_file() and p.name.startswith("run_") and p.suffix in (".png", ".svg"))
        )
    elif charts.exists():
        foreign.append("charts (a file)")
    if foreign:
        shown = ", ".join(foreign[:3]) + (", ..." if len(foreign) > 3 else "")
        raise InputError(
            f"holds files that crmsim run did not write ({shown}), which a run would replace or "
            "mix with its own; choose a new or empty folder, or one of crmsim run's own",
            key="--out",
            value=str(out),
        )


def _run_folder_name(scenario, args, safe_name) -> str:
    """The default folder of a run: ``NAME-seedN``, then ``-agents`` for the agents engine and a
    short hash of the ``--set`` values when there are any, so runs with other settings land in
    folders of their own (``four_ps-seed3`` and ``four_ps-seed3-1a2b3c4d``) instead of refusing
    to replace each other."""
    name = f"{safe_name(scenario.name)}-seed{args.seed}"
    if args.engine != "numba":
        name += f"-{args.engine}"
    if scenario.overrides:
        text = json.dumps(scenario.overrides, sort_keys=True, default=str)
        name += "-" + hashlib.sha256(text.encode()).hexdigest()[:8]
    return name


def _publish(tmp: Path, out: Path) -> None:
    """Move finished files from ``tmp`` into ``out`` (created if needed), file by file."""
    out.mkdir(parents=True, exist_ok=True)
    for item in tmp.iterdir():
        target = out / item.name
        if target.is_dir() and item.is_dir():
            shutil.rmtree(target)
        os.replace(item, target)


def cmd_run(args) -> int:
    """Run one scenario and its counterfactual; write summary.json, timeseries, charts."""
    import sim
    from sim.cli.run_files import write_csv, write_parquet
    from sim.safepaths import check_output_dir, refuse_symlinks, safe_name

    scenario = _scenario_from(args)
    out = Path(args.out or Path("results") / "runs" / _run_folder_name(scenario, args, safe_name))
    if out.exists() and not out.is_dir():
        raise InputError("expected a folder for --out", key="--out", value=str(out))
    check_output_dir(out, "--out")  # before the run, not after it
    if out.is_dir():
        refuse_symlinks(out, _RUN_FILES)
        _refuse_foreign_files(out)
    _check_rerun(out, scenario, args)
    result = sim.run(scenario, seed=args.seed, engine=args.engine)
    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=out.parent, prefix=".crmsim-") as tmp:
        tmp = Path(tmp)
        summary = {
            k: (None if isinstance(v, float) and math.isnan(v) else v)
            for k, v in result.summary.items()
        }
        summary["overrides"] = scenario.overrides
        (tmp / "summary.json").write_text(json.dumps(summary, indent=2) + "\n")
        write_parquet(tmp / "timeseries.parquet", result.columns, result.data)
        write_csv(tmp / "timeseries.csv", result.columns, result.data)
        charts = _run_charts(tmp, args)
        _publish(tmp, out)
    _print_summary(result.summary, scenario, out, charts)
    _note_uncalibrated(args.scenario)
    return 0


def _note_uncalibrated(path: str) -> None:
    """Say so on stderr when a scenario file does not reach the calibrated parameters: a client's
    file written without ``extends`` runs on the documented defaults, silently different."""
    from sim.model.scenario import uses_calibration

    if not uses_calibration(path):
        print(
            f"note: {path} does not extend base.toml (or calibrated.toml), so it runs on the "
            'parameters\' defaults, not the calibrated ones; add extends = "base.toml" to use them',
            file=sys.stderr,
        )


def _run_charts(folder: Path, args) -> list[Path]:
    """Single-run charts, unless switched off."""
    if getattr(args, "no_charts", False):
        return []
    from sim.report.run_charts import run_charts

    return list(run_charts(folder, formats=("png", "svg") if args.svg else ("png",)))


def _print_summary(s: dict, scenario, out: Path, charts) -> None:
    status = {
        "never_live": "never went live",
        "abandoned": "went live, then abandoned",
        "live": "live",
    }[s["status"]]
    golive = "" if math.isnan(s["golive_week"]) else f" (go-live week {s['golive_week']:.0f})"
    print(f"{scenario.name} (rollout: {s['variant']}), seed {s['seed']}, engine {s['engine']}")
    print(f"  status            {status}{golive}")
    print(f"  spend / budget    {s['spend']:,.0f} / {s['budget']:,.0f}")
    print(f"  final adoption    {s['adoption_final']:.0%} of employees use the CRM")
    print(f"  profit vs no CRM  {s['delta_profit']:+,.0f} (ROI {s['roi']:+.2f})")
    print(f"  CSAT vs no CRM    {s['delta_csat']:+.3f}; churn {s['delta_churn']:+.1%}")
    yes = {True: "yes", False: "no"}
    print(f"  met expectations  {yes[bool(s['met_expectations'])]} (the sponsor's judgement)")
    if s.get("business_case_met") is not None:
        print(
            f"  paid back         {yes[bool(s['business_case_met'])]} (the business case: profit "
            "vs no CRM, programme spend included, at least zero)"
        )
    judged = "the KPIs planning set" if s["kpis_set"] else "the bottom line: no KPIs set up front"
    ratio = s["gain_ratio"]
    how = (
        f"{ratio:.1f}x the noise, judged on {judged}"
        if math.isfinite(ratio) and s["status"] == "live"
        else "not measurable: the CRM is not in use"
    )
    print(f"  measurable gain   {yes[bool(s['measurable_gain'])]} ({how})")
    n_charts = len({Path(c).stem for c in charts})
    formats = "/".join(sorted({Path(c).suffix[1:].upper() for c in charts}))
    print(
        f"  wrote {out}/summary.json, timeseries.parquet, timeseries.csv"
        + (f" and {n_charts} charts ({formats}) in charts/" if charts else "")
    )


def cmd_validate(args) -> int:
    """Check a scenario, experiment or calibration file with the checks its command runs."""
    from sim.analysis.checks import validate_file
    from sim.shipped import find_file

    args.file = str(find_file(args.file))  # a path, or a shipped file's name (`four_ps`)
    if args.kind is None:
        from sim.analysis.sensitivity_spec import is_sensitivity_file, load_sensitivity

        if is_sensitivity_file(args.file):
            sens = load_sensitivity(args.file)
            print(
                f"{args.file}: valid {sens.method} sensitivity experiment {sens.experiment.name!r}"
            )
            return 0
    print(validate_file(args.file, kind=args.kind))
    if (args.kind or _kind_of(args.file)) == "scenario":
        _note_uncalibrated(args.file)
    return 0


def _kind_of(path: str) -> str:
    """The kind ``crmsim validate`` told the file to be (from its keys: a TOML read, no checks)."""
    from sim.experiments.preflight import detect_kind
    from sim.model.scenario import read_toml

    return detect_kind(read_toml(path), path)[0]


def cmd_list(args) -> int:
    """List shipped scenarios and experiments (or every parameter with --params)."""
    if args.params:
        from sim.model.params import PARAMS

        for p in PARAMS.values():
            print(f"{p.key:38s} {p.default!s:>10}  {p.allowed():28s} {p.doc} [{p.source}]")
        return 0
    from sim.model.scenario import load_scenario
    from sim.shipped import LAYERS, shipped_dir, shipped_files

    def files(kind: str) -> tuple[Path, list[Path]]:
        if args.root is None:  # the package's own, wherever it is installed
            return shipped_dir(kind), shipped_files(kind)
        folder = Path(args.root) / kind
        return folder, sorted(p for p in folder.glob("*.toml") if p.stem not in LAYERS)

    folder, scenarios = files("scenarios")
    print(f"scenarios: in {folder} (run one by name, e.g. crmsim run four_ps)")
    for path in scenarios:
        print(f"  {path.name:30s} {load_scenario(path).description}")
    folder, experiments = files("experiments")
    print(f"experiments: in {folder} (e.g. crmsim sweep failure_rates)")
    for path in experiments:
        print(f"  {path.name}")
    return 0


class _LazyChoices:
    """An argument's ``choices`` read from a module only when argparse uses them (to check a value
    given, or to print help): building the parser, which every command does, then imports
    nothing heavy (``crmsim --version`` answers without numba, Mesa or SciPy)."""

    def __init__(self, module: str, name: str):
        self._where = (module, name)

    def _values(self):
        import importlib

        module, name = self._where
        return getattr(importlib.import_module(module), name)

    def __iter__(self):
        return iter(self._values())

    def __contains__(self, value) -> bool:
        return value in self._values()


def build_parser() -> argparse.ArgumentParser:
    import sim

    parser = _Parser(prog="crmsim", description="Agent-based simulation of CRM rollouts.")
    parser.add_argument("--version", action="version", version=f"crmsim {sim.__version__}")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    from sim.cli.experiments import seed_flag
    from sim.experiments.guards import ALLOW_FLAG

    p = sub.add_parser("run", help="run one scenario (and its no-CRM counterfactual)")
    p.add_argument(
        "scenario",
        help="the scenario to run: a TOML file (my_client.toml) or a shipped scenario's name "
        "(four_ps; crmsim list shows them)",
    )
    p.add_argument(
        "--seed",
        type=seed_flag,
        default=1,
        help="seed of the run's random draws (default 1): the same scenario, settings and seed "
        "give the same run, and the no-CRM counterfactual uses the same draws",
    )
    p.add_argument(
        "--engine",
        choices=("numba", "agents"),
        default="numba",
        help="numba (default): compiled kernels, fast; agents: Mesa agents, readable and slow; "
        "the two give the same results",
    )
    p.add_argument(
        "--set",
        action="append",
        metavar="KEY=VALUE",
        help="override a parameter, e.g. --set org.employees=50",
    )
    p.add_argument(
        "--out",
        help="output folder (default results/runs/NAME-seedN, with -agents for that engine and "
        "a short hash of the --set values when there are any)",
    )
    p.add_argument("--no-charts", action="store_true", help="skip the single-run charts")
    p.add_argument(
        "--svg", action="store_true", help="write each chart as SVG too (default: PNG only)"
    )
    p.add_argument(
        "--overwrite", action="store_true", help="replace a run folder made with other settings"
    )
    p.add_argument(ALLOW_FLAG, action="store_true", help="run even when the size guard refuses")
    p.set_defaults(func=cmd_run)

    p = sub.add_parser(
        "validate", help="check a scenario, experiment or calibration file as its command would"
    )
    p.add_argument(
        "file",
        help="a scenario, experiment, calibration or sensitivity TOML, or a shipped file's name",
    )
    p.add_argument(
        "--kind",
        choices=_LazyChoices("sim.experiments.preflight", "KINDS"),
        metavar="KIND",  # a metavar of its own: argparse then lists the choices only in the help
        help="the file's kind: %(choices)s (default: told from its keys)",
    )
    p.set_defaults(func=cmd_validate)

    p = sub.add_parser("list", help="list shipped scenarios and experiments")
    p.add_argument("--params", action="store_true", help="list every parameter with its source")
    p.add_argument("--root", help=argparse.SUPPRESS)  # a checkout's folders instead
    p.set_defaults(func=cmd_list)

    _add_later_commands(sub)
    return parser


def _add_later_commands(sub) -> None:
    """Commands implemented in other modules (sweeps, calibration, report, bench)."""
    from sim.cli import analysis as cli_analysis
    from sim.cli import dashboard as cli_dashboard
    from sim.cli import experiments as cli_experiments

    cli_experiments.add_commands(sub)
    cli_dashboard.add_command(sub, cli_experiments._positive)
    cli_analysis.add_commands(sub)


def _refuse_empty_paths(args) -> None:
    """An empty ``--out`` or ``--output`` is a mistake (an unset shell variable), not a request
    for the default: every command would otherwise read it as "not given"."""
    for flag in ("out", "output"):
        value = getattr(args, flag, None)
        if value is not None and not str(value).strip():
            raise InputError("expected a path, got an empty one", key=f"--{flag}", value=value)


def _parse(parser: argparse.ArgumentParser, argv) -> argparse.Namespace:
    """``parse_args``, but arguments the command does not know are reported by that command's
    parser (its own help, the nearest of its flags), not by the top level's."""
    args, extra = parser.parse_known_args(argv)
    if extra:
        command = _subcommands(parser).get(getattr(args, "command", None), parser)
        command.error(f"unrecognized arguments: {' '.join(extra)}")
    return args


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``crmsim`` console script; returns the exit status."""
    try:
        args = _parse(build_parser(), argv)
        _refuse_empty_paths(args)
        return args.func(args)
    except InputError as exc:
        print(f"crmsim: error: {exc}", file=sys.stderr)
        return EXIT_INPUT
    except StoppedError as exc:
        print(f"crmsim: stopped: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt as exc:  # a sweep's says what it saved (sim.experiments.signals)
        print(f"crmsim: {exc or 'interrupted'}", file=sys.stderr)
        return getattr(exc, "exit_status", 130)
    except BrokenPipeError:  # `crmsim list --params | head`: the reader left; not an error
        _silence_stdout()
        return 0


def _silence_stdout() -> None:
    """Point stdout at /dev/null so the interpreter's final flush cannot raise again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):
        pass


if __name__ == "__main__":
    sys.exit(main())
