"""Experiments: the TOML schema and the seed tree with common random numbers.

An experiment file names scenarios, a design, replicates and a root seed::

    name = "training_vs_pressure"                 # results go to results/NAME/ by default
    description = "..."
    scenarios = ["technology_first", "../scenarios/four_ps.toml",
                 { scenario = "four_ps", label = "four_ps_trained",     # an arm: a file plus
                   overrides = { "rollout.effort.people" = 2.0 } }]   # its own overrides
    replicates = 200
    root_seed = 20240611
    engine = "numba"                              # or "agents"
    keep_series = 5                               # replicates 0..4 of each scenario/point keep
    series batch_size = 10                               # runs per task (aim for 0.1 to 1 s a task)
    baseline = "technology_first"                 # paired.csv compares every scenario with this one
    [overrides]                                   # applied to every scenario
    "org.employees" = 50
    [design]                                      # see sim.experiments.design: list, grid or lhs
    type = "grid"
    parameters = { "rollout.vendor_pressure" = [0.0, 0.5, 1.0] }

Scenario entries are paths relative to the experiment file, then to the repository root, or bare
names of shipped scenarios (:mod:`sim.shipped`). An entry may also be a table (an *arm*):
``scenario`` (such a path), an optional ``label`` (the name its rows carry; default: the scenario's
own name, plus the overrides in brackets) and ``overrides`` (dotted keys applied to that arm only,
after the experiment's ``[overrides]``). Arms let one file be compared with itself under other
settings.

Seeds (DESIGN.md section 4, after Axelrod's ``match_generator``): the parent spawns
``SeedSequence(root_seed).spawn(replicates)`` before anything is dispatched, and the run's integer
seed is ``child.generate_state(1, uint64)[0] >> 1`` (63 bits, so it fits an int64 parquet column).
Replicate i of every scenario and every design point gets the same seed: common random numbers, so
scenarios are compared on the same organisations and draws, and no result depends on the worker
count or the backend.

Run ids are assigned replicate-major (replicate, then scenario, then design point), so a sweep
stopped part way has the same replicates for every scenario, ready to be paired.

Running the sweep lives in :mod:`sim.experiments.sweep`, which imports this module (never the
other way round).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from sim.errors import InputError, did_you_mean
from sim.experiments.design import Design, Point, parse_design
from sim.model.outcomes import OUTCOME_FIELDS as SUMMARY_FIELDS
from sim.model.scenario import read_toml
from sim.shipped import find_file, shipped_dir

__all__ = [
    "ExperimentSpec",
    "RunSpec",
    "OUTCOME_FIELDS",
    "load_experiment",
    "experiment_from_dict",
    "resolve_scenario",
    "replicate_seeds",
    "build_runs",
    "check_scenarios",
    "default_results_dir",
]

ENGINES = ("numba", "agents")
_KEYS = {
    "name",
    "description",
    "scenarios",
    "design",
    "replicates",
    "root_seed",
    "engine",
    "keep_series",
    "batch_size",
    "baseline",
    "overrides",
}
#: Tables other commands (calibrate) read from the same file; kept in ``spec.extra`` unchecked.
_PASS_THROUGH = {"calibration", "targets"}
_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")

#: Outcome fields of ``RunResult.summary`` (docs/ARCHITECTURE.md); error rows hold them as None.
OUTCOME_FIELDS = ("variant", "engine", *SUMMARY_FIELDS)


@dataclass(frozen=True)
class ExperimentSpec:
    """A validated experiment.

    Attributes:
        name: results folder name.
        scenarios: scenario entries as written in the file.
        scenario_paths: the resolved scenario files, same order.
        design: the :class:`sim.experiments.design.Design`.
        replicates: runs per scenario and design point.
        root_seed: root of the seed tree.
        engine: ``"numba"`` or ``"agents"``.
        keep_series: replicates 0..keep_series-1 of each scenario and point keep per-step series.
        batch_size: runs per task.
        baseline: scenario name paired.csv compares against (None: technology_first or the first).
        overrides: dotted-key values applied to every scenario before the design's.
        file: the experiment file, if any (for messages).
        extra: pass-through tables (``calibration``, ``targets``) for other commands.
        labels: per scenario entry, the arm's label (None: the scenario's own name).
        arm_overrides: per scenario entry, the arm's own overrides (empty for a plain path).
    """

    name: str
    scenarios: tuple[str, ...]
    scenario_paths: tuple[str, ...]
    design: Design = field(default_factory=Design)
    replicates: int = 10
    root_seed: int = 0
    engine: str = "numba"
    keep_series: int = 5
    batch_size: int = 10
    baseline: str | None = None
    overrides: dict[str, Any] = field(default_factory=dict)
    description: str = ""
    file: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    labels: tuple[str | None, ...] = ()
    arm_overrides: tuple[dict[str, Any], ...] = ()

    def arm(self, i: int) -> tuple[str | None, dict[str, Any]]:
        """Label and own overrides of scenario entry ``i`` (None and {} for a plain path)."""
        label = self.labels[i] if i < len(self.labels) else None
        extra = self.arm_overrides[i] if i < len(self.arm_overrides) else {}
        return label, extra

    def points(self) -> list[Point]:
        """The design's points (LHS drawn from the root seed)."""
        return self.design.points(self.root_seed)

    def with_replicates(self, replicates: int) -> ExperimentSpec:
        """A copy with another replicate count (``--replicates``)."""
        _whole(replicates, "replicates", self.file, 1)
        return replace(self, replicates=int(replicates))

    def to_dict(self) -> dict[str, Any]:
        """Plain data for the manifest; hashed (minus nothing) to pin a results folder.

        Each scenario file's sha256 is included, so editing a scenario changes the hash and a
        resumed sweep cannot mix rows from before and after the edit.
        """
        digests: dict[str, str | None] = {}
        for entry, path in zip(self.scenarios, self.scenario_paths, strict=True):
            key = entry if isinstance(entry, str) else str(entry.get("scenario"))
            try:
                digests[key] = hashlib.sha256(Path(path).read_bytes()).hexdigest()
            except OSError:
                digests[key] = None
        return {
            "name": self.name,
            "description": self.description,
            "scenarios": list(self.scenarios),
            "scenario_sha256": digests,
            "design": self.design.to_dict(),
            "replicates": self.replicates,
            "root_seed": self.root_seed,
            "engine": self.engine,
            "keep_series": self.keep_series,
            "batch_size": self.batch_size,
            "baseline": self.baseline,
            "overrides": self.overrides,
            "extra": self.extra,
        }


