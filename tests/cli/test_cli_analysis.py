"""``crmsim sensitivity`` and ``crmsim discover``: bad input is status 2 with one clear line; the
shipped experiments run in quick mode on the real model; the report picks up the charts."""

from __future__ import annotations

from dataclasses import replace

import pytest

from sim.cli.main import main
from sim.experiments.store import read_runs
from sim.model.vocabulary import TRAITS
from tests.common import ROOT

GOOD = """
name = "s"
scenarios = ["{scen}"]
replicates = 2
root_seed = 1
{extra}
[sensitivity]
{table}
[sensitivity.parameters]
"org.complexity" = {{ low = 0.4, high = 1.0 }}
"customer.w_view" = {{ low = 0.1, high = 0.3 }}
{params}
"""

EMU = "{ points = 16, test_points = 8, draws = 4 }"
BAD = [
    # (what, extra top-level, [sensitivity] lines, extra parameter lines, key in message)
    ("no table", "", None, "", "sensitivity"),
    ("method", "", 'method = "fast"', "", "sensitivity.method"),
    ("samples not 2^k", "", "samples = 100", "", "sensitivity.samples"),
    ("unknown key", "", "sample = 8", "", "sensitivity.sample"),
    ("unknown output", "", 'outputs = ["profit"]', "", "sensitivity.outputs"),
    ("second order morris", "", 'method = "morris"\nsecond_order = true', "", "second_order"),
    ("odd levels", "", 'method = "morris"\nlevels = 3', "", "sensitivity.levels"),
    ("bad conf", "", "conf_level = 1.5", "", "sensitivity.conf_level"),
    ("bootstrap", "", "bootstrap = 0", "", "sensitivity.bootstrap"),
    ("quick key", "", "quick = { size = 2 }", "", "sensitivity.quick.size"),
    ("unknown param", "", "", '"org.nonsense" = { low = 0, high = 1 }', "org.nonsense"),
    ("out of bounds", "", "", '"org.mandate" = { low = 0.5, high = 2.0 }', "org.mandate"),
    ("low >= high", "", "", '"org.mandate" = { low = 0.5, high = 0.5 }', "org.mandate"),
    ("string param", "", "", '"rollout.golive" = { low = 0, high = 1 }', "rollout.golive"),
    ("range table", "", "", '"org.mandate" = [0.1, 0.2]', "org.mandate"),
    ("float for int", "", "", '"org.network_k" = { low = 2.5, high = 8 }', "org.network_k"),
    ("span", "", "all_parameters = true\nspan = 3", "", "sensitivity.span"),
    ("exclude", "", 'all_parameters = true\nexclude = ["nope"]', "", "sensitivity.exclude"),
    ("design", '[design]\ntype = "grid"', "", "", "design"),
    ("replicates", "replicates = 0", "", "", "replicates"),
    # [sensitivity.emulator] and the keys that go with it
    ("emulator morris", "", f'method = "morris"\nemulator = {EMU}', "", "sensitivity.emulator"),
    ("emulator S2", "", f"second_order = true\nemulator = {EMU}", "", "second_order"),
    ("emulator table", "", "emulator = 3", "", "sensitivity.emulator"),
    (
        "emulator key",
        "",
        "emulator = { points = 16, test_points = 8, draws = 4, size = 1 }",
        "",
        "sensitivity.emulator.size",
    ),
    (
        "emulator points",
        "",
        "emulator = { points = 2, test_points = 8, draws = 4 }",
        "",
        "sensitivity.emulator.points",
    ),
    (
        "emulator draws",
        "",
        "emulator = { points = 16, test_points = 8, draws = 1.5 }",
        "",
        "sensitivity.emulator.draws",
    ),
    (
        "emulator missing key",
        "",
        "emulator = { points = 16, test_points = 8 }",
        "",
        "sensitivity.emulator.draws",
    ),
    ("quick points, no emulator", "", "quick = { points = 8 }", "", "sensitivity.quick.points"),
    (
        "quick points",
        "",
        f"emulator = {EMU}\nquick = {{ test_points = 0 }}",
        "",
        "sensitivity.quick.test_points",
    ),
    ("calibration, no emulator", "", 'calibration = "c.toml"', "", "sensitivity.calibration"),
    (
        "calibration file",
        "",
        f'emulator = {EMU}\ncalibration = "nope.toml"',
        "",
        "sensitivity.calibration",
    ),
    ("calibration type", "", f"emulator = {EMU}\ncalibration = 3", "", "sensitivity.calibration"),
    (
        "share, no mix",
        "",
        f"emulator = {EMU}",
        '"mix.four_ps" = { low = 0.1, high = 0.5 }',
        "mix.four_ps",
    ),
]


