"""The dashboard's parts without a browser: inputs from the parameter table, settings as a scenario
file, the results-folder guard, the odds (common seeds, cache), the brief and the command line."""

from __future__ import annotations

import socket

import pytest

import sim
from sim.cli import dashboard as cli_dashboard
from sim.cli.main import main
from sim.dashboard import inputs, orderings, settings, traits
from sim.dashboard.odds import OddsRunner
from sim.errors import InputError
from sim.model import params
from sim.model.params import PARAMS, Param
from tests.common import ROOT

FOUR = ROOT / "scenarios/four_ps.toml"
TINY = {"org.employees": 20, "org.customers": 200, "horizon_weeks": 60}


def test_profile_is_traits_in_plain_words_then_an_advanced_group(monkeypatch):
    rows = inputs.trait_inputs()
    by_centre = {centre.key: (t, spread) for t, centre, spread in rows}
    # the two things a consultant asks first: the sponsor's strength and the data's maturity,
    # each a centre with its spread under it
    for centre, spread in (
        ("profile.sponsor_strength", "profile.sponsor_strength_spread"),
        ("customer.completeness_initial", "profile.data_maturity_spread"),
        ("org.culture", "org.culture_spread"),
        ("profile.package_fit", "profile.package_fit_spread"),
    ):
        assert by_centre[centre][1].key == spread
    for t, centre, _ in rows:
        assert centre.label == t.label and not any(c in t.label for c in "._")
    advanced = [i.key for i in inputs.advanced_inputs()]
    assert {"org.network_k", "org.attitude_sd", "org.complexity_tail_alpha"} <= set(advanced)
    shown = [i.key for i in inputs.profile_inputs()] + inputs.lever_keys()
    assert len(shown) == len(set(shown))  # every key once
    org = {k for k in PARAMS if k.startswith(("org.", "profile."))}
    assert org <= set(shown)
    # a parameter added to the model appears in the advanced group without a code change
    new = Param("org.sponsor_tenure", float, 0.5, 0, 1, None, "a new trait", "assumption")
    monkeypatch.setitem(params.PARAMS, new.key, new)
    added = {i.key: i for i in inputs.advanced_inputs()}[new.key]
    assert (added.widget, added.low, added.high, added.help) == ("slider", 0, 1, "a new trait")


def test_every_control_carries_its_parameter_rows_help():
    for inp in [*inputs.profile_inputs(), *inputs.lever_inputs()]:
        p = PARAMS[inp.key]
        assert inp.help == p.doc and p.source in inp.source and inp.key in inp.source


def test_trait_words_and_the_client_in_one_phrase():
    words = {t.centre: t for t in traits.traits()}
    assert words["profile.sponsor_strength"].word(0.25) == "weak"
    assert (
        words["customer.completeness_initial"].word(PARAMS["customer.completeness_initial"].default)
        == "patchy"
    )
    client = traits.PRESETS[0].applied(dict(sim.load_scenario(FOUR).values))
    assert traits.client_phrase(client) == (
        "a mid-size organisation (120 employees) with a weak sponsor and poor data"
    )
    resistant = {**client, "org.culture": -0.5}
    assert traits.client_phrase(resistant) == (
        "a mid-size organisation (120 employees) with a weak sponsor, poor data and resistant staff"
    )
    described = dict(traits.describe(client))
    spread = client["profile.sponsor_strength_spread"]
    assert described["Sponsor strength"] == f"weak (0.25 ± {spread:g})"
    assert described["Size"] == "120 employees (mid-size)"


def test_presets_stay_in_bounds_and_say_where_they_come_from():
    for preset in traits.PRESETS:
        assert preset.source.startswith("assumption")
        applied = preset.applied(params.defaults())
        for key, value in preset.values.items():
            p = PARAMS[key]
            assert p.low <= applied[key] <= p.high and applied[key] == value
    clipped = traits.Preset("x", {"org.employees": 1, "no.such_key": 3}).applied({})
    assert clipped == {"org.employees": 4}


