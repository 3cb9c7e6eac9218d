"""The house style's seaborn values, written into sim.report.house_rc, are still seaborn's."""

from __future__ import annotations

from sim.report import house_rc


def test_the_written_values_are_seaborn_s():
    assert house_rc.SEABORN_WHITEGRID_NOTEBOOK == house_rc.from_seaborn()


def test_rewrite_reproduces_the_file(tmp_path):
    copy = tmp_path / "house_rc.py"
    text = open(house_rc.__file__).read()
    copy.write_text(text.replace('"axes.grid": True', '"axes.grid": False'))  # a stale file
    house_rc.rewrite(copy)
    assert copy.read_text() == text
