"""Scenarios: a typed, validated description of one organisation and its rollout plan.

A scenario TOML sets parameters of :mod:`sim.model.params` in tables (``[org]``,
``[rollout]`` ...), a rollout plan (an ``ordering`` shorthand or explicit
``[[rollout.phases]]``) and, for a mix scenario,
``[[mix]]`` members drawn per organisation. ``extends = "base.toml"`` loads another file first, so
shared values live in one place. Everything is checked on load: unknown keys, wrong types and values
out of bounds raise :class:`sim.errors.InputError` naming the file, the key, the value and what is
allowed.
"""

from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from sim.errors import InputError
from sim.model.params import CHANNELS, PARAMS, defaults
from sim.model.rollout_plan import Phase, check_ordering, ordering_phases, phases_from
from sim.model.tomlfile import read_toml as _read_toml
from sim.shipped import find_file, shipped_dir

_TOP_LEVEL = {"name", "description", "extends", "horizon_weeks", "mix"}
_STRUCTURED = {"rollout.ordering", "rollout.phases"}
#: Longest name or description accepted (a name becomes part of a folder name).
_MAX_TEXT = 2000
#: Largest mix weight (weights are relative; anything larger is a typo or an attack).
_MAX_WEIGHT = 1e6
#: An override ``mix.MEMBER`` sets a mix member's share (Scenario.with_overrides).
MIX_SHARE = "mix."


@dataclass(frozen=True)
class Variant:
    """A member of a mix scenario: a scenario and its weight in the mix."""

    weight: float
    scenario: Scenario


@dataclass(frozen=True)
class Scenario:
    """A validated scenario.

    Attributes:
        name: short name (used in results and charts).
        description: what it represents and its source.
        values: every parameter of :mod:`sim.model.params`, by dotted key.
        phases: the rollout plan; empty for a mix scenario.
        variants: mix members (empty unless this is a mix scenario).
        source: the file it came from, if any.
    """

    name: str
    description: str
    values: dict[str, Any]
    phases: tuple[Phase, ...]
    variants: tuple[Variant, ...] = ()
    source: str | None = None
    overrides: dict[str, Any] = field(default_factory=dict)
    ordering: tuple[str, ...] | None = None

    def __getitem__(self, key: str) -> Any:
        return self.values[key]

    @property
    def is_mix(self) -> bool:
        return bool(self.variants)

    @property
    def planned_end(self) -> int:
        """Week at which the last planned phase ends."""
        return max((p.end for p in self.phases), default=0)

    def values_key(self, skip: tuple[str, ...], keep: frozenset[str] = frozenset()) -> tuple:
        """The values whose key starts with none of the prefixes ``skip`` (those in ``keep``
        included anyway) as sorted ``(key, value)`` pairs, a value that is not a plain number or
        string as its ``repr``: a hashable key of what a computation reads (the organisation a
        seed draws, a counterfactual). Kept on the scenario, which does not change: a sweep's
        worker asks for it every run (about 0.1 ms a run: sim.bench.profile)."""
        keys = self.__dict__.setdefault("_values_keys", {})
        key = keys.get((skip, keep))
        if key is None:
            key = keys[skip, keep] = tuple(
                sorted(
                    (k, v if isinstance(v, (bool, int, float, str)) else repr(v))
                    for k, v in self.values.items()
                    if k in keep or not k.startswith(skip)
                )
            )
        return key

    def with_overrides(self, overrides: dict[str, Any], file: str | None = None) -> Scenario:
        """A copy with dotted-key overrides applied and validated (mix members get them too)."""
        if not overrides:
            return self
        file = file or "--set"
        values = dict(self.values)
        ordering = self.ordering
        shares = {k: v for k, v in overrides.items() if k.startswith(MIX_SHARE)}
        own = {k: v for k, v in overrides.items() if k not in shares}
        for key, value in own.items():
            if key == "rollout.ordering":  # the plan's shorthand, settable like a parameter
                ordering = check_ordering(value, file)
                continue
            values[key] = _check_value(key, value, file)
        _check_touchpoints(values, file)
        variants = tuple(
            Variant(v.weight, v.scenario.with_overrides(own, file)) for v in self.variants
        )
        if shares:
            variants = _reweighted(variants, shares, file)
        merged = {**self.overrides, **overrides}
        phases = self.phases
        if ordering is not None and not self.is_mix:  # the shorthand follows the (new) durations
            phases = ordering_phases(values, ordering)
        else:
            ordering = self.ordering
        return replace(
            self,
            values=values,
            variants=variants,
            overrides=merged,
            phases=phases,
            ordering=ordering,
        )


