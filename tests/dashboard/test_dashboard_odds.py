"""The odds tab without a browser: the table (money beside every outcome, the charts' order), the
"include model uncertainty" switch in both states, and the brief (one page of what the client
needs, a reproduce command that names the files written beside it and reproduces the table)."""

from __future__ import annotations

import dataclasses
import html
import inspect
import zipfile
from io import BytesIO

import ipyvuetify as v
import pandas as pd
import pytest
import solara

import sim
from sim.cli.main import main
from sim.dashboard import inputs, odds, odds_panel, orderings, settings, state, traits
from sim.dashboard.brief import LEGEND, NOISE_ONLY, WITH_POSTERIOR, Brief, brief_html, title
from sim.dashboard.odds import OddsRunner
from sim.experiments import sweep
from tests.common import ROOT

FOUR = ROOT / "scenarios/four_ps.toml"
TINY = {"org.employees": 20, "org.customers": 200, "horizon_weeks": 60}
PAIR = ("technology_first", "four_ps")


def _arms() -> dict[str, str]:
    base = sim.load_scenario(FOUR)
    shipped = orderings.shipped(ROOT / "scenarios")
    return {
        n: settings.scenario_toml(
            base, {**shipped[n].own, **TINY}, inputs.phase_rows(shipped[n].phases), n
        )
        for n in PAIR
    }


@pytest.fixture
def results(tmp_path, monkeypatch):
    """The page's server-wide settings pointed at a temporary results folder."""
    config = dataclasses.replace(
        state.config(),
        results=settings.ResultsArea(tmp_path / "results"),
        posterior=tmp_path / "posterior.parquet",
    )
    monkeypatch.setattr(state, "config", lambda: config)
    return config


@pytest.fixture(scope="module")
def compared(tmp_path_factory):
    """A tiny real comparison of two orderings (3 replicates, in-process)."""
    area = settings.ResultsArea(tmp_path_factory.mktemp("odds") / "results")
    return OddsRunner(area, workers=1).run(_arms(), replicates=3, baseline="technology_first")


def _compare_with_posterior(seen: list):
    """``compare`` as the calibration issue will have it: it takes ``posterior=`` (recorded here,
    then the real comparison runs without it)."""

    def fake(*args, posterior=None, **kwargs):
        seen.append(posterior)
        return sweep.compare(*args, **kwargs)

    return fake


def test_uncertainty_switch_is_hidden_without_a_posterior(results, monkeypatch):
    monkeypatch.setattr(odds, "compare", lambda *a, **k: None)  # no posterior= argument
    results.posterior.write_bytes(b"PAR1")
    assert odds.posterior_option(results.posterior) is None
    monkeypatch.setattr(odds, "compare", _compare_with_posterior([]))
    results.posterior.unlink()
    assert odds.posterior_option(results.posterior) is None  # accepted, but no file
    _, rc = solara.render(odds_panel.UncertaintyToggle(), handle_error=False)
    rc.find(v.Switch).assert_empty()
    assert odds_panel.posterior_in_use() is None


def test_uncertainty_switch_is_shown_and_passes_the_posterior(results, monkeypatch, tmp_path):
    seen: list = []
    monkeypatch.setattr(odds, "compare", _compare_with_posterior(seen))
    results.posterior.write_bytes(b"PAR1 a posterior")
    assert "posterior" in inspect.signature(odds.compare).parameters
    _, rc = solara.render(odds_panel.UncertaintyToggle(), handle_error=False)
    switch = rc.find(v.Switch, label="Include model uncertainty")
    switch.assert_single()
    assert switch.widget.v_model is True  # on by default
    assert "not only the replicate noise" in odds_panel.UNCERTAINTY_HELP
    assert odds_panel.posterior_in_use() == results.posterior
    runner = OddsRunner(settings.ResultsArea(tmp_path / "r"), workers=1)
    drawn = runner.run(_arms(), replicates=2, posterior=odds_panel.posterior_in_use())
    plain = runner.run(_arms(), replicates=2)
    assert seen == [str(results.posterior), None]
    assert drawn.posterior == results.posterior and plain.posterior is None
    assert drawn.key != plain.key  # cached apart
    state.model_uncertainty.set(False)
    try:
        assert odds_panel.posterior_in_use() is None
    finally:
        state.model_uncertainty.set(True)


def test_the_table_puts_money_beside_every_outcome_in_the_charts_order(compared):
    text = odds_panel.rates_markdown(compared, {"four_ps": "big-bang go-live"})
    head, _, *rows = text.splitlines()
    assert "Met expectations | Paid back (business case met)" in head and "Median ROI" in head
    assert [r.split("|")[1].strip() for r in rows] == ["**Technology first**", "**Four Ps**"]
    s = compared.summary.set_index(["scenario", "metric"])
    paid = s.loc[("four_ps", "business_case_met")]
    assert f"{paid['value']:.0%} [{paid['ci_low']:.0%}, {paid['ci_high']:.0%}]" in rows[1]
    assert "big-bang go-live" in rows[1]


