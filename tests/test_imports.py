"""What a command imports: ``import sim`` and the quick commands load no heavy library.

Each check runs in a fresh interpreter (a subprocess) and reads its ``sys.modules``: in this test
process everything is imported already.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.common import ROOT

HEAVY = ("numba", "mesa", "matplotlib", "pandas", "scipy", "sklearn", "dask", "solara")


def _modules_after(code: str) -> set[str]:
    """The heavy top-level packages a fresh interpreter holds after running ``code``."""
    names = "sorted({m.split('.')[0] for m in sys.modules})"
    probe = f"{code}\nimport json, sys\nprint(json.dumps({names}))"
    out = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True
    )
    return set(json.loads(out.stdout.strip().splitlines()[-1])) & set(HEAVY)


def _crmsim(*argv: str) -> str:
    return (
        "import contextlib, io\n"
        "from sim.cli.main import main\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    try:\n"
        f"        status = main({list(argv)!r})\n"
        "    except SystemExit as exc:\n"
        "        status = exc.code\n"
        "assert status == 0, status"
    )


def test_import_sim_loads_nothing_heavy():
    assert _modules_after("import sim; sim.__version__") == set()


def test_reading_a_scenario_loads_nothing_heavy():
    assert _modules_after("import sim; sim.load_scenario('scenarios/four_ps.toml')") == set()


def test_version_needs_no_numba_mesa_or_matplotlib():
    assert not _modules_after(_crmsim("--version")) & {"numba", "mesa", "matplotlib"}


def test_validate_needs_no_mesa_or_matplotlib():
    loaded = _modules_after(_crmsim("validate", "scenarios/four_ps.toml"))
    assert not loaded & {"mesa", "matplotlib"}


def test_validate_needs_no_numba():
    assert "numba" not in _modules_after(_crmsim("validate", "scenarios/four_ps.toml"))


def test_a_run_with_the_numba_engine_needs_no_mesa():
    """sim.run and crmsim run build a World (sim.model.world), not a Mesa model: Mesa's import
    (about a quarter of a second) is paid only by the agents engine and by users of the model."""
    scenario = "sim.load_scenario('scenarios/four_ps.toml', overrides={'horizon_weeks': 8})"
    run = f"import sim; sim.run({scenario}, seed=1)"
    assert "mesa" not in _modules_after(run)
    assert "mesa" in _modules_after(run.replace("seed=1)", "seed=1, engine='agents')"))


def test_crmsim_run_needs_no_mesa_matplotlib_or_pandas_without_charts(tmp_path):
    args = ("run", "scenarios/four_ps.toml", "--no-charts", "--set", "horizon_weeks=8")
    loaded = _modules_after(_crmsim(*args, "--out", str(tmp_path / "r")))
    assert not loaded & {"mesa", "matplotlib", "pandas"}  # sim.cli.run_files writes its table


def test_crmsim_run_draws_its_charts_without_seaborn_or_pandas(tmp_path):
    """The run charts use the house style without importing seaborn (sim.report.house_rc) and
    read the run's series with pyarrow (sim.report.run_data), not pandas."""
    args = ("run", "scenarios/four_ps.toml", "--set", "horizon_weeks=8", "--out", str(tmp_path))
    loaded = _modules_after(_crmsim(*args) + "\nimport sys\nassert 'seaborn' not in sys.modules")
    assert "matplotlib" in loaded
    assert "pandas" not in loaded
    assert len(list((tmp_path / "charts").glob("*.png"))) == 4


def test_validating_a_calibration_file_needs_no_scikit_learn_or_scipy_stats():
    """Reading priors and patterns is cheap: the emulators and the distributions load later."""
    probe = (
        _crmsim("validate", "experiments/calibration.toml")
        + "\nimport json, sys\nprint(json.dumps([status, sorted(sys.modules)]))"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True
    )
    status, loaded = json.loads(out.stdout.strip().splitlines()[-1])
    assert status == 0
    assert not {"sklearn", "scipy.stats", "numba"} & set(loaded)


def test_the_lazy_names_are_the_model_s():
    import sim
    from sim.model import outcomes, scenario
    from sim.model.model import CRMRolloutModel

    assert sim.run is outcomes.run and sim.load_scenario is scenario.load_scenario
    assert sim.CRMRolloutModel is CRMRolloutModel
    assert {"run", "load_scenario", "CRMRolloutModel", "__version__"} <= set(dir(sim))
    with pytest.raises(AttributeError, match="no attribute 'nonesuch'"):
        sim.nonesuch  # noqa: B018
