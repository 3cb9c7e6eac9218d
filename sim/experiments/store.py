"""Results on disk: manifest, parquet parts, atomic writes and resume.

A results folder ``results/NAME/`` holds::

    manifest.json              spec, spec_hash, root_seed, versions, commit, created, status
    runs/part-NNNNN.parquet    run rows of one completed batch, NNNNN = the batch's first run_id
    series/part-NNNNN.parquet  per-step series of the batch's sampled runs (if any)
    summary.csv, paired.csv, points.csv   tables written when the sweep completes

Why it is built this way:

* Every file is written to a temporary file in the same folder, fsynced and moved into place with
  ``os.replace``, which is atomic on POSIX: a killed sweep leaves whole parts or none, never half a
  parquet file. Leftover ``*.tmp`` files are ignored on reading.
* A part is named after its batch's first run id and batches are fixed by the spec, so a resumed
  sweep re-runs only batches with no run part and writes each part under the name it always had: it
  never duplicates a row and never rewrites a finished part. The series part is written before the
  run part, so the run part marks the batch as done.
* The manifest pins the spec by hash; writing a different experiment into a folder that already
  holds results is refused, so results never silently mix two experiments.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import importlib.metadata
import io
import json
import platform
import subprocess
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from sim.errors import InputError, read_json_object
from sim.experiments import integrity
from sim.safepaths import atomic_write_bytes as _atomic_write
from sim.safepaths import refuse_symlinks

__all__ = [
    "ResultsStore",
    "spec_hash",
    "canonical_json",
    "atomic_write_bytes",
    "read_runs",
    "read_series",
    "read_manifest",
    "environment_versions",
]

MANIFEST = "manifest.json"
PART_GLOB = "part-*.parquet"
#: Files a sweep writes in the folder itself; a link at any of them is refused.
_OWN = (MANIFEST, "runs", "series", "summary.csv", "paired.csv", "points.csv", integrity.JOURNAL)
#: Bookkeeping that does not make a folder "a results folder" (the lock, the journal, temp files).
_BOOKKEEPING_PREFIXES = (".lock", ".checksums", ".crmsim-probe-")


def canonical_json(obj: Any) -> str:
    """JSON with sorted keys and no whitespace: the same spec always gives the same bytes."""
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=True, default=str)


def spec_hash(spec: Any) -> str:
    """sha256 (hex) of the canonical JSON of an experiment spec (or any JSON-able value)."""
    return hashlib.sha256(canonical_json(spec).encode()).hexdigest()


def atomic_write_bytes(path: str | Path, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically (see :func:`sim.safepaths.atomic_write_bytes`)."""
    _atomic_write(path, data)


def _parquet_bytes(df: pd.DataFrame) -> bytes:
    buf = io.BytesIO()
    pq.write_table(pa.Table.from_pandas(df, preserve_index=False), buf)
    return buf.getvalue()


def _git_commit(where: Path) -> dict[str, Any]:
    """Commit of the checkout holding the package, and whether it had uncommitted changes."""
    try:
        head = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=where, capture_output=True, text=True, timeout=5
        )
        if head.returncode != 0:
            return {"commit": None, "dirty": None}
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=where,
            capture_output=True,
            text=True,
            timeout=5,
        )
        return {"commit": head.stdout.strip(), "dirty": bool(dirty.stdout.strip())}
    except (OSError, subprocess.SubprocessError):
        return {"commit": None, "dirty": None}


def environment_versions() -> dict[str, str | None]:
    """Versions of Python and of the libraries that can change a run's numbers."""
    out: dict[str, str | None] = {"python": platform.python_version()}
    for dist in (
        "numpy",
        "numba",
        "mesa",
        "pandas",
        "pyarrow",
        "dask",
        "distributed",
        "crm-rollout-sim",
    ):
        try:
            out[dist] = importlib.metadata.version(dist)
        except importlib.metadata.PackageNotFoundError:
            out[dist] = None
    out["sim"] = out.pop("crm-rollout-sim")
    if out["sim"] is None:  # running from a checkout that was not pip-installed
        try:
            import sim

            out["sim"] = getattr(sim, "__version__", None)
        except ImportError:
            pass
    return out


def _read_part(path: Path, columns: list[str] | None = None) -> pd.DataFrame:
    try:
        return pq.read_table(path, columns=columns).to_pandas()
    except (OSError, pa.ArrowException, ValueError) as exc:
        raise InputError(
            f"corrupt results part ({exc}); delete it and run again with --resume "
            "to recompute that batch",
            file=str(path),
        ) from exc


def _concat(frames: list[pd.DataFrame]) -> pd.DataFrame:
    frames = [f for f in frames if len(f.columns)]
    if not frames:
        return pd.DataFrame()
    df = pd.concat(frames, ignore_index=True, sort=False)
    if "run_id" in df.columns:
        df = df.drop_duplicates("run_id", keep="first").sort_values("run_id", kind="stable")
    return df.reset_index(drop=True)


