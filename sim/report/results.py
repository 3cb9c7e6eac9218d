"""Reading a results folder for the report: run rows, series, summary and paired tables, checked.

The folder is read and validated before anything is written: a missing or corrupt file raises
:class:`InputError` naming it (docs/ARCHITECTURE.md gives the layout).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from sim.errors import InputError, read_json_object
from sim.experiments.summary import with_financial_failure
from sim.report import data

RUN_COLUMNS = (
    "run_id",
    "scenario",
    "replicate",
    "status",
    "golive_week",
    "roi",
    "met_expectations",
    "measurable_gain",
)

SERIES_COLUMNS = (
    "run_id",
    "scenario",
    "week",
    "adoption",
    "csat",
    "cf_csat",
    "active_customers",
    "cf_active_customers",
    "productivity",
    "live",
)

SUMMARY_COLUMNS = ("scenario", "metric", "value", "ci_low", "ci_high", "n")

PAIRED_COLUMNS = ("scenario", "baseline", "metric", "diff", "ci_low", "ci_high", "n")

STATUSES = ("never_live", "abandoned", "live")


@dataclass
class Results:
    """A results folder read into memory (see :func:`load_results`)."""

    root: Path
    manifest: dict
    runs: pd.DataFrame
    series: pd.DataFrame | None = None
    summary: pd.DataFrame | None = None
    paired: pd.DataFrame | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def spec(self) -> dict:
        spec = self.manifest.get("spec")
        return spec if isinstance(spec, dict) else {}

    @property
    def name(self) -> str:
        return str(self.manifest.get("name") or self.spec.get("name") or self.root.name)

    @property
    def replicates(self) -> int | None:
        value = self.manifest.get("replicates", self.spec.get("replicates"))
        return int(value) if isinstance(value, int | float) else None

    @property
    def ok_runs(self) -> pd.DataFrame:
        return data.completed(self.runs)

    @property
    def source(self) -> str:
        """The footnote under every chart: folder, experiment, runs, date."""
        shown = self.root if not self.root.is_absolute() else Path(*self.root.parts[-2:])
        created = str(self.manifest.get("created", ""))[:10]
        return (
            f"{shown}  ·  experiment '{self.name}'  ·  {len(self.ok_runs)} runs"
            + (f"  ·  created {created}" if created else "")
            + "  ·  crm-rollout-sim"
        )


def _read_parts(folder: Path, required: tuple[str, ...]) -> pd.DataFrame:
    parts = sorted(folder.glob("part-*.parquet"))
    frames = []
    for part in parts:
        try:
            df = pq.read_table(part).to_pandas()
        except (OSError, pa.ArrowException, ValueError) as exc:
            raise InputError(
                f"corrupt results part, not readable as parquet ({exc})", file=str(part)
            ) from None
        missing = [c for c in required if c not in df.columns]
        if missing:
            raise InputError(
                f"results part lacks the columns {missing}; expected the layout of "
                "docs/ARCHITECTURE.md",
                file=str(part),
            )
        frames.append((part, df))
    return frames


def _check_runs(part: Path, df: pd.DataFrame) -> None:
    ok = data.completed(df)
    bad = sorted(set(ok["status"].astype(str)) - set(STATUSES))
    if bad:
        raise InputError(
            f"unknown status values {bad}; allowed: {', '.join(STATUSES)}", file=str(part)
        )
    for col in ("roi", "golive_week"):
        if len(ok) and not pd.api.types.is_numeric_dtype(ok[col].infer_objects()):
            raise InputError(f"column '{col}' is not numeric", file=str(part))
    for col in ("met_expectations", "measurable_gain"):
        values = set(ok[col].dropna().tolist())
        if not values <= {True, False}:  # 0 and 1 compare equal to these
            raise InputError(f"column '{col}' holds non-boolean values", file=str(part))
        if ok[col].isna().any():
            raise InputError(f"column '{col}' is empty in a run without an error", file=str(part))


def _read_csv(path: Path, required: tuple[str, ...]) -> pd.DataFrame:
    try:
        df = pd.read_csv(path)
    except (OSError, UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise InputError(f"not a readable CSV table ({exc})", file=str(path)) from None
    missing = [c for c in required if c not in df.columns]
    if missing:
        raise InputError(f"table lacks the columns {missing}", file=str(path))
    for col in required[-4:]:  # (a header-only table, e.g. paired.csv of one scenario, is fine)
        if len(df) and not pd.api.types.is_numeric_dtype(df[col]):
            raise InputError(f"column '{col}' is not numeric", file=str(path))
    return df


def load_results(results_dir: Path | str) -> Results:
    """Read and validate a results folder (manifest, run parts, series parts, tables).

    ``manifest.json`` and at least one run part are required; the series parts, ``summary.csv``
    and ``paired.csv`` are optional (their charts are left out with a note), but must be readable
    when present.

    Raises:
        InputError: naming the missing or corrupt file and what was expected.
    """
    root = Path(results_dir)
    if not root.is_dir():
        raise InputError(
            "not a folder; expected a results folder written by `crmsim sweep` or `crmsim compare`",
            file=str(root),
        )
    mpath = root / "manifest.json"
    if not mpath.is_file():
        raise InputError(
            "missing: no manifest.json, so this is not a results folder", file=str(mpath)
        )
    manifest = read_json_object(mpath, "a results manifest")

    run_parts = _read_parts(root / "runs", RUN_COLUMNS)
    if not run_parts:
        raise InputError(
            "missing: no run parts (runs/part-*.parquet); has the sweep started?",
            file=str(root / "runs"),
        )
    for part, df in run_parts:
        _check_runs(part, df)
    runs = pd.concat([df for _, df in run_parts], ignore_index=True)
    runs = runs.drop_duplicates("run_id", keep="first").sort_values("run_id", kind="stable")
    res = Results(root, manifest, runs.reset_index(drop=True))
    if res.ok_runs.empty:
        raise InputError(
            f"all {len(runs)} runs raised an error; nothing to chart (see the 'error' column)",
            file=str(root / "runs"),
        )

    series_parts = _read_parts(root / "series", SERIES_COLUMNS)
    if series_parts:
        series = pd.concat([df for _, df in series_parts], ignore_index=True)
        res.series = series.drop_duplicates(["run_id", "week"]).sort_values(["run_id", "week"])
    else:
        res.notes.append(
            "No per-week series were kept (series/ is empty), so the charts over "
            "time are left out; set keep_series in the experiment to get them."
        )
    for attr, name, cols in (
        ("summary", "summary.csv", SUMMARY_COLUMNS),
        ("paired", "paired.csv", PAIRED_COLUMNS),
    ):
        path = root / name
        if path.is_file():
            setattr(res, attr, _read_csv(path, cols))
        else:
            res.notes.append(
                f"{name} not found, so the parts of the report that need it are "
                "left out (it is written when a sweep completes)."
            )
    res.summary = with_financial_failure(res.summary)  # a folder from before the rate had rows
    if manifest.get("status") not in (None, "complete"):
        res.notes.append(
            f"The sweep's status is '{manifest.get('status')}': the results may be "
            "incomplete (finish it with `crmsim sweep ... --resume`)."
        )
    return res
