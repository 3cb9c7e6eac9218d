"""``python -m sim.cli.validation`` (``make validation``) on bad input: status 2, one line naming
the flag and the folder, no traceback, nothing written."""

from __future__ import annotations

from sim.cli import validation


def test_a_results_folder_without_runs_is_a_clear_error(tmp_path, capsys):
    results = tmp_path / "results"
    results.mkdir()
    (results / "manifest.json").write_text("{not json")
    out, work, doc = tmp_path / "out", tmp_path / "work", tmp_path / "VALIDATION.md"
    argv = ["--results", str(results), "--work", str(work), "--out", str(out), "--doc", str(doc)]
    assert validation.main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("python -m sim.cli.validation: error: ") and err.count("\n") == 1
    assert "--results" in err and str(results) in err and "Traceback" not in err
    assert not out.exists() and not work.exists() and not doc.exists()