#: The manifest's keys that a sweep reads back, the type each must have, and its JSON name.
_MANIFEST_TYPES = {
    "spec_hash": (str, "string"),
    "status": (str, "string"),
    "parts": (dict, "object"),
    "resumed": (list, "list"),
}


def _checked_manifest(manifest: dict, path: Path) -> dict:
    """``manifest`` if the keys that a sweep reads back have their types.

    Raises:
        InputError: naming the key and the value otherwise (a hand-edited or damaged manifest).
    """
    for key, (kind, json_name) in _MANIFEST_TYPES.items():
        value = manifest.get(key)
        if value is not None and not isinstance(value, kind):
            raise InputError(
                f"manifest's entry should be a JSON {json_name}",
                file=str(path),
                key=key,
                value=str(value)[:80],
            )
    return manifest


class ResultsStore:
    """One results folder. Create with :meth:`open` (a sweep) or plainly (reading only).

    Args:
        root: the results folder, e.g. ``results/failure_rates``.
    """

    def __init__(self, root: str | Path):
        self.root = Path(root)
        self.runs_dir = self.root / "runs"
        self.series_dir = self.root / "series"
        self.manifest_path = self.root / MANIFEST

    # -- opening ------------------------------------------------------------------------------
    @classmethod
    def open(
        cls,
        root: str | Path,
        spec: dict,
        *,
        resume: bool = False,
        command: str = "crmsim sweep EXPERIMENT.toml",
    ) -> ResultsStore:
        """Open a folder for a sweep of ``spec``, refusing anything that would mix results.

        Args:
            root: the results folder (created if missing).
            spec: the experiment spec as plain data (see ``ExperimentSpec.to_dict``).
            resume: carry on from the parts already there.
            command: how the user started the sweep, quoted in the "how to resume" message.

        Raises:
            InputError: if the folder is not empty and not a results folder; if it holds results
                of a different spec (hash differs); or if it already has parts and ``resume``
                is False.
        """
        store = cls(root)
        digest = spec_hash(spec)
        if store.root.exists() and not store.root.is_dir():
            raise InputError("the results path exists and is not a folder", file=str(store.root))
        if store.root.is_dir():
            refuse_symlinks(store.root, _OWN)
        has_parts = bool(store.run_parts())
        if store.root.is_dir() and any(
            not p.name.startswith(_BOOKKEEPING_PREFIXES) for p in store.root.iterdir()
        ):
            if not store.manifest_path.exists():
                raise InputError(
                    "the folder is not empty and has no manifest.json: not a results "
                    "folder; choose another --out",
                    file=str(store.root),
                )
            old = store.read_manifest()
            has_results = has_parts or (store.root / "summary.csv").exists()
            if old.get("spec_hash") != digest and has_results:
                raise InputError(
                    f"holds results of a different experiment spec (spec_hash "
                    f"{str(old.get('spec_hash'))[:12]}..., this spec {digest[:12]}...; the "
                    "scenario files and every file they extend, overrides, design, replicates, "
                    "seeds, engine, batch size and model version all count); "
                    "choose another --out or delete the folder",
                    file=str(store.root),
                )
            if has_parts and not resume:
                what = (
                    "a complete sweep; to rebuild its tables run"
                    if old.get("status") == "complete"
                    else f"{len(store.run_parts())} results parts of an unfinished sweep; to "
                    "finish it run"
                )
                raise InputError(
                    f"already holds {what} `{command} --resume`, or choose another --out",
                    file=str(store.root),
                )
        store.runs_dir.mkdir(parents=True, exist_ok=True)
        store.series_dir.mkdir(parents=True, exist_ok=True)
        if not has_parts:  # a fresh start: checksums of an earlier attempt mean nothing now
            (store.root / integrity.JOURNAL).unlink(missing_ok=True)
        manifest = {
            "spec": spec,
            "spec_hash": digest,
            "root_seed": spec.get("root_seed"),
            "versions": environment_versions(),
            **_git_commit(Path(__file__).resolve().parent),
            "created": _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"),
            "status": "partial",
        }
        if store.manifest_path.exists() and has_parts:
            old = store.read_manifest()
            # What the earlier sweep recorded (its counts, and the checksums of the parts this
            # resume is about to verify) stays until this one writes its own; a resume that has
            # not run anything yet must not downgrade a complete folder.
            manifest = {**old, **manifest}
            manifest["created"] = old.get("created", manifest["created"])
            manifest["status"] = old.get("status", "partial")
            manifest["resumed"] = [
                *old.get("resumed", []),
                _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"),
            ]
        store.write_json(MANIFEST, manifest)
        return store

    # -- manifest and tables ----------------------------------------------------------------
    def read_manifest(self) -> dict:
        """The manifest as a dict.

        Raises:
            InputError: if it is missing, not a JSON object, or a key a sweep reads back has the
                wrong type.
        """
        if not self.manifest_path.exists():
            raise InputError("no manifest.json: not a results folder", file=str(self.root))
        manifest = read_json_object(self.manifest_path, "a results folder's manifest")
        return _checked_manifest(manifest, self.manifest_path)

    def write_json(self, name: str, obj: Any) -> None:
        """Write a JSON file in the folder atomically."""
        atomic_write_bytes(
            self.root / name, (json.dumps(obj, indent=2, default=str) + "\n").encode()
        )

    def write_csv(self, name: str, df: pd.DataFrame) -> None:
        """Write a CSV table in the folder atomically."""
        atomic_write_bytes(self.root / name, df.to_csv(index=False).encode())

    def set_status(self, status: str, **extra: Any) -> None:
        """Update the manifest's status (``partial`` or ``complete``) and extra counts."""
        manifest = self.read_manifest()
        manifest["status"] = status
        manifest["parts"] = integrity.recorded(self.root, manifest)
        manifest.update(extra)
        self.write_json(MANIFEST, manifest)

    def repair(self) -> list[str]:
        """Before a resume: delete both parts of every batch with a missing or damaged part.

        The sweep then runs those batches again. Returns the removed (or missing) part names.
        """
        manifest = self.read_manifest()
        bad, good = integrity.verify_parts(self.root, manifest)
        removed = []
        for rid in sorted(bad):
            for folder in (self.runs_dir, self.series_dir):
                path = folder / self.part_name(rid)
                removed.append(f"{folder.name}/{path.name}")
                path.unlink(missing_ok=True)
        manifest["parts"] = good
        if bad:
            manifest["status"] = "partial"
        self.write_json(MANIFEST, manifest)
        (self.root / integrity.JOURNAL).unlink(missing_ok=True)  # folded into the manifest
        return removed

    # -- parts ------------------------------------------------------------------------------
    @staticmethod
    def part_name(first_run_id: int) -> str:
        """File name of the part whose batch starts at ``first_run_id``."""
        return f"part-{int(first_run_id):05d}.parquet"

    def write_part(
        self, first_run_id: int, runs: pd.DataFrame, series: pd.DataFrame | None = None
    ) -> Path:
        """Write one batch: its series part (if any) first, then its run part, each atomically.

        Returns:
            The path of the run part.
        """
        name = self.part_name(first_run_id)
        if series is not None and len(series):
            data = _parquet_bytes(series)
            atomic_write_bytes(self.series_dir / name, data)
            integrity.record(self.root, {f"series/{name}": integrity.digest(data)})
        path = self.runs_dir / name
        data = _parquet_bytes(runs)
        atomic_write_bytes(path, data)
        integrity.record(self.root, {f"runs/{name}": integrity.digest(data)})
        return path

    def run_parts(self) -> list[Path]:
        """Run parts present, sorted by name (temporary files excluded)."""
        return sorted(self.runs_dir.glob(PART_GLOB)) if self.runs_dir.is_dir() else []

    def series_parts(self) -> list[Path]:
        """Series parts present, sorted by name (temporary files excluded)."""
        return sorted(self.series_dir.glob(PART_GLOB)) if self.series_dir.is_dir() else []

    def done_run_ids(self) -> set[int]:
        """Run ids with a row on disk (reads only the run_id column of each part)."""
        done: set[int] = set()
        for path in self.run_parts():
            done.update(int(v) for v in _read_part(path, ["run_id"])["run_id"])
        return done

    def read_runs(self) -> pd.DataFrame:
        """All run rows, one per run_id (defensively de-duplicated), sorted by run_id."""
        return _concat([_read_part(p) for p in self.run_parts()])

    def read_series(self) -> pd.DataFrame:
        """All kept per-step series rows, sorted by run_id then week."""
        frames = [_read_part(p) for p in self.series_parts()]
        frames = [f for f in frames if len(f.columns)]
        if not frames:
            return pd.DataFrame()
        df = pd.concat(frames, ignore_index=True, sort=False)
        keys = [c for c in ("run_id", "week") if c in df.columns]
        if keys:
            df = df.drop_duplicates(keys, keep="first").sort_values(keys, kind="stable")
        return df.reset_index(drop=True)


def read_runs(results_dir: str | Path) -> pd.DataFrame:
    """Run rows of a results folder (for reports and charts, which never run models)."""
    return ResultsStore(results_dir).read_runs()


def read_series(results_dir: str | Path) -> pd.DataFrame:
    """Per-step series rows of a results folder."""
    return ResultsStore(results_dir).read_series()


def read_manifest(results_dir: str | Path) -> dict:
    """Manifest of a results folder."""
    return ResultsStore(results_dir).read_manifest()