def _reweighted(variants: tuple[Variant, ...], shares: dict[str, Any], file: str):
    """A mix's members with ``mix.MEMBER`` shares: each named member (by scenario name) takes its
    share of the mix, the others fill the rest in their own proportions (a calibrated share,
    e.g. ``mix.technology_first``, run by ``crmsim sweep --posterior``)."""
    names = {v.scenario.name for v in variants}
    for key, value in shares.items():
        member = key[len(MIX_SHARE) :]
        if not variants or member not in names:
            allowed = ", ".join(sorted(names)) or "none: not a mix scenario"
            raise InputError(
                f"expected a mix member's share; allowed members: {allowed}",
                file=file,
                key=key,
                value=value,
            )
        if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 1:
            raise InputError("expected a share in [0, 1]", file=file, key=key, value=value)
    fixed = {k[len(MIX_SHARE) :]: float(v) for k, v in shares.items()}
    if sum(fixed.values()) > 1:
        raise InputError("the shares must sum to at most 1", file=file, key="mix", value=shares)
    named = {n: sum(v.weight for v in variants if v.scenario.name == n) for n in fixed}
    rest = sum(v.weight for v in variants if v.scenario.name not in fixed)
    left = 1.0 - sum(fixed.values())
    out = []
    for v in variants:
        n = v.scenario.name
        w = (
            fixed[n] * v.weight / named[n]
            if n in fixed
            else (left * v.weight / rest if rest else 0)
        )
        out.append(Variant(w, v.scenario))
    return tuple(out)


def _check_value(key: str, value: Any, file: str) -> Any:
    """Validate one value against the parameter table; return it converted to its type."""
    param = PARAMS.get(key)
    if param is None:
        close = [k for k in PARAMS if k.split(".")[-1] == key.split(".")[-1]]
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        raise InputError(f"unknown parameter{hint}; see `crmsim list --params`", file=file, key=key)
    if param.kind is bool:
        if not isinstance(value, bool):
            raise InputError(f"expected {param.allowed()}", file=file, key=key, value=value)
        return value
    if param.kind is str:
        if value not in param.choices:
            raise InputError(f"expected {param.allowed()}", file=file, key=key, value=value)
        return value
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InputError(f"expected {param.allowed()}", file=file, key=key, value=value)
    if param.kind is int:
        if isinstance(value, float) and not value.is_integer():
            raise InputError(f"expected {param.allowed()}", file=file, key=key, value=value)
        value = int(value)
    else:
        value = float(value)
    if not math.isfinite(value) or not (param.low <= value <= param.high):
        raise InputError(f"expected {param.allowed()}", file=file, key=key, value=value)
    return value


def _check_touchpoints(values: dict[str, Any], file: str) -> None:
    total = sum(values[f"touchpoints.{c}"] for c in CHANNELS)
    if abs(total - 1.0) > 1e-6:
        raise InputError(
            f"touch-point shares must add up to 1, they add up to {total:g}",
            file=file,
            key="touchpoints",
        )


