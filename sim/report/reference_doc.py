"""The committed reference results and the README's tables of them, from a finished sweep.

``python -m sim.report.reference_doc RESULTS --log SWEEP_LOG`` (run after ``crmsim sweep
experiments/failure_rates.toml --out RESULTS > SWEEP_LOG`` and ``crmsim report RESULTS``):

- copies the sweep's summary.csv, paired.csv and outcome-mix chart to
  results/reference/failure_rates/;
- writes results/reference/failure_rates/rates.md: the command and the sweep's own printed output;
- rewrites the README's tables between ``<!-- reference:NAME -->`` and ``<!-- /reference:NAME -->``
  (the industry mix against its published bands, and every ordering) from summary.csv.

So no figure of these tables is typed: they are regenerated from the sweep by one command. Reads
result files only; runs nothing.
"""

from __future__ import annotations

import argparse
import re
import shutil
from pathlib import Path

import pandas as pd

from sim.shipped import source_root

ROOT = source_root()  # the checkout (sim.shipped)
REFERENCE = ROOT / "results" / "reference" / "failure_rates"
COMMAND = "crmsim sweep experiments/failure_rates.toml --workers 2"

#: The industry mix's published figures (DESIGN.md 2.5): metric -> (label, published, band, source)
BANDS = {
    "never_live": ("never live", "12%", "9 to 15%", "AMR Research; Johnny Grow (10% cancelled)"),
    "measurable_gain": ("measurable gain", "16%", "12 to 20%", "AMR Research"),
    "failed": (
        "failed (missed expectations)",
        "55%",
        "50 to 63%",
        "Gartner 2001, Bain 2002, EIU 2007, Johnny Grow, Merkle 2016",
    ),
}
METRICS = ("never_live", "abandoned", "failed", "measurable_gain")


def _pct(x: float) -> str:
    return f"{100 * x:.1f}%"


def mix_table(summary: pd.DataFrame) -> str:
    """The industry mix against its published bands (Wilson 95% intervals)."""
    lines = [
        "| figure | model (industry mix) | Wilson 95% | published | accepted | source |",
        "|---|---|---|---|---|---|",
    ]
    mix = summary[summary.scenario == "industry_mix"].set_index("metric")
    for metric, (label, published, band, source) in BANDS.items():
        r = mix.loc[metric]
        interval = f"{_pct(r.ci_low)} to {_pct(r.ci_high)}"
        lines.append(
            f"| {label} | {_pct(r.value)} | {interval} | {published} | {band} | {source} |"
        )
    return "\n".join(lines)


def orderings_table(summary: pd.DataFrame) -> str:
    """Every scenario of the sweep, each metric with its Wilson 95% interval."""
    lines = [
        "| scenario | never live | abandoned | failed | measurable gain |",
        "|---|---|---|---|---|",
    ]
    for scenario, rows in summary.groupby("scenario", sort=False):
        rows = rows.set_index("metric")
        cells = [
            f"{_pct(rows.loc[m].value)} [{100 * rows.loc[m].ci_low:.1f}, "
            f"{100 * rows.loc[m].ci_high:.1f}]"
            for m in METRICS
        ]
        lines.append(f"| {scenario} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def replace_block(text: str, name: str, body: str) -> str:
    """``text`` with the block between the ``reference:NAME`` markers replaced by ``body``."""
    pattern = re.compile(
        rf"(<!-- reference:{name} -->\n)(?:.*?\n)?(<!-- /reference:{name} -->)", flags=re.DOTALL
    )
    if not pattern.search(text):
        raise ValueError(f"no <!-- reference:{name} --> block in the README")
    return pattern.sub(lambda m: m.group(1) + body + "\n" + m.group(2), text)


def write_reference(results: Path, log: Path, readme: Path = ROOT / "README.md") -> None:
    summary = pd.read_csv(results / "summary.csv")
    REFERENCE.mkdir(parents=True, exist_ok=True)
    for name in ("summary.csv", "paired.csv"):
        shutil.copyfile(results / name, REFERENCE / name)
    shutil.copyfile(results / "charts" / "outcome_mix.png", REFERENCE / "outcome_mix.png")
    printed = log.read_text().strip()
    (REFERENCE / "rates.md").write_text(
        "# failure_rates.toml, 1000 paired replicates per scenario\n\n"
        f"Command: `{COMMAND}`;\n"
        "this file: `python -m sim.report.reference_doc RESULTS --log LOG`.\n"
        "The patterns behind these figures, with their sources: docs/VALIDATION.md.\n\n"
        f"```\n{printed}\n```\n"
    )
    text = readme.read_text()
    text = replace_block(text, "mix", mix_table(summary))
    text = replace_block(text, "orderings", orderings_table(summary))
    readme.write_text(text)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m sim.report.reference_doc")
    parser.add_argument("results", type=Path, help="a finished failure_rates sweep folder")
    parser.add_argument("--log", type=Path, required=True, help="the sweep's printed output")
    args = parser.parse_args(argv)
    write_reference(args.results, args.log)
    print(f"wrote {REFERENCE.relative_to(ROOT)} and the README's reference tables")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
