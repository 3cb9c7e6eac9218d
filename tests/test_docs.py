"""The documents ship with the repository, everything they name exists, and the README's commands
work as written.

"Everything they name": every file path (``sim/model/rules.py``, ``docs/ODD.md``), every module path
(``sim.model.outcomes``, down to an attribute: ``sim.experiments.Execution``) and every numbered
section (``ODD 7.2.0``, ``DESIGN.md 2.4``) that README.md, CONTRIBUTING.md, docs/*.md and the
sources of sim/ name. A path written as another project's (``SALib's tests/test_regression.py``),
a placeholder (``results/NAME/``, ``docs/X.md``) or an output of a command (``results/...``) is not
a reference to this repository's files.
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.common import ROOT

PATH = re.compile(r"(?<![\w./-])((?:sim|docs|tests|scenarios|experiments|\.ci)/[\w./*<>{}-]*[\w/])")
MODULE = re.compile(r"(?<![\w./-])(sim(?:\.[A-Za-z_]\w*)+)")
SECTION = re.compile(r"\b(ODD|DESIGN\.md)(?: section)? (\d+(?:\.\d+)*)")
#: A path that is a placeholder: an all-capitals segment (NAME, X) or a wildcard.
PLACEHOLDER = re.compile(r"[*<>{}]|(?:^|/)[A-Z][A-Z_]*(?:/|$|\.)")
#: "STUMPY's `tests/naive.py`": a file of another project, as DESIGN.md cites them.
ANOTHER_PROJECT = re.compile(r"\w's\s+`?$")

#: Named in the model's own files, which the lead engineer is rewriting for model v3 and fixes
#: there (listed in the report of issue 21): each must still be missing, so the list can only
#: shrink. Key: (file, what is named).
LEADS_TO_FIX: set[tuple[str, str]] = set()


def documents() -> list[Path]:
    docs = [ROOT / "README.md", ROOT / "CONTRIBUTING.md"]  # not CHANGELOG.md: it names the past
    docs += sorted((ROOT / "docs").glob("*.md"))
    return docs + sorted((ROOT / "sim").rglob("*.py"))


def _section_numbers(doc: str) -> set[str]:
    """Numbers of the sections of a document: headings (``## 7.`` ``### 7.2``) and the bold
    run-in heads of its subsections (``**7.2.0 Turnover**``)."""
    found = set()
    for line in (ROOT / "docs" / doc).read_text().splitlines():
        m = re.match(r"(?:#+\s+|\*\*)(\d+(?:\.\d+)*)[.\s]", line + " ")
        if m:
            found.add(m.group(1))
    return found


def _module_exists(dotted: str) -> bool:
    """The longest importable prefix of ``dotted``, then attributes for the rest."""
    parts = dotted.split(".")
    for i in range(len(parts), 0, -1):
        name = ".".join(parts[:i])
        try:
            found = importlib.util.find_spec(name) is not None
        except (ImportError, ValueError):
            found = False
        if found:
            obj = importlib.import_module(name)
            for attr in parts[i:]:
                if not hasattr(obj, attr):
                    return False
                obj = getattr(obj, attr)
            return True
    return False


def missing_in(docs: list[Path]) -> set[tuple[str, str]]:
    """(document, what it names) for every named file, module or section that does not exist."""
    sections = {"ODD": _section_numbers("ODD.md"), "DESIGN.md": _section_numbers("DESIGN.md")}
    missing = set()
    for doc in docs:
        text = doc.read_text()
        where = doc.relative_to(ROOT).as_posix() if doc.is_relative_to(ROOT) else doc.name
        for m in PATH.finditer(text):
            path = m.group(1).rstrip(".")
            if PLACEHOLDER.search(path) or ANOTHER_PROJECT.search(text[: m.start()][-40:]):
                continue
            if not (ROOT / path).exists():
                missing.add((where, path))
        for m in MODULE.finditer(text):
            if not _module_exists(m.group(1).rstrip(".")):
                missing.add((where, m.group(1).rstrip(".")))
        for m in SECTION.finditer(text):
            if m.group(2) not in sections[m.group(1)]:
                missing.add((where, f"{m.group(1)} {m.group(2)}"))
    return missing


def test_design_notes_ship_and_references_resolve():
    assert (ROOT / "docs" / "DESIGN.md").is_file()
    for doc in (ROOT / "README.md", ROOT / "docs" / "ARCHITECTURE.md", ROOT / "docs" / "ODD.md"):
        text = doc.read_text()
        assert "not shipped" not in text and "../shared/DESIGN.md" not in text, doc


def test_every_file_module_and_section_named_exists():
    missing = missing_in(documents())
    assert missing - LEADS_TO_FIX == set()
    assert LEADS_TO_FIX - missing == set(), "fixed: take these off LEADS_TO_FIX"


def test_the_checker_finds_what_is_missing(tmp_path):
    """The patterns catch each kind of reference (a checker that finds nothing proves nothing)."""
    doc = tmp_path / "x.md"
    doc.write_text(
        "See sim/model/nowhere.py, sim.model.nowhere, sim.experiments.Nothing, ODD 99.1 and "
        "DESIGN.md section 42; but sim/model/rules.py, sim.experiments.Execution, ODD 7.2.0, "
        "DESIGN.md 2.4, results/NAME/, docs/X.md and SALib's `tests/test_regression.py` are fine."
    )
    assert {what for _, what in missing_in([doc])} == {
        "sim/model/nowhere.py",
        "sim.model.nowhere",
        "sim.experiments.Nothing",
        "ODD 99.1",
        "DESIGN.md 42",
    }


def test_no_comment_outside_the_model_cites_an_issue():
    """Comments cite ODD or DESIGN.md sections and sources; history is git's and CHANGELOG.md's.
    (The model's own files are the lead's to fix: listed in the report of issue 21.)"""
    pattern = re.compile(r"\b[Ii]ssue \d+")
    cited = [
        f"{p.relative_to(ROOT)}:{i}"
        for p in sorted((ROOT / "sim").rglob("*.py"))
        if "model" not in p.relative_to(ROOT / "sim").parts[:1]
        for i, line in enumerate(p.read_text().splitlines(), 1)
        if pattern.search(line) and "numba issue" not in line
    ]
    assert cited == []


def test_the_generated_blocks_have_their_markers_where_their_generators_write():
    from sim.bench import readme as bench_readme
    from sim.report import calibration_tables, reference_doc

    readme = (ROOT / "README.md").read_text()
    for name in ("first-run", "mix", "orderings"):
        reference_doc.replace_block(readme, name, "x")  # raises ValueError without the markers
    page = bench_readme.PAGE.read_text()
    for name in ("bench", "profile"):
        reference_doc.replace_block(page, name, "x")
    assert bench_readme.PAGE.parts[-2:] == ("docs", "benchmarks.md")
    assert calibration_tables.PAGE.parts[-2:] == ("docs", "calibration.md")
    calibration_tables.render(calibration_tables.PAGE.read_text(), "x")


def test_readme_is_short_and_points_to_the_pages():
    text = (ROOT / "README.md").read_text()
    assert len(text.splitlines()) <= 300
    for page in ("experiments", "sensitivity", "calibration", "dashboard", "api", "inputs",
                 "benchmarks"):  # fmt: skip
        assert f"docs/{page}.md" in text, page


# --- the README's code blocks run as written ------------------------------------------------

BLOCK = re.compile(
    r"(<!-- (?P<mark>runnable|not run: [^>]+) -->\n)?```(?P<lang>\w+)\n(?P<code>.*?)```", re.S
)


def readme_blocks() -> list[tuple[str, str | None, str]]:
    """(language, marker, code) of every fenced block of the README with a language."""
    text = (ROOT / "README.md").read_text()
    return [(m["lang"], m["mark"], m["code"]) for m in BLOCK.finditer(text)]


def test_every_bash_and_python_block_says_whether_it_runs():
    """A block the test would skip says why; nothing is skipped silently."""
    for lang, mark, code in readme_blocks():
        if lang in ("bash", "python"):
            assert mark is not None, f"mark this {lang} block runnable or not run: {code[:60]!r}"


@pytest.fixture
def readers_folder(tmp_path) -> Path:
    """Where a reader of the README stands: a copy of the checkout's inputs and its .venv."""
    for name in ("scenarios", "experiments"):
        shutil.copytree(ROOT / name, tmp_path / name, ignore=shutil.ignore_patterns("__pycache__"))
    (tmp_path / ".venv").symlink_to(ROOT / ".venv")
    return tmp_path


RUNNABLE = [
    pytest.param(lang, code, id=f"{lang}-{i}")
    for i, (lang, mark, code) in enumerate(readme_blocks())
    if mark == "runnable"
]


@pytest.mark.slow
@pytest.mark.skipif(not (ROOT / ".venv" / "bin" / "activate").is_file(), reason="no .venv here")
@pytest.mark.parametrize(("lang", "code"), RUNNABLE)
def test_readme_runnable_block_runs(readers_folder, lang, code):
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH")}
    env["PATH"] = "/usr/local/bin:/usr/bin:/bin"  # a clean shell: crmsim only once activated
    if lang == "bash":
        cmd = ["bash", "-e", "-o", "pipefail", "-c", code]
    else:
        script = readers_folder / "example.py"
        script.write_text(code)
        cmd = [str(ROOT / ".venv" / "bin" / "python"), str(script)]
    proc = subprocess.run(
        cmd, cwd=readers_folder, env=env, capture_output=True, text=True, timeout=600
    )
    assert proc.returncode == 0, f"{proc.stdout[-2000:]}\n{proc.stderr[-3000:]}"
