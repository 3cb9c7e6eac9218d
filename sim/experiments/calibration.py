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
The fitted values are written to ``scenarios/calibrated.toml``, which every shipped scenario loads.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from sim.errors import InputError
from sim.experiments.experiment import replicate_seeds
from sim.experiments.stats import calibration_distance, inside_bands, wilson_interval
from sim.model.params import PARAMS
from sim.model.scenario import read_toml

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
    extra: dict[str, Any] = field(default_factory=dict)


def load_calibration(path: str | Path) -> CalibrationSpec:
    """Read and validate ``experiments/calibration.toml``."""
    path = Path(path)
    file = str(path)
    raw = read_toml(path)
    root = path.resolve().parent.parent
    scen = raw.get("scenario", "scenarios/industry_mix.toml")
    if not isinstance(scen, str):
        raise InputError("expected a scenario path", file=file, key="scenario", value=scen)
    scen_path = (root / scen) if not Path(scen).is_absolute() else Path(scen)
    if not scen_path.exists():
        raise InputError("scenario file not found", file=file, key="scenario", value=scen)
    targets = raw.get("targets")
    if not isinstance(targets, dict) or not targets:
        raise InputError(
            "expected [targets.NAME] tables with target, low, high", file=file, key="targets"
        )
    for name, t in targets.items():
        if name not in RATES:
            raise InputError(
                f"expected one of {', '.join(RATES)}", file=file, key=f"targets.{name}"
            )
        for k in ("target", "low", "high"):
            v = t.get(k) if isinstance(t, dict) else None
            if isinstance(v, bool) or not isinstance(v, int | float) or not 0 <= v <= 1:
                raise InputError(
                    "expected a rate in [0, 1]", file=file, key=f"targets.{name}.{k}", value=v
                )
        if not t["low"] <= t["target"] <= t["high"]:
            raise InputError("expected low <= target <= high", file=file, key=f"targets.{name}")
    cal = raw.get("calibration", {})
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
    spec = CalibrationSpec(raw.get("name", path.stem), scen_path, targets, bounds, source=file)
    for key in (
        "root_seed",
        "points",
        "replicates",
        "refine_replicates",
        "refine_iterations",
        "final_replicates",
    ):
        if key in cal:
            v = cal[key]
            if isinstance(v, bool) or not isinstance(v, int) or v < 0:
                raise InputError(
                    "expected a non-negative integer", file=file, key=f"calibration.{key}", value=v
                )
            setattr(spec, key, v)
    if "output" in cal:
        spec.output = root / cal["output"]
    return spec


# --- evaluation -------------------------------------------------------------------------------

_SCENARIOS: dict[str, Any] = {}


def _run_chunk(task) -> list[tuple[str, bool, bool]]:
    """Worker: run one scenario with overrides on a list of seeds; (status, met, gain) per run."""
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
        out.append((s["status"], bool(s["met_expectations"]), bool(s["measurable_gain"])))
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
    counts = {
        "never_live": sum(s == "never_live" for s, _, _ in runs),
        "abandoned": sum(s == "abandoned" for s, _, _ in runs),
        "failed": sum(not met for _, met, _ in runs),
        "measurable_gain": sum(g for _, _, g in runs),
    }
    return {"n": n, "counts": counts, "rates": {k: v / n for k, v in counts.items()}}


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


def calibrate(spec: CalibrationSpec, executor, out_dir: Path, log=print) -> dict[str, Any]:
    """Run the search; write the report files and the calibrated scenario values."""
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
    }
    _write_outputs(spec, out_dir, tried, result)
    return result


def _write_outputs(spec: CalibrationSpec, out_dir: Path, tried, result) -> None:
    out_dir.mkdir(parents=True, exist_ok=True)
    keys = list(tried[0])
    tmp = out_dir / "tried.csv.tmp"
    with open(tmp, "w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=keys)
        w.writeheader()
        w.writerows(tried)
    tmp.replace(out_dir / "tried.csv")
    (out_dir / "calibration.json").write_text(json.dumps(result, indent=2, default=float) + "\n")
    (out_dir / "report.md").write_text(format_report(spec, result, len(tried)))
    write_calibrated(spec, result)


def format_report(spec: CalibrationSpec, result: dict, n_tried: int) -> str:
    lines = [
        f"# Calibration report: {spec.name}",
        "",
        f"Scenario `{spec.scenario.name}`; {n_tried} evaluations; final point on "
        f"{result['n']} runs. Distance {result['distance']:.3f}; inside every band: "
        f"{'yes' if result['inside_bands'] else 'NO'}.",
        "",
        "| figure | target | accepted | achieved | Wilson 95% |",
        "|---|---|---|---|---|",
    ]
    for name, t in spec.targets.items():
        p, lo, hi = result["intervals"][name]
        lines.append(
            f"| {name} | {t['target']:.0%} | {t['low']:.0%} to {t['high']:.0%} | "
            f"{p:.1%} | {lo:.1%} to {hi:.1%} |"
        )
    lines += ["", "| parameter | fitted | bounds |", "|---|---|---|"]
    for key, v in result["parameters"].items():
        lo, hi = spec.parameters[key]
        lines.append(f"| {key} | {v:.4g} | {lo:g} to {hi:g} |")
    return "\n".join(lines) + "\n"


def write_calibrated(spec: CalibrationSpec, result: dict) -> None:
    """Write the fitted values as ``calibrated.toml`` (atomically), with their provenance."""
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
        "# The search (Latin hypercube, then a compass search): sim/experiments/calibration.py.",
        'name = "calibrated"',
        "",
    ]
    for section, values in by_section.items():
        lines.append(f"[{section}]")
        for name, value in values.items():
            lines.append(f"{name} = {_round(value)}")
        lines.append("")
    tmp = spec.output.with_suffix(".toml.tmp")
    tmp.write_text("\n".join(lines))
    tmp.replace(spec.output)


def _round(value: float) -> float:
    """Four significant figures: enough for the fit, short enough to read."""
    if value == 0:
        return 0.0
    return round(value, 3 - int(math.floor(math.log10(abs(value)))))
