"""The page's settings as a scenario file: what is exported, validated and run.

Every action on the page goes through a scenario TOML written here: the settings (the starting
scenario's values, the profile and the levers as set on the page, and a rollout plan) are written
as one self-contained file (every value that differs from the parameter table's default, no
``extends``), and that file is read back with :func:`sim.model.scenario.load_scenario`, the loader
``crmsim run`` and ``crmsim validate`` use. So a value the page lets through but the model refuses
gets exactly the command line's message, the exported file is the file that was run, and
``crmsim run FILE --seed N`` reproduces the page's single run.

Files go under one results folder (:class:`ResultsArea`); a name that would resolve outside it is
refused, so nothing from the page writes anywhere else.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import math
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import tomli_w

from sim.errors import InputError
from sim.model.params import PARAMS, defaults
from sim.model.scenario import Scenario, load_scenario

_SAFE = re.compile(r"[^A-Za-z0-9_.-]+")


class ResultsArea:
    """The one folder the dashboard writes to (default ``results/dashboard``).

    Args:
        root: the folder; created on first write.
    """

    def __init__(self, root: Path | str):
        self.root = Path(root).resolve()

    def path(self, *parts: str) -> Path:
        """``root/parts...``, refusing anything that resolves outside the root.

        Raises:
            InputError: for a path that leaves the results folder.
        """
        target = self.root.joinpath(*parts).resolve()
        if target != self.root and self.root not in target.parents:
            raise InputError(
                "the dashboard writes only inside its results folder",
                file=str(self.root),
                value="/".join(parts),
            )
        return target

    def write_text(self, text: str, *parts: str) -> Path:
        """Write ``text`` to ``root/parts`` (folders created); returns the path."""
        target = self.path(*parts)
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(target.name + ".tmp")
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(target)
        return target


def safe_name(text: str) -> str:
    """A file-name-safe version of a label (letters, digits, ``_ . -``)."""
    return _SAFE.sub("_", text).strip("._") or "scenario"


def _tidy(value: Any) -> Any:
    """Slider floats to 6 significant digits (0.30000000000000004 -> 0.3); others unchanged."""
    if isinstance(value, float) and math.isfinite(value) and value != 0:
        return float(f"{value:.6g}")
    return value


def _nest(flat: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in flat.items():
        node = out
        parts = key.split(".")
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        node[parts[-1]] = value
    return out


def scenario_values(base: Scenario, page: dict[str, Any]) -> dict[str, Any]:
    """The base scenario's values with the page's values on top, unknown keys refused.

    Raises:
        InputError: for a key the parameter table does not know.
    """
    unknown = sorted(set(page) - set(PARAMS))
    if unknown:
        raise InputError("unknown parameter", file="dashboard", key=unknown[0])
    return {**base.values, **{k: _tidy(v) for k, v in page.items()}}


def scenario_toml(
    base: Scenario,
    page: dict[str, Any],
    phases: Iterable[dict],
    name: str,
    description: str = "",
    seed: int | None = None,
) -> str:
    """One self-contained scenario TOML: every value that differs from the default, and the plan.

    Args:
        base: the scenario the page started from (its values are the starting point).
        page: dotted-key values set on the page (profile and levers).
        phases: the rollout plan, rows with workstream, start, duration, effort.
        name: the scenario's name (an ordering's name, or a label).
        description: one line on what it is.
        seed: the single run's seed, named in the header so ``crmsim run`` reproduces it.
    """
    values = scenario_values(base, page)
    default = defaults()
    changed = {k: v for k, v in values.items() if v != default[k]}
    table: dict[str, Any] = {"name": safe_name(name)}
    if description:
        table["description"] = description
    nested = _nest(changed)
    rollout = nested.setdefault("rollout", {})
    rollout["phases"] = [
        {
            "workstream": str(row["workstream"]),
            "start": int(row["start"]),
            "duration": int(row["duration"]),
            "effort": float(_tidy(float(row["effort"]))),
        }
        for row in phases
    ]
    if "horizon_weeks" in nested:
        table["horizon_weeks"] = nested.pop("horizon_weeks")
    table.update(nested)
    when = _dt.datetime.now(_dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    source = Path(base.source).name if base.source else "the parameter table"
    head = [
        f"# Exported by `crmsim dashboard` on {when}, starting from {source}.",
        "# Self-contained: every value that differs from the parameter table's default",
        "# (`crmsim list --params`), and the rollout plan as explicit phases.",
        "# Check it:      crmsim validate THIS_FILE",
    ]
    if seed is not None:
        head.append(f"# Reproduce it: crmsim run THIS_FILE --seed {int(seed)}")
    return "\n".join(head) + "\n\n" + tomli_w.dumps(table)


def settings_key(*parts: Any) -> str:
    """A short, stable hash of settings (scenario texts without their dated header, counts)."""
    h = hashlib.sha256()
    for part in parts:
        text = str(part)
        text = "\n".join(line for line in text.splitlines() if not line.startswith("# Exported"))
        h.update(text.encode("utf-8"))
        h.update(b"\0")
    return h.hexdigest()[:16]


def write_and_load(
    area: ResultsArea, text: str, *parts: str, label: str | None = None
) -> tuple[Path, Scenario]:
    """Write a scenario file into the results folder and load it as ``crmsim run`` would.

    Args:
        area: the results folder.
        text: the scenario TOML.
        parts: the file's path inside the results folder.
        label: what an error names instead of the file (a page shows "the page's settings (Four
            Ps)", never a path inside the server's results folder).

    Raises:
        InputError: from :func:`load_scenario`, naming the file (or ``label``), the key and the
            value.
    """
    path = area.write_text(text, *parts)
    try:
        return path, load_scenario(path)
    except InputError as exc:
        if label is None:
            raise
        raise InputError(exc.detail, file=label, key=exc.key, value=exc.value) from None
