"""The calibration file (``experiments/calibration.toml``): priors, patterns, claims and sizes.

Everything the calibration fits and tests against is data in that file, never in the code, so a new
parameter, pattern or claim is a new row::

    name = "calibration"
    scenario = "scenarios/industry_mix.toml"      # a mix: its members are run as arms

    [calibration]                                 # sizes (see CalibrationSpec)
    points = 60
    replicates = 40
    [calibration.quick]                           # --quick: smaller sizes, optional overrides
    points = 12

    [parameters."org.complexity"]                 # a float model parameter (sim/model/params.py)
    prior = "uniform"                             # or "normal": truncated to [low, high]
    low = 0.4
    high = 1.6
    source = "assumption: wide"
    [parameters."mix.technology_first"]           # a mix member's share of the mix
    ...
    [patterns.mix_failed]                         # see sim.analysis.patterns
    kind = "rate"
    arm = "mix"
    outcome = "failed"
    observed = 0.55
    low = 0.50
    high = 0.63
    source = "Gartner 2001; Bain 2002; ..."
    held_out = false

    [[claims]]                                    # a paired ordering claim, P(arm > baseline)
    claim = "technology first fails more than the four Ps"
    arm = "technology_first"
    baseline = "four_ps"
    outcome = "failed"

Every key is checked on load; a bad one raises :class:`sim.errors.InputError` naming the file, the
key, the value and what is allowed (``crmsim validate`` and ``crmsim calibrate`` run the same code).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from sim.analysis.patterns import KINDS, MIX, Condition, Pattern
from sim.analysis.priors import Prior, is_share, parse_prior
from sim.analysis.spec_values import check_number, check_overrides, check_table, check_text
from sim.errors import InputError
from sim.experiments.experiment import resolve_scenario
from sim.model.scenario import load_scenario, read_toml

__all__ = ["Claim", "CalibrationSpec", "load_calibration", "check_output_file", "SIZES"]

#: Sizes of a calibration, their lower bounds and what each means (defaults: CalibrationSpec).
SIZES = {
    "root_seed": (0, "root of the seed tree"),
    "points": (4, "first-wave design points (a Latin hypercube over the priors' bounds)"),
    "waves": (1, "design waves (2nd: non-implausible region; later: the posterior)"),
    "wave_points": (1, "design points of each later wave"),
    "replicates": (1, "paired replicates per arm at each design point (its own seeds)"),
    "walkers": (2, "emcee walkers (at least twice the parameters)"),
    "steps": (2, "emcee steps per walker"),
    "burn": (0, "steps dropped from the start of every walker"),
    "thin": (1, "keep every thin-th step"),
    "predictive_draws": (2, "posterior draws run afresh for the predictive check and the claims"),
    "predictive_replicates": (1, "paired replicates per arm at each predictive draw"),
    "batch_size": (1, "runs per task sent to a worker"),
}
#: The largest value any size may take (assumption: far above any useful calibration, low
#: enough that a typo cannot ask for a computation that never ends or exhausts memory).
MAX_SIZE = 10_000_000
PRIORS = ("uniform", "normal")
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$")
_TOP = {"name", "description", "scenario", "calibration", "parameters", "patterns", "claims"}


@dataclass(frozen=True)
class Claim:
    """An ordering claim: the rate of ``outcome`` is higher under ``arm`` than ``baseline``."""

    claim: str
    pattern: Pattern


@dataclass
class CalibrationSpec:
    """A validated calibration file.

    Size defaults are assumptions sized for the 30-minute budget on 2 cores (docs/calibration.md
    shows where the time goes); the shipped file sets every one of them.
    """

    name: str
    scenario: Path
    priors: list[Prior]
    patterns: list[Pattern]
    claims: list[Claim] = field(default_factory=list)
    root_seed: int = 2026
    points: int = 60
    waves: int = 2
    wave_points: int = 40
    replicates: int = 40
    walkers: int = 32
    steps: int = 3000
    burn: int = 1000
    thin: int = 10
    predictive_draws: int = 60
    predictive_replicates: int = 40
    batch_size: int = 10
    overrides: dict[str, Any] = field(default_factory=dict)
    quick: dict[str, Any] = field(default_factory=dict)
    output: Path = Path("scenarios/calibrated.toml")
    source: str = ""
    root: Path = Path(".")
    description: str = ""

    @property
    def keys(self) -> list[str]:
        """The parameters' dotted names, in file order."""
        return [p.key for p in self.priors]

    @property
    def fitted(self) -> list[Pattern]:
        """The patterns that enter the likelihood (not held out)."""
        return [p for p in self.patterns if not p.held_out]

    @property
    def design_points(self) -> int:
        """Design points over every wave."""
        return self.points + (self.waves - 1) * self.wave_points

    def runs(self) -> int:
        """Runs the calibration makes: every wave's design and the predictive draws, per arm."""
        arms = max(1, len(mix_members(self.scenario)))
        return arms * (
            self.design_points * self.replicates
            + self.predictive_draws * self.predictive_replicates
        )

    def quick_mode(self) -> CalibrationSpec:
        """A copy with the ``[calibration.quick]`` sizes and overrides applied (``--quick``)."""
        sizes = {k: v for k, v in self.quick.items() if k != "overrides"}
        return replace(
            self, **sizes, overrides={**self.overrides, **self.quick.get("overrides", {})}
        )


