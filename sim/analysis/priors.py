"""Priors of the calibrated parameters: read from the calibration file, evaluated, sampled.

A prior is uniform on [low, high] or a normal truncated to [low, high] (scipy.stats), its bounds
inside the parameter table's (sim/model/params.py) or [0, 1] for a mix member's share
(``mix.MEMBER``). Every prior carries its ``source``: a publication where one bounds the value,
``"assumption: ..."`` where none does (then the prior is wide).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np

from sim.analysis.spec_values import check_number, check_table, check_text
from sim.errors import InputError
from sim.model.params import PARAMS

__all__ = ["PRIORS", "Prior", "parse_prior", "box", "log_prior", "is_share", "share_of"]

PRIORS = ("uniform", "normal")
#: The prefix of a parameter that is a mix member's share of the mix, not a model parameter.
SHARE = "mix."


def is_share(key: str) -> bool:
    """True for ``mix.MEMBER``: a member's share of the mix (reweights runs; runs nothing new)."""
    return key.startswith(SHARE)


def share_of(key: str) -> str:
    """The member a ``mix.MEMBER`` key names."""
    return key[len(SHARE) :]


@dataclass(frozen=True)
class Prior:
    """A parameter's prior: uniform on [low, high], or a normal truncated to [low, high]."""

    key: str
    dist: str
    low: float
    high: float
    mean: float | None = None
    sd: float | None = None
    source: str = ""

    @cached_property
    def frozen(self):
        """The scipy.stats distribution (built once: scipy's frozen distributions are slow to
        make, and the sampler evaluates the prior a hundred thousand times)."""
        from scipy import stats  # here: reading a calibration file needs no scipy.stats

        if self.dist == "uniform":
            return stats.uniform(self.low, self.high - self.low)
        a, b = (self.low - self.mean) / self.sd, (self.high - self.mean) / self.sd
        return stats.truncnorm(a, b, loc=self.mean, scale=self.sd)

    def describe(self) -> str:
        """The prior in words, for reports: ``uniform(0.4, 1.6)``."""
        if self.dist == "uniform":
            return f"uniform({self.low:g}, {self.high:g})"
        return f"normal({self.mean:g}, {self.sd:g}) on [{self.low:g}, {self.high:g}]"


def parse_prior(key: str, raw: Any, file: str, members: dict) -> Prior:
    """Read ``[parameters.KEY]``: a float model parameter, or ``mix.MEMBER`` of the mix.

    Raises:
        InputError: for an unknown key, a prior other than uniform or normal, bounds outside the
            parameter's own (or [0, 1] for a share), a missing source.
    """
    where = f"parameters.{key}"
    raw = check_table(raw, file, where, {"prior", "low", "high", "mean", "sd", "source"}, "a prior")
    if is_share(key):
        if share_of(key) not in members or len(members) < 2:
            raise InputError(
                f"expected mix.MEMBER with MEMBER one of the mix's members ({', '.join(members)})",
                file=file,
                key=where,
            )
        bounds = (0.0, 1.0)
    else:
        p = PARAMS.get(key)
        if p is None or p.kind is not float:
            raise InputError(
                "expected a real-valued model parameter (see crmsim list --params) or "
                "mix.MEMBER (a mix member's share)",
                file=file,
                key=where,
            )
        bounds = (float(p.low), float(p.high))
    dist = raw.get("prior")
    if dist not in PRIORS:
        raise InputError(
            f"allowed: {', '.join(PRIORS)}", file=file, key=f"{where}.prior", value=dist
        )
    low = check_number(raw.get("low"), file, f"{where}.low", *bounds)
    high = check_number(raw.get("high"), file, f"{where}.high", *bounds)
    if not low < high:
        raise InputError("expected low < high", file=file, key=where, value=(low, high))
    mean = sd = None
    if dist == "normal":
        mean = check_number(raw.get("mean"), file, f"{where}.mean", low, high)
        span = high - low
        sd = check_number(raw.get("sd"), file, f"{where}.sd", 1e-9 * span, 1e3 * span)
    elif "mean" in raw or "sd" in raw:
        raise InputError("mean and sd apply to a normal prior only", file=file, key=f"{where}.mean")
    source = check_text(
        raw.get("source"), file, f"{where}.source", "a source, or 'assumption: ...'"
    )
    return Prior(key, dist, low, high, mean, sd, source)


def box(priors: list[Prior]) -> tuple[np.ndarray, np.ndarray]:
    """The priors' bounding box: arrays of lower and upper bounds, in parameter order."""
    return np.array([p.low for p in priors]), np.array([p.high for p in priors])


def log_prior(theta: np.ndarray, priors: list[Prior]) -> np.ndarray:
    """Log prior density of each row of ``theta`` (-inf outside the box); priors independent."""
    theta = np.atleast_2d(theta)
    out = np.zeros(len(theta))
    for j, p in enumerate(priors):
        out += p.frozen.logpdf(theta[:, j])
    return out