def _write(tmp_path, extra, table, params):
    scen = ROOT / "scenarios" / "four_ps.toml"
    lines = {"method": '"sobol"', "samples": "8"}
    for line in (table or "").splitlines():
        k, v = line.split(" = ", 1)
        lines[k] = v
    if lines["method"] == '"morris"' and "samples" not in (table or ""):
        lines["samples"] = "4"
    body = "\n".join(f"{k} = {v}" for k, v in lines.items())
    text = GOOD.format(scen=scen, extra="", table=body, params=params)
    if table is None:
        text = text.split("[sensitivity]")[0]
    if extra.startswith("["):
        text += "\n" + extra + "\n"
    elif extra:
        text = text.replace("replicates = 2", extra)
    path = tmp_path / "bad.toml"
    path.write_text(text)
    return path


@pytest.mark.parametrize("what,extra,table,params,key", BAD, ids=[b[0] for b in BAD])
def test_bad_sensitivity_file_is_status_2(tmp_path, capsys, what, extra, table, params, key):
    path = _write(tmp_path, extra, table, params)
    status = main(["sensitivity", str(path), "--out", str(tmp_path / "out"), "--quick"])
    err = capsys.readouterr().err.strip()
    assert status == 2, err
    assert err.startswith("crmsim: error: ") and str(path) in err and key in err, err
    assert "Traceback" not in err and len(err.splitlines()) == 1
    assert not (tmp_path / "out").exists()


MIX_BAD = [
    # (what, [sensitivity] lines, parameter lines, key in message)
    ("unknown member", "", '"mix.nonsense" = { low = 0.1, high = 0.5 }', "mix.nonsense"),
    (
        "share above 1",
        "",
        '"mix.technology_first" = { low = 0.2, high = 1.5 }',
        "mix.technology_first.high",
    ),
    ("share range", "", '"mix.technology_first" = [0.2, 0.5]', "mix.technology_first"),
    (
        "members differ",
        "",
        '"rollout.vendor_pressure" = { low = 0.1, high = 0.5 }',
        "rollout.vendor_pressure",
    ),
    # the calibration file's first parameter, given again (read from the file: it changes)
    ("given twice", 'calibration = "{cal}"', '"FIRST" = { low = 0.5, high = 1.0 }', "FIRST"),
]


@pytest.mark.parametrize("what,table,params,key", MIX_BAD, ids=[b[0] for b in MIX_BAD])
def test_bad_emulated_mix_file_is_status_2(tmp_path, capsys, what, table, params, key):
    from sim.analysis.calibration_spec import load_calibration

    cal = ROOT / "experiments" / "calibration.toml"
    first = next(k for k in load_calibration(cal).keys if not k.startswith("mix."))
    params, key = params.replace("FIRST", first), key.replace("FIRST", first)
    text = (
        f'name = "s"\nscenarios = ["{ROOT / "scenarios" / "industry_mix.toml"}"]\n'
        f'[sensitivity]\nmethod = "sobol"\nsamples = 8\n{table.format(cal=cal)}\n'
        f"emulator = {EMU}\n[sensitivity.parameters]\n{params}\n"
        '"employee.workaround_quality" = { low = 0.2, high = 0.8 }\n'
    )
    path = tmp_path / "bad.toml"
    path.write_text(text)
    status = main(["sensitivity", str(path), "--out", str(tmp_path / "out"), "--quick"])
    err = capsys.readouterr().err.strip()
    assert status == 2, err
    assert err.startswith("crmsim: error: ") and str(path) in err and key in err, err
    assert "Traceback" not in err and len(err.splitlines()) == 1
    assert not (tmp_path / "out").exists()


def test_a_calibration_share_needs_the_same_mix(tmp_path, capsys):
    cal = ROOT / "experiments" / "calibration.toml"
    path = _write(tmp_path, "", f'emulator = {EMU}\ncalibration = "{cal}"', "")
    assert main(["sensitivity", str(path), "--quick"]) == 2
    err = capsys.readouterr().err
    assert "sensitivity.calibration" in err and "mix.technology_first" in err


def test_validate_knows_sensitivity_files(capsys):
    for name in ("sensitivity", "screening"):
        assert main(["validate", str(ROOT / "experiments" / f"{name}.toml")]) == 0
    out = capsys.readouterr().out
    assert "valid sobol sensitivity" in out and "valid morris sensitivity" in out


def test_two_scenarios_are_refused(tmp_path, capsys):
    path = _write(tmp_path, "", "", "")
    text = path.read_text().replace(
        'scenarios = ["', f'scenarios = ["{ROOT / "scenarios" / "big_bang.toml"}", "'
    )
    path.write_text(text)
    assert main(["sensitivity", str(path), "--quick"]) == 2
    assert "key 'scenarios'" in capsys.readouterr().err


