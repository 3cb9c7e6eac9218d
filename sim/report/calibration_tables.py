"""The README's calibration tables, regenerated from the committed calibration result (never typed).

``python -m sim.report.calibration_tables`` rewrites the block between ``<!-- calibration:fit -->``
and ``<!-- /calibration:fit -->`` in README.md from
``results/reference/calibration/calibration.json`` (the calibration's final check on fresh seeds)
and the search bounds of ``experiments/calibration.toml``; ``--check`` exits 1 when the README
differs from what the files give (a test runs it). The reference sweep's tables are
sim.report.reference_doc's. Reads result files only; runs nothing.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tomllib
from pathlib import Path

from sim.shipped import source_root

ROOT = source_root()  # the checkout (sim.shipped)
LABELS = {"never_live": "never live", "measurable_gain": "measurable gain", "failed": "failed"}


def _pct(x: float) -> str:
    return f"{100 * x:.1f}%"


def fit_tables(result: dict, bounds: dict[str, tuple[float, float]]) -> str:
    """The targets with the achieved rates, and the fitted parameters with their bounds."""
    lines = ["| figure | target | achieved | Wilson 95% |", "|---|---|---|---|"]
    for metric, t in result["targets"].items():
        p, lo, hi = result["intervals"][metric]
        lines.append(
            f"| {LABELS.get(metric, metric)} | {t['target']:.0%} | {_pct(p)} | "
            f"{100 * lo:.1f} to {_pct(hi)} |"
        )
    lines += ["", "| parameter | fitted | search bounds |", "|---|---|---|"]
    for key, value in result["parameters"].items():
        lo, hi = bounds.get(key, (float("nan"), float("nan")))
        lines.append(f"| `{key}` | {value:.4g} | {lo:g} to {hi:g} |")
    return "\n".join(lines)


def block(root: Path = ROOT) -> str:
    """The generated block from the committed files."""
    result = json.loads((root / "results/reference/calibration/calibration.json").read_text())
    spec = tomllib.loads((root / "experiments/calibration.toml").read_text())
    bounds = {k: (b["low"], b["high"]) for k, b in spec["calibration"]["parameters"].items()}
    return fit_tables(result, bounds)


def render(text: str, body: str) -> str:
    """``text`` with the calibration block replaced; a missing block is an error."""
    pattern = re.compile(r"(<!-- calibration:fit -->\n)(.*?)(<!-- /calibration:fit -->)", re.S)
    if not pattern.search(text):
        raise ValueError("README has no <!-- calibration:fit --> block")
    return pattern.sub(lambda m: m.group(1) + body + "\n" + m.group(3), text)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m sim.report.calibration_tables")
    parser.add_argument("--readme", default=str(ROOT / "README.md"))
    parser.add_argument("--check", action="store_true", help="exit 1 if the README is stale")
    args = parser.parse_args(argv)
    path = Path(args.readme)
    try:
        old = path.read_text()
        new = render(old, block())
    except (OSError, ValueError, KeyError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if args.check:
        if new != old:
            print("README.md calibration tables differ from results/reference", file=sys.stderr)
            return 1
        return 0
    path.write_text(new)
    print(f"wrote the calibration tables of {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
