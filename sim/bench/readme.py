"""``python -m sim.bench.readme BENCH_MD [PROFILE_TXT [COUNTERFACTUAL_TXT]]``: the figures of
docs/benchmarks.md.

Copies the tables of ``results/bench/bench.md`` (written by ``python -m sim.bench``, the report
half of ``make bench``) into docs/benchmarks.md (:data:`PAGE`; the README's benchmark section
once, hence the name) between ``<!-- reference:bench -->`` and ``<!-- /reference:bench -->``, and
the printed output of ``python -m sim.bench.profile`` between ``<!-- reference:profile -->``
markers and that of ``python -m sim.bench.counterfactual`` between ``<!-- reference:counterfactual
-->`` markers, so no benchmark figure in the docs is typed by hand.
"""

from __future__ import annotations

import sys
from pathlib import Path

from sim.report.reference_doc import ROOT, replace_block

#: The page the benchmark figures are written into.
PAGE = ROOT / "docs" / "benchmarks.md"


def bench_block(bench_md: str) -> str:
    """The report without its title line: the machine line, the tables, what was missed."""
    lines = bench_md.strip().splitlines()
    if lines and lines[0].startswith("# "):
        lines = lines[1:]
    return "\n".join(lines).strip()


def profile_block(profile_txt: str, parts: int = 12) -> str:
    """The profile's first lines (runs, then the share of each part), as a code block."""
    lines = profile_txt.strip().splitlines()[:parts]
    return "```\n" + "\n".join(lines) + "\n```"


def indented_block(text: str, indent: str = "  ") -> str:
    """Printed output as a code block indented into a list item."""
    lines = ["```", *text.strip().splitlines(), "```"]
    return "\n".join(indent + line if line else line for line in lines)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if not argv:
        print(
            "usage: python -m sim.bench.readme BENCH_MD [PROFILE_TXT [COUNTERFACTUAL_TXT]]",
            file=sys.stderr,
        )
        return 2
    text = replace_block(PAGE.read_text(), "bench", bench_block(Path(argv[0]).read_text()))
    if len(argv) > 1:
        text = replace_block(text, "profile", profile_block(Path(argv[1]).read_text()))
    if len(argv) > 2:
        text = replace_block(text, "counterfactual", indented_block(Path(argv[2]).read_text()))
    PAGE.write_text(text)
    print(f"{PAGE.relative_to(ROOT)}: benchmark figures from {', '.join(argv)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