def test_each_ordering_runs_as_its_scenario_file_defines_it(tmp_path):
    start = sim.load_scenario(FOUR)
    shipped = orderings.shipped(ROOT / "scenarios")
    profile = {i.key: start.values[i.key] for i in inputs.profile_inputs()}
    for name, ordering in shipped.items():
        page = orderings.arm_values(ordering, profile, {})
        text = settings.scenario_toml(start, page, inputs.phase_rows(ordering.phases), name)
        (tmp_path / f"{name}.toml").write_text(text)
        scen = sim.load_scenario(tmp_path / f"{name}.toml")
        own = sim.load_scenario(ROOT / "scenarios" / f"{name}.toml")
        assert scen.values == own.values, name
        assert scen.phases == own.phases
    assert shipped["start_small"].own["rollout.golive"] == "phased"
    assert orderings.how_run(shipped["start_small"].own) == (
        "phased go-live (pilot 10% of teams), vendor pressure 0.1"
    )


def test_levers_apply_only_where_moved():
    start = sim.load_scenario(FOUR)
    initial = {k: start.values[k] for k in inputs.lever_keys()}
    moved = orderings.moved_levers(
        {**initial, "rollout.vendor_pressure": 0.5}, initial, inputs.lever_keys()
    )
    assert moved == {"rollout.vendor_pressure": 0.5}
    shipped = orderings.shipped(ROOT / "scenarios")
    for name in ("technology_first", "start_small"):
        page = orderings.arm_values(shipped[name], {}, moved)
        assert page["rollout.vendor_pressure"] == 0.5
        assert page["rollout.golive"] == shipped[name].own["rollout.golive"]


def test_inputs_follow_the_table():
    spec = inputs.model_params({"org.culture": 0.25})
    assert spec["org.culture"] == {
        "type": "slider",
        "label": "Change readiness",
        "value": 0.25,
        "min": -1.0,
        "max": 1.0,
        "step": 0.02,
    }
    assert spec["org.employees"]["type"] == "number"  # 4 to 1,000,000: a field, not a slider
    assert spec["rollout.golive"]["values"] == ["big_bang", "phased"]


def test_shipped_orderings_are_plans_not_mixes():
    plans = inputs.shipped_orderings(ROOT / "scenarios")
    assert {"technology_first", "four_ps", "start_small"} <= set(plans)
    assert "industry_mix" not in plans and "base" not in plans


def test_exported_file_validates_and_reproduces_the_run(tmp_path, capsys):
    base = sim.load_scenario(FOUR)
    page = {**TINY, "org.culture": 0.30000000000000004, "rollout.vendor_pressure": 0.7}
    rows = inputs.phase_rows(inputs.shipped_orderings(ROOT / "scenarios")["technology_first"])
    text = settings.scenario_toml(base, page, rows, "technology_first", "test", seed=4)
    assert "culture = 0.3\n" in text and "crmsim run THIS_FILE --seed 4" in text
    area = settings.ResultsArea(tmp_path / "results")
    path, scen = settings.write_and_load(area, text, "exports", "x.toml")
    assert main(["validate", str(path)]) == 0
    assert "valid scenario 'technology_first'" in capsys.readouterr().out
    assert scen["org.culture"] == 0.3 and scen["rollout.vendor_pressure"] == 0.7
    assert [p.workstream for p in scen.phases] == ["platform", "people", "process"]
    expected = sim.load_scenario(ROOT / "scenarios/technology_first.toml").with_overrides(
        {**page, "org.culture": 0.3}
    )
    assert sim.run(scen, seed=4).summary | {"scenario": ""} == sim.run(expected, seed=4).summary | {
        "scenario": ""
    }


def test_bad_page_value_gets_the_command_line_message(tmp_path):
    base = sim.load_scenario(FOUR)
    text = settings.scenario_toml(base, {"org.employees": 2}, inputs.phase_rows(base.phases), "x")
    with pytest.raises(InputError) as err:
        settings.write_and_load(settings.ResultsArea(tmp_path), text, "x.toml")
    assert err.value.key == "org.employees" and "[4, 1000000]" in str(err.value)
    with pytest.raises(InputError) as err:  # on the page: the settings named, not a server path
        settings.write_and_load(
            settings.ResultsArea(tmp_path), text, "x.toml", label="the page's settings (Four Ps)"
        )
    assert str(err.value).startswith("the page's settings (Four Ps), key 'org.employees'")
    assert str(tmp_path) not in str(err.value)
    bad_phase = [{"workstream": "marketing", "start": 0, "duration": 5, "effort": 1}]
    text = settings.scenario_toml(base, {}, bad_phase, "x")
    with pytest.raises(InputError, match="rollout.phases"):
        settings.write_and_load(settings.ResultsArea(tmp_path), text, "y.toml")
    with pytest.raises(InputError, match="unknown parameter"):
        settings.scenario_values(base, {"org.nonsense": 1})


