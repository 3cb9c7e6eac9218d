"""Where the varied parameters of a sensitivity experiment come from, and their ranges.

Three sources, in this order (``[sensitivity]`` of a sensitivity experiment,
:mod:`sim.analysis.sensitivity_spec`):

* ``calibration = "FILE"``: every parameter of a calibration file, ranged by its prior (uniform,
  or a normal truncated to its bounds), so the indices apportion the output's variance over the
  calibration's own uncertainty (with an emulator only);
* ``[sensitivity.parameters]``: dotted key -> ``{low, high}``, checked against the parameter
  table (sim/model/params.py); ``mix.MEMBER`` is a mix member's share (with an emulator only:
  the mix then runs as its members, and a share reweights their runs);
* ``all_parameters = true``: every other numeric parameter, ``value x (1 +- span)`` clipped to
  its bounds (:func:`screening_range`), ``value`` the one the scenario runs with (its own files,
  the calibrated point included: :func:`scenario_values`). A parameter a mix's members set
  differently has no one value to centre on and is left out.

A parameter given twice is an error, as is one the mix's members set differently when the mix
runs as arms (an override would give all of them one value).
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from sim.analysis.calibration_spec import load_calibration
from sim.analysis.priors import is_share, share_of
from sim.errors import InputError
from sim.model.params import PARAMS
from sim.model.scenario import load_scenario

__all__ = ["screening_range", "scenario_values", "parameters", "check_members_agree"]


def _err(msg: str, file: str | None, key: str, value: Any = None) -> InputError:
    return InputError(msg, file=file, key=f"sensitivity.{key}", value=value)


def _range(key: str, spec: Any, file: str | None) -> dict[str, Any]:
    """Check one ``{low, high}`` range against the parameter table."""
    where = f"parameters.{key}"
    param = PARAMS.get(key)
    if param is None:
        raise _err("unknown parameter; see `crmsim list --params`", file, where)
    if param.kind not in (int, float):
        raise _err(
            f"only numeric parameters can vary (this one is {param.kind.__name__})", file, where
        )
    if not isinstance(spec, dict) or set(spec) != {"low", "high"}:
        raise _err("expected a table {low = ..., high = ...}", file, where, spec)
    low, high = spec["low"], spec["high"]
    for name, v in (("low", low), ("high", high)):
        if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v):
            raise _err("expected a finite number", file, f"{where}.{name}", v)
    if not low < high:
        raise _err("a range needs low < high", file, where, (low, high))
    if low < param.low or high > param.high:
        raise _err(f"the range must lie within {param.allowed()}", file, where, (low, high))
    if param.kind is int:
        if int(low) != low or int(high) != high:
            raise _err(f"expected whole numbers: {param.allowed()}", file, where, (low, high))
        return {"low": int(low), "high": int(high), "type": "integer"}
    return {"low": float(low), "high": float(high), "type": "real"}


def screening_range(key: str, span: float, centre: float | None = None) -> dict[str, Any] | None:
    """``centre x (1 +- span)`` (``+-span`` at a zero centre) clipped to the bounds, or None;
    ``centre`` is the parameter's default unless given.

    An assumption for screening: most parameters have no published range (docs/ODD.md marks them
    "assumption"), and a relative span treats them alike. A screening centres each range on the
    value its scenario runs with (``scenario_values``): centred on the defaults instead, it
    screened a model the calibration had moved away from (the UTAUT intercept, the benefit's size
    and the expectation's floor among others), where nearly every run failed.
    """
    p = PARAMS[key]
    d = float(p.default if centre is None else centre)
    half = span * abs(d) if d != 0 else span
    low, high = max(p.low, d - half), min(p.high, d + half)
    if p.kind is int:
        low, high = math.floor(low), math.ceil(high)
        return {"low": int(low), "high": int(high), "type": "integer"} if low < high else None
    return {"low": float(low), "high": float(high), "type": "real"} if low < high else None


def _shared(members: list[dict[str, Any]]) -> dict[str, Any]:
    """The values every member sets alike (a key one of them sets differently, or lacks, is
    left out): what one override could give all of them without erasing a difference."""
    return {
        k: v
        for k, v in members[0].items()
        if all(k in m and repr(m[k]) == repr(v) for m in members[1:])
    }


def scenario_values(path: Path) -> dict[str, Any]:
    """The values a scenario runs with, by dotted key; for a mix, the values its members share."""
    scen = load_scenario(path)
    if not scen.is_mix:
        return dict(scen.values)
    return _shared([v.scenario.values for v in scen.variants])


def _share_range(key: str, spec: Any, file: str | None, arms: dict) -> dict[str, Any]:
    """``mix.MEMBER = {low, high}``: a member's share of the mix, within [0, 1]."""
    where = f"parameters.{key}"
    if len(arms) < 2 or share_of(key) not in arms:
        members = ", ".join(arms) if len(arms) > 1 else "none: the scenario is not a mix"
        raise _err(
            "a mix member's share varies only through [sensitivity.emulator], as mix.MEMBER "
            f"with MEMBER one of the mix's members ({members})",
            file,
            where,
        )
    if not isinstance(spec, dict) or set(spec) != {"low", "high"}:
        raise _err("expected a table {low = ..., high = ...}", file, where, spec)
    low, high = spec["low"], spec["high"]
    for name, v in (("low", low), ("high", high)):
        if isinstance(v, bool) or not isinstance(v, int | float) or not 0 <= v <= 1:
            raise _err("expected a share in [0, 1]", file, f"{where}.{name}", v)
    if not low < high:
        raise _err("a range needs low < high", file, where, (low, high))
    return {"low": float(low), "high": float(high), "type": "share"}


def _from_calibration(raw: dict, file: str | None, base: Path, arms: dict) -> dict[str, Any]:
    """Every parameter of the calibration file ``calibration`` names, ranged by its prior.

    The prior (uniform, or a normal truncated to [low, high]) is kept, so the Sobol' sample
    follows it: the indices apportion the output's variance over the calibration's own
    uncertainty. A ``mix.MEMBER`` share needs the same mix here.
    """
    value = raw.get("calibration")
    if value is None:
        return {}
    if not isinstance(value, str) or not value:
        raise _err(
            "expected the path of a calibration file (e.g. calibration.toml)",
            file,
            "calibration",
            value,
        )
    path = Path(value) if Path(value).is_absolute() else base / value
    if not path.is_file():
        raise _err("no such file (a path relative to this file)", file, "calibration", value)
    out: dict[str, Any] = {}
    for prior in load_calibration(path).priors:
        if is_share(prior.key) and (len(arms) < 2 or share_of(prior.key) not in arms):
            raise _err(
                f"its parameter {prior.key} is a share of a mix this scenario does not have",
                file,
                "calibration",
                value,
            )
        entry: dict[str, Any] = {
            "low": prior.low,
            "high": prior.high,
            "type": "share" if is_share(prior.key) else "real",
            "prior": prior.dist,
        }
        if prior.dist == "normal":
            entry.update(mean=prior.mean, sd=prior.sd)
        out[prior.key] = entry
    return out


def check_members_agree(params: dict, arms: dict, file: str | None) -> None:
    """Refuse a parameter the mix's members set differently: run as arms, an override would
    give every member the same value and erase the difference the mix is made of."""
    if len(arms) < 2:
        return
    values = {name: load_scenario(path).values for name, (path, _) in arms.items()}
    shared = _shared(list(values.values()))
    for key in params:
        if is_share(key) or key in shared or not any(key in v for v in values.values()):
            continue
        raise _err(
            "the mix's members set this parameter differently; varying it would give them "
            "all one value (leave it out, or vary it in one member's scenario)",
            file,
            f"parameters.{key}",
            {name: v.get(key) for name, v in values.items()},
        )


def parameters(
    raw: dict,
    file: str | None,
    arms: dict | None = None,
    base: Path | None = None,
    scenario: Path | None = None,
) -> dict[str, dict[str, Any]]:
    """The varied parameters: dotted key -> ``{"low", "high", "type"}`` (and a calibration
    prior's ``prior``, ``mean``, ``sd``); ``type`` is "real", "integer" or "share".

    ``scenario``: the experiment's scenario, whose values (``scenario_values``) the
    ``all_parameters`` ranges centre on; a key without one value there is left out. None centres
    on the defaults."""
    arms = arms or {}
    given = raw.get("parameters", {})
    if not isinstance(given, dict):
        raise _err("expected a table of dotted keys", file, "parameters", given)
    flat: dict[str, Any] = {}

    def walk(table: dict, prefix: str) -> None:
        for k, v in table.items():
            if isinstance(v, dict) and not ({"low", "high"} & set(v)):
                walk(v, f"{prefix}{k}.")
            else:
                flat[f"{prefix}{k}"] = v

    walk(given, "")
    params = _from_calibration(raw, file, base or Path.cwd(), arms)
    for k, v in flat.items():
        if k in params:
            raise _err(
                "also a parameter of the calibration file; give its range in one place",
                file,
                f"parameters.{k}",
            )
        params[k] = _share_range(k, v, file, arms) if is_share(k) else _range(k, v, file)
    everything = raw.get("all_parameters", False)
    if not isinstance(everything, bool):
        raise _err("expected true or false", file, "all_parameters", everything)
    span = raw.get("span", 0.5)
    if isinstance(span, bool) or not isinstance(span, int | float) or not 0 < span <= 1:
        raise _err("expected a number in (0, 1]", file, "span", span)
    exclude = raw.get("exclude", [])
    if not isinstance(exclude, list) or not all(isinstance(k, str) for k in exclude):
        raise _err("expected a list of parameter keys", file, "exclude", exclude)
    for k in exclude:
        if k not in PARAMS:
            raise _err("unknown parameter; see `crmsim list --params`", file, "exclude", k)
    if everything:
        centres = scenario_values(scenario) if scenario is not None else None
        for key, p in PARAMS.items():
            if key in params or key in exclude or p.kind not in (int, float):
                continue
            if centres is not None and key not in centres:
                continue  # the mix's members set it differently
            centre = None if centres is None else float(centres[key])
            rng = screening_range(key, float(span), centre)
            if rng is not None:
                params[key] = rng
    if len(params) < 2:
        raise _err(
            "at least two parameters must vary (a table of {low, high} ranges, or "
            "all_parameters = true)",
            file,
            "parameters",
            list(params),
        )
    return params
