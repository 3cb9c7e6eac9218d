"""The resume key: everything that can change a run's row, in one hashable record.

A results folder is pinned by the hash of its experiment spec (:func:`sim.experiments.store.
spec_hash`). The spec alone named each scenario file's digest but not the files reached through
``extends`` or ``[[mix]]``, so editing ``base.toml`` between a sweep and its ``--resume`` added rows
run with the new values to rows run with the old. :func:`inputs_record` adds:

* ``files``: the sha256 of every file a scenario reaches (itself, every ``extends`` file, every mix
  member and their ``extends`` files), by path;
* ``resolved``: each scenario as the model sees it after loading (every parameter value, the phases,
  the mix weights), so a change that leaves the files alone (a new default in the parameter table)
  also changes the key;
* ``seeds``: a digest of the replicate seeds themselves (root seed and replicate count are in the
  spec; this pins the seed function too);
* ``model``: the package version and a digest of the model's source files (``sim/model/*.py``), so
  rows of one model version are never completed with rows of another.

Overrides and the design are already part of the spec.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from sim.model.compiled_cache import source_sha256
from sim.model.scenario import read_toml

__all__ = ["scenario_files", "inputs_record", "model_version"]


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def scenario_files(path: str | Path) -> list[Path]:
    """Every file a scenario reaches through ``extends`` and ``[[mix]]``, itself first.

    Unreadable files are listed too (their digest is None); loading the scenario reports them.
    """
    out: list[Path] = []
    todo = [Path(path).resolve()]
    while todo:
        p = todo.pop(0)
        if p in out:
            continue
        out.append(p)
        try:
            raw = read_toml(p)
        except Exception:  # noqa: BLE001 - the loader names the problem; here it only changes the key
            continue
        base = raw.get("extends")
        if isinstance(base, str):
            todo.append((p.parent / base).resolve())
        mix = raw.get("mix")
        if isinstance(mix, list):
            todo.extend(
                (p.parent / m["scenario"]).resolve()
                for m in mix
                if isinstance(m, dict) and isinstance(m.get("scenario"), str)
            )
    return out


def _digest_file(path: Path) -> str | None:
    try:
        return _sha(path.read_bytes())
    except OSError:
        return None


def _plain(obj: Any, depth: int = 0) -> Any:
    """A scenario (or anything) as JSON-able data: dataclass fields, tuples and dicts."""
    if depth > 8:
        return repr(obj)
    if isinstance(obj, dict):
        return {
            str(k): _plain(v, depth + 1) for k, v in sorted(obj.items(), key=lambda i: str(i[0]))
        }
    if isinstance(obj, list | tuple):
        return [_plain(v, depth + 1) for v in obj]
    if isinstance(obj, bool | int | str) or obj is None:
        return obj
    if isinstance(obj, float):
        return repr(obj)
    fields = getattr(obj, "__dataclass_fields__", None)
    if fields:
        return {
            name: _plain(getattr(obj, name), depth + 1)
            for name in fields
            if name not in ("source", "overrides")  # where it came from, not what it is
        }
    return repr(obj)


def model_version() -> dict[str, str]:
    """The package version and a digest of the model's source (what a row's numbers depend on)."""
    import sim

    return {"version": str(getattr(sim, "__version__", "?")), "model_sha256": source_sha256()}


def inputs_record(
    scenario_paths: Sequence[str], scenarios: Iterable[Any], seeds: Sequence[int]
) -> dict[str, Any]:
    """The part of the resume key the spec does not hold (see the module docstring).

    Args:
        scenario_paths: the experiment's resolved scenario files.
        scenarios: the loaded scenarios, same order.
        seeds: the replicate seeds.
    """
    files: dict[str, str | None] = {}
    for path in scenario_paths:
        for p in scenario_files(path):
            files[str(p)] = _digest_file(p)
    resolved = {
        str(path): _sha(json.dumps(_plain(scen), sort_keys=True).encode())
        for path, scen in zip(scenario_paths, scenarios, strict=True)
    }
    seed_digest = _sha(",".join(str(int(s)) for s in seeds).encode())
    return {"files": files, "resolved": resolved, "seeds": seed_digest, "model": model_version()}