@pytest.mark.parametrize("parts", [("..", "x.toml"), ("/etc", "passwd"), ("a", "..", "..", "b")])
def test_nothing_is_written_outside_the_results_folder(tmp_path, parts):
    area = settings.ResultsArea(tmp_path / "results")
    with pytest.raises(InputError, match="only inside its results folder"):
        area.write_text("x", *parts)
    assert not (tmp_path / "x.toml").exists()


def test_odds_on_common_seeds_with_a_cache(tmp_path):
    base = sim.load_scenario(FOUR)
    plans = inputs.shipped_orderings(ROOT / "scenarios")
    arms = {
        name: settings.scenario_toml(base, TINY, inputs.phase_rows(plans[name]), name)
        for name in ("technology_first", "four_ps")
    }
    runner = OddsRunner(settings.ResultsArea(tmp_path / "results"), workers=1)
    seen = []
    odds = runner.run(
        arms, replicates=3, baseline="technology_first", progress=lambda *a: seen.append(a)
    )
    assert not odds.cached and seen[-1][:2] == (6, 6)
    assert set(odds.summary["scenario"]) == {"technology_first", "four_ps"}
    seeds = odds.runs.groupby("scenario")["seed"].apply(sorted)
    assert seeds["technology_first"] == seeds["four_ps"]  # common random numbers
    assert set(odds.paired["baseline"]) == {"technology_first"}
    again = runner.run(arms, replicates=3, baseline="technology_first")
    assert again.cached and again.folder == odds.folder
    assert runner.run(arms, replicates=4, baseline="technology_first").folder != odds.folder
    with pytest.raises(InputError, match="baseline"):
        runner.run(arms, replicates=3, baseline="big_bang")
    with pytest.raises(InputError, match="replicates"):
        runner.run(arms, replicates=0)
    assert all(tmp_path / "results" in p.parents for p in odds.scenario_files.values())


def test_cli_refuses_bad_input_before_serving(tmp_path, capsys):
    assert main(["dashboard", str(tmp_path / "missing.toml")]) == 2
    assert "file not found" in capsys.readouterr().err
    assert main(["dashboard", str(FOUR), "--port", "70000"]) == 2
    assert "--port" in capsys.readouterr().err
    missing = tmp_path / "posterior.parquet"
    assert main(["dashboard", str(FOUR), "--posterior", str(missing)]) == 2
    assert f"key '--posterior', value '{missing}': file not found" in capsys.readouterr().err
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        assert main(["dashboard", str(FOUR), "--port", str(port)]) == 2
        assert "choose another --port" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("127.0.0.1", True),
        ("localhost", True),
        ("::1", True),
        ("0.0.0.0", False),
        ("10.1.2.3", False),
    ],
)
def test_loopback_detection(host, loopback):
    assert cli_dashboard._is_loopback(host) is loopback


@pytest.mark.parametrize(
    ("value", "low", "step", "expected"),
    [(0.25, 0, 0.02, 0.01), (0.26, 0, 0.02, 0.02), (3.0, 1.01, 0.5, 0.01), (0.2741, 0, 0.05, 5e-5)],
)
def test_slider_grid_keeps_the_scenario_value(value, low, step, expected):
    fine = inputs.fit_step(value, low, step)
    assert fine == pytest.approx(expected)
    k = (value - low) / fine
    assert abs(k - round(k)) < 1e-6