def _flatten(table: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    out = {}
    for key, value in table.items():
        dotted = f"{prefix}{key}"
        if isinstance(value, dict):
            out.update(_flatten(value, dotted + "."))
        else:
            out[dotted] = value
    return out


def read_toml(path: str | Path) -> dict[str, Any]:
    """Read a TOML file; any unreadable, oversized or malformed file is an InputError naming it.

    The checks (regular file, size, nesting depth) live in :mod:`sim.model.tomlfile`.
    """
    return _read_toml(path)


def _raw_layers(path: Path, seen: tuple[Path, ...] = ()) -> list[tuple[Path, dict]]:
    """The TOML tables of a file and of the files it extends, base first."""
    path = path.resolve()
    if path in seen:
        raise InputError("`extends` loops back to this file", file=str(path), key="extends")
    raw = read_toml(path)
    layers = []
    base = raw.get("extends")
    if base is not None:
        layers = _raw_layers(_extended(path, base), (*seen, path))
    return [*layers, (path, raw)]


def _extended(path: Path, base: Any) -> Path:
    """The file ``extends = base`` names in ``path``: a file relative to ``path`` if there is one,
    else a shipped scenario or layer of that bare name (``"base.toml"``, ``"base"``,
    ``"four_ps"``), so a client's scenario written anywhere can extend the shipped organisation
    and its calibration as every shipped scenario does."""
    if isinstance(base, str) and base:
        if (path.parent / base).is_file():
            return path.parent / base
        bare = Path(base)
        if bare.name == base and bare.suffix in ("", ".toml"):
            shipped = shipped_dir("scenarios") / f"{bare.stem}.toml"
            if shipped.is_file():
                return shipped
    names = ", ".join(p.stem for p in sorted(shipped_dir("scenarios").glob("*.toml")))
    raise InputError(
        "expected the name of an existing scenario file (relative to this one) or of a shipped "
        f"one ({names})",
        file=str(path),
        key="extends",
        value=base,
    )


def uses_calibration(path: str | Path) -> bool:
    """Whether ``path`` reaches the calibrated parameters: its ``extends`` chain includes a
    ``calibrated.toml`` (as every shipped scenario's does through ``base.toml``), or one of its
    layers sets a parameter the shipped ``calibrated.toml`` sets (a self-contained file, such as
    the dashboard's export, writes them all). A scenario that does neither runs on the
    parameters' documented defaults, which the calibration replaced; ``crmsim run`` says so."""
    layers = _raw_layers(find_file(path, "scenarios"))
    if any(p.name == "calibrated.toml" for p, _ in layers):
        return True
    fitted = set(_flatten(_tables(read_toml(shipped_dir("scenarios") / "calibrated.toml"))))
    return any(fitted & set(_flatten(_tables(raw))) for _, raw in layers)


def _tables(raw: dict[str, Any]) -> dict[str, Any]:
    """A scenario file's parameter tables (its top-level keys left out)."""
    return {k: v for k, v in raw.items() if k not in _TOP_LEVEL}


def load_scenario(path: str | Path, overrides: dict[str, Any] | None = None) -> Scenario:
    """Load, merge (``extends``) and validate a scenario TOML.

    Args:
        path: the scenario file, or the name of a shipped scenario (``"four_ps"``;
            :func:`sim.shipped.find_file`).
        overrides: dotted-key values applied after loading, e.g. ``{"org.employees": 50}``.

    Returns:
        The validated :class:`Scenario`.

    Raises:
        InputError: for a missing or malformed file, an unknown key or a value out of bounds.
    """
    path = find_file(path, "scenarios")
    name, description, values, mix, plan = _merged(path)
    file = str(path)
    if mix is not None:
        variants = _load_mix(*mix)
        scen = Scenario(name, description, values, (), variants, str(path))
    else:
        ordering = check_ordering(plan["ordering"], file) if "ordering" in plan else None
        scen = Scenario(
            name,
            description,
            values,
            phases_from(values, plan, file),
            (),
            str(path),
            ordering=ordering,
        )
    return scen.with_overrides(overrides or {}, f"{file} (overrides)")


def load_settings(path: str | Path) -> tuple[str, dict[str, Any], bool]:
    """Check a settings file and its ``extends`` chain as :func:`load_scenario` does, without
    asking for a rollout: the shared layers every shipped scenario extends (``base.toml``,
    ``calibrated.toml``) are valid files that are not runnable scenarios.

    Returns:
        ``(name, values, runnable)``: the merged values (defaults included) and whether the chain
        has a rollout plan or mix members (then :func:`load_scenario` applies).

    Raises:
        InputError: as :func:`load_scenario`, for everything but a missing rollout.
    """
    path = find_file(path, "scenarios")
    name, _, values, mix, plan = _merged(path)
    return name, values, mix is not None or bool(plan)


def _merged(path: Path):
    """The checked, merged layers of ``path``'s ``extends`` chain: ``(name, description, values,
    mix, plan)``."""
    values = defaults()
    plan: dict[str, Any] = {}
    description, mix = "", None
    top = path.resolve()
    for layer_path, raw in _raw_layers(path):
        file = str(layer_path)
        if layer_path != top:  # say how the file was reached: the user named another one
            file = f"{layer_path} (reached through `extends` from {path})"
        try:
            description, mix, plan = _apply_layer(
                raw, file, layer_path, values, description, mix, plan
            )
        except InputError as exc:
            raise InputError(
                exc.detail, file=exc.file or file, key=exc.key, value=exc.value
            ) from None
    name = read_toml(path.resolve()).get("name", path.stem)
    if (
        not isinstance(name, str)
        or not name.strip()
        or len(name) > _MAX_TEXT
        or not name.isprintable()
    ):
        raise InputError(
            f"expected a non-empty printable string of at most {_MAX_TEXT} characters",
            file=str(path),
            key="name",
            value=name,
        )
    return name, description, values, mix, plan


def _apply_layer(raw, file, layer_path, values, description, mix, plan):
    """Check one file of an ``extends`` chain and merge its values into ``values`` (in place)."""
    for key in raw:
        if key not in _TOP_LEVEL and not isinstance(raw[key], dict):
            raise InputError("unknown top-level key", file=file, key=key, value=raw[key])
    if "description" in raw:
        description = raw["description"]
        if not isinstance(description, str) or len(description) > _MAX_TEXT:
            raise InputError(
                f"expected a string of at most {_MAX_TEXT} characters",
                file=file,
                key="description",
                value=description,
            )
    if "mix" in raw:
        mix = (layer_path, raw["mix"])
    rollout = raw.get("rollout", {})
    if "ordering" in rollout and "phases" in rollout:
        raise InputError(
            "give either rollout.ordering or [[rollout.phases]], not both (the ordering would "
            "be ignored)",
            file=file,
            key="rollout.ordering",
            value=rollout["ordering"],
        )
    for key in ("ordering", "phases"):
        if key in rollout:
            plan = {key: rollout[key]}
    flat = _flatten(
        {k: v for k, v in raw.items() if k not in {"name", "description", "extends", "mix"}}
    )
    for key, value in flat.items():
        if key in _STRUCTURED:
            continue
        values[key] = _check_value(key, value, file)
    _check_touchpoints(values, file)
    return description, mix, plan


def _load_mix(path: Path, members: Any) -> tuple[Variant, ...]:
    file = str(path)
    if not isinstance(members, list) or not members:
        raise InputError("expected [[mix]] tables with scenario and weight", file=file, key="mix")
    variants = []
    for i, member in enumerate(members):
        key = f"mix[{i}]"
        unknown = (
            sorted(set(member) - {"scenario", "weight", "source"})
            if isinstance(member, dict)
            else []
        )
        if not isinstance(member, dict) or unknown:
            raise InputError(
                "a mix member has scenario, weight and an optional source",
                file=file,
                key=f"{key}.{unknown[0]}" if unknown else key,
            )
        if not isinstance(member.get("source", ""), str):
            raise InputError(
                "expected a string (where the weight comes from)",
                file=file,
                key=f"{key}.source",
                value=member["source"],
            )
        weight = member.get("weight")
        if (
            isinstance(weight, bool)
            or not isinstance(weight, int | float)
            or not math.isfinite(weight)
            or not 0 < weight <= _MAX_WEIGHT
        ):
            raise InputError(
                f"expected a positive number, finite and at most {_MAX_WEIGHT:g}",
                file=file,
                key=f"{key}.weight",
                value=weight,
            )
        target = member.get("scenario")
        if not isinstance(target, str) or not target or not (path.parent / target).is_file():
            raise InputError(
                "expected the name of an existing scenario file",
                file=file,
                key=f"{key}.scenario",
                value=target,
            )
        if any("mix" in raw for _, raw in _raw_layers(path.parent / target)):
            raise InputError(
                "a mix member cannot itself be a mix",
                file=file,
                key=f"{key}.scenario",
                value=target,
            )
        variants.append(Variant(float(weight), load_scenario(path.parent / target)))
    total = sum(v.weight for v in variants)
    return tuple(Variant(v.weight / total, v.scenario) for v in variants)


def parse_assignment(text: str, flag: str = "--set") -> tuple[str, Any]:
    """Parse a ``--set key=value`` flag (or the ``key=value`` of ``flag``, e.g. a compare arm)
    into a key and a TOML-typed value."""
    key, eq, raw = text.partition("=")
    key = key.strip()
    if not eq or not key:
        raise InputError("expected key=value, e.g. org.employees=50", key=flag, value=text)
    try:
        value = tomllib.loads(f"v = {raw.strip()}")["v"]
    except (tomllib.TOMLDecodeError, RecursionError):
        value = raw.strip()
    return key, value
