"""Sensitivity experiments: the TOML schema of ``[sensitivity]`` and its validation.

A sensitivity experiment is an ordinary experiment file (one scenario, replicates, root seed,
overrides; :mod:`sim.experiments.experiment`) plus a ``[sensitivity]`` table that says which
parameters vary over which ranges, which method samples them and which outputs are analysed::

    [sensitivity]
    method = "sobol"            # or "morris"
    samples = 256               # sobol: base rows 2N (a power of 2); morris: trajectories
    outputs = ["failed", "measurable_gain", "never_live", "roi", "adoption_final"]
    second_order = false        # sobol only: S2 as well (costs 2D+2 instead of D+2 rows a base row)
    levels = 4                  # morris only: grid levels (Morris 1991; Campolongo et al. 2007)
    bootstrap = 1000            # resamples for the confidence intervals
    [sensitivity.parameters]    # dotted key -> range; the type comes from sim.model.params
    "org.complexity" = { low = 0.4, high = 1.2 }
    [sensitivity.quick]         # --quick: a small version for tests and trying the file out
    samples = 8
    replicates = 2
    overrides = { "org.employees" = 20 }

``all_parameters = true`` adds every numeric model parameter not listed (nor in ``exclude``) with
the range ``default x (1 +- span)`` clipped to the parameter's bounds, or ``+-span`` around a zero
default (an assumption: a screening range for parameters with no published range; ``span`` defaults
to 0.5). Every error names the file, the key, the value and what is allowed (exit status 2).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from sim.errors import InputError
from sim.experiments.experiment import ExperimentSpec, experiment_from_dict
from sim.model.params import PARAMS
from sim.model.scenario import read_toml

__all__ = [
    "METHODS",
    "RATE_OUTPUTS",
    "NUMERIC_OUTPUTS",
    "OUTPUTS",
    "SensitivitySpec",
    "is_sensitivity_file",
    "load_sensitivity",
    "sensitivity_from_dict",
]

METHODS = ("sobol", "morris")
#: Per-run flags whose replicate mean is a probability (sim.experiments.summary.rate_columns).
RATE_OUTPUTS = ("failed", "measurable_gain", "never_live", "abandoned", "met_expectations")
#: Numeric summary fields of a run (sim.model.outcomes.classify) whose replicate mean is analysed.
NUMERIC_OUTPUTS = ("roi", "adoption_final", "delta_profit", "delta_csat", "delta_churn", "spend")
OUTPUTS = RATE_OUTPUTS + NUMERIC_OUTPUTS
DEFAULT_OUTPUTS = ("failed", "measurable_gain", "never_live", "roi", "adoption_final")
_KEYS = {
    "method",
    "samples",
    "outputs",
    "second_order",
    "levels",
    "bootstrap",
    "conf_level",
    "parameters",
    "all_parameters",
    "span",
    "exclude",
    "quick",
}
_QUICK_KEYS = {"samples", "replicates", "overrides", "bootstrap"}


@dataclass(frozen=True)
class SensitivitySpec:
    """A validated sensitivity experiment.

    Attributes:
        experiment: the run settings (scenario, replicates, seed, engine, overrides, batch size).
        method: ``"sobol"`` or ``"morris"``.
        parameters: dotted key -> ``{"low", "high", "type"}`` (``type`` "real" or "integer").
        samples: Sobol base rows (2N, a power of two) or Morris trajectories.
        outputs: outputs analysed, in order.
        second_order: Sobol S2 as well.
        levels: Morris grid levels.
        bootstrap: resamples for the confidence intervals.
        conf_level: confidence level of the intervals.
        quick: the ``--quick`` settings as given in the file.
    """

    experiment: ExperimentSpec
    method: str
    parameters: dict[str, dict[str, Any]]
    samples: int
    outputs: tuple[str, ...] = DEFAULT_OUTPUTS
    second_order: bool = False
    levels: int = 4
    bootstrap: int = 1000
    conf_level: float = 0.95
    quick: dict[str, Any] = field(default_factory=dict)

    @property
    def names(self) -> list[str]:
        """Parameter keys in sampling order."""
        return list(self.parameters)

    @property
    def file(self) -> str | None:
        return self.experiment.file

    def to_dict(self) -> dict[str, Any]:
        """Plain data for the manifest (the hash pins the sample, so resume cannot mix two)."""
        return {
            "method": self.method,
            "parameters": self.parameters,
            "samples": self.samples,
            "outputs": list(self.outputs),
            "second_order": self.second_order,
            "levels": self.levels,
            "bootstrap": self.bootstrap,
            "conf_level": self.conf_level,
        }

    def quick_version(self) -> SensitivitySpec:
        """The small version ``--quick`` runs: the file's ``[sensitivity.quick]`` settings.

        Defaults (assumption, sized for a test of a few seconds): 8 Sobol base rows or 4 Morris
        trajectories, 2 replicates, 200 bootstrap resamples; the results folder gets ``-quick``.
        """
        q = self.quick
        samples = q.get("samples", 8 if self.method == "sobol" else 4)
        exp = replace(
            self.experiment,
            name=f"{self.experiment.name}-quick",
            replicates=q.get("replicates", 2),
            overrides={**self.experiment.overrides, **q.get("overrides", {})},
            keep_series=0,
        )
        return replace(
            self, experiment=exp, samples=samples, bootstrap=q.get("bootstrap", 200), quick={}
        )


def _err(msg: str, file: str | None, key: str, value: Any = None) -> InputError:
    return InputError(msg, file=file, key=f"sensitivity.{key}", value=value)


def _whole(raw: dict, key: str, default: int, low: int, file: str | None) -> int:
    value = raw.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int) or value < low:
        raise _err(f"expected a whole number >= {low}", file, key, value)
    return value


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


def screening_range(key: str, span: float) -> dict[str, Any] | None:
    """``default x (1 +- span)`` (``+-span`` at a zero default) clipped to the bounds, or None.

    An assumption for screening: most parameters have no published range (docs/ODD.md marks them
    "assumption"), and a relative span treats them alike.
    """
    p = PARAMS[key]
    d = float(p.default)
    half = span * abs(d) if d != 0 else span
    low, high = max(p.low, d - half), min(p.high, d + half)
    if p.kind is int:
        low, high = math.floor(low), math.ceil(high)
        return {"low": int(low), "high": int(high), "type": "integer"} if low < high else None
    return {"low": float(low), "high": float(high), "type": "real"} if low < high else None


def _parameters(raw: dict, file: str | None) -> dict[str, dict[str, Any]]:
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
    params = {k: _range(k, v, file) for k, v in flat.items()}
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
        for key, p in PARAMS.items():
            if key in params or key in exclude or p.kind not in (int, float):
                continue
            rng = screening_range(key, float(span))
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


def _quick(raw: Any, method: str, file: str | None) -> dict[str, Any]:
    if raw is None:
        return {}
    if not isinstance(raw, dict) or set(raw) - _QUICK_KEYS:
        bad = sorted(set(raw) - _QUICK_KEYS)[0] if isinstance(raw, dict) else None
        raise _err(
            f"expected a table with keys {', '.join(sorted(_QUICK_KEYS))}",
            file,
            f"quick.{bad}" if bad else "quick",
            raw.get(bad) if bad else raw,
        )
    out: dict[str, Any] = {}
    if "samples" in raw:
        out["samples"] = _samples(raw, method, file, "quick.samples")
    if "replicates" in raw:
        out["replicates"] = _whole(raw, "replicates", 2, 1, file)
    if "bootstrap" in raw:
        out["bootstrap"] = _whole(raw, "bootstrap", 200, 10, file)
    if "overrides" in raw:
        ov = raw["overrides"]
        if not isinstance(ov, dict):
            raise _err("expected a table of dotted keys", file, "quick.overrides", ov)
        out["overrides"] = dict(ov)
    return out


def _samples(raw: dict, method: str, file: str | None, key: str = "samples") -> int:
    value = raw.get(key.split(".")[-1])
    if method == "sobol":
        ok = isinstance(value, int) and not isinstance(value, bool) and value >= 4
        if not ok or not isinstance(value, int) or value & (value - 1):
            raise _err(
                "expected a power of two >= 4 (Sobol' sequences balance at powers of two; "
                "the convergence check uses the first half)",
                file,
                key,
                value,
            )
        return value
    if isinstance(value, bool) or not isinstance(value, int) or value < 4:
        raise _err("expected a whole number of trajectories >= 4", file, key, value)
    return value


def sensitivity_from_dict(raw: dict, file: str | None = None, base_dir=None) -> SensitivitySpec:
    """Validate a sensitivity experiment given as the parsed TOML.

    Raises:
        InputError: naming the file, key, value and what is allowed.
    """
    raw = dict(raw)
    table = raw.pop("sensitivity", None)
    if not isinstance(table, dict):
        raise InputError(
            "a sensitivity experiment needs a [sensitivity] table", file=file, key="sensitivity"
        )
    if "design" in raw:
        raise InputError(
            "a sensitivity experiment takes its design from [sensitivity]; remove [design]",
            file=file,
            key="design",
        )
    experiment = experiment_from_dict({"keep_series": 0, **raw}, file=file, base_dir=base_dir)
    if len(experiment.scenarios) != 1:
        raise InputError(
            "a sensitivity experiment takes one scenario (write one file per ordering, or use a "
            "mix scenario such as industry_mix)",
            file=file,
            key="scenarios",
            value=list(experiment.scenarios),
        )
    unknown = sorted(set(table) - _KEYS)
    if unknown:
        raise _err(f"unknown key; allowed: {', '.join(sorted(_KEYS))}", file, unknown[0])
    method = table.get("method")
    if method not in METHODS:
        raise _err(f"allowed: {', '.join(METHODS)}", file, "method", method)
    outputs = table.get("outputs", list(DEFAULT_OUTPUTS))
    if not isinstance(outputs, list) or not outputs:
        raise _err(f"expected a non-empty list from {', '.join(OUTPUTS)}", file, "outputs", outputs)
    for out in outputs:
        if out not in OUTPUTS:
            raise _err(f"allowed: {', '.join(OUTPUTS)}", file, "outputs", out)
    second = table.get("second_order", False)
    if not isinstance(second, bool):
        raise _err("expected true or false", file, "second_order", second)
    if second and method != "sobol":
        raise _err("second_order applies to method = 'sobol' only", file, "second_order", second)
    levels = _whole(table, "levels", 4, 2, file)
    if levels % 2:
        raise _err("expected an even number of levels (Morris 1991)", file, "levels", levels)
    conf = table.get("conf_level", 0.95)
    if isinstance(conf, bool) or not isinstance(conf, float) or not 0.5 <= conf < 1:
        raise _err("expected a number in [0.5, 1)", file, "conf_level", conf)
    return SensitivitySpec(
        experiment=experiment,
        method=method,
        parameters=_parameters(table, file),
        samples=_samples(table, method, file),
        outputs=tuple(dict.fromkeys(outputs)),
        second_order=second,
        levels=levels,
        bootstrap=_whole(table, "bootstrap", 1000, 10, file),
        conf_level=float(conf),
        quick=_quick(table.get("quick"), method, file),
    )


def is_sensitivity_file(path: str | Path) -> bool:
    """Whether a TOML file has a ``[sensitivity]`` table (``crmsim validate`` dispatches on it)."""
    return "sensitivity" in read_toml(Path(path))


def load_sensitivity(path: str | Path) -> SensitivitySpec:
    """Read and validate a sensitivity experiment TOML (see the module docstring)."""
    path = Path(path)
    return sensitivity_from_dict(read_toml(path), file=str(path))
