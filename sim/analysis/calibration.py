"""Calibration: fit a few free parameters so the industry mix lands in the published bands.

DESIGN.md 2.5. The search is documented and reproducible:

1. a Latin hypercube over the free parameters' bounds (``points`` points), each run on the same
   ``replicates`` seeds (common random numbers, so points differ only by their parameters);
2. a local refinement from the best point: a compass (pattern) search that tries a step up and down
   in each parameter on ``refine_replicates`` seeds, keeps any improvement and halves the step when
   none helps (Torczon 1997);
3. a final evaluation of the best point on ``final_replicates`` fresh seeds, reported with Wilson
   intervals.

The distance is sim.stats.calibration_distance (squared deviations from the targets, each scaled by
its accepted band). The targets enter only that distance; the rates themselves come from the runs.
The fitted values are written to ``results/NAME/calibrated.toml`` beside the report. The scenario
file every shipped scenario loads (``scenarios/calibrated.toml``, or the file's ``output``) changes
only when the user asks with ``--write-scenario`` (or names ``--output``): atomically, with the old
file kept as ``NAME.toml.bak`` (issue 14, item 3: ``--quick`` used to overwrite it silently).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from sim.analysis.calibration_report import format_report
from sim.errors import InputError
from sim.experiments.executors import Execution
from sim.experiments.experiment import replicate_seeds
from sim.experiments.stats import calibration_distance, inside_bands, wilson_interval
from sim.model.params import PARAMS
from sim.model.scenario import read_toml
from sim.safepaths import atomic_write_bytes

RATES = ("never_live", "abandoned", "failed", "measurable_gain")


@dataclass
class CalibrationSpec:
    """A validated calibration file."""

    name: str
    scenario: Path
    targets: dict[str, dict[str, float]]
    parameters: dict[str, tuple[float, float]]
    root_seed: int = 2026
    points: int = 24
    replicates: int = 150
    refine_replicates: int = 300
    refine_iterations: int = 12
    final_replicates: int = 1000
    output: Path = Path("scenarios/calibrated.toml")
    source: str = ""
    root: Path = Path(".")
    extra: dict[str, Any] = field(default_factory=dict)


def load_calibration(path: str | Path) -> CalibrationSpec:
    """Read and validate ``experiments/calibration.toml``."""
    path = Path(path)
    file = str(path)
    raw = read_toml(path)
    root = path.resolve().parent.parent
    unknown = set(raw) - {"name", "description", "scenario", "targets", "calibration"}
    if unknown:
        bad = sorted(unknown)[0]
        raise InputError(
            "unknown key; allowed: name, description, scenario, targets, calibration",
            file=file,
            key=bad,
            value=raw[bad],
        )
    name = raw.get("name", path.stem)
    if not isinstance(name, str) or not name.strip() or len(name) > 200:
        raise InputError(
            "expected a non-empty name (it names the results folder)",
            file=file,
            key="name",
            value=name,
        )
    scen = raw.get("scenario", "scenarios/industry_mix.toml")
    if not isinstance(scen, str):
        raise InputError("expected a scenario path", file=file, key="scenario", value=scen)
    scen_path = (root / scen) if not Path(scen).is_absolute() else Path(scen)
    if not scen or not scen_path.is_file():
        raise InputError("scenario file not found", file=file, key="scenario", value=scen)
    targets = raw.get("targets")
    if not isinstance(targets, dict) or not targets:
        raise InputError(
            "expected [targets.NAME] tables with target, low, high", file=file, key="targets"
        )
    for rate, t in targets.items():
        if rate not in RATES:
            raise InputError(
                f"expected one of {', '.join(RATES)}", file=file, key=f"targets.{rate}"
            )
        if not isinstance(t, dict) or set(t) - {"target", "low", "high"}:
            raise InputError(
                "expected a table with target, low and high only",
                file=file,
                key=f"targets.{rate}",
                value=t,
            )
        for k in ("target", "low", "high"):
            v = t.get(k) if isinstance(t, dict) else None
            if isinstance(v, bool) or not isinstance(v, int | float) or not 0 <= v <= 1:
                raise InputError(
                    "expected a rate in [0, 1]", file=file, key=f"targets.{rate}.{k}", value=v
                )
        if not t["low"] <= t["target"] <= t["high"]:
            raise InputError("expected low <= target <= high", file=file, key=f"targets.{rate}")
    cal = raw.get("calibration", {})
    if not isinstance(cal, dict):
        raise InputError("expected a table", file=file, key="calibration", value=cal)
    unknown = set(cal) - {*_COUNTS, "parameters", "output"}
    if unknown:
        bad = sorted(unknown)[0]
        raise InputError(
            f"unknown key; allowed: {', '.join((*_COUNTS, 'parameters', 'output'))}",
            file=file,
            key=f"calibration.{bad}",
            value=cal[bad],
        )
    params = cal.get("parameters")
    if not isinstance(params, dict) or not params:
        raise InputError(
            "expected [calibration.parameters] with {low, high} per parameter",
            file=file,
            key="calibration.parameters",
        )
    bounds = {}
    for key, b in params.items():
        p = PARAMS.get(key)
        if p is None or p.kind is not float:
            raise InputError(
                "expected a real-valued model parameter (see crmsim list --params)",
                file=file,
                key=f"calibration.parameters.{key}",
            )
        if isinstance(b, dict) and set(b) - {"low", "high"}:
            raise InputError(
                "unknown key; a search range has low and high only",
                file=file,
                key=f"calibration.parameters.{key}.{sorted(set(b) - {'low', 'high'})[0]}",
            )
        lo, hi = (b.get("low"), b.get("high")) if isinstance(b, dict) else (None, None)
        if not all(
            isinstance(x, int | float) and not isinstance(x, bool) for x in (lo, hi)
        ) or not (p.low <= lo < hi <= p.high):
            raise InputError(
                f"expected low < high within {p.allowed()}",
                file=file,
                key=f"calibration.parameters.{key}",
                value=b,
            )
        bounds[key] = (float(lo), float(hi))
    spec = CalibrationSpec(name, scen_path, targets, bounds, source=file, root=root)
    for key in _COUNTS:
        if key in cal:
            v = cal[key]
            low = 0 if key in ("root_seed", "refine_iterations") else 1
            if isinstance(v, bool) or not isinstance(v, int) or v < low:
                raise InputError(
                    f"expected an integer >= {low}", file=file, key=f"calibration.{key}", value=v
                )
            setattr(spec, key, v)
    spec.output = root / "scenarios" / "calibrated.toml"
    if "output" in cal:
        spec.output = check_output_file(cal["output"], root, file, "calibration.output")
    return spec


_COUNTS = (
    "root_seed",
    "points",
    "replicates",
    "refine_replicates",
    "refine_iterations",
    "final_replicates",
)


def check_output_file(value: Any, root: Path, file: str | None, key: str) -> Path:
    """A scenario file the calibration may replace: a ``.toml`` path inside the project.

    Raises:
        InputError: for a non-string, a path outside ``root`` or through a link, or not ``.toml``.
    """
    if not isinstance(value, str) or not value or "\x00" in value:
        raise InputError(
            "expected a .toml path inside the project", file=file, key=key, value=value
        )
    target = (root / value).resolve() if not Path(value).is_absolute() else Path(value).resolve()
    if target.suffix != ".toml" or not target.is_relative_to(root.resolve()) or target.is_dir():
        raise InputError(
            f"expected a .toml file inside the project ({root})", file=file, key=key, value=value
        )
    return target


def evaluations(spec: CalibrationSpec) -> int:
    """Runs the search makes at most: the hypercube, the compass steps, the final check."""
    steps = spec.refine_iterations * 2 * len(spec.parameters) + 1 if spec.refine_iterations else 0
    return spec.points * spec.replicates + steps * spec.refine_replicates + spec.final_replicates


# --- evaluation -------------------------------------------------------------------------------

_SCENARIOS: dict[str, Any] = {}


def _run_chunk(task) -> list[tuple[str, bool, bool, str]]:
    """Worker: run one scenario with overrides on a list of seeds; (status, met, gain, variant)
    per run (the variant: the mix member the run drew)."""
    path, overrides, seeds, one_thread = task
    import sim

    if one_thread:  # a pool worker: one numba thread per process, no oversubscription
        import numba

        numba.set_num_threads(1)

    if path not in _SCENARIOS:
        _SCENARIOS[path] = sim.load_scenario(path)
    scen = _SCENARIOS[path].with_overrides(overrides)
    out = []
    for seed in seeds:
        s = sim.run(scen, seed=int(seed)).summary
        out.append(
            (s["status"], bool(s["met_expectations"]), bool(s["measurable_gain"]), s["variant"])
        )
    return out


def seeds_for(root_seed: int, stream: int, n: int) -> list[int]:
    """``n`` run seeds of one stream (0: search, 1: refinement, 2: final), spawned in the parent."""
    return replicate_seeds(root_seed, n, stream=stream)


def evaluate(
    executor, scenario: Path, overrides: dict, seeds: list[int], chunk: int = 25
) -> dict[str, Any]:
    """Rates of never live, abandoned, failed and measurable gain over ``seeds``."""
    one_thread = bool(getattr(executor, "parallel", False))
    tasks = [
        (str(scenario), overrides, seeds[i : i + chunk], one_thread)
        for i in range(0, len(seeds), chunk)
    ]
    runs = [r for part in executor.map_unordered(_run_chunk, tasks) for r in part]
    n = len(runs)
    by_variant: dict[str, dict[str, int]] = {}
    for status, met, gain, variant in runs:
        c = by_variant.setdefault(
            variant, {"n": 0, "never_live": 0, "abandoned": 0, "failed": 0, "measurable_gain": 0}
        )
        c["n"] += 1
        c["never_live"] += status == "never_live"
        c["abandoned"] += status == "abandoned"
        c["failed"] += not met
        c["measurable_gain"] += bool(gain)
    counts = {k: sum(c[k] for c in by_variant.values()) for k in RATES}
    return {
        "n": n,
        "counts": counts,
        "rates": {k: v / n for k, v in counts.items()},
        "by_variant": by_variant,
    }


def _lhs(bounds: dict[str, tuple[float, float]], n: int, seed: int) -> list[dict[str, float]]:
    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(9,)))
    keys = list(bounds)
    cols = []
    for _ in keys:
        cols.append((rng.permutation(n) + rng.random(n)) / n)
    return [
        {k: bounds[k][0] + (bounds[k][1] - bounds[k][0]) * cols[j][i] for j, k in enumerate(keys)}
        for i in range(n)
    ]


def calibrate(
    spec: CalibrationSpec,
    out_dir: Path,
    execution: Execution | int | None = None,
    log=print,
    write_scenario: bool = False,
) -> dict[str, Any]:
    """Run the search; write the report files and the calibrated values under ``out_dir``.

    Args:
        execution: where the runs go (:class:`sim.experiments.executors.Execution`, or a whole
            number of local workers; None: one per core).
        write_scenario: also replace ``spec.output`` (the scenario file the shipped scenarios
            load), keeping the old file as ``.bak``; only when the user asked for it.
    """
    with Execution.of(execution).make_executor() as executor:
        return _search(spec, executor, out_dir, log, write_scenario)


def _search(spec: CalibrationSpec, executor, out_dir: Path, log, write_scenario: bool) -> dict:
    """The search of :func:`calibrate` on an open executor."""
    tried: list[dict[str, Any]] = []

    def score(point, seeds, stage):
        ev = evaluate(executor, spec.scenario, point, seeds)
        dist = calibration_distance(ev["rates"], spec.targets)
        tried.append({"stage": stage, **point, **ev["rates"], "n": ev["n"], "distance": dist})
        log(
            f"  {stage:8s} "
            + " ".join(f"{k.split('.')[-1]}={v:.3g}" for k, v in point.items())
            + " -> "
            + " ".join(f"{k}={ev['rates'][k]:.3f}" for k in spec.targets)
            + f"  distance {dist:.3f}"
        )
        return dist

    search = seeds_for(spec.root_seed, 0, spec.replicates)
    log(f"calibration: {spec.points} Latin hypercube points x {spec.replicates} runs")
    scored = [
        (score(p, search, "lhs"), p) for p in _lhs(spec.parameters, spec.points, spec.root_seed)
    ]
    best_d, best = min(scored, key=lambda x: x[0])
    refine = seeds_for(spec.root_seed, 1, spec.refine_replicates)
    if spec.refine_iterations:
        log(f"refinement: compass search, {spec.refine_replicates} runs a point")
        best_d = score(best, refine, "refine")
        step = {k: (hi - lo) / 4 for k, (lo, hi) in spec.parameters.items()}
        for _ in range(spec.refine_iterations):
            improved = False
            for key, (lo, hi) in spec.parameters.items():
                for sign in (1, -1):
                    cand = dict(best)
                    cand[key] = min(hi, max(lo, best[key] + sign * step[key]))
                    if cand[key] == best[key]:
                        continue
                    d = score(cand, refine, "refine")
                    if d < best_d:
                        best, best_d, improved = cand, d, True
                        break
            if not improved:
                step = {k: v / 2 for k, v in step.items()}
    final_seeds = seeds_for(spec.root_seed, 2, spec.final_replicates)
    log(f"final: best point on {spec.final_replicates} fresh runs")
    final = evaluate(executor, spec.scenario, best, final_seeds)
    distance = calibration_distance(final["rates"], spec.targets)
    tried.append(
        {"stage": "final", **best, **final["rates"], "n": final["n"], "distance": distance}
    )
    intervals = {k: wilson_interval(final["counts"][k], final["n"]) for k in RATES}
    result = {
        "parameters": best,
        "distance": distance,
        "n": final["n"],
        "rates": final["rates"],
        "intervals": intervals,
        "inside_bands": bool(inside_bands(final["rates"], spec.targets)),
        "targets": spec.targets,
        "by_variant": final.get("by_variant", {}),
        "weights": _mix_weights(spec.scenario),
    }
    _write_outputs(spec, out_dir, tried, result, write_scenario)
    return result


def _mix_weights(path: Path) -> dict[str, float]:
    """The mix members' weights by scenario name ({} for a scenario that is not a mix)."""
    from sim.model.scenario import load_scenario

    scen = load_scenario(path)
    if not scen.is_mix:
        return {}
    weights: dict[str, float] = {}
    for v in scen.variants:
        weights[v.scenario.name] = weights.get(v.scenario.name, 0.0) + v.weight
    return weights