def test_run_table_shows_money_beside_expectations_and_how_the_gain_was_judged():
    from sim.dashboard.panels import figures_table

    summary = {
        "status": "live",
        "golive_week": 30.0,
        "adoption_final": 0.9,
        "spend": 1e6,
        "budget": 8e5,
        "delta_profit": 1e5,
        "roi": 0.1,
        "delta_csat": 0.05,
        "met_expectations": True,
        "business_case_met": True,
        "measurable_gain": True,
        "kpis_set": True,
    }
    assert "yes · yes · yes (on the KPIs set in planning)" in figures_table(summary)
    summary.update(kpis_set=False, measurable_gain=False, business_case_met=False)
    assert "yes · no · no (no KPIs set: bottom line only)" in figures_table(summary)


def test_a_bad_seed_is_a_message_and_errors_name_the_field(tmp_path, monkeypatch):
    """A negative seed once replaced the page with numpy's traceback; a key in a message is named
    by the control's label, and each error is counted so it gets an alert of its own."""
    from sim.dashboard import panels, state
    from sim.errors import check_seed

    monkeypatch.setenv(state.ENV_RESULTS, str(tmp_path))
    serial = state.error_serial.value
    ran = state.run_result.value
    for bad in (-1, 2**63):
        state.seed.value = bad
        panels.run_once()
        assert "Seed (key 'seed')" in state.error.value and "[0, 2**63 - 1]" in state.error.value
    assert state.error_serial.value == serial + 2
    assert state.run_result.value is ran  # nothing ran
    assert check_seed(0) == 0 and check_seed(2**63 - 1) == 2**63 - 1
    text = panels.public("the page's settings (Four Ps), key 'org.employees', value 2: ...")
    assert "Size (key 'org.employees')" in text
    state.seed.value = state.FIRST_SEED
    state.error.value = ""


def test_figures_from_other_settings_are_stale():
    from sim.dashboard import panels

    assert not panels.stale("a", lambda: "a")
    assert panels.stale("a", lambda: "b")
    dated = "# Exported by `crmsim dashboard` on 2026-12-06 22:{} UTC\n[org]\nemployees = 200\n"
    assert not panels.stale(dated.format("19"), lambda: dated.format("20"))  # the header's time

    def cannot():
        raise InputError("bad value")

    assert panels.stale("a", cannot)  # settings that cannot be written are a change too


def test_the_preset_shown_is_the_one_the_profile_still_equals(tmp_path, monkeypatch):
    """The typical-client select kept a preset's name after the profile was changed."""
    from sim.dashboard import sidebar, state

    monkeypatch.setenv(state.ENV_RESULTS, str(tmp_path))
    start = dict(state.values.value)
    try:
        assert sidebar._preset_shown() == sidebar.AS_STARTED
        preset = traits.PRESETS[0]
        state.values.value = preset.applied(start)
        assert sidebar._preset_shown() == preset.name
        state.values.value = {**state.values.value, "org.employees": 999}
        assert sidebar._preset_shown() is None
    finally:
        state.values.value = start


def test_the_page_refuses_more_replicates_than_a_meeting_can_wait_for(tmp_path, monkeypatch):
    """Up to 100,000 replicates were accepted and could not be stopped from the page."""
    from sim.dashboard import odds_panel, state

    monkeypatch.setenv(state.ENV_RESULTS, str(tmp_path))
    before = state.replicates.value
    try:
        state.replicates.value = odds_panel.MAX_REPLICATES + 1
        odds_panel.start_odds()
        assert "crmsim compare" in state.error.value and "5,000" in state.error.value
    finally:
        state.replicates.value = before
        state.error.value = ""


def test_values_print_to_three_significant_digits_and_choices_in_words():
    """A calibrated 0.01325 read to five digits beside a slider; 'big_bang' as the code spells."""
    assert inputs.value_text(0.01325) == "0.0132" and inputs.value_text(0.7605) == "0.76"
    assert inputs.value_text(1200) == "1,200" and inputs.value_text("big_bang") == "big bang"


def test_the_run_tab_opens_on_the_readmes_first_run():
    """The page's first seed is the README's first run's (sim.report.reference_doc.FIRST_RUN)."""
    from sim.dashboard import state
    from sim.report.reference_doc import FIRST_RUN

    assert FIRST_RUN[FIRST_RUN.index("--seed") + 1] == str(state.FIRST_SEED)
    assert FIRST_RUN[1] == f"scenarios/{state.base_scenario().name}.toml"
