"""The HTML report: built from the stored fixture, valid, self-contained, opens in a real browser.

A folder with a missing or corrupt file gets an InputError that names the file (the CLI maps it to
exit status 2) and no partial output.
"""

from __future__ import annotations

import base64
import json
import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
import pytest

from sim.errors import InputError
from sim.report.html import build_report, load_results

FIX = Path(__file__).resolve().parents[1] / "fixtures"
SWEEP_CHARTS = ["outcome_mix", "adoption", "customers", "jcurve", "roi", "paired"]
VOID = {
    "area",
    "base",
    "br",
    "col",
    "embed",
    "hr",
    "img",
    "input",
    "link",
    "meta",
    "source",
    "track",
    "wbr",
}


class _Collect(HTMLParser):
    """Checks nesting and collects tags, attributes and text."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.tags: list[tuple[str, dict]] = []
        self.errors: list[str] = []
        self.text: list[str] = []
        self.doctype = None

    def handle_decl(self, decl):
        self.doctype = decl

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        if tag not in VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_endtag(self, tag):
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> closes <{self.stack[-1] if self.stack else None}>")
        else:
            self.stack.pop()

    def handle_data(self, data):
        self.text.append(data)


def _parse(text: str) -> _Collect:
    p = _Collect()
    p.feed(text)
    p.close()
    return p


@pytest.fixture(scope="module")
def sweep_report(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("sweep") / "orderings_small"
    shutil.copytree(FIX / "results_small", root)
    return build_report(root)


@pytest.fixture(scope="module")
def grid_report(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("grid") / "training_vs_pressure"
    shutil.copytree(FIX / "grid_small", root)
    return build_report(root)


def test_report_and_charts_are_written(sweep_report):
    root = sweep_report.parent
    assert sweep_report == root / "report.html"
    for name in SWEEP_CHARTS:
        assert (root / "charts" / f"{name}.png").stat().st_size > 20_000
        assert (root / "charts" / f"{name}.svg").stat().st_size > 20_000
    assert not list(root.glob("*.tmp"))


def test_report_is_valid_self_contained_html(sweep_report):
    text = sweep_report.read_text(encoding="utf-8")
    p = _parse(text)
    assert p.doctype and p.doctype.lower() == "doctype html"
    assert not p.errors and not p.stack, (p.errors, p.stack)
    names = [t for t, _ in p.tags]
    for tag in ("html", "head", "title", "body"):
        assert names.count(tag) == 1
    assert ("meta", {"charset": "utf-8"}) in p.tags
    imgs = [a for t, a in p.tags if t == "img"]
    assert len(imgs) == len(SWEEP_CHARTS)
    for a in imgs:
        assert a["src"].startswith("data:image/png;base64,")
        assert base64.b64decode(a["src"].split(",", 1)[1])[:8] == b"\x89PNG\r\n\x1a\n"
        assert a.get("alt")
    # nothing to fetch: no scripts, stylesheets, frames or remote references anywhere
    assert not {"script", "link", "iframe", "object", "embed"} & set(names)
    for _, attrs in p.tags:
        for key, value in attrs.items():
            if key == "src":
                assert value.startswith("data:"), value[:80]
            elif key in ("href", "srcset", "action", "poster", "data", "style"):
                assert not re.search(r"(https?:)?//", value or ""), (key, value[:80])
                assert key != "href" or value.startswith("#"), value
    no_data = re.sub(r"data:image/png;base64,[A-Za-z0-9+/=]+", "", text)
    assert not re.search(r"https?://|url\(|@import", no_data, re.I)


def test_every_chart_has_a_caption_with_the_replicate_count(sweep_report):
    p = _parse(sweep_report.read_text(encoding="utf-8"))
    text = "".join(p.text)
    figs = text.count("30 replicates per ordering") + text.count("8 runs per ordering")
    assert figs >= len(SWEEP_CHARTS)
    assert "1 run raised an error and is left out" in text
    assert "AMR Research" in text and "Gartner 2001" in text
    assert text.count("Published rates") == 1  # the rates table from summary.csv


def test_grid_report_has_heatmap_and_notes_missing_series(grid_report):
    root = grid_report.parent
    assert (root / "charts" / "heatmap.png").exists()
    assert not (root / "charts" / "adoption.png").exists()
    text = grid_report.read_text(encoding="utf-8")
    assert "No per-week series were kept" in text
    assert "paired.csv not found" in text
    assert "at each of 20 design points" in text


def _damage(root: Path, damage: str) -> str:
    """Damage a copy of the fixture; returns the name the error message must carry."""
    if damage == "no_manifest":
        (root / "manifest.json").unlink()
        return "manifest.json"
    if damage == "bad_manifest":
        (root / "manifest.json").write_text('{"spec": ')
        return "manifest.json"
    if damage == "no_runs":
        shutil.rmtree(root / "runs")
        return "runs"
    if damage == "bad_run_part":
        (root / "runs" / "part-00001.parquet").write_bytes(b"\x00garbage, truncated by a crash")
        return "part-00001.parquet"
    if damage == "run_part_missing_column":
        path = root / "runs" / "part-00000.parquet"
        pd.read_parquet(path).drop(columns=["met_expectations"]).to_parquet(path)
        return "part-00000.parquet"
    if damage == "bad_status":
        path = root / "runs" / "part-00001.parquet"
        df = pd.read_parquet(path)
        df.loc[df.index[0], "status"] = "on_fire"
        df.to_parquet(path)
        return "part-00001.parquet"
    if damage == "bad_series_part":
        (root / "series" / "part-00000.parquet").write_bytes(b"PAR1")
        return "part-00000.parquet"
    if damage == "bad_summary":
        (root / "summary.csv").write_bytes(b"\xff\xfe\x00binary")
        return "summary.csv"
    if damage == "paired_missing_column":
        pd.read_csv(root / "paired.csv").drop(columns=["ci_low"]).to_csv(root / "paired.csv")
        return "paired.csv"
    if damage == "all_errors":
        for path in (root / "runs").glob("*.parquet"):
            df = pd.read_parquet(path)
            df["error"] = "boom"
            df.to_parquet(path)
        return "runs"
    raise AssertionError(damage)


DAMAGES = [
    "no_manifest",
    "bad_manifest",
    "no_runs",
    "bad_run_part",
    "run_part_missing_column",
    "bad_status",
    "bad_series_part",
    "bad_summary",
    "paired_missing_column",
    "all_errors",
]


@pytest.mark.parametrize("damage", DAMAGES)
def test_damaged_folder_raises_input_error_naming_the_file(damage, tmp_path):
    root = tmp_path / "res"
    shutil.copytree(FIX / "results_small", root)
    name = _damage(root, damage)
    with pytest.raises(InputError) as err:
        build_report(root)
    assert name in str(err.value)
    assert str(root) in str(err.value)
    assert not (root / "report.html").exists() and not (root / "charts").exists()


def test_report_from_a_real_sweep_folder(tmp_path):
    """smoke_real/ was written by the real sweep and store (see make_fixture.py)."""
    root = tmp_path / "smoke"
    shutil.copytree(FIX / "smoke_real", root)
    out = build_report(root)
    p = _parse(out.read_text(encoding="utf-8"))
    assert not p.errors and not p.stack
    assert len([a for t, a in p.tags if t == "img"]) == len(SWEEP_CHARTS)
    assert "3 replicates per ordering" in "".join(p.text)


def test_not_a_folder(tmp_path):
    with pytest.raises(InputError, match="not a folder"):
        build_report(tmp_path / "nowhere")


def test_loader_reads_the_store_layout():
    res = load_results(FIX / "results_small")
    assert res.name == "orderings_small" and res.replicates == 30
    assert len(res.runs) == 180 and len(res.ok_runs) == 179
    assert res.series["run_id"].nunique() == 48
    assert set(res.paired["baseline"]) == {"technology_first"}
    manifest = json.loads((FIX / "results_small" / "manifest.json").read_text())
    assert manifest["status"] == "complete" and not res.notes


CHECK_SCRIPT = """<script>
window.addEventListener('load', function () {
  var im = document.images, ok = 0;
  for (var i = 0; i < im.length; i++) {
    var good = im[i].complete && im[i].naturalWidth > 0;
    im[i].setAttribute('data-loaded', good ? 'yes' : 'no');
    if (good) ok++;
  }
  document.body.setAttribute('data-images', im.length);
  document.body.setAttribute('data-ok', ok);
});
</script>"""


@pytest.mark.browser
def test_report_opens_in_headless_chromium(sweep_report, tmp_path):
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        pytest.skip("headless Chromium not installed (Debian: apt-get install -y chromium)")
    page = tmp_path / "check.html"
    # a copy of the report with a checking script, and one deliberately broken image that must be
    # reported as not loaded (so the check can tell a loaded image from a broken one)
    broken = "<img id='broken' src='data:image/png;base64,AAAA' alt='broken on purpose'>"
    page.write_text(
        sweep_report.read_text(encoding="utf-8").replace(
            "</body>", broken + CHECK_SCRIPT + "</body>"
        ),
        encoding="utf-8",
    )
    cmd = [
        chromium,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-extensions",
        f"--user-data-dir={tmp_path / 'profile'}",
        "--virtual-time-budget=15000",
        "--dump-dom",
        page.as_uri(),
    ]
    try:
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=90, check=False)
    except subprocess.TimeoutExpired:
        pytest.fail("chromium did not finish rendering the report in 90 s")
    assert out.returncode == 0, out.stderr[-2000:]
    dom = _parse(out.stdout)
    body = next(a for t, a in dom.tags if t == "body")
    imgs = [a for t, a in dom.tags if t == "img"]
    assert int(body["data-images"]) == len(SWEEP_CHARTS) + 1
    assert int(body["data-ok"]) == len(SWEEP_CHARTS), [a.get("alt") for a in imgs]
    assert all(a["data-loaded"] == ("no" if a.get("id") == "broken" else "yes") for a in imgs)


def test_the_rates_table_shows_the_money_beside_the_judgement(sweep_report):
    """Failed (the sponsor's judgement) and not paid back (the business case) side by side, also
    for a folder whose summary.csv predates financial_failure's own rows (derived from
    business_case_met: 1 - p, the interval flipped)."""
    summary = pd.read_csv(FIX / "results_small" / "summary.csv")
    assert "financial_failure" not in set(summary.metric)  # the old layout
    paid = summary[(summary.metric == "business_case_met")].iloc[0]
    text = sweep_report.read_text(encoding="utf-8")
    rates = text[
        text.index("<section id='rates'>") : text.index("</section>", text.index("id='rates'"))
    ]
    assert "<th>Failed</th><th>Not paid back</th>" in rates and "Bain 2002" in rates
    flipped = f"{1 - paid.value:.0%} <small>[{1 - paid.ci_high:.0%}–{1 - paid.ci_low:.0%}]</small>"
    assert flipped in rates
