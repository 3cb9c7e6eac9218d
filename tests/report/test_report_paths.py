"""The report never writes through a link."""

from __future__ import annotations

import shutil

import pytest

from sim.cli.main import main
from tests.common import TESTS, cli_error

# --- the report never writes through a link ---


@pytest.mark.parametrize("link", ["report.html", "charts", "charts/outcome_mix.png"])
def test_report_refuses_symlinks(tmp_path, capsys, link):
    root = tmp_path / "res"
    shutil.copytree(TESTS / "fixtures" / "results_small", root)
    victim = tmp_path / "victim"
    victim.mkdir() if link == "charts" else victim.write_text("precious")
    (root / "charts").mkdir(exist_ok=True)
    target = root / link
    if target.exists():
        shutil.rmtree(target) if target.is_dir() else target.unlink()
    target.symlink_to(victim)
    assert main(["report", str(root)]) == 2
    assert "symbolic link" in cli_error(capsys)
    assert (list(victim.iterdir()) == []) if link == "charts" else victim.read_text() == "precious"
