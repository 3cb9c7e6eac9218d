"""A package that only some commands import (SALib, EMA Workbench, Dask distributed) and cannot be
imported is one line and status 2, naming what to install, and never something already installed.

Each test hides the package as an uninstalled one looks to Python (``sys.modules[name] = None``
makes ``import name`` raise ``ModuleNotFoundError``; ``optional.installed`` answers False for it),
then calls the code that needs it.
"""

from __future__ import annotations

import sys
import tomllib

import pytest

from sim import optional
from sim.analysis import discovery, sensitivity
from sim.cli.main import main
from sim.experiments import executors, scheduler
from sim.optional import MissingDependency, require
from tests.common import ROOT


def hide(monkeypatch, top: str, uninstalled: bool = True) -> None:
    """Make ``top`` and its submodules unimportable for the rest of the test (and, by default,
    its distribution look uninstalled)."""
    for name in [n for n in sys.modules if n == top or n.startswith(top + ".")]:
        monkeypatch.setitem(sys.modules, name, None)
    monkeypatch.setitem(sys.modules, top, None)
    if uninstalled:
        gone = optional.OPTIONAL[top].dist
        real = optional.installed
        monkeypatch.setattr(optional, "installed", lambda dist: dist != gone and real(dist))


def test_require_returns_the_module():
    assert require("SALib.analyze.sobol", "x").__name__ == "SALib.analyze.sobol"


def test_installed_asks_the_environment():
    assert optional.installed("numpy")
    assert not optional.installed("no-such-distribution-here")


@pytest.mark.parametrize(
    ("top", "module", "pip"),
    [
        ("SALib", "SALib.sample.sobol", "SALib"),
        ("ema_workbench", "ema_workbench.analysis.prim", "ema-workbench"),
        ("dask", "dask.distributed", "dask[distributed]"),
    ],
)
def test_missing_package_names_itself_and_how_to_install_it(monkeypatch, top, module, pip):
    hide(monkeypatch, top)
    with pytest.raises(MissingDependency) as err:
        require(module, "crmsim something")
    msg = str(err.value)
    assert "\n" not in msg
    assert f"crmsim something needs the Python package {pip}, which is not installed" in msg
    assert f"pip install '{pip}'" in msg
    assert "crm-rollout-sim[" not in msg  # no extra: these are core dependencies


def test_an_installed_package_that_fails_to_import_is_not_to_be_installed_again(monkeypatch):
    hide(monkeypatch, "SALib", uninstalled=False)
    with pytest.raises(MissingDependency) as err:
        require("SALib.analyze.sobol", "crmsim sensitivity")
    msg = str(err.value)
    assert "SALib, which is installed but cannot be imported" in msg
    assert "pip install 'SALib'" not in msg and "--force-reinstall 'SALib'" in msg


def test_a_missing_dependency_of_the_package_is_named(monkeypatch):
    def broken(name):
        raise ModuleNotFoundError("No module named 'scipy'", name="scipy")

    monkeypatch.setattr(optional.importlib, "import_module", broken)
    with pytest.raises(
        MissingDependency, match=r"SALib, which cannot be imported \(it needs 'scipy'"
    ):
        require("SALib.analyze.sobol", "crmsim sensitivity")


def test_dask_without_distributed_names_distributed(monkeypatch):
    """dask.distributed re-raises a missing distributed as a plain ImportError without a name;
    the error it was raised from names the missing package."""
    hide(monkeypatch, "distributed")
    monkeypatch.delitem(sys.modules, "dask.distributed", raising=False)  # imported again
    with pytest.raises(MissingDependency) as err:
        require("dask.distributed", "--dask-local")
    assert "dask[distributed], which is not installed" in str(err.value)
    assert "pip install 'dask[distributed]'" in str(err.value)


def test_every_lazily_imported_package_is_a_core_dependency():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    core = {
        req.split(">")[0].split("=")[0].split("<")[0].strip() for req in project["dependencies"]
    }
    for package in optional.OPTIONAL.values():
        assert package.pip in core or package.dist in core, package
    for extra in project.get("optional-dependencies", {}).values():
        assert not {r.split(">")[0] for r in extra} & core  # an extra never repeats a core one


def test_sensitivity_without_salib_is_status_2(monkeypatch, tmp_path, capsys):
    hide(monkeypatch, "SALib")
    path = ROOT / "experiments" / "sensitivity.toml"
    assert main(["sensitivity", str(path), "--quick", "--out", str(tmp_path / "s")]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "Traceback" not in err
    assert "crmsim sensitivity needs the Python package SALib" in err
    assert "pip install 'SALib'" in err


def test_sensitivity_analysis_without_salib(monkeypatch):
    hide(monkeypatch, "SALib")
    with pytest.raises(MissingDependency, match="SALib"):
        sensitivity.sobol_indices(["a"], [0.0] * 4)


def test_discover_without_ema_workbench(monkeypatch):
    hide(monkeypatch, "ema_workbench")
    with pytest.raises(MissingDependency, match=r"crmsim discover needs .* ema-workbench"):
        discovery._ema()


def test_dask_backends_without_dask(monkeypatch):
    hide(monkeypatch, "dask")
    with pytest.raises(MissingDependency, match=r"dask\[distributed\], which is not installed"):
        executors.Execution(dask_local=1).make_executor()
    with pytest.raises(MissingDependency, match=r"--scheduler needs .* dask\[distributed\]"):
        scheduler.probe("tcp://127.0.0.1:8786", timeout=1)
