"""The package installs anywhere: the wheel ships the scenarios and experiments, runs them from a
folder that is not the checkout, declares every package it imports, and has one version.

The wheel is built from this checkout with ``pip wheel --no-deps --no-build-isolation`` (the dev
extra installs the build backend, so no network is needed) and unpacked onto ``PYTHONPATH``: the
same files pip would install, found before the editable install of the checkout.
"""

from __future__ import annotations

import ast
import importlib.metadata
import os
import re
import shutil
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest

import sim
from tests.common import ROOT

PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())
PROJECT = PYPROJECT["project"]
SETUPTOOLS = PYPROJECT["tool"]["setuptools"]


def _norm(name: str) -> str:
    """A distribution name as PEP 503 compares them."""
    return re.sub(r"[-_.]+", "-", name).lower()


def _requirement_name(req: str) -> str:
    return _norm(re.split(r"[\[<>=!~;\s]", req, maxsplit=1)[0])


def _imported_top_levels() -> dict[str, str]:
    """Top-level names imported anywhere in sim/ (not the standard library, not sim) -> a file."""
    found: dict[str, str] = {}
    for path in sorted((ROOT / "sim").rglob("*.py")):
        tree = ast.parse(path.read_text(), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            for name in names:
                top = name.split(".")[0]
                if top != "sim" and top not in sys.stdlib_module_names:
                    found.setdefault(top, str(path.relative_to(ROOT)))
    return found


def test_every_imported_package_is_declared():
    """psutil, scipy, uvicorn and ipywidgets were once imported without being declared."""
    declared = {_requirement_name(r) for r in PROJECT["dependencies"]}
    for extra in PROJECT.get("optional-dependencies", {}).values():
        declared |= {_requirement_name(r) for r in extra}
    providers = importlib.metadata.packages_distributions()
    # a meta-package that provides no module itself (solara installs solara-ui) declares what it
    # requires without an extra
    provided = {_norm(d) for dists in providers.values() for d in dists}
    core = {_requirement_name(r) for r in PROJECT["dependencies"]}
    for dist in sorted(core - provided):
        for req in importlib.metadata.requires(dist) or []:
            if "extra ==" not in req:
                declared.add(_requirement_name(req))
    undeclared = {}
    for top, where in _imported_top_levels().items():
        dists = {_norm(d) for d in providers.get(top, [])}
        assert dists, f"{top} (imported in {where}) is not installed in this environment"
        if not dists & declared:
            undeclared[top] = (sorted(dists), where)
    assert undeclared == {}
    # the packages the README's commands import when they run are core, not an extra
    for needed in ("mesa", "numba", "numpy", "pandas", "pyarrow", "salib", "ema-workbench"):
        assert needed in core, needed


def test_the_listed_packages_are_every_package_of_sim():
    listed = set(SETUPTOOLS["packages"])
    on_disk = {"sim"} | {
        "sim." + p.parent.name for p in (ROOT / "sim").glob("*/__init__.py") if p.parent.is_dir()
    }
    mapped = SETUPTOOLS["package-dir"]
    assert listed == on_disk | set(mapped)
    for package, folder in mapped.items():
        assert (ROOT / folder / "__init__.py").is_file(), package
        assert package in SETUPTOOLS["package-data"], package


def test_the_version_is_written_once():
    assert "version" not in PROJECT and "version" in PROJECT["dynamic"]
    assert SETUPTOOLS["dynamic"]["version"] == {"attr": "sim.__version__"}
    assert re.fullmatch(r"\d+\.\d+\.\d+", sim.__version__)
    init = (ROOT / "sim" / "__init__.py").read_text()
    assert init.count(sim.__version__) == 1
    assert importlib.metadata.version("crm-rollout-sim") == sim.__version__


def test_python_dash_m_sim_is_the_command_line(tmp_path):
    proc = subprocess.run(
        [sys.executable, "-m", "sim", "--version"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == f"crmsim {sim.__version__}"


#: What the wheel is built from, copied so the build writes nothing into the checkout.
SOURCES = ("pyproject.toml", "README.md", "LICENSE", "sim", "scenarios", "experiments")


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    src, out = tmp_path_factory.mktemp("src"), tmp_path_factory.mktemp("wheel")
    for name in SOURCES:
        if (ROOT / name).is_dir():
            shutil.copytree(ROOT / name, src / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(ROOT / name, src / name)
    proc = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
         "-w", str(out), str(src)],
        capture_output=True,
        text=True,
        timeout=300,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-3000:]
    (path,) = out.glob("crm_rollout_sim-*.whl")
    return path


@pytest.mark.slow
def test_the_wheel_ships_the_scenarios_and_experiments(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    for folder, package in (("scenarios", "scenarios"), ("experiments", "experiment_files")):
        for toml in (ROOT / folder).glob("*.toml"):
            assert f"sim/{package}/{toml.name}" in names, toml
    assert "sim/py.typed" in names
    assert any(n.endswith(".dist-info/licenses/LICENSE") for n in names)
    for module in (ROOT / "sim").rglob("*.py"):
        assert module.relative_to(ROOT).as_posix() in names, module
    assert not [n for n in names if n.startswith(("tests/", "docs/", "results/"))]


@pytest.mark.slow
def test_a_shipped_scenario_runs_by_name_from_the_wheel(wheel, tmp_path):
    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {**os.environ, "PYTHONPATH": str(site)}

    def crmsim(*args: str) -> str:
        proc = subprocess.run(
            [sys.executable, "-m", "sim", *args],
            cwd=elsewhere,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert proc.returncode == 0, proc.stderr[-2000:]
        return proc.stdout

    listing = crmsim("list")
    assert str(site / "sim" / "scenarios") in listing  # the wheel's files, not the checkout's
    assert "four_ps.toml" in listing and "failure_rates.toml" in listing
    assert "valid scenario 'four_ps'" in crmsim("validate", "four_ps")
    # the experiment's ../scenarios/x.toml paths resolve inside the installed package
    assert "6 scenarios" in crmsim("validate", "failure_rates")
    out = crmsim("run", "four_ps", "--seed", "2", "--no-charts", "--out", "run",
                 "--set", "org.employees=20", "--set", "org.customers=200",
                 "--set", "horizon_weeks=30")  # fmt: skip
    assert "four_ps" in out and (elsewhere / "run" / "summary.json").is_file()
    assert sorted(p.name for p in elsewhere.iterdir()) == ["run"]  # nothing else written


def test_license_citation_and_changelog():
    assert (ROOT / "LICENSE").read_text().startswith("MIT License")
    assert PROJECT["license"] == "MIT"
    citation = (ROOT / "CITATION.cff").read_text()
    for key in ("cff-version:", "message:", "title:", "authors:", "license: MIT"):
        assert f"\n{key}" in citation, key
    assert "\nversion:" not in citation  # the version is written once, in sim/__init__.py
    changelog = (ROOT / "CHANGELOG.md").read_text()
    headings = re.findall(r"^## \[([^\]]+)\]", changelog, flags=re.M)
    assert headings[0] == "Unreleased" and len(headings) >= 3
    assert set(re.findall(r"^### (\w+)", changelog, flags=re.M)) <= {
        "Added", "Changed", "Deprecated", "Removed", "Fixed", "Security"
    }  # fmt: skip


def _shipped_copy(folder):
    """sim/shipped.py loaded from a copy under ``folder``/sim (its imports are the real sim's)."""
    import importlib.util

    (folder / "sim").mkdir(parents=True)
    shutil.copy(ROOT / "sim" / "shipped.py", folder / "sim" / "shipped.py")
    spec = importlib.util.spec_from_file_location("shipped_copy", folder / "sim" / "shipped.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_source_root_is_the_checkout_of_the_imported_code(tmp_path, monkeypatch):
    """The doc writers' ROOT follows the imported sim package (a second checkout run with the
    first one's venv writes into itself), and is the current folder for an installed wheel."""
    from sim.shipped import source_root

    assert source_root() == ROOT
    checkout = tmp_path / "worktree"
    copy = _shipped_copy(checkout)
    (checkout / "pyproject.toml").write_text("")
    assert copy.source_root() == checkout
    monkeypatch.chdir(tmp_path)
    assert _shipped_copy(tmp_path / "site-packages").source_root() == tmp_path  # no checkout