def _brief(compared, posterior=False) -> Brief:
    values = traits.PRESETS[0].applied(dict(sim.load_scenario(FOUR).values))
    return Brief(
        names=list(PAIR),
        how={n: "big-bang go-live" for n in PAIR},
        client=traits.client_phrase(values),
        profile=traits.describe(values),
        moved=["Training (effort multiplier on people work) 2"],
        summary=compared.summary,
        paired=compared.paired,
        baseline="technology_first",
        replicates=3,
        posterior=posterior,
        reproduce="crmsim compare technology_first.toml four_ps.toml --replicates 3",
        where="the ZIP download",
        chart=b"\x89PNG",
        advanced=["Network k 8 (org.network_k)"],
    )


def test_the_brief_holds_what_the_client_needs(compared):
    page = brief_html(_brief(compared))
    assert title(list(PAIR)) == "Technology first vs Four Ps: the odds of this CRM rollout"
    assert "<title>Technology first vs Four Ps: the odds of this CRM rollout</title>" in page
    assert "mid-size organisation (120 employees) with a weak sponsor and poor data" in page
    assert "Sponsor strength:</b> weak (0.25" in page and "Data maturity:</b> poor" in page
    assert "<th>Paid back</th>" in page and "Median ROI" in page
    assert html.escape(LEGEND) in page  # what paid back means, under the table
    assert "Training (effort multiplier on people work) 2" in page
    assert "Modeller's parameters changed: Network k 8 (org.network_k)." in page
    noise, drawn = html.escape(NOISE_ONLY), html.escape(WITH_POSTERIOR)
    assert "@page{size:A4" in page and noise in page and drawn not in page
    assert drawn in brief_html(_brief(compared, posterior=True))
    assert "org.employees" not in page  # the profile in words, not dotted keys
    assert title(["a", "b", "c", "d"]).startswith("4 rollout orderings compared")


def test_the_brief_is_written_beside_its_scenario_files_and_reproduces(
    results, compared, tmp_path, monkeypatch, capsys
):
    shown = odds_panel.Shown(compared, "a client", traits.describe(state.values.value), moved=[])
    files = {
        n: results.results.write_text(p.read_text(), "odds", "k-scenarios", p.name)
        for n, p in compared.scenario_files.items()
    }
    shown.odds = dataclasses.replace(compared, scenario_files=files)
    html_text, folder = odds_panel.make_brief(shown, chart=None)
    assert (folder / "brief.html").read_text() == html_text
    command = html_text.split("<pre>")[1].split("</pre>")[0]
    assert command == (
        "crmsim compare technology_first.toml four_ps.toml --replicates 3 --seed 20261203 "
        "--baseline technology_first"
    )
    assert str(tmp_path) not in html_text  # no path of the server's machine
    assert "the folder k-scenarios/ of the ZIP download" in html_text
    with zipfile.ZipFile(BytesIO(odds_panel.brief_zip(folder))) as zf:
        assert sorted(zf.namelist()) == [
            "k-scenarios/brief.html",
            "k-scenarios/four_ps.toml",
            "k-scenarios/technology_first.toml",
        ]
    monkeypatch.chdir(folder)  # the command, run where the brief says, gives the brief's table
    assert main([*command.split()[1:], "--out", str(tmp_path / "again")]) == 0
    again = pd.read_csv(tmp_path / "again" / "summary.csv")
    pd.testing.assert_frame_equal(again, compared.summary)
    capsys.readouterr()


def test_the_odds_draw_from_a_real_posterior(tmp_path):
    """With this version's compare (it takes posterior=), end to end: a posterior of two draws."""
    assert odds.compare_takes_posterior()
    posterior = tmp_path / "posterior.parquet"
    pd.DataFrame({"employee.productivity_gain": [0.05, 0.3]}).to_parquet(posterior)
    assert odds.posterior_option(posterior) == posterior
    runner = OddsRunner(settings.ResultsArea(tmp_path / "r"), workers=1)
    drawn = runner.run(_arms(), replicates=4, posterior=posterior)
    assert drawn.posterior == posterior and set(drawn.summary["scenario"]) == set(PAIR)
    gains = set(drawn.runs["param.employee.productivity_gain"])
    assert gains and gains <= {0.05, 0.3}  # every run at a drawn value


def test_the_brief_names_the_modellers_parameters_changed_on_the_page():
    start = state.initial_values()
    moved = start["org.network_k"] + 2
    state.values.set({**start, "org.network_k": moved})
    try:
        assert odds_panel._advanced_text() == [f"Network k {moved} (org.network_k)"]
    finally:
        state.values.set(start)
    assert odds_panel._advanced_text() == []