@dataclass(frozen=True)
class RunSpec:
    """One run of a sweep: which scenario, which design point, which replicate and seed."""

    run_id: int
    scenario: str
    scenario_path: str
    point: int
    replicate: int
    seed: int
    overrides: dict[str, Any] = field(default_factory=dict)
    keep_series: bool = False
    #: The posterior draw block of a posterior sweep (sim.experiments.posterior); else None.
    draw: int | None = None


# -- schema -----------------------------------------------------------------------------------
def _whole(value: Any, key: str, file: str | None, low: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < low:
        raise InputError(f"expected a whole number >= {low}", file=file, key=key, value=value)
    return value


def _repo_root(start: Path) -> Path:
    for folder in (start, *start.parents):
        if (folder / "pyproject.toml").exists() or (folder / ".git").exists():
            return folder
    return Path.cwd()


def resolve_scenario(
    entry: Any, base_dir: Path, file: str | None = None, key: str = "scenarios"
) -> Path:
    """Find a scenario file: relative to the experiment, to the repo root, or a bare name (the
    experiment's folder, then the shipped scenarios: :mod:`sim.shipped`).

    Raises:
        InputError: naming every place looked in, if none holds the file.
    """
    if not isinstance(entry, str) or not entry:
        raise InputError("expected a scenario path or name", file=file, key=key, value=entry)
    p = Path(entry)
    root = _repo_root(base_dir.resolve())
    candidates = [p] if p.is_absolute() else [base_dir / p, root / p]
    if not p.suffix:
        candidates += [base_dir / f"{entry}.toml", shipped_dir("scenarios") / f"{entry}.toml"]
    for c in candidates:
        if c.is_file():
            return c.resolve()
    shipped = [f.stem for f in shipped_dir("scenarios").glob("*.toml")]
    raise InputError(
        "scenario file not found; looked in "
        + ", ".join(dict.fromkeys(str(c) for c in candidates))
        + did_you_mean(Path(entry).stem, shipped),
        file=file,
        key=key,
        value=entry,
    )


def _flat_overrides(raw: Any, file: str | None) -> dict[str, Any]:
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise InputError("expected a table of dotted keys", file=file, key="overrides", value=raw)
    out: dict[str, Any] = {}

    def walk(table: dict, prefix: str) -> None:
        for k, v in table.items():
            if isinstance(v, dict):
                walk(v, f"{prefix}{k}.")
            elif isinstance(v, (bool, int, float, str)):
                out[f"{prefix}{k}"] = v
            else:
                raise InputError(
                    "expected a number, string or boolean",
                    file=file,
                    key=f"overrides.{prefix}{k}",
                    value=v,
                )

    walk(raw, "")
    return out


def experiment_from_dict(
    raw: dict, file: str | None = None, base_dir: str | Path | None = None
) -> ExperimentSpec:
    """Validate an experiment given as a dict (the parsed TOML, or built by ``compare``).

    Args:
        raw: the experiment table.
        file: the file it came from, named in error messages.
        base_dir: folder relative scenario paths start from (default: the file's, else the cwd).

    Raises:
        InputError: naming the key for unknown keys, missing scenarios, bad numbers, an unknown
            engine or design, or a scenario file that does not exist.
    """
    unknown = set(raw) - _KEYS - _PASS_THROUGH
    if unknown:
        bad = sorted(unknown)[0]
        raise InputError(
            f"unknown key; allowed: {', '.join(sorted(_KEYS))}", file=file, key=bad, value=raw[bad]
        )
    base = Path(base_dir) if base_dir is not None else (Path(file).parent if file else Path.cwd())
    name = raw.get("name", Path(file).stem if file else None)
    if not isinstance(name, str) or not _NAME_RE.match(name):
        raise InputError(
            "expected a name of letters, digits, '_', '-' or '.' (it names the results folder)",
            file=file,
            key="name",
            value=name,
        )
    entries = raw.get("scenarios")
    if not isinstance(entries, list) or not entries:
        raise InputError(
            "expected a non-empty list of scenario files", file=file, key="scenarios", value=entries
        )
    arms = [_arm(e, base, file, i) for i, e in enumerate(entries)]
    paths = [a[0] for a in arms]
    distinct = {(p, tuple(sorted(a[2].items()))) for p, a in zip(paths, arms, strict=True)}
    if len(distinct) != len(paths):
        raise InputError(
            "a scenario is listed twice with the same overrides",
            file=file,
            key="scenarios",
            value=entries,
        )
    engine = raw.get("engine", "numba")
    if engine not in ENGINES:
        raise InputError(f"allowed: {', '.join(ENGINES)}", file=file, key="engine", value=engine)
    baseline = raw.get("baseline")
    if baseline is not None and (not isinstance(baseline, str) or not baseline):
        raise InputError("expected a scenario name", file=file, key="baseline", value=baseline)
    description = raw.get("description", "")
    if not isinstance(description, str):
        raise InputError("expected a string", file=file, key="description", value=description)
    return ExperimentSpec(
        name=name,
        scenarios=tuple(entries),
        scenario_paths=tuple(paths),
        design=parse_design(raw.get("design"), file),
        replicates=_whole(raw.get("replicates", 10), "replicates", file, 1),
        root_seed=_whole(raw.get("root_seed", 0), "root_seed", file, 0),
        engine=engine,
        keep_series=_whole(raw.get("keep_series", 5), "keep_series", file, 0),
        batch_size=_whole(raw.get("batch_size", 10), "batch_size", file, 1),
        baseline=baseline,
        overrides=_flat_overrides(raw.get("overrides"), file),
        description=description,
        file=file,
        extra={k: raw[k] for k in _PASS_THROUGH if k in raw},
        labels=tuple(a[1] for a in arms),
        arm_overrides=tuple(a[2] for a in arms),
    )


def _arm(entry: Any, base: Path, file: str | None, i: int) -> tuple[str, str | None, dict]:
    """(resolved path, label or None, own overrides) of one scenario entry (a path or an arm)."""
    key = f"scenarios[{i}]"
    if not isinstance(entry, dict):
        return str(resolve_scenario(entry, base, file, key)), None, {}
    unknown = set(entry) - {"scenario", "label", "overrides"}
    if unknown:
        raise InputError(
            "unknown key; an arm has scenario, label and overrides",
            file=file,
            key=f"{key}.{sorted(unknown)[0]}",
        )
    path = str(resolve_scenario(entry.get("scenario"), base, file, f"{key}.scenario"))
    label = entry.get("label")
    if label is not None and (not isinstance(label, str) or not _NAME_RE.match(label)):
        raise InputError(
            "expected a label of letters, digits, '_', '-' or '.'",
            file=file,
            key=f"{key}.label",
            value=label,
        )
    return path, label, _flat_overrides(entry.get("overrides"), file)


def load_experiment(path: str | Path, replicates: int | None = None) -> ExperimentSpec:
    """Read and validate an experiment TOML.

    Args:
        path: the experiment file, or the name of a shipped one (``"failure_rates"``).
        replicates: override the file's replicate count (``--replicates``).

    Raises:
        InputError: for a missing file, invalid TOML or any invalid key.
    """
    path = find_file(path, "experiments")
    raw = read_toml(path)
    spec = experiment_from_dict(raw, file=str(path))
    return spec.with_replicates(replicates) if replicates is not None else spec


def default_results_dir(spec: ExperimentSpec) -> Path:
    """``results/NAME`` under the current directory (NAME made a safe folder name)."""
    from sim.safepaths import safe_name

    return Path("results") / safe_name(spec.name)


# -- seeds and the run list -------------------------------------------------------------------
def replicate_seeds(root_seed: int, replicates: int, stream: int | None = None) -> list[int]:
    """Integer seed of each replicate i.

    ``seed_i = SeedSequence(root).spawn(R)[i].generate_state(1, uint64)[0] >> 1``.

    The same (root_seed, i) always gives the same seed, whatever the replicate count, the worker
    count or the backend; the shift keeps it a non-negative int64.

    A ``stream`` gives an independent family of seeds from the same root (the calibration uses
    streams 0 and 2 for its design and its predictive runs); without one, the sweep's seeds.
    """
    if stream is None:
        root = np.random.SeedSequence(root_seed)
    else:
        root = np.random.SeedSequence(root_seed, spawn_key=(stream,))
    children = root.spawn(replicates)
    return [int(c.generate_state(1, dtype=np.uint64)[0]) >> 1 for c in children]


def build_runs(
    spec: ExperimentSpec,
    names: Sequence[str],
    posterior: Any = None,
    mixes: Sequence[bool] = (),
) -> list[RunSpec]:
    """Every run of the experiment, in run_id order (replicate, then scenario, then point).

    Args:
        spec: the experiment.
        names: scenario names, one per ``spec.scenario_paths`` entry.
        posterior: a :class:`sim.experiments.posterior.Posterior`: each replicate's parameters
            are drawn from it (the lowest layer of its overrides, the same for every scenario).
        mixes: per scenario entry, whether it is a mix (a posterior's mix shares apply to those).
    """
    seeds = replicate_seeds(spec.root_seed, spec.replicates)
    points = spec.points()
    runs: list[RunSpec] = []
    for rep, seed in enumerate(seeds):
        for i, (name, path) in enumerate(zip(names, spec.scenario_paths, strict=True)):
            own = spec.arm(i)[1]
            drawn, block = {}, None
            if posterior is not None:
                is_mix = bool(mixes[i]) if i < len(mixes) else False
                drawn, block = posterior.values(spec.root_seed, rep, is_mix), posterior.block(rep)
            for pt in points:
                runs.append(
                    RunSpec(
                        len(runs),
                        name,
                        path,
                        pt.index,
                        rep,
                        seed,
                        {**drawn, **spec.overrides, **own, **pt.overrides},
                        rep < spec.keep_series,
                        block,
                    )
                )
    return runs


def check_scenarios(spec: ExperimentSpec, load_fn: Callable) -> list[str]:
    """Load every scenario with every design point's overrides in the parent, before any work.

    Catching a bad key or value here means a sweep fails at once with one clear message instead of
    recording thousands of error rows.

    Returns:
        The scenario names (an arm's label where it has one), one per scenario entry.

    Raises:
        InputError: for a bad scenario, override or baseline, or two scenarios with the same name.
    """
    names = []
    points = spec.points()
    for i, path in enumerate(spec.scenario_paths):
        scen = load_fn(path)
        label, own = spec.arm(i)
        name = getattr(scen, "name", Path(path).stem)
        if label is None and own:
            label = name + "[" + ",".join(f"{k}={v}" for k, v in own.items()) + "]"
        names.append(label or name)
        for pt in points:
            merged = {**spec.overrides, **own, **pt.overrides}
            if not merged:
                continue
            try:
                scen.with_overrides(merged)
            except InputError as exc:
                where = (
                    "design.parameters"
                    if exc.key in pt.overrides
                    else f"scenarios[{i}].overrides"
                    if exc.key in own
                    else "overrides"
                )
                raise InputError(
                    exc.detail, file=spec.file, key=f"{where}.{exc.key}", value=exc.value
                ) from exc
    if len(set(names)) != len(names):
        raise InputError(
            "two scenarios have the same name", file=spec.file, key="scenarios", value=names
        )
    if spec.baseline is not None and spec.baseline not in names:
        raise InputError(
            f"not one of the experiment's scenarios {names}",
            file=spec.file,
            key="baseline",
            value=spec.baseline,
        )
    return names
