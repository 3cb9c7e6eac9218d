"""A missing optional package (SALib, EMA Workbench, Dask distributed) is one line and status 2.

Each test hides the package as an uninstalled one looks to Python (``sys.modules[name] = None``
makes ``import name`` raise ``ModuleNotFoundError``), then calls the code that needs it.
"""

from __future__ import annotations

import sys

import pytest

from sim import optional
from sim.analysis import discovery, sensitivity
from sim.cli.main import main
from sim.experiments import executors, scheduler
from sim.optional import MissingDependency, require
from tests.common import ROOT


def hide(monkeypatch, top: str) -> None:
    """Make ``top`` and its submodules unimportable for the rest of the test."""
    for name in [n for n in sys.modules if n == top or n.startswith(top + ".")]:
        monkeypatch.setitem(sys.modules, name, None)
    monkeypatch.setitem(sys.modules, top, None)


def test_require_returns_the_module():
    assert require("SALib.analyze.sobol", "x").__name__ == "SALib.analyze.sobol"


@pytest.mark.parametrize(
    ("top", "module", "dist", "extra"),
    [
        ("SALib", "SALib.sample.sobol", "SALib", "analysis"),
        ("ema_workbench", "ema_workbench.analysis.prim", "ema-workbench", "analysis"),
        ("dask", "dask.distributed", "dask[distributed]", "dask"),
    ],
)
def test_missing_package_names_itself_and_its_extra(monkeypatch, top, module, dist, extra):
    hide(monkeypatch, top)
    with pytest.raises(MissingDependency) as err:
        require(module, "crmsim something")
    msg = str(err.value)
    assert "\n" not in msg
    assert f"crmsim something needs the Python package {dist}, which is not installed" in msg
    assert f"pip install 'crm-rollout-sim[{extra}]'" in msg


def test_a_missing_dependency_of_the_package_is_named(monkeypatch):
    def broken(name):
        raise ModuleNotFoundError("No module named 'scipy'", name="scipy")

    monkeypatch.setattr(optional.importlib, "import_module", broken)
    with pytest.raises(
        MissingDependency, match=r"SALib, which cannot be imported \(it needs 'scipy'"
    ):
        require("SALib.analyze.sobol", "crmsim sensitivity")


def test_extras_named_in_messages_exist_in_pyproject():
    import tomllib

    extras = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"][
        "optional-dependencies"
    ]
    for dist, extra in optional.OPTIONAL.values():
        assert any(req.startswith(dist) for req in extras[extra]), (dist, extra)


def test_sensitivity_without_salib_is_status_2(monkeypatch, tmp_path, capsys):
    hide(monkeypatch, "SALib")
    path = ROOT / "experiments" / "sensitivity.toml"
    assert main(["sensitivity", str(path), "--quick", "--out", str(tmp_path / "s")]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "Traceback" not in err
    assert "crmsim sensitivity needs the Python package SALib" in err
    assert "crm-rollout-sim[analysis]" in err


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
    with pytest.raises(MissingDependency, match=r"dask\[distributed\].*crm-rollout-sim\[dask\]"):
        executors.Execution(dask_local=1).make_executor()
    with pytest.raises(MissingDependency, match=r"--scheduler needs .* dask\[distributed\]"):
        scheduler.probe("tcp://127.0.0.1:8786", timeout=1)
