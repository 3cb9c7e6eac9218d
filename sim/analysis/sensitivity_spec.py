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
the range ``value x (1 +- span)`` clipped to the parameter's bounds, or ``+-span`` around a zero
value, ``value`` the one the scenario runs with (a mix: the value its members share; a parameter
they set differently is left out); an assumption: a screening range for parameters with no
published range; ``span`` defaults to 0.5. Every error names the file, the key, the value and
what is allowed (exit status 2).

A Sobol' analysis can go through an emulator instead of the model (docs/sensitivity.md;
:mod:`sim.analysis.sobol_emulated`): the model runs at a Latin hypercube of design points, a
Gaussian process per output is fitted to them and checked on further points held out of the fit,
and the Saltelli sample of ``samples`` base rows is evaluated on the emulator::

    [sensitivity]
    method = "sobol"
    samples = 4096              # Saltelli base rows on the emulator (2N, a power of two)
    calibration = "calibration.toml"   # also vary every parameter of this file, by its prior
    [sensitivity.emulator]
    points = 256                # design points run on the model (the emulator's fit)
    test_points = 64            # more points, held out of the fit (the emulator's check)
    draws = 32                  # functions drawn from the emulator's posterior

With an emulator, a mix scenario runs as its members (arms on common seeds, as the calibration
does: sim.analysis.calibration_runs), so a member's share ``mix.MEMBER`` may vary too, and a
parameter the members set differently is refused (an override would erase their difference). A
parameter taken from ``calibration`` varies by its prior (uniform, or a truncated normal through
its quantile function), so the indices answer "which of the calibration's uncertainties matter".
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from sim.analysis.calibration_spec import mix_members
from sim.analysis.priors import is_share
from sim.analysis.sensitivity_ranges import check_members_agree, parameters, screening_range
from sim.errors import InputError
from sim.experiments.experiment import ExperimentSpec, experiment_from_dict
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
    "screening_range",
]

METHODS = ("sobol", "morris")
#: Per-run flags whose replicate mean is a probability (sim.experiments.summary.rate_columns).
RATE_OUTPUTS = (
    "failed",
    "measurable_gain",
    "never_live",
    "abandoned",
    "met_expectations",
    "business_case_met",
)
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
    "emulator",
    "calibration",
}
_QUICK_KEYS = {"samples", "replicates", "overrides", "bootstrap"}
#: ``[sensitivity.emulator]`` keys: (fewest, most, what it is). The bounds are assumptions: an
#: emulator needs a few points to say anything; a Gaussian process costs the cube of its points.
EMULATOR_KEYS = {
    "points": (8, 4000, "design points run on the model, the emulator's fit"),
    "test_points": (4, 1000, "design points held out of the fit, the emulator's check"),
    "draws": (2, 1000, "functions drawn from the emulator's posterior"),
}


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
        emulator: ``{"points", "test_points", "draws"}`` for a Sobol' analysis through an
            emulator (:mod:`sim.analysis.sobol_emulated`); None runs Sobol' on the model itself.
        arms: with an emulator, the scenario's members: name -> (file, weight) (a plain
            scenario is one arm of weight 1).
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
    emulator: dict[str, int] | None = None
    arms: dict[str, tuple[str, float]] = field(default_factory=dict)

    @property
    def names(self) -> list[str]:
        """Parameter keys in sampling order."""
        return list(self.parameters)

    @property
    def model_names(self) -> list[str]:
        """The keys that are model parameters (a mix member's share only reweights the arms)."""
        return [k for k in self.parameters if not is_share(k)]

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
            **(
                {
                    "emulator": self.emulator,
                    "arms": self.arms,
                    "scenario": self.experiment.scenarios[0],  # the runs name its arms instead
                }
                if self.emulator
                else {}
            ),
        }

    def quick_version(self) -> SensitivitySpec:
        """The small version ``--quick`` runs: the file's ``[sensitivity.quick]`` settings.

        Defaults (assumption, sized for a test of a few seconds): 8 Sobol base rows or 4 Morris
        trajectories, 2 replicates, 200 bootstrap resamples; the results folder gets ``-quick``.
        An emulator keeps its sizes unless the quick table gives ``points``, ``test_points`` or
        ``draws``.
        """
        q = self.quick
        emulator = self.emulator
        if emulator is not None:
            emulator = {k: q.get(k, v) for k, v in emulator.items()}
        samples = q.get("samples", 8 if self.method == "sobol" else 4)
        exp = replace(
            self.experiment,
            name=f"{self.experiment.name}-quick",
            replicates=q.get("replicates", 2),
            overrides={**self.experiment.overrides, **q.get("overrides", {})},
            keep_series=0,
        )
        return replace(
            self,
            experiment=exp,
            samples=samples,
            bootstrap=q.get("bootstrap", 200),
            quick={},
            emulator=emulator,
        )