def mix_members(path: Path) -> dict[str, tuple[str, float]]:
    """The scenario's arms: mix member name -> (file, weight); a plain scenario is one arm."""
    scen = load_scenario(path)
    if not scen.is_mix:
        return {scen.name: (str(path), 1.0)}
    out: dict[str, tuple[str, float]] = {}
    for v in scen.variants:
        old = out.get(v.scenario.name, (v.scenario.source, 0.0))
        out[v.scenario.name] = (old[0], old[1] + v.weight)
    return out


def _sizes(raw: dict, file: str, where: str) -> dict[str, int]:
    out = {}
    for key, (low, _) in SIZES.items():
        if key in raw:
            v = raw[key]
            if isinstance(v, bool) or not isinstance(v, int) or not low <= v <= MAX_SIZE:
                raise InputError(
                    f"expected a whole number in [{low}, {MAX_SIZE}] ({SIZES[key][1]})",
                    file=file,
                    key=f"{where}.{key}",
                    value=v,
                )
            out[key] = v
    return out


_PATTERN_KEYS = {
    "kind", "arm", "baseline", "outcome", "field", "where", "versus", "q", "observed", "low",
    "high", "held_out", "source",
}  # fmt: skip


def _arm(value: Any, file: str, key: str, members: dict, mix_ok: bool) -> str:
    allowed = [*members, *([MIX] if mix_ok and len(members) > 1 else [])]
    if value not in allowed:
        raise InputError(f"allowed: {', '.join(allowed)}", file=file, key=key, value=value)
    return value


