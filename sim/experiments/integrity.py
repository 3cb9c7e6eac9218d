"""Checksums of results parts, and the check ``--resume`` runs before trusting a folder.

Parts are written atomically, but a disk can still lose or damage one later: a truncated part was
once accepted by ``--resume`` and a deleted series part never regenerated. Every
part's sha256 is therefore recorded: appended to a small journal (``.checksums.jsonl``) as soon as
the part is on disk, and folded into ``manifest.json`` (``parts``) whenever the manifest's status is
written. A journal line is one short ``write`` of an append-only file, so a kill can lose at most
the last line; a part without a recorded checksum is then checked by reading it whole.

:func:`verify_parts` finds every batch with a missing, damaged or unreadable part (run or series);
the sweep deletes both parts of such a batch and runs it again, so the resumed folder ends with
exactly the rows an uninterrupted sweep writes.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

__all__ = ["JOURNAL", "digest", "record", "recorded", "verify_parts", "first_run_id"]

JOURNAL = ".checksums.jsonl"


def digest(data: bytes) -> str:
    """sha256 (hex) of a part's bytes."""
    return hashlib.sha256(data).hexdigest()


def record(root: Path, entries: dict[str, str]) -> None:
    """Append ``{relative part path: sha256}`` to the folder's journal (one line, one write)."""
    line = (json.dumps(entries, sort_keys=True) + "\n").encode()
    fd = os.open(root / JOURNAL, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(fd, line)
    finally:
        os.close(fd)


def recorded(root: Path, manifest: dict) -> dict[str, str]:
    """Checksums known for the folder: the manifest's ``parts``, then the journal's lines."""
    known = dict(manifest.get("parts") or {})
    path = root / JOURNAL
    if path.is_file():
        for line in path.read_text(errors="replace").splitlines():
            try:
                entry = json.loads(line)
            except ValueError:  # a line cut by a kill: its part is checked by reading it
                continue
            if isinstance(entry, dict):
                known.update({str(k): str(v) for k, v in entry.items()})
    return known


def first_run_id(part: Path | str) -> int | None:
    """The batch's first run id from a part name ``part-NNNNN.parquet`` (None if not a part)."""
    stem = Path(part).name
    if not (stem.startswith("part-") and stem.endswith(".parquet")):
        return None
    try:
        return int(stem[5:-8])
    except ValueError:
        return None


def _readable(path: Path) -> bool:
    try:
        pq.read_table(path)
    except (OSError, pa.ArrowException, ValueError):
        return False
    return True


def verify_parts(root: Path, manifest: dict) -> tuple[set[int], dict[str, str]]:
    """Check every part of a results folder against its recorded checksum.

    Returns:
        ``(bad, good)``: the first run ids of batches with a missing, damaged or unreadable part,
        and the checksums of every part that passed (to record in the manifest).
    """
    known = recorded(root, manifest)
    bad: set[int] = set()
    good: dict[str, str] = {}
    present = {
        f"{sub}/{p.name}": p
        for sub in ("runs", "series")
        if (root / sub).is_dir()
        for p in (root / sub).glob("part-*.parquet")
    }
    for rel in sorted(set(known) | set(present)):
        rid = first_run_id(rel)
        if rid is None:
            continue
        path = present.get(rel)
        if path is None:
            bad.add(rid)  # recorded, then lost
            continue
        try:
            data = path.read_bytes()
        except OSError:
            bad.add(rid)
            continue
        sha = digest(data)
        if rel in known and known[rel] != sha:
            bad.add(rid)
        elif rel not in known and not _readable(path):
            bad.add(rid)
        else:
            good[rel] = sha
    good = {rel: sha for rel, sha in good.items() if first_run_id(rel) not in bad}
    return bad, good
