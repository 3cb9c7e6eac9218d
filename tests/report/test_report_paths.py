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


# --- nor into a folder it cannot write, nor over a file or folder of the wrong kind ---


def test_report_refuses_a_folder_it_cannot_write_before_drawing(tmp_path, capsys, monkeypatch):
    """A read-only file system (simulated: every new file refused, as EROFS does) is an input
    error before any chart is drawn (it was a traceback from the first chart's temporary file)."""
    import errno
    import tempfile

    from sim.report import style

    root = tmp_path / "res"
    shutil.copytree(TESTS / "fixtures" / "results_small", root)

    def refuse(*args, **kwargs):
        raise OSError(errno.EROFS, "Read-only file system")

    monkeypatch.setattr(tempfile, "mkstemp", refuse)
    monkeypatch.setattr(style, "save_figure", lambda *a, **k: pytest.fail("drew a chart"))
    assert main(["report", str(root)]) == 2
    err = cli_error(capsys)
    assert "cannot write" in err and "Read-only" in err and str(root) in err


@pytest.mark.parametrize("where", ["charts", "report.html"])
def test_report_refuses_a_file_or_folder_of_the_wrong_kind(tmp_path, capsys, where):
    root = tmp_path / "res"
    shutil.copytree(TESTS / "fixtures" / "results_small", root)
    target = root / where
    if target.exists():
        shutil.rmtree(target) if target.is_dir() else target.unlink()
    target.write_text("mine") if where == "charts" else target.mkdir()
    assert main(["report", str(root)]) == 2
    assert where in cli_error(capsys)
    assert target.read_text() == "mine" if where == "charts" else target.is_dir()