@pytest.mark.parametrize(
    "args,needle",
    [
        (["discover", "no/such/folder"], "no/such/folder"),
        (["discover", "RES", "--outcome", "roi"], "--outcome"),
        (["discover", "RES", "--min-coverage", "2"], "[0, 1]"),
        (["discover", "RES", "--box", "999"], "--box"),
        (["sensitivity", "x.toml", "--analyse-only"], "--out"),
        (["sensitivity", "RES", "--analyse-only", "--out", "RES"], "not a sensitivity results"),
    ],
)
def test_bad_discover_and_analyse_flags_are_status_2(args, needle, capsys):
    res = str(ROOT / "tests" / "fixtures" / "grid_small")
    args = [res if a == "RES" else a for a in args]
    assert main(args) == 2
    err = capsys.readouterr().err
    assert needle in err and "Traceback" not in err


@pytest.fixture
def one_thread():
    """One numba thread: in-process runs on a shared 2-core machine stall when oversubscribed."""
    numba = pytest.importorskip("numba")
    before = numba.get_num_threads()
    numba.set_num_threads(1)
    yield
    numba.set_num_threads(before)


def test_shipped_sensitivity_quick_and_report(tmp_path, capsys, one_thread):
    out = tmp_path / "sens"
    args = ["sensitivity", str(ROOT / "experiments" / "sensitivity.toml"), "--quick"]
    status = main([*args, "--out", str(out), "--workers", "1", "--report"])
    text = capsys.readouterr().out
    assert status == 0, text
    assert "replicate noise" in text or "same at every point" in text
    assert "emulator checked on 8 points held out" in text
    folder = out / "sensitivity"
    for name in (
        "indices.csv",
        "convergence.csv",
        "noise.csv",
        "summary.json",
        "report.md",
        "sample.parquet",
        "point_figures.csv",
        "emulator.csv",
        "emulator_test.csv",
    ):
        assert (folder / name).is_file(), name
    import pandas as pd

    idx = pd.read_csv(folder / "indices.csv")
    assert list(idx.columns[:6]) == ["output", "parameter", "S1", "S1_conf", "ST", "ST_conf"]
    assert idx["parameter"].nunique() >= 20
    # the charts by default, beside the tables; the report's too
    assert (folder / "sobol.png").is_file() and (folder / "emulator_check.png").is_file()
    assert (out / "charts" / "sobol.png").is_file()
    assert (out / "charts" / "emulator_check.png").is_file()
    assert "Sobol" in (out / "report.html").read_text()
    for png in folder.glob("*.png"):
        png.unlink()
    again = ["sensitivity", args[1], "--analyse-only", "--out", str(out), "--no-chart"]
    assert main(again) == 0, capsys.readouterr()
    assert not list(folder.glob("*.png"))
    pd.testing.assert_frame_equal(pd.read_csv(folder / "indices.csv"), idx)


def test_shipped_screening_quick(tmp_path, capsys, one_thread):
    out = tmp_path / "screen"
    args = ["sensitivity", str(ROOT / "experiments" / "screening.toml"), "--quick"]
    assert main([*args, "--out", str(out), "--workers", "1"]) == 0, capsys.readouterr()
    import pandas as pd

    idx = pd.read_csv(out / "sensitivity" / "indices.csv")
    assert {"mu", "mu_star", "mu_star_conf", "sigma"} <= set(idx.columns)
    assert idx["parameter"].nunique() > 80  # every numeric parameter but sizes and contact mix


def test_shipped_discovery_small_then_discover(tmp_path, capsys, one_thread):
    from sim.experiments.experiment import load_experiment
    from sim.experiments.sweep import run_experiment

    spec = load_experiment(ROOT / "experiments" / "discovery.toml")
    small = replace(
        spec,
        design=replace(spec.design, samples=24),
        replicates=1,
        overrides={
            **spec.overrides,
            "org.employees": 20,
            "org.customers": 200,
            "horizon_weeks": 60,
        },
    )
    out = tmp_path / "disc"
    run_experiment(small, out, execution=1, progress=False)
    # Every organisation trait is a design input and observed: each run's drawn trait (its row)
    # is the value of the design point, so PRIM can name the organisations that succeed.
    runs = read_runs(out)
    observed = {
        "change_readiness": "org.culture",
        "complexity": "org.complexity",
        "package_fit": "profile.package_fit",
        "scope": "profile.scope",
        "data_maturity": "customer.completeness_initial",
        "sponsor_strength": "profile.sponsor_strength",
        "budget_realism": "profile.budget_realism",
    }
    assert set(observed) == set(TRAITS)
    for trait, key in observed.items():
        assert key in spec.design.keys
        assert runs[trait].to_numpy() == pytest.approx(runs[f"param.{key}"].to_numpy()), trait
        assert runs[trait].nunique() == 24, trait
    status = main(["discover", str(out), "--outcome", "measurable_gain", "--trees", "20"])
    text = capsys.readouterr()
    if status == 2:  # tiny organisations may never gain; then the message says so
        assert "nothing to discover" in text.err
        return
    assert status == 0, text.err
    assert (out / "discovery" / "measurable_gain" / "box.csv").is_file()
    assert main(["report", str(out)]) == 0
    assert (out / "charts" / "prim_measurable_gain.png").is_file()
    assert (out / "charts" / "features_measurable_gain.png").is_file()
