"""Bayesian calibration: a posterior over the uncertain parameters, tested on held-out patterns.

DESIGN.md 2.5 and 2.7. The model has more uncertain parameters than published figures, so the
answer is a posterior, not a point. The method (docs/calibration.md says why):

1. **Design.** A Latin hypercube of ``points`` over the priors' box (scipy.stats.qmc). At each
   point every arm (the members of the mix) runs on the same ``replicates`` seeds: common random
   numbers across arms and points (sim.analysis.calibration_runs).
2. **Figures.** Each pattern of the calibration file at each point, with its sampling variance
   (sim.analysis.patterns, sim.analysis.predictive). A mix member's share (``mix.MEMBER``) only
   reweights the arms' runs, so it is calibrated without runs of its own.
3. **Emulators.** One Gaussian process per pattern (sim.analysis.emulator), the replicate noise as
   its per-point ``alpha``; each checked on design points held out of its fit.
4. **Waves.** Each later wave runs ``wave_points`` points drawn from the non-implausible region
   of history matching (sim.analysis.posterior.refocus); the emulators are refitted on all waves.
5. **Posterior.** emcee over the priors and the likelihood of the calibration patterns' observed
   figures (sim.analysis.posterior); held-out patterns never enter it.
6. **Predictive check and claims.** ``predictive_draws`` posterior draws are run afresh (their
   own seeds, the same for every arm), and every pattern's 95% posterior predictive interval and
   every claim's posterior probability come from those runs, not from the emulators.

The targets enter only the likelihood; every figure reported comes from runs. Files written (all
at the end, each atomically): posterior.parquet, predictive.csv, claims.csv, design.csv,
emulators.csv, parameters.csv, calibration.json, report.md and calibrated.toml (the posterior's
highest-density draw, MAP; docs/calibration.md). The scenario file every shipped scenario loads
(``scenarios/calibrated.toml``, or the file's ``output``) changes only when the user asks
(``--write-scenario``), atomically, the old file kept as ``.bak``.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import math
import re
import resource
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import tomli_w
from scipy.stats import qmc
from threadpoolctl import threadpool_limits

from sim.analysis.calibration_report import format_report
from sim.analysis.calibration_runs import Arms, Runner
from sim.analysis.calibration_spec import (
    CalibrationSpec,
    check_output_file,
    load_calibration,
    mix_members,
)
from sim.analysis.emulator import Emulator
from sim.analysis.patterns import Panel
from sim.analysis.posterior import Likelihood, posterior_wave, refocus, sample, summarise
from sim.analysis.predictive import claims_table, figure_table, predictive_table
from sim.analysis.priors import box, is_share
from sim.errors import InputError
from sim.experiments.executors import Execution
from sim.experiments.experiment import replicate_seeds
from sim.safepaths import atomic_write_bytes

__all__ = [
    "calibrate",
    "load_calibration",
    "check_output_file",
    "write_calibrated",
    "calibrated_text",
    "FILES",
]

#: The files a calibration writes into its folder (the charts are drawn by
#: sim.report.calibration_charts from these).
FILES = (
    "posterior.parquet",
    "predictive.csv",
    "claims.csv",
    "design.csv",
    "emulators.csv",
    "parameters.csv",
    "calibration.json",
    "report.md",
    "calibrated.toml",
)
#: Seed streams of the calibration's runs (sim.experiments.experiment.replicate_seeds).
DESIGN_STREAM, PREDICTIVE_STREAM = 0, 2


class _Clock:
    """Wall-clock seconds per stage, for the report (where the time goes)."""

    def __init__(self):
        self.stages: dict[str, float] = {}

    def __call__(self, stage: str):
        clock = self

        class _Stage:
            def __enter__(self):
                self.t = time.perf_counter()

            def __exit__(self, *exc):
                spent = time.perf_counter() - self.t
                clock.stages[stage] = clock.stages.get(stage, 0.0) + spent

        return _Stage()


def _cpu_seconds() -> float:
    """CPU seconds of this process and its finished children (the pool's workers, once closed):
    what the calibration costs on a quiet machine, whatever else shares it while it runs."""
    own, kids = (
        resource.getrusage(resource.RUSAGE_SELF),
        resource.getrusage(resource.RUSAGE_CHILDREN),
    )
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def _points(X: np.ndarray, keys: list[str]) -> pd.DataFrame:
    return pd.DataFrame(np.atleast_2d(X), columns=keys)


def _pattern_check(spec: CalibrationSpec, arms: Arms) -> Callable[[pd.DataFrame], None]:
    """Compute every pattern on the first batch's rows: a condition the outcome fields do not
    support (a bare field that is not true/false) fails there, naming its key."""

    def check(rows: pd.DataFrame) -> None:
        panel = Panel(rows, arms.names)
        weights = arms.weights({})
        for p in [*spec.patterns, *(c.pattern for c in spec.claims)]:
            try:
                p.compute(panel, weights, n_boot=2)
            except InputError as exc:
                where = p.name if p.name.startswith("claim") else f"patterns.{p.name}"
                raise InputError(exc.detail, file=spec.source, key=where) from None

    return check


def design_seeds(root_seed: int, replicates: int, first: int, n: int) -> list[list[int]]:
    """The seeds of design points ``first`` to ``first + n - 1``: each point its own ``replicates``.

    The arms of one point share its seeds (paired differences keep their common random numbers),
    but no two points do: with one seed set for every point, that set's luck shifts the whole
    emulated surface, and the emulators' noise model (independent per point) cannot see it.
    Measured on the reference: a design on common seeds put the posterior's mix failed rate at
    0.56 where fresh seeds at its draws gave 0.47. A point's seeds depend only on its index, so
    a wave's points are the same whatever the later waves are.
    """
    seeds = replicate_seeds(root_seed, (first + n) * replicates, stream=DESIGN_STREAM)
    return [list(seeds[(first + i) * replicates : (first + i + 1) * replicates]) for i in range(n)]


def _fit(spec: CalibrationSpec, design: pd.DataFrame, seed: int) -> dict[str, Emulator]:
    """One emulator per pattern, fitted on every design point so far."""
    keys, (low, high) = spec.keys, box(spec.priors)
    out = {}
    for j, p in enumerate(spec.patterns):
        d = design[design["pattern"] == p.name]
        em = Emulator(low, high, p.transform, seed=seed + j)
        out[p.name] = em.fit(d[keys].to_numpy(), d["latent"].to_numpy(), d["latent_var"].to_numpy())
    return out


def calibrate(
    spec: CalibrationSpec,
    out_dir: str | Path,
    execution: Execution | int | None = None,
    quick: bool = False,
    write_scenario: bool = False,
    progress: Any = True,
    log: Callable[[str], None] = print,
) -> dict[str, Any]:
    """Run the calibration and write its files into ``out_dir``.

    Args:
        spec: the calibration file, loaded (:func:`load_calibration`).
        out_dir: the folder for the files (:data:`FILES`).
        execution: where the runs go (:class:`sim.experiments.executors.Execution`, a whole
            number of local workers, or None: one per core).
        quick: use the file's ``[calibration.quick]`` sizes and overrides.
        write_scenario: also replace ``spec.output`` with the MAP point (old file kept as .bak).
        progress: progress bars (True), none (False) or a callable ``(done, total, errors)``.
        log: where the stage messages go.

    Returns:
        The summary written to calibration.json, with ``predictive`` and ``claims`` DataFrames.
    """
    if quick:
        spec = spec.quick_mode()
    # One BLAS thread for the emulators and the sampler: their matrices are small (about 100
    # points), and on a busy 2-core machine OpenBLAS's threads made each prediction 17 times
    # slower (measured: 110 ms against 6.7 ms for the likelihood of 20 walkers).
    with threadpool_limits(limits=1):
        return _calibrate(spec, Path(out_dir), execution, quick, write_scenario, progress, log)


def _calibrate(spec, out_dir, execution, quick, write_scenario, progress, log) -> dict[str, Any]:
    """:func:`calibrate`'s work, with the BLAS threads limited."""
    clock = _Clock()
    t0 = time.perf_counter()
    cpu0 = _cpu_seconds()
    arms = Arms(mix_members(spec.scenario))
    keys, (low, high) = spec.keys, box(spec.priors)
    waves: list[dict] = []
    with Runner(arms, spec.overrides, execution, spec.batch_size, progress=progress) as runner:
        u = qmc.LatinHypercube(d=len(keys), seed=np.random.default_rng(spec.root_seed)).random(
            spec.points
        )
        X = low + u * (high - low)
        design = pd.DataFrame()
        emulators: dict[str, Emulator] = {}
        for wave in range(1, spec.waves + 1):
            if wave == 2:  # history matching: where no pattern is implausible
                lik = Likelihood(spec.priors, spec.patterns, emulators)
                X, share = refocus(lik, spec.wave_points, spec.root_seed + wave)
                waves[-1]["non_implausible_share"] = share
            elif wave > 2:  # where the posterior on the emulators so far is
                lik = Likelihood(spec.priors, spec.patterns, emulators)
                X, _ = posterior_wave(lik, spec.wave_points, spec.root_seed + wave)
            log(f"wave {wave}: {len(X)} points x {len(arms.names)} arms x {spec.replicates} runs")
            pts = _points(X, keys)
            first = sum(w["points"] for w in waves)
            with clock("design runs"):
                rows = runner.run(
                    pts.to_dict("records"),
                    design_seeds(spec.root_seed, spec.replicates, first, len(pts)),
                    f"design wave {wave}",
                    check=_pattern_check(spec, arms) if wave == 1 else None,
                )
            with clock("figures"):
                table = figure_table(spec.patterns, rows, pts, arms, spec.root_seed + wave)
            offset = sum(w["points"] for w in waves)
            table["point"] += offset
            table = table.merge(pts.assign(point=range(offset, offset + len(pts))), on="point")
            table.insert(0, "wave", wave)
            design = pd.concat([design, table], ignore_index=True)
            waves.append(
                {"wave": wave, "points": len(pts), "errors": int(rows["error"].notna().sum())}
            )
            with clock("emulator fits"):
                emulators = _fit(spec, design, spec.root_seed)
        with clock("emulator checks"):
            checks = _checks(spec, emulators)
        lik = Likelihood(spec.priors, spec.patterns, emulators)
        unfit = [p.name for p in spec.fitted if not emulators[p.name].fitted]
        if not lik.used:
            raise InputError(
                "no calibration pattern could be emulated (too few design points with a figure); "
                "raise points or replicates",
                file=spec.source,
                key="calibration.points",
                value=spec.points,
            )
        log(f"posterior: emcee, {spec.walkers} walkers x {spec.steps} steps")
        with clock("MCMC"):
            draws, diag = sample(
                lik, spec.walkers, spec.steps, spec.burn, spec.thin, spec.root_seed
            )
        rng = np.random.default_rng(np.random.SeedSequence(spec.root_seed, spawn_key=(7,)))
        n_draws = min(spec.predictive_draws, len(draws))
        picked = draws.iloc[np.sort(rng.choice(len(draws), n_draws, replace=False))][keys]
        picked = picked.reset_index(drop=True)
        R = spec.predictive_replicates
        fresh = replicate_seeds(spec.root_seed, n_draws * R, stream=PREDICTIVE_STREAM)
        log(f"predictive check: {n_draws} posterior draws x {len(arms.names)} arms x {R} runs")
        with clock("predictive runs"):
            pred_rows = runner.run(
                picked.to_dict("records"),
                [fresh[i * R : (i + 1) * R] for i in range(n_draws)],
                "predictive runs",
            )
        runs = runner.runs_done
        clock.stages["start workers"] = runner.startup_s
    with clock("figures"):
        claim_patterns = [c.pattern for c in spec.claims]
        figures = figure_table(
            [*spec.patterns, *claim_patterns], pred_rows, picked, arms, spec.root_seed + 99
        )
    predictive = predictive_table(spec.patterns, figures)
    claims = claims_table(spec.claims, figures, R)
    params = summarise(draws, spec.priors)
    best = draws.iloc[int(np.argmax(draws["log_prob"].to_numpy()))]
    result = {
        "name": spec.name,
        "scenario": spec.scenario.name,
        "quick": quick,
        "parameters": keys,
        "map": {k: float(best[k]) for k in keys},
        "sizes": {k: getattr(spec, k) for k in _SIZE_KEYS},
        "arms": arms.names,
        "runs": runs,
        "pred_errors": int(pred_rows["error"].notna().sum()),
        "waves": waves,
        "sampler": diag,
        "unfit_patterns": unfit,
        "seconds": {**clock.stages, "total": time.perf_counter() - t0},
        "cpu_seconds": _cpu_seconds() - cpu0,
    }
    _write(spec, out_dir, result, draws[keys], predictive, claims, design, checks, params)
    if write_scenario:
        write_calibrated(spec, result)
    return {**result, "predictive": predictive, "claims": claims}


_SIZE_KEYS = (
    "points",
    "waves",
    "wave_points",
    "replicates",
    "walkers",
    "steps",
    "burn",
    "thin",
    "predictive_draws",
    "predictive_replicates",
)


def _checks(spec: CalibrationSpec, emulators: dict[str, Emulator]) -> pd.DataFrame:
    """``emulators.csv``: each emulator's held-out check and its length scales."""
    rows = []
    for p in spec.patterns:
        em = emulators[p.name]
        c = em.check()
        row = {
            "pattern": p.name,
            "held_out": p.held_out,
            "transform": p.transform,
            "points": c.n,
            "r2": c.r2,
            "z_rms": c.z_rms,
            "coverage_2sd": c.coverage,
        }
        row.update({f"length.{k}": v for k, v in zip(spec.keys, em.length_scales, strict=True)})
        rows.append(row)
    return pd.DataFrame(rows)


def _csv(frame: pd.DataFrame) -> bytes:
    buf = io.StringIO()
    frame.to_csv(buf, index=False)
    return buf.getvalue().encode()


def _write(spec, out: Path, result, posterior, predictive, claims, design, checks, params) -> None:
    out.mkdir(parents=True, exist_ok=True)
    buf = io.BytesIO()
    posterior.to_parquet(buf, index=False)
    atomic_write_bytes(out / "posterior.parquet", buf.getvalue())
    for name, frame in (
        ("predictive.csv", predictive),
        ("claims.csv", claims),
        ("design.csv", design),
        ("emulators.csv", checks),
        ("parameters.csv", params),
    ):
        atomic_write_bytes(out / name, _csv(frame))
    text = json.dumps(result, indent=2, default=float) + "\n"
    atomic_write_bytes(out / "calibration.json", text.encode())
    report = format_report(spec, result, predictive, claims, checks, params)
    atomic_write_bytes(out / "report.md", report.encode())
    atomic_write_bytes(out / "calibrated.toml", calibrated_text(spec, result).encode())


def write_calibrated(spec: CalibrationSpec, result: dict) -> Path | None:
    """Replace ``spec.output`` with the MAP point, atomically; keep the old file as ``.bak``. A mix
    member's share of the MAP point (``mix.MEMBER``) is written into the mix's own file
    (``spec.scenario``: that member's ``weight``, the others' weights kept), so a sweep of the
    shipped mix runs at the calibrated share too.

    Returns:
        The backup's path (None when there was no old file).
    """
    backup = None
    if spec.output.exists():
        backup = spec.output.with_name(spec.output.name + ".bak")
        atomic_write_bytes(backup, spec.output.read_bytes())
    atomic_write_bytes(spec.output, calibrated_text(spec, result).encode())
    shares = {k.split(".", 1)[1]: v for k, v in result["map"].items() if is_share(k)}
    if shares:
        mix = Path(spec.scenario)
        text = mix.read_text()
        atomic_write_bytes(mix.with_name(mix.name + ".bak"), text.encode())
        atomic_write_bytes(mix, mix_with_shares(text, shares).encode())
    return backup


_MIX_BLOCK = re.compile(
    r"(\[\[mix\]\]\s*\nscenario\s*=\s*\"(?P<member>[^\"]+?)(?:\.toml)?\"\s*\n"
    r"weight\s*=\s*)(?P<weight>[0-9.eE+-]+)"
)


def mix_with_shares(text: str, shares: dict[str, float]) -> str:
    """A mix scenario's TOML with each named member's weight set so that its share of the mix is
    the given one (the other members keep their weights, so their proportions are unchanged); the
    rest of the file, comments included, as it was.

    Raises:
        InputError: when a member is not in the file or a share is not inside (0, 1).
    """
    weights = {m["member"]: float(m["weight"]) for m in _MIX_BLOCK.finditer(text)}
    new = dict(weights)
    for member, share in shares.items():
        if member not in weights or not 0.0 < share < 1.0:
            raise InputError(
                f"expected a member of the mix ({', '.join(weights)}) and a share in (0, 1)",
                key=f"mix.{member}",
                value=share,
            )
        others = sum(w for m, w in weights.items() if m != member)
        new[member] = share * others / (1.0 - share)

    def weight(m: re.Match) -> str:
        if m["member"] not in shares:
            return m.group(0)
        return f"{m.group(1)}{_round(new[m['member']])}"

    return _MIX_BLOCK.sub(weight, text)


def calibrated_text(spec: CalibrationSpec, result: dict) -> str:
    """The MAP point's model parameters as a scenario TOML (tomli_w), with its provenance.

    A mix member's share is a property of the industry mix, not of an organisation, so it is
    stated in the header and left to the mix's own file.
    """
    doc: dict[str, dict[str, float]] = {}
    shares = []
    for key, value in result["map"].items():
        if is_share(key):
            shares.append(f"{key} {value:.3f}")
            continue
        section, name = key.rsplit(".", 1)
        doc.setdefault(section, {})[name] = _round(value)
    lines = [
        "# Calibrated parameters, loaded by base.toml and so by every shipped scenario.",
        f"# Written by `crmsim calibrate {Path(spec.source).as_posix()}` on "
        f"{dt.date.today().isoformat()}: the posterior's highest-density draw (MAP) of "
        f"{result['sampler']['draws']} draws; the whole posterior is posterior.parquet.",
    ]
    if shares:
        lines.append(f"# At this point the mix shares are {', '.join(shares)} (not set here).")
    body = tomli_w.dumps({"name": "calibrated", **doc})
    return "\n".join(lines) + "\n" + body


def _round(value: float) -> float:
    """Four significant figures: enough for the fit, short enough to read."""
    if value == 0 or not math.isfinite(value):
        return float(value)
    return round(value, 3 - int(math.floor(math.log10(abs(value)))))