def _err(msg: str, file: str | None, key: str, value: Any = None) -> InputError:
    return InputError(msg, file=file, key=f"sensitivity.{key}", value=value)


def _whole(raw: dict, key: str, default: int, low: int, file: str | None) -> int:
    value = raw.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int) or value < low:
        raise _err(f"expected a whole number >= {low}", file, key, value)
    return value


def _emulator(table: dict, method: str, second: bool, file: str | None) -> dict[str, int] | None:
    """``[sensitivity.emulator]``: every key of :data:`EMULATOR_KEYS`, each a whole number."""
    raw = table.get("emulator")
    if raw is None:
        return None
    if method != "sobol":
        raise _err("an emulator serves method = 'sobol' only", file, "emulator")
    if second:
        raise _err(
            "second_order is not available through an emulator", file, "second_order", second
        )
    if not isinstance(raw, dict):
        raise _err(f"expected a table with keys {', '.join(EMULATOR_KEYS)}", file, "emulator", raw)
    unknown = sorted(set(raw) - set(EMULATOR_KEYS))
    if unknown:
        raise _err(
            f"unknown key; allowed: {', '.join(EMULATOR_KEYS)}", file, f"emulator.{unknown[0]}"
        )
    return {key: _bounded(raw, key, file, "emulator") for key in EMULATOR_KEYS}


def _bounded(raw: dict, key: str, file: str | None, where: str) -> int:
    low, high, what = EMULATOR_KEYS[key]
    value = raw.get(key)
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise _err(
            f"expected a whole number in [{low}, {high}] ({what})", file, f"{where}.{key}", value
        )
    return value


def _quick(raw: Any, method: str, file: str | None, emulator: bool = False) -> dict[str, Any]:
    if raw is None:
        return {}
    keys = _QUICK_KEYS | (set(EMULATOR_KEYS) if emulator else set())
    if not isinstance(raw, dict) or set(raw) - keys:
        bad = sorted(set(raw) - keys)[0] if isinstance(raw, dict) else None
        raise _err(
            f"expected a table with keys {', '.join(sorted(keys))}",
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
    for key in EMULATOR_KEYS:
        if key in raw:
            out[key] = _bounded(raw, key, file, "quick")
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


def _arms(path: Path) -> dict[str, tuple[str, float]]:
    """The arms an emulator's design runs: a mix's members (name -> file, weight), or the
    scenario itself (named as its run rows will be: its ``name``, else the file's stem)."""
    raw = read_toml(path)
    if "mix" in raw:
        return mix_members(path)
    return {str(raw.get("name", path.stem)): (str(path), 1.0)}


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
    emulator = _emulator(table, method, second, file)
    arms = _arms(Path(experiment.scenario_paths[0])) if emulator else {}
    if "calibration" in table and not emulator:
        raise _err(
            "a calibration file's parameters vary through [sensitivity.emulator] only",
            file,
            "calibration",
            table["calibration"],
        )
    base = Path(base_dir) if base_dir is not None else (Path(file).parent if file else Path.cwd())
    varied = parameters(table, file, arms, base, Path(experiment.scenario_paths[0]))
    check_members_agree(varied, arms, file)
    return SensitivitySpec(
        experiment=experiment,
        method=method,
        parameters=varied,
        samples=_samples(table, method, file),
        outputs=tuple(dict.fromkeys(outputs)),
        second_order=second,
        levels=levels,
        bootstrap=_whole(table, "bootstrap", 1000, 10, file),
        conf_level=float(conf),
        quick=_quick(table.get("quick"), method, file, emulator is not None),
        emulator=emulator,
        arms=arms,
    )


def is_sensitivity_file(path: str | Path) -> bool:
    """Whether a TOML file has a ``[sensitivity]`` table (``crmsim validate`` dispatches on it)."""
    return "sensitivity" in read_toml(Path(path))


def load_sensitivity(path: str | Path) -> SensitivitySpec:
    """Read and validate a sensitivity experiment TOML (see the module docstring)."""
    path = Path(path)
    return sensitivity_from_dict(read_toml(path), file=str(path))
