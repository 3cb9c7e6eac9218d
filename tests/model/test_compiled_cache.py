"""numba's cache of the model follows every model source file, not only the function's own."""

from __future__ import annotations

import shutil

import numba

from sim.model import calendar, compiled_cache, week
from sim.model.compiled_cache import MODEL_DIR, cache_dir, source_sha256


def test_the_model_caches_under_a_digest_of_its_source():
    folder = cache_dir()
    assert numba.config.CACHE_DIR == folder
    assert folder.endswith(source_sha256()[:16])
    for fn in (calendar.step_customers, week.begin_week, week.run_weeks):
        assert fn._cache._cache_path.startswith(folder)


def test_editing_any_model_file_moves_the_cache(tmp_path):
    copy = tmp_path / "model"
    shutil.copytree(MODEL_DIR, copy, ignore=shutil.ignore_patterns("__pycache__"))
    before = cache_dir(copy)
    assert cache_dir(copy) == before  # deterministic
    rules = copy / "rules.py"
    rules.write_text(rules.read_text() + "\n# an edited rule\n")
    assert cache_dir(copy) != before  # kernels.py and week.py did not change, the cache did


def test_a_user_cache_folder_is_kept_as_the_base(tmp_path, monkeypatch):
    monkeypatch.setenv("NUMBA_CACHE_DIR", str(tmp_path))
    assert compiled_cache.cache_dir().startswith(str(tmp_path))


def test_a_worker_keys_its_cache_as_its_parent(monkeypatch):
    """A process started by the sweep inherits NUMBA_CACHE_DIR pointing at the parent's folder (set
    when numba was not imported yet); it must find the same folder, not one nested in it."""
    parent = compiled_cache.cache_dir()
    monkeypatch.setenv("NUMBA_CACHE_DIR", parent)
    assert compiled_cache.cache_dir() == parent