def _pattern(name: str, raw: Any, file: str, members: dict) -> Pattern:
    where = f"patterns.{name}"
    if not _NAME.match(name):
        raise InputError(
            "expected a name of letters, digits, '_', '-' or '.'", file=file, key=where
        )
    raw = check_table(raw, file, where, _PATTERN_KEYS, "a pattern")
    kind = raw.get("kind")
    if kind not in KINDS:
        raise InputError(f"allowed: {', '.join(KINDS)}", file=file, key=f"{where}.kind", value=kind)
    needed = {
        "rate": {"outcome"},
        "difference": {"outcome", "baseline"},
        "mean": {"field"},
        "quantile": {"field", "q"},
        "contrast": {"outcome", "where", "versus"},
    }[kind]
    for k in sorted(needed | {"arm", "low", "high", "source"}):
        if k not in raw:
            raise InputError(f"a {kind} pattern needs {k}", file=file, key=f"{where}.{k}")
    optional = {"where"} if kind not in ("difference", "contrast") else set()
    extra = sorted(
        ({"outcome", "baseline", "field", "q", "where", "versus"} - needed - optional) & set(raw)
    )
    if extra:
        raise InputError(
            f"{extra[0]} does not apply to a {kind} pattern", file=file, key=f"{where}.{extra[0]}"
        )
    arm = _arm(raw["arm"], file, f"{where}.arm", members, mix_ok=kind != "difference")
    baseline = None
    if kind == "difference":
        baseline = _arm(raw["baseline"], file, f"{where}.baseline", members, mix_ok=False)
        if baseline == arm:
            raise InputError(
                "expected an arm other than arm", file=file, key=f"{where}.baseline", value=baseline
            )
    outcome = (
        Condition.parse(raw["outcome"], file, f"{where}.outcome") if "outcome" in raw else None
    )
    cond = Condition.parse(raw["where"], file, f"{where}.where") if "where" in raw else None
    versus = Condition.parse(raw["versus"], file, f"{where}.versus") if "versus" in raw else None
    fld = None
    if "field" in raw:
        fld = Condition.parse(raw["field"], file, f"{where}.field")
        if fld.op or fld.negate:
            raise InputError(
                "expected a numeric outcome field",
                file=file,
                key=f"{where}.field",
                value=raw["field"],
            )
        fld = fld.field
    q = check_number(raw["q"], file, f"{where}.q", 0.0, 1.0) if "q" in raw else None
    span = {"rate": (0.0, 1.0), "difference": (-1.0, 1.0), "contrast": (-1.0, 1.0)}.get(
        kind, (-math.inf, math.inf)
    )
    low = check_number(raw["low"], file, f"{where}.low", *span)
    high = check_number(raw["high"], file, f"{where}.high", *span)
    if not low < high:
        raise InputError("expected low < high", file=file, key=where, value=(low, high))
    observed = None
    if "observed" in raw:
        observed = check_number(
            raw["observed"], file, f"{where}.observed", low, high, "a number in the band"
        )
        if kind == "rate" and not 0 < low < high < 1:
            raise InputError(
                "a rate with an observed figure needs 0 < low and high < 1 (its band sets the "
                "observation's uncertainty on the logit scale)",
                file=file,
                key=where,
                value=(low, high),
            )
    held = raw.get("held_out", False)
    if not isinstance(held, bool):
        raise InputError("expected true or false", file=file, key=f"{where}.held_out", value=held)
    source = check_text(raw["source"], file, f"{where}.source", "the pattern's source")
    return Pattern(
        name, kind, arm, outcome, fld, cond, baseline, q, observed, low, high, held, source, versus
    )


def _claim(i: int, raw: Any, file: str, members: dict) -> Claim:
    where = f"claims[{i}]"
    raw = check_table(raw, file, where, {"claim", "arm", "baseline", "outcome"}, "a claim")
    text = check_text(raw.get("claim"), file, f"{where}.claim", "the claim as the README states it")
    for k in ("arm", "baseline", "outcome"):
        if k not in raw:
            raise InputError(f"a claim needs {k}", file=file, key=f"{where}.{k}")
    arm = _arm(raw["arm"], file, f"{where}.arm", members, mix_ok=False)
    base = _arm(raw["baseline"], file, f"{where}.baseline", members, mix_ok=False)
    if base == arm:
        raise InputError("expected an arm other than arm", file=file, key=f"{where}.baseline")
    outcome = Condition.parse(raw["outcome"], file, f"{where}.outcome")
    pattern = Pattern(f"claim{i}", "difference", arm, outcome, baseline=base, low=0.0, high=1.0)
    return Claim(text, pattern)


