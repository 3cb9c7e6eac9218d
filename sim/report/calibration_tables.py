"""The calibration tables of docs/calibration.md, regenerated from the committed calibration.

``python -m sim.report.calibration_tables`` rewrites the block between ``<!-- calibration:fit -->``
and ``<!-- /calibration:fit -->`` in docs/calibration.md (:data:`PAGE`; the README's once, hence
the ``--readme`` flag) from ``results/reference/calibration/``: the
posterior of each parameter (``parameters.csv``), each pattern's 95% posterior predictive interval
from fresh runs against its source (``predictive.csv``) and the ordering claims' posterior
probabilities (``claims.csv``); ``--check`` exits 1 when the page differs from what the files
give (a test runs it). The reference sweep's tables are sim.report.reference_doc's. Reads result
files only; runs nothing.
"""

from __future__ import annotations

import argparse
import json
import math
import re
import sys
from pathlib import Path

import pandas as pd

from sim.shipped import source_root

ROOT = source_root()  # the checkout (sim.shipped)
PAGE = ROOT / "docs" / "calibration.md"
FOLDER = Path("results/reference/calibration")


def _fig(kind: str, x: float) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "-"
    if kind == "rate":
        return f"{100 * x:.1f}%"
    if kind in ("difference", "contrast"):
        return f"{100 * x:+.1f} pp"
    return f"{x:.3g}"


def fit_tables(params: pd.DataFrame, predictive: pd.DataFrame, claims: pd.DataFrame) -> str:
    """The parameters' posteriors, the patterns' predictive check and the claims, as Markdown."""
    lines = [
        "| parameter | prior | posterior median | 95% interval |",
        "|---|---|---|---|",
    ]
    for r in params.itertuples():
        prior = (
            f"uniform({r.low:g}, {r.high:g})"
            if r.prior == "uniform"
            else f"normal({r.mean:g}, {r.sd:g}) on [{r.low:g}, {r.high:g}]"
        )
        lines.append(
            f"| `{r.parameter}` | {prior} | {r.post_median:.4g} | "
            f"{r.post_low:.4g} to {r.post_high:.4g} |"
        )
    lines += [
        "",
        "| pattern | held out | source | model, 95% predictive | agrees |",
        "|---|---|---|---|---|",
    ]
    for r in predictive.itertuples():
        k = r.kind
        source = (
            f"{_fig(k, r.observed)} ({_fig(k, r.low)} to {_fig(k, r.high)})"
            if not math.isnan(r.observed)
            else f"{_fig(k, r.low)} to {_fig(k, r.high)}"
        )
        lines.append(
            f"| {r.pattern} | {'yes' if r.held_out else 'no'} | {source} | "
            f"{_fig(k, r.pred_median)} [{_fig(k, r.pred_low)}, {_fig(k, r.pred_high)}] | "
            f"{'yes' if r.inside else 'no'} |"
        )
    if len(claims):
        lines += ["", "| claim | posterior probability |", "|---|---|"]
        lines += [f"| {r.claim} | {r.probability:.2f} |" for r in claims.itertuples()]
    return "\n".join(lines)


def time_table(result: dict) -> str:
    """Where the reference calibration's time went (``calibration.json``): runs, seconds of wall
    clock by stage, and the CPU seconds of every process (the cost on 2 otherwise idle cores)."""
    lines = [
        f"{result['runs']:,} runs ({len(result['arms'])} arms); wall clock by stage (the machine "
        "shared with other work at the time):",
        "",
        "| stage | seconds |",
        "|---|---|",
    ]
    lines += [f"| {stage} | {secs:.0f} |" for stage, secs in result["seconds"].items()]
    cpu = result.get("cpu_seconds")
    if cpu is not None:
        lines += [
            "",
            f"CPU time of every process: {cpu:.0f} s, about {cpu / 120:.1f} minutes of wall "
            "clock on 2 otherwise idle cores.",
        ]
    return "\n".join(lines)


def block(root: Path = ROOT) -> str:
    """The generated block from the committed files."""
    folder = root / FOLDER
    tables = fit_tables(
        pd.read_csv(folder / "parameters.csv"),
        pd.read_csv(folder / "predictive.csv"),
        pd.read_csv(folder / "claims.csv"),
    )
    result = json.loads((folder / "calibration.json").read_text())
    return tables + "\n\n" + time_table(result)


def render(text: str, body: str) -> str:
    """``text`` with the calibration block replaced; a missing block is an error."""
    pattern = re.compile(r"(<!-- calibration:fit -->\n)(.*?)(<!-- /calibration:fit -->)", re.S)
    if not pattern.search(text):
        raise ValueError("the page has no <!-- calibration:fit --> block")
    return pattern.sub(lambda m: m.group(1) + body + "\n" + m.group(3), text)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m sim.report.calibration_tables")
    parser.add_argument("--readme", default=str(PAGE), help="the page (docs/calibration.md)")
    parser.add_argument("--check", action="store_true", help="exit 1 if the page is stale")
    args = parser.parse_args(argv)
    path = Path(args.readme)
    try:
        old = path.read_text()
        new = render(old, block())
    except (OSError, ValueError, KeyError, AttributeError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if args.check:
        if new != old:
            print(f"{path}: calibration tables differ from results/reference", file=sys.stderr)
            return 1
        return 0
    path.write_text(new)
    print(f"wrote the calibration tables of {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
