"""``python -m sim.bench.readme BENCH_MD [PROFILE_TXT]``: the figures of docs/benchmarks.md.

Copies the tables of ``results/bench/bench.md`` (written by ``python -m sim.bench``, the report
half of ``make bench``) into docs/benchmarks.md (:data:`PAGE`; the README's benchmark section
once, hence the name) between ``<!-- reference:bench -->`` and ``<!-- /reference:bench -->``, and
the printed output of ``python -m sim.bench.profile`` between ``<!-- reference:profile -->``
markers, so no figure of the benchmark tables is typed by hand.
"""

from __future__ import annotations

import argparse
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


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(
        prog="python -m sim.bench.readme", description=__doc__.split("\n")[0]
    )
    p.add_argument("bench_md", help="results/bench/bench.md (python -m sim.bench)")
    p.add_argument("profile_txt", nargs="?", help="python -m sim.bench.profile's output")
    args = p.parse_args(argv)
    try:  # every input read and every block found before the page is written
        text = replace_block(
            PAGE.read_text(), "bench", bench_block(Path(args.bench_md).read_text())
        )
        if args.profile_txt:
            text = replace_block(text, "profile", profile_block(Path(args.profile_txt).read_text()))
    except (OSError, ValueError) as err:
        p.error(f"{err} (the page, {PAGE.relative_to(ROOT)}, is unchanged)")
    PAGE.write_text(text)
    sources = [args.bench_md, *filter(None, [args.profile_txt])]
    print(f"{PAGE.relative_to(ROOT)}: benchmark figures from {', '.join(sources)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