def _write_outputs(
    spec: CalibrationSpec, out_dir: Path, tried, result, write_scenario: bool = False
) -> None:
    out_dir.mkdir(parents=True, exist_ok=True)
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=list(tried[0]))
    w.writeheader()
    w.writerows(tried)
    atomic_write_bytes(out_dir / "tried.csv", buf.getvalue().encode())
    text = json.dumps(result, indent=2, default=float) + "\n"
    atomic_write_bytes(out_dir / "calibration.json", text.encode())
    atomic_write_bytes(out_dir / "report.md", format_report(spec, result, len(tried)).encode())
    atomic_write_bytes(out_dir / "calibrated.toml", calibrated_text(spec, result).encode())
    if write_scenario:
        write_calibrated(spec, result)


def write_calibrated(spec: CalibrationSpec, result: dict) -> Path | None:
    """Replace ``spec.output`` with the fitted values, atomically; keep the old file as ``.bak``.

    Returns:
        The backup's path (None when there was no old file).
    """
    backup = None
    if spec.output.exists():
        backup = spec.output.with_name(spec.output.name + ".bak")
        atomic_write_bytes(backup, spec.output.read_bytes())
    atomic_write_bytes(spec.output, calibrated_text(spec, result).encode())
    return backup


def calibrated_text(spec: CalibrationSpec, result: dict) -> str:
    """The fitted values as a scenario TOML, with their provenance."""
    by_section: dict[str, dict[str, float]] = {}
    for key, value in result["parameters"].items():
        section, name = key.rsplit(".", 1)
        by_section.setdefault(section, {})[name] = value
    rates = ", ".join(f"{k} {result['rates'][k]:.1%}" for k in spec.targets)
    lines = [
        "# Calibrated parameters, loaded by base.toml and so by every shipped scenario.",
        f"# Written by `crmsim calibrate {Path(spec.source).as_posix()}` on "
        f"{dt.date.today().isoformat()}.",
        f"# Final check on {result['n']} runs of {spec.scenario.name}: {rates}; "
        f"distance {result['distance']:.3f}.",
        "# The search (Latin hypercube, then a compass search): sim/analysis/calibration.py.",
        'name = "calibrated"',
        "",
    ]
    for section, values in by_section.items():
        lines.append(f"[{section}]")
        for name, value in values.items():
            lines.append(f"{name} = {_round(value)}")
        lines.append("")
    return "\n".join(lines)


def _round(value: float) -> float:
    """Four significant figures: enough for the fit, short enough to read."""
    if value == 0:
        return 0.0
    return round(value, 3 - int(math.floor(math.log10(abs(value)))))
