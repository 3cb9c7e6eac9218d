"""What ``crmsim validate FILE`` and ``crmsim calibrate`` check before anything runs.

A scenario or an experiment is checked by the sweep's own preflight (sim.experiments.preflight); a
calibration file by :func:`prepare_calibration` here, which the ``calibrate`` command calls too. So
a file ``validate`` accepts is a file its command runs, and one it rejects fails the command the
same way. Nothing here writes a file or starts a simulation.
"""

from __future__ import annotations

from pathlib import Path

from sim.analysis.calibration_spec import load_calibration
from sim.analysis.priors import is_share
from sim.errors import InputError
from sim.experiments import guards
from sim.experiments.experiment import experiment_from_dict
from sim.experiments.fingerprint import scenario_files
from sim.experiments.preflight import KINDS, detect_kind, prepare_run, prepare_sweep, sizes
from sim.model.scenario import load_scenario, load_settings, read_toml


def prepare_calibration(
    path: str | Path, allow_large: bool = False, workers: int = 1, quick: bool = False
):
    """Load a calibration file and check its runs before any starts.

    Every member of its scenario must take the run overrides with each parameter at either bound
    of its prior (a mix share only reweights runs, so it is not applied), in the full and the
    quick mode alike; the size guard counts the mode that will run.

    Returns:
        The :class:`sim.analysis.calibration_spec.CalibrationSpec`.
    """
    spec = load_calibration(path)
    scen = load_scenario(spec.scenario)
    for mode, where in ((spec, "calibration.overrides"), (spec.quick_mode(), "calibration.quick")):
        try:
            scen.with_overrides(mode.overrides)
        except InputError as exc:
            raise InputError(
                exc.detail, file=str(path), key=f"{where}.{exc.key}", value=exc.value
            ) from None
        for prior in mode.priors:
            if is_share(prior.key):
                continue
            for value in (prior.low, prior.high):
                try:
                    scen.with_overrides({**mode.overrides, prior.key: value})
                except InputError as exc:
                    raise InputError(
                        exc.detail, file=str(path), key=f"parameters.{prior.key}", value=value
                    ) from None
    run = spec.quick_mode() if quick else spec
    guards.check_size(
        run.runs(),
        sizes(scen.with_overrides(run.overrides)),
        workers,
        allow_large,
        what="this calibration (design waves and predictive draws, every arm)",
        file=str(path),
        key="calibration.quick" if quick else "calibration",
    )
    return spec


def validate_file(path: str | Path, kind: str | None = None) -> str:
    """Check a scenario, experiment or calibration file exactly as the command that runs it does.

    Args:
        path: the file.
        kind: force a kind (``--kind``); default: :func:`detect_kind`.

    Returns:
        One line saying what was found and checked.
    """
    path = Path(path)
    raw = read_toml(path)
    if kind is None:
        kind, reason = detect_kind(raw, str(path))
    else:
        reason = "as asked with --kind"
    if kind == "experiment":
        spec = experiment_from_dict(raw, file=str(path))
        prep = prepare_sweep(spec)
        n_points = guards.design_points(spec.design)
        return (
            f"{path}: valid experiment {spec.name!r} ({reason}): "
            f"{len(prep.names)} scenarios ({', '.join(prep.names)}) x {n_points} design points "
            f"x {spec.replicates} replicates = {prep.estimate.runs:,} runs"
        )
    if kind == "calibration":
        spec = prepare_calibration(path)
        held = sum(p.held_out for p in spec.patterns)
        return (
            f"{path}: valid calibration {spec.name!r} ({reason}): {len(spec.priors)} parameters "
            f"on {spec.scenario.name}, {len(spec.patterns) - held} calibration patterns, "
            f"{held} held out, {len(spec.claims)} claims; {spec.runs():,} runs "
            f"({spec.quick_mode().runs():,} with --quick)"
        )
    if kind != "scenario":
        raise InputError(f"allowed: {', '.join(KINDS)}", key="--kind", value=kind)
    name, values, runnable = load_settings(path)
    if not runnable:
        return (
            f"{path}: valid settings {name!r} ({reason}): {len(values)} values checked; no "
            "rollout, so not a runnable scenario: scenarios use it through `extends`"
        )
    scen = prepare_run(path)
    n_files = len(scenario_files(path))
    files = f"; {n_files} files checked (extends and mix members)" if n_files > 1 else ""
    if scen.is_mix:
        members = ", ".join(f"{v.scenario.name} {v.weight:.0%}" for v in scen.variants)
        return f"{path}: valid mix scenario {scen.name!r} ({reason}): {members}{files}"
    plan = "; ".join(f"{p.workstream} wk {p.start}-{p.end} x{p.effort:g}" for p in scen.phases)
    return f"{path}: valid scenario {scen.name!r} ({reason}): {plan}{files}"
