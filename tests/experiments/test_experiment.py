"""Experiment files, designs, the seed tree, the run list and error rows."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import sim
from sim.errors import InputError
from sim.experiments.design import parse_design
from sim.experiments.experiment import (
    build_runs,
    check_scenarios,
    load_experiment,
    replicate_seeds,
)
from sim.experiments.store import read_runs, read_series
from sim.experiments.sweep import compare, run_batch, run_experiment
from tests.sweep_helpers import (
    REAL,
    fake_load,
    fake_run,
    model_kwargs,
    scenario_files,
    write_experiment,
)


def test_load_experiment_fields(tmp_path):
    path = write_experiment(tmp_path, replicates=3, extra='engine = "agents"\nbaseline = "four_ps"')
    spec = load_experiment(path)
    assert spec.name == "tiny" and spec.replicates == 3 and spec.root_seed == 12345
    assert spec.engine == "agents" and spec.baseline == "four_ps" and spec.batch_size == 2
    assert spec.overrides == {"org.employees": 20, "org.customers": 200, "horizon_weeks": 40}
    assert [Path(p).stem for p in spec.scenario_paths] == ["technology_first", "four_ps"]
    assert len(spec.points()) == 1 and spec.points()[0].overrides == {}
    assert load_experiment(path, replicates=7).replicates == 7
    d = spec.to_dict()
    assert d["replicates"] == 3 and set(d["scenario_sha256"]) == set(spec.scenarios)


def test_scenario_entries_resolve_by_name(tmp_path):
    if not REAL:
        pytest.skip("bare names resolve to the repository's scenarios/")
    path = tmp_path / "e.toml"
    path.write_text('scenarios = ["technology_first", "scenarios/four_ps.toml"]\n')
    spec = load_experiment(path)
    assert spec.name == "e"
    assert all(Path(p).is_file() for p in spec.scenario_paths)


def test_designs_expand():
    grid = parse_design({"type": "grid", "parameters": {"a.x": [1, 2], "b": [0.5, 1, 2]}})
    pts = grid.points()
    assert len(pts) == 6 and pts[0].overrides == {"a.x": 1, "b": 0.5}
    assert pts[1].overrides == {"a.x": 1, "b": 1.0} and isinstance(pts[1].overrides["b"], float)
    lst = parse_design({"type": "list", "parameters": {"a": [1, 2, 3], "b": ["x", "y", "z"]}})
    assert [p.overrides for p in lst.points()][2] == {"a": 3, "b": "z"}
    # nested (unquoted dotted) keys are flattened
    nested = parse_design({"type": "grid", "parameters": {"rollout": {"vendor_pressure": [0, 1]}}})
    assert nested.keys == ["rollout.vendor_pressure"]
    assert parse_design(None).points()[0].overrides == {}


def test_lhs_is_deterministic_and_stratified():
    raw = {
        "type": "lhs",
        "samples": 20,
        "parameters": {
            "x": {"low": 0.0, "high": 1.0},
            "k": {"low": 2, "high": 5, "type": "integer"},
        },
    }
    d = parse_design(raw)
    a, b = d.points(root_seed=7), d.points(root_seed=7)
    assert [p.overrides for p in a] == [p.overrides for p in b]
    assert [p.overrides for p in a] != [p.overrides for p in d.points(root_seed=8)]
    xs = np.array([p.overrides["x"] for p in a])
    assert sorted(np.floor(xs * 20).astype(int)) == list(range(20))  # one draw per stratum
    ks = [p.overrides["k"] for p in a]
    assert set(ks) == {2, 3, 4, 5} and all(isinstance(k, int) for k in ks)


BAD = [
    ("replicas = 3", "replicas"),
    ("replicates = 0", "replicates"),
    ("replicates = true", "replicates"),
    ("root_seed = -1", "root_seed"),
    ('engine = "gpu"', "engine"),
    ("batch_size = 0", "batch_size"),
    ("keep_series = -2", "keep_series"),
    ('name = "a/b"', "name"),
    ('[design]\ntype = "random"', "design.type"),
    ("[design]\ncolour = 1", "design.colour"),
    ('[design]\ntype = "list"\nparameters = {"a" = [1, 2], "b" = [1]}', "design.parameters"),
    ('[design]\ntype = "grid"\nparameters = {"a" = []}', "design.parameters.a"),
    ('[design]\ntype = "lhs"\nparameters = {"a" = {low = 0, high = 1}}', "design.samples"),
    (
        '[design]\ntype = "lhs"\nsamples = 4\nparameters = {"a" = {low = 1, high = 1}}',
        "design.parameters.a",
    ),
    (
        '[design]\ntype = "lhs"\nsamples = 4\nparameters = {"a" = {low = 0, high = 1, type = "x"}}',
        "design.parameters.a.type",
    ),
]


@pytest.mark.parametrize("snippet,key", BAD)
def test_bad_experiment_files_name_the_key(tmp_path, snippet, key):
    files = scenario_files(tmp_path, ["technology_first"])
    table = snippet.startswith("[")
    text = "" if table else snippet + "\n"
    text += "" if snippet.startswith("name") else 'name = "x"\n'
    text += f'scenarios = ["{files[0]}"]\n' + (snippet + "\n" if table else "")
    path = tmp_path / "bad.toml"
    path.write_text(text)
    with pytest.raises(InputError) as err:
        load_experiment(path)
    assert err.value.key == key
    assert str(path) in str(err.value) and key in str(err.value)


def test_bad_files_missing_scenario_and_toml(tmp_path):
    path = tmp_path / "e.toml"
    path.write_text('scenarios = ["nowhere/none.toml"]\n')
    with pytest.raises(InputError, match="scenarios\\[0\\]"):
        load_experiment(path)
    path.write_text("scenarios = [\n")
    with pytest.raises(InputError, match="not valid TOML"):
        load_experiment(path)
    path.write_text("replicates = 3\n")
    with pytest.raises(InputError, match="'scenarios'"):
        load_experiment(path)
    with pytest.raises(InputError, match="not found"):
        load_experiment(tmp_path / "missing.toml")


def test_bad_overrides_and_baseline_fail_before_any_run(tmp_path):
    kw = model_kwargs()
    load = kw.get("load_fn", sim.load_scenario if REAL else fake_load)
    path = write_experiment(tmp_path, overrides={"org.employees": 2})
    with pytest.raises(InputError) as err:
        check_scenarios(load_experiment(path), load)
    assert err.value.key == "overrides.org.employees" and str(path) in str(err.value)
    path = write_experiment(
        tmp_path,
        extra='[design]\ntype = "list"\nparameters = {"org.employees" = [30, 3]}',
        filename="d.toml",
    )
    with pytest.raises(InputError) as err:
        run_experiment(path, tmp_path / "out", execution=1, progress=False, **kw)
    assert err.value.key == "design.parameters.org.employees"
    assert not (tmp_path / "out").exists()  # no partial output
    path = write_experiment(tmp_path, extra='baseline = "nope"', filename="b.toml")
    with pytest.raises(InputError) as err:
        check_scenarios(load_experiment(path), load)
    assert err.value.key == "baseline"


def test_seed_tree():
    s5 = replicate_seeds(99, 5)
    assert s5 == replicate_seeds(99, 5)
    assert replicate_seeds(99, 3) == s5[:3]  # a replicate's seed does not depend on the count
    assert len(set(s5)) == 5 and all(0 <= s < 2**63 for s in s5)
    assert replicate_seeds(100, 5) != s5
    ss = np.random.SeedSequence(99).spawn(5)[2]
    assert s5[2] == int(ss.generate_state(1, dtype=np.uint64)[0]) >> 1


def test_run_list_common_random_numbers(tmp_path):
    path = write_experiment(
        tmp_path,
        replicates=3,
        extra='[design]\ntype = "grid"\nparameters = {"rollout.vendor_pressure" = [0.0, 1.0]}',
    )
    spec = load_experiment(path)
    runs = build_runs(spec, ["technology_first", "four_ps"])
    assert [r.run_id for r in runs] == list(range(12))
    df = pd.DataFrame([r.__dict__ for r in runs])
    # replicate i has one seed across every scenario and design point
    assert (df.groupby("replicate")["seed"].nunique() == 1).all()
    assert df.groupby("replicate")["seed"].first().tolist() == replicate_seeds(12345, 3)
    # replicate-major order: replicate, then scenario, then point
    assert df["replicate"].tolist() == [0] * 4 + [1] * 4 + [2] * 4
    assert runs[1].overrides["rollout.vendor_pressure"] == 1.0
    assert runs[1].overrides["org.employees"] == 20
    assert [r.keep_series for r in runs] == [True] * 4 + [False] * 8


def test_run_batch_rows_and_series(tmp_path):
    path = write_experiment(tmp_path, replicates=2)
    spec = load_experiment(path)
    runs = build_runs(spec, ["technology_first", "four_ps"])
    rows, series = run_batch(runs, run_fn=fake_run, load_fn=fake_load)
    assert [r["run_id"] for r in rows] == [0, 1, 2, 3]
    first = rows[0]
    for key in ("run_id", "scenario", "replicate", "seed", "point", "param.org.employees"):
        assert key in first
    assert first["error"] is None and first["status"] in {"never_live", "abandoned", "live"}
    assert set(series["run_id"]) == {0, 1}  # keep_series = 1: replicate 0 only
    assert list(series.columns[:5]) == ["run_id", "scenario", "replicate", "point", "week"]


def test_error_rows_and_the_sweep_goes_on(tmp_path):
    path = write_experiment(
        tmp_path,
        replicates=3,
        extra='[design]\ntype = "list"\nparameters = {"explode" = [false, true]}',
    )
    res = run_experiment(
        path, tmp_path / "out", execution=1, progress=False, run_fn=fake_run, load_fn=fake_load
    )
    assert res["errors"] == 6 and res["ok"] == 6 and res["status"] == "complete"
    runs = read_runs(tmp_path / "out")
    bad = runs[runs["error"].notna()]
    assert (bad["point"] == 1).all() and bad["error"].str.contains("boom").all()
    assert bad["status"].isna().all() and bad["delta_profit"].isna().all()
    summary = pd.read_csv(tmp_path / "out" / "summary.csv")
    assert (summary.loc[summary["metric"] == "failed", "n"] == 3).all()  # n counts ok rows


def test_monkeypatched_model_failure_becomes_error_rows(tmp_path, monkeypatch):
    if not REAL:
        pytest.skip("needs sim.run")
    real = sim.run

    def flaky(scenario, seed, engine="numba"):
        if seed == replicate_seeds(12345, 2)[1]:
            raise ValueError("model blew up")
        return real(scenario, seed=seed, engine=engine)

    monkeypatch.setattr(sim, "run", flaky)
    path = write_experiment(tmp_path, replicates=2)
    res = run_experiment(path, tmp_path / "out", execution=1, progress=False)
    assert res["errors"] == 2 and res["total"] == 4
    runs = read_runs(tmp_path / "out")
    assert runs.loc[runs["replicate"] == 1, "error"].str.startswith("ValueError").all()
    assert not read_series(tmp_path / "out").empty


def test_compare_prints_rates(tmp_path):
    files = scenario_files(tmp_path, ["technology_first", "four_ps"])
    out = compare(
        files,
        replicates=3,
        overrides={"org.employees": 20, "org.customers": 200, "horizon_weeks": 40},
        execution=1,
        progress=False,
        **model_kwargs(),
    )
    assert set(out["summary"]["scenario"]) == {"technology_first", "four_ps"}
    assert (out["paired"]["baseline"] == "technology_first").all()
    assert "never_live" in out["table"] and "four_ps" in out["table"]
    assert out["out_dir"] is None