def load_calibration(path: str | Path) -> CalibrationSpec:
    """Read and validate a calibration file.

    Raises:
        InputError: naming the file, the key, the value and what is allowed.
    """
    path = Path(path)
    file = str(path)
    raw = read_toml(path)
    unknown = sorted(set(raw) - _TOP)
    if unknown:
        raise InputError(
            f"unknown key; allowed: {', '.join(sorted(_TOP))}",
            file=file,
            key=unknown[0],
            value=raw[unknown[0]],
        )
    name = raw.get("name", path.stem)
    if not isinstance(name, str) or not _NAME.match(name):
        raise InputError(
            "expected a name of letters, digits, '_', '-' or '.' (it names the results folder)",
            file=file,
            key="name",
            value=name,
        )
    description = raw.get("description", "")
    if not isinstance(description, str):
        raise InputError("expected a string", file=file, key="description", value=description)
    root = path.resolve().parent.parent
    scen = raw.get("scenario", "scenarios/industry_mix.toml")
    scen_path = resolve_scenario(scen, path.resolve().parent, file, "scenario")
    try:
        members = mix_members(scen_path)
    except InputError as exc:
        raise InputError(
            f"the scenario does not load ({exc})", file=file, key="scenario", value=scen
        ) from None
    cal = check_table(
        raw.get("calibration", {}),
        file,
        "calibration",
        {*SIZES, "overrides", "output", "quick"},
        "sizes",
    )
    sizes = _sizes(cal, file, "calibration")
    quick = check_table(
        cal.get("quick", {}), file, "calibration.quick", {*SIZES, "overrides"}, "sizes"
    )
    quick_sizes = _sizes(quick, file, "calibration.quick")
    if "overrides" in quick:
        quick_sizes["overrides"] = check_overrides(
            quick["overrides"], file, "calibration.quick.overrides"
        )
    overrides = check_overrides(cal.get("overrides", {}), file, "calibration.overrides")
    params = raw.get("parameters")
    if not isinstance(params, dict) or not params:
        raise InputError(
            "expected [parameters.KEY] tables, one per calibrated parameter, with prior, low, "
            "high and source",
            file=file,
            key="parameters",
        )
    priors = [parse_prior(k, v, file, members) for k, v in params.items()]
    shares = [p.high for p in priors if is_share(p.key)]
    if sum(shares) > 1:
        raise InputError(
            "the mix shares' upper bounds must sum to at most 1 (the other members fill the rest)",
            file=file,
            key="parameters",
        )
    pats = raw.get("patterns")
    if not isinstance(pats, dict) or not pats:
        raise InputError(
            "expected [patterns.NAME] tables with kind, arm, outcome or field, low, high, source",
            file=file,
            key="patterns",
        )
    patterns = [_pattern(k, v, file, members) for k, v in pats.items()]
    if all(p.held_out for p in patterns):
        raise InputError("expected at least one pattern not held out", file=file, key="patterns")
    claims = raw.get("claims", [])
    if not isinstance(claims, list):
        raise InputError("expected [[claims]] tables", file=file, key="claims", value=claims)
    spec = CalibrationSpec(
        name,
        scen_path,
        priors,
        patterns,
        [_claim(i, c, file, members) for i, c in enumerate(claims)],
        overrides=overrides,
        quick=quick_sizes,
        source=file,
        root=root,
        description=description,
    )
    for key, value in sizes.items():
        setattr(spec, key, value)
    _check_consistent(spec, file, "calibration")
    _check_consistent(spec.quick_mode(), file, "calibration.quick")
    spec.output = root / "scenarios" / "calibrated.toml"
    if "output" in cal:
        spec.output = check_output_file(cal["output"], root, file, "calibration.output")
    return spec


def _check_consistent(spec: CalibrationSpec, file: str, where: str) -> None:
    """Sizes that only make sense together: enough walkers, a burn shorter than the chain."""
    if spec.walkers < 2 * len(spec.priors):
        raise InputError(
            f"expected at least twice the {len(spec.priors)} parameters (emcee's stretch move)",
            file=file,
            key=f"{where}.walkers",
            value=spec.walkers,
        )
    if spec.burn >= spec.steps:
        raise InputError(
            "expected burn < steps", file=file, key=f"{where}.burn", value=(spec.burn, spec.steps)
        )
    if spec.walkers * spec.steps > MAX_SIZE:
        raise InputError(
            f"expected walkers x steps at most {MAX_SIZE}",
            file=file,
            key=f"{where}.steps",
            value=spec.steps,
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
