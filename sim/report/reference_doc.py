"""The committed reference results and the README's tables of them, from a finished sweep.

``python -m sim.report.reference_doc RESULTS --log SWEEP_LOG [--posterior POSTERIOR_RESULTS]``
(run after ``crmsim sweep experiments/failure_rates.toml --out RESULTS > SWEEP_LOG``,
``crmsim report RESULTS`` and, for the posterior, ``crmsim sweep experiments/failure_rates.toml
--posterior results/reference/calibration/posterior.parquet --out POSTERIOR_RESULTS``):

- copies the sweep's summary.csv, paired.csv and outcome-mix chart to
  results/reference/failure_rates/ (the model at the calibrated point: validation and the
  regression pins read it), and the posterior sweep's summary.csv and paired.csv to
  results/reference/failure_rates_posterior/;
- writes results/reference/failure_rates/rates.md: the command and the sweep's own printed output;
- rewrites the README's tables between ``<!-- reference:NAME -->`` and ``<!-- /reference:NAME -->``
  (the industry mix against its published bands, and every ordering) from the posterior sweep's
  summary.csv when there is one: each rate with its 95% posterior predictive interval (the
  parameters' uncertainty as well as the replicate noise; sim.experiments.summary), otherwise from
  the point sweep's with Wilson intervals.

So no figure of these tables is typed: they are regenerated from the sweep by one command. Reads
result files only; runs nothing, except ``--first-run``, which runs the README's first command
(``crmsim run scenarios/four_ps.toml --seed 3``, into a temporary folder) and writes its printed
output into the README's first-run block, the folder named as the command names it by default.
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pandas as pd

from sim.shipped import source_root

ROOT = source_root()  # the checkout (sim.shipped)
REFERENCE = ROOT / "results" / "reference" / "failure_rates"
POSTERIOR_REFERENCE = ROOT / "results" / "reference" / "failure_rates_posterior"
COMMAND = "crmsim sweep experiments/failure_rates.toml --workers 2"

#: The industry mix's published figures (DESIGN.md 2.5, 2.7): metric -> (label, published, band,
#: source). ``financial_failure`` is ``not business_case_met`` (ODD 7.5; summary.csv's own rate).
BANDS = {
    "never_live": ("never live", "12%", "9 to 15%", "AMR Research; Johnny Grow (10% cancelled)"),
    "measurable_gain": ("measurable gain", "16%", "12 to 20%", "AMR Research"),
    "failed": (
        "failed (missed expectations)",
        "55%",
        "50 to 63%",
        "Gartner 2001, EIU 2007, Johnny Grow, Merkle 2016",
    ),
    "financial_failure": (
        "financial failure (not paid back)",
        "more than half",
        "50 to 75%",
        "Bain 2002",
    ),
}
METRICS = ("never_live", "abandoned", "failed", "financial_failure", "measurable_gain")
HEADERS = ("never live", "abandoned", "failed", "not paid back", "measurable gain")


def _pct(x: float) -> str:
    return f"{100 * x:.1f}%"


#: What a summary's intervals are: a posterior sweep's (sim.experiments.summary) hold the
#: parameters' uncertainty as well as replicate noise; a point sweep's only the latter.
POSTERIOR_LABEL, POINT_LABEL = "95% posterior predictive", "Wilson 95%"


def mix_table(summary: pd.DataFrame, label: str = POINT_LABEL) -> str:
    """The industry mix against its published bands, each rate with its interval."""
    lines = [
        f"| figure | model (industry mix) | {label} | published | accepted | source |",
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
    """Every scenario of the sweep, each metric with its interval."""
    lines = ["| scenario | " + " | ".join(HEADERS) + " |", "|---" * (len(HEADERS) + 1) + "|"]
    for scenario in dict.fromkeys(summary.scenario):
        rows = summary[summary.scenario == scenario].set_index("metric")
        cells = [
            f"{_pct(rows.loc[m].value)} [{100 * rows.loc[m].ci_low:.1f}, "
            f"{100 * rows.loc[m].ci_high:.1f}]"
            for m in METRICS
        ]
        lines.append(f"| {scenario} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def claims_table(claims: pd.DataFrame, horizons: pd.DataFrame) -> str:
    """The README's ordering claims: each one's posterior probability (the calibration's
    claims.csv: over posterior draws, with paired replicates) and whether its paired difference is
    above 0 at three, four and five years (docs/VALIDATION.md's claims_by_horizon.csv)."""
    labels = [c for c in horizons.columns if c != "claim" and not c.endswith(" holds")]
    lines = [
        "| claim | posterior probability | " + " | ".join(f"at {h}" for h in labels) + " |",
        "|---" * (len(labels) + 2) + "|",
    ]
    by_claim = horizons.set_index("claim")
    for r in claims.itertuples():
        cells = []
        for h in labels:
            if r.claim not in by_claim.index:
                cells.append("-")
                continue
            held = bool(by_claim.loc[r.claim, f"{h} holds"])
            cells.append(f"{'holds' if held else 'not shown'} ({by_claim.loc[r.claim, h]})")
        lines.append(f"| {r.claim} | {r.probability:.2f} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def misses_block(patterns: pd.DataFrame) -> str:
    """The README's account of docs/VALIDATION.md: how many independent patterns hold, and every
    pattern that does not, of any kind, with its figure, its band and, where there is one, its
    figure over the posterior (the validation's patterns.csv)."""
    holds = patterns["holds"].map(lambda h: None if pd.isna(h) else str(h) == "True")
    judged = patterns[holds.notna()].assign(holds=holds[holds.notna()].astype(bool))
    independent = judged[judged.kind == "independent"]
    lines = [
        f"**{int(independent.holds.sum())} of {len(independent)} independent patterns hold** in "
        "docs/VALIDATION.md. The patterns that do not hold:",
        "",
    ]
    for r in judged[~judged.holds].itertuples():
        post = r.predictive if isinstance(r.predictive, str) and r.predictive else ""
        lines.append(
            f"- {r.pattern} ({r.kind}): {r.model} against {r.expected}"
            + (f"; posterior predictive: {post}" if post else "")
        )
    return "\n".join(lines)


def write_claims(readme: Path = ROOT / "README.md") -> None:
    """Rewrite the README's claims and validation blocks from the committed calibration and
    validation tables."""
    claims = pd.read_csv(ROOT / "results/reference/calibration/claims.csv")
    horizons = pd.read_csv(ROOT / "results/reference/validation/claims_by_horizon.csv")
    patterns = pd.read_csv(ROOT / "results/reference/validation/patterns.csv")
    text = replace_block(readme.read_text(), "claims", claims_table(claims, horizons))
    readme.write_text(replace_block(text, "validation", misses_block(patterns)))


#: The README's first command, and the folder it writes to by default.
FIRST_RUN = ["run", "scenarios/four_ps.toml", "--seed", "3"]
FIRST_RUN_FOLDER = "results/runs/four_ps-seed3"


def write_first_run(readme: Path = ROOT / "README.md") -> None:
    """Run the README's first command and put what it prints into the first-run block."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "run"
        done = subprocess.run(
            [sys.executable, "-m", "sim", *FIRST_RUN, "--out", str(out)],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        )
    printed = done.stdout.strip().replace(str(out), FIRST_RUN_FOLDER)
    block = f"```\n{printed}\n```"
    readme.write_text(replace_block(readme.read_text(), "first-run", block))


def replace_block(text: str, name: str, body: str) -> str:
    """``text`` with the block between the ``reference:NAME`` markers replaced by ``body``."""
    pattern = re.compile(
        rf"(<!-- reference:{name} -->\n)(?:.*?\n)?(<!-- /reference:{name} -->)", flags=re.DOTALL
    )
    if not pattern.search(text):
        raise ValueError(f"no <!-- reference:{name} --> block in the page")
    return pattern.sub(lambda m: m.group(1) + body + "\n" + m.group(2), text)


def write_reference(
    results: Path, log: Path, readme: Path = ROOT / "README.md", posterior: Path | None = None
) -> None:
    summary = pd.read_csv(results / "summary.csv")
    REFERENCE.mkdir(parents=True, exist_ok=True)
    for name in ("summary.csv", "paired.csv"):
        shutil.copyfile(results / name, REFERENCE / name)
    if posterior is not None:
        POSTERIOR_REFERENCE.mkdir(parents=True, exist_ok=True)
        for name in ("summary.csv", "paired.csv"):
            shutil.copyfile(posterior / name, POSTERIOR_REFERENCE / name)
        summary = pd.read_csv(posterior / "summary.csv")
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
    label = POSTERIOR_LABEL if posterior is not None else POINT_LABEL
    text = replace_block(text, "mix", mix_table(summary, label))
    text = replace_block(text, "orderings", orderings_table(summary))
    readme.write_text(text)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m sim.report.reference_doc")
    parser.add_argument("results", type=Path, nargs="?", help="a finished failure_rates sweep")
    parser.add_argument("--log", type=Path, help="the sweep's printed output")
    parser.add_argument(
        "--claims",
        action="store_true",
        help="only rewrite the README's claims and validation blocks (after crmsim calibrate and "
        "make validation)",
    )
    parser.add_argument(
        "--posterior", type=Path, help="the same sweep run with --posterior (the README's tables)"
    )
    parser.add_argument(
        "--first-run",
        action="store_true",
        help="only rewrite the README's first-run block (runs crmsim run four_ps --seed 3)",
    )
    args = parser.parse_args(argv)
    if args.first_run:
        write_first_run()
        print("wrote the README's first-run block")
        return 0
    if args.claims:
        write_claims()
        print("wrote the README's claims and validation blocks")
        return 0
    if args.results is None or args.log is None:
        parser.error("give RESULTS and --log, or --claims")
    write_reference(args.results, args.log, posterior=args.posterior)
    print(f"wrote {REFERENCE.relative_to(ROOT)} and the README's reference tables")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
