"""Scenario loading: shipped files, ``extends``, ordering shorthand, overrides, mixes, ``--set``."""

from __future__ import annotations

import textwrap

import pytest

from sim.errors import InputError
from sim.model.params import PARAMS, WORKSTREAMS
from sim.model.scenario import Phase, load_scenario, parse_assignment
from tests.common import SCENARIOS, SHIPPED, small_scenario

#: Files under scenarios/ that only hold shared values and are not runnable on their own.
SHARED = {"base", "calibrated"}


def write(folder, name, text):
    path = folder / name
    path.write_text(textwrap.dedent(text))
    return path


# --- shipped scenarios ------------------------------------------------------------------------


def test_shipped_list_matches_folder():
    on_disk = {p.stem for p in SCENARIOS.glob("*.toml")} - SHARED
    assert set(SHIPPED) <= on_disk


@pytest.mark.parametrize("name", sorted({p.stem for p in SCENARIOS.glob("*.toml")} - SHARED))
def test_every_shipped_scenario_loads(name):
    scen = load_scenario(SCENARIOS / f"{name}.toml")
    assert scen.name == name
    assert scen.description
    assert set(scen.values) == set(PARAMS)
    if scen.is_mix:
        assert scen.phases == ()
        assert all(not v.scenario.is_mix and v.scenario.phases for v in scen.variants)
    else:
        assert scen.phases
        for ph in scen.phases:
            assert ph.workstream in WORKSTREAMS
            assert ph.duration >= 1 and ph.start >= 0
        assert {ph.workstream for ph in scen.phases} >= {"platform"}
    # The shipped files inherit the default organisation of DESIGN.md 2 from base.toml.
    assert scen["org.employees"] == 200
    assert scen["org.customers"] == 5000
    assert scen["horizon_weeks"] == 156


def test_shared_files_have_no_plan():
    with pytest.raises(InputError, match="rollout"):
        load_scenario(SCENARIOS / "base.toml")


def test_four_ps_ordering_from_durations():
    scen = load_scenario(SCENARIOS / "four_ps.toml")
    d = {w: scen[f"rollout.durations.{w}"] for w in WORKSTREAMS}
    expected, week = [], 0
    for w in ("planning", "people", "process", "platform"):
        expected.append(Phase(w, week, d[w], 1.0))
        week += d[w]
    assert scen.phases == tuple(expected)
    assert scen.planned_end == sum(d.values())


# --- extends ----------------------------------------------------------------------------------


def test_extends_merges_base_and_child(tmp_path):
    write(
        tmp_path,
        "base.toml",
        """
        name = "mybase"
        description = "a base"
        horizon_weeks = 90
        [org]
        employees = 40
        culture = 0.3
        [employee]
        epsilon = 0.25
        [rollout]
        ordering = ["planning", "platform"]
        """,
    )
    child = write(
        tmp_path,
        "child.toml",
        """
        name = "child"
        extends = "base.toml"
        [org]
        culture = -0.4
        [customer]
        contact_prob = 0.2
        """,
    )
    scen = load_scenario(child)
    assert scen.name == "child"  # the child's own name, never the base's
    assert scen.description == "a base"  # inherited
    assert scen["horizon_weeks"] == 90
    assert scen["org.employees"] == 40  # from the base
    assert scen["org.culture"] == -0.4  # the child wins
    assert scen["employee.epsilon"] == 0.25
    assert scen["customer.contact_prob"] == 0.2
    assert scen["org.customers"] == PARAMS["org.customers"].default  # untouched default
    assert [p.workstream for p in scen.phases] == ["planning", "platform"]


def test_extends_child_plan_replaces_base_plan(tmp_path):
    write(tmp_path, "base.toml", '[rollout]\nordering = ["people", "platform"]\n')
    child = write(
        tmp_path,
        "child.toml",
        """
        extends = "base.toml"
        [[rollout.phases]]
        workstream = "platform"
        start = 3
        duration = 10
        effort = 0.5
        """,
    )
    scen = load_scenario(child)
    assert scen.name == "child"  # no name: the file stem
    assert scen.phases == (Phase("platform", 3, 10, 0.5),)


def test_extends_chain_and_relative_paths(tmp_path):
    (tmp_path / "sub").mkdir()
    write(tmp_path, "root.toml", "[org]\nmandate = 0.9\nculture = 0.1\n")
    write(tmp_path, "sub/mid.toml", 'extends = "../root.toml"\n[org]\nculture = 0.2\n')
    leaf = write(
        tmp_path,
        "sub/leaf.toml",
        'extends = "mid.toml"\n[rollout]\nordering = ["platform"]\n',
    )
    scen = load_scenario(leaf)
    assert scen["org.mandate"] == 0.9
    assert scen["org.culture"] == 0.2


def test_extends_loop_is_an_input_error(tmp_path):
    write(tmp_path, "a.toml", 'extends = "b.toml"\n[rollout]\nordering = ["platform"]\n')
    write(tmp_path, "b.toml", 'extends = "a.toml"\n')
    with pytest.raises(InputError, match="loops") as err:
        load_scenario(tmp_path / "a.toml")
    assert err.value.key == "extends"


def test_extends_missing_base_names_the_file(tmp_path):
    child = write(tmp_path, "child.toml", 'extends = "nowhere.toml"\n')
    with pytest.raises(InputError, match="existing scenario file") as err:
        load_scenario(child)
    assert "nowhere.toml" in str(err.value)


# --- ordering shorthand -----------------------------------------------------------------------


def test_ordering_gives_back_to_back_phases(tmp_path):
    path = write(
        tmp_path,
        "o.toml",
        """
        [rollout]
        ordering = ["process", "people", "platform", "planning"]
        [rollout.durations]
        process = 5
        people = 7
        platform = 11
        planning = 3
        """,
    )
    scen = load_scenario(path)
    assert scen.phases == (
        Phase("process", 0, 5, 1.0),
        Phase("people", 5, 7, 1.0),
        Phase("platform", 12, 11, 1.0),
        Phase("planning", 23, 3, 1.0),
    )
    for a, b in zip(scen.phases, scen.phases[1:], strict=False):
        assert b.start == a.end
    assert scen.planned_end == 26


def test_ordering_may_repeat_a_workstream(tmp_path):
    path = write(tmp_path, "o.toml", '[rollout]\nordering = ["people", "platform", "people"]\n')
    scen = load_scenario(path)
    d = PARAMS["rollout.durations.people"].default
    p = PARAMS["rollout.durations.platform"].default
    assert [(x.workstream, x.start) for x in scen.phases] == [
        ("people", 0),
        ("platform", d),
        ("people", d + p),
    ]


def test_duration_override_reaches_ordering_phases():
    scen = load_scenario(SCENARIOS / "four_ps.toml", overrides={"rollout.durations.platform": 10})
    assert scen["rollout.durations.platform"] == 10
    assert scen.phases[-1] == Phase("platform", scen.phases[-1].start, 10, 1.0)


def test_explicit_phases_may_overlap(tmp_path):
    path = write(
        tmp_path,
        "p.toml",
        """
        [[rollout.phases]]
        workstream = "platform"
        duration = 20
        [[rollout.phases]]
        workstream = "people"
        start = 5
        duration = 10
        effort = 0.4
        """,
    )
    scen = load_scenario(path)
    assert scen.phases == (Phase("platform", 0, 20, 1.0), Phase("people", 5, 10, 0.4))
    assert scen.planned_end == 20


@pytest.mark.parametrize(
    "phase, key",
    [
        ('workstream = "marketing"\nduration = 4', "rollout.phases[0].workstream"),
        ('workstream = "people"\nduration = -3', "rollout.phases[0].duration"),
        ('workstream = "people"\nduration = 0', "rollout.phases[0].duration"),
        ('workstream = "people"\nduration = 2.5', "rollout.phases[0].duration"),
        ('workstream = "people"', "rollout.phases[0].duration"),
        ('workstream = "people"\nduration = 4\nstart = -1', "rollout.phases[0].start"),
        ('workstream = "people"\nduration = 4\neffort = 9', "rollout.phases[0].effort"),
        ('workstream = "people"\nduration = 4\nlength = 3', "rollout.phases[0].length"),
    ],
)
def test_bad_phase_is_named(tmp_path, phase, key):
    path = write(tmp_path, "p.toml", "[[rollout.phases]]\n" + phase + "\n")
    with pytest.raises(InputError) as err:
        load_scenario(path)
    assert err.value.key == key
    assert str(path) in str(err.value)


def test_unknown_workstream_in_ordering(tmp_path):
    path = write(tmp_path, "o.toml", '[rollout]\nordering = ["planning", "marketing"]\n')
    with pytest.raises(InputError, match="planning, people, process, platform") as err:
        load_scenario(path)
    assert err.value.key == "rollout.ordering"
    assert err.value.value == "marketing"


# --- values and overrides ---------------------------------------------------------------------


def test_small_scenario_helper():
    scen = small_scenario("four_ps", org__mandate=0.9)
    assert scen["org.employees"] == 40
    assert scen["org.mandate"] == 0.9
    assert scen.overrides["org.mandate"] == 0.9


def test_overrides_are_applied_and_converted():
    scen = small_scenario("technology_first", **{"org.employees": 30.0, "org.culture": 1})
    assert scen["org.employees"] == 30 and isinstance(scen["org.employees"], int)
    assert scen["org.culture"] == 1.0 and isinstance(scen["org.culture"], float)


@pytest.mark.parametrize(
    "key, value, match",
    [
        ("org.employees", 2, r"an integer in \[4, 1000000\]"),
        ("org.employees", 30.5, "an integer"),
        ("org.culture", 1.5, r"a number in \[-1, 1\]"),
        ("org.culture", "high", "a number"),
        ("org.culture", True, "a number"),
        ("org.culture", float("nan"), "a number"),
        ("rollout.golive", "soft", "one of 'big_bang', 'phased'"),
        ("employee.mu", 0.9, r"\[0, 0.5\]"),
        ("org.colture", 0.1, "unknown parameter"),
        ("mandate", 0.1, "did you mean 'org.mandate'"),
    ],
)
def test_bad_override_is_an_input_error(key, value, match):
    with pytest.raises(InputError, match=match) as err:
        load_scenario(SCENARIOS / "four_ps.toml", overrides={key: value})
    assert err.value.key == key


def test_with_overrides_is_validated_and_leaves_the_original():
    scen = small_scenario("four_ps")
    old = scen["rollout.vendor_pressure"]
    new = scen.with_overrides({"rollout.vendor_pressure": (old + 0.5) % 1.0})
    assert new["rollout.vendor_pressure"] == (old + 0.5) % 1.0
    assert scen["rollout.vendor_pressure"] == old
    assert new.with_overrides({}) is new
    with pytest.raises(InputError):
        scen.with_overrides({"rollout.vendor_pressure": 1.2})


def test_touchpoint_override_must_keep_sum_one():
    with pytest.raises(InputError, match="add up to 1") as err:
        small_scenario("four_ps", touchpoints__web=0.5)
    assert err.value.key == "touchpoints"
    scen = small_scenario("four_ps", touchpoints__web=0.5, touchpoints__phone=0.05)
    assert scen["touchpoints.web"] == 0.5


@pytest.mark.parametrize(
    "text, key",
    [
        ("[org]\nemployees = 1\n", "org.employees"),
        ("[org]\nfoo = 1\n", "org.foo"),
        ('[org]\nculture = "high"\n', "org.culture"),
        ("colour = 1\n", "colour"),
        ("[touchpoints]\nweb = 0.9\n", "touchpoints"),
    ],
)
def test_bad_values_in_a_file(tmp_path, text, key):
    path = write(tmp_path, "bad.toml", text + '[rollout]\nordering = ["platform"]\n')
    with pytest.raises(InputError) as err:
        load_scenario(path)
    assert err.value.key == key
    assert err.value.file == str(path)


def test_bad_toml_and_missing_and_folder(tmp_path):
    bad = write(tmp_path, "bad.toml", "[org\nemployees = 3\n")
    with pytest.raises(InputError, match="not valid TOML"):
        load_scenario(bad)
    with pytest.raises(InputError, match="not found"):
        load_scenario(tmp_path / "missing.toml")
    with pytest.raises(InputError, match="folder"):
        load_scenario(tmp_path)


# --- mixes ------------------------------------------------------------------------------------


def _mix(tmp_path, weights):
    write(tmp_path, "a.toml", 'name = "a"\n[rollout]\nordering = ["platform"]\n')
    write(tmp_path, "b.toml", 'name = "b"\n[rollout]\nordering = ["people", "platform"]\n')
    members = "".join(
        f'[[mix]]\nscenario = "{n}.toml"\nweight = {w}\n'
        for n, w in zip("ab", weights, strict=True)
    )
    return write(tmp_path, "mix.toml", 'name = "m"\n' + members)


def test_mix_weights_normalised(tmp_path):
    scen = load_scenario(_mix(tmp_path, [2, 6]))
    assert scen.is_mix and scen.phases == ()
    assert [v.scenario.name for v in scen.variants] == ["a", "b"]
    assert [v.weight for v in scen.variants] == pytest.approx([0.25, 0.75])


def test_industry_mix_weights_sum_to_one():
    scen = load_scenario(SCENARIOS / "industry_mix.toml")
    assert sum(v.weight for v in scen.variants) == pytest.approx(1.0)
    assert {v.scenario.name for v in scen.variants} <= set(SHIPPED)


def test_mix_overrides_reach_members(tmp_path):
    scen = load_scenario(_mix(tmp_path, [1, 1]), overrides={"org.employees": 24})
    assert scen["org.employees"] == 24
    assert all(v.scenario["org.employees"] == 24 for v in scen.variants)


def test_mix_variant_choice_follows_weights(tmp_path):
    from sim.model.world import choose_variant  # imported here: not an attribute of sim.model

    scen = load_scenario(_mix(tmp_path, [1, 3]))
    assert choose_variant(scen, 0.0).name == "a"
    assert choose_variant(scen, 0.2499).name == "a"
    assert choose_variant(scen, 0.25).name == "b"
    assert choose_variant(scen, 0.9999).name == "b"


@pytest.mark.parametrize("weight", [-1, 0, '"x"'])
def test_mix_bad_weight(tmp_path, weight):
    with pytest.raises(InputError, match="positive number") as err:
        load_scenario(_mix(tmp_path, [1, weight]))
    assert err.value.key == "mix[1].weight"


def test_mix_member_cannot_be_a_mix(tmp_path):
    inner = _mix(tmp_path, [1, 1])
    outer = write(tmp_path, "outer.toml", f'[[mix]]\nscenario = "{inner.name}"\nweight = 1\n')
    with pytest.raises(InputError, match="cannot itself be a mix") as err:
        load_scenario(outer)
    assert err.value.key == "mix[0].scenario"


def test_mix_naming_itself_is_an_input_error(tmp_path):
    path = write(tmp_path, "self.toml", '[[mix]]\nscenario = "self.toml"\nweight = 1\n')
    with pytest.raises(InputError):
        load_scenario(path)


# --- --set parsing ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, expected",
    [
        ("org.employees=50", ("org.employees", 50)),
        ("org.culture=-0.25", ("org.culture", -0.25)),
        (" org.mandate = 0.9 ", ("org.mandate", 0.9)),
        ("rollout.golive=phased", ("rollout.golive", "phased")),  # bare word: a string
        ('rollout.golive="big_bang"', ("rollout.golive", "big_bang")),
        ("flag=true", ("flag", True)),
        ("name=a=b", ("name", "a=b")),  # split at the first '='
        ("org.customers=1_000", ("org.customers", 1000)),
    ],
)
def test_parse_assignment(text, expected):
    key, value = parse_assignment(text)
    assert (key, value) == expected
    assert type(value) is type(expected[1])


def test_parse_assignment_needs_equals():
    with pytest.raises(InputError, match="key=value") as err:
        parse_assignment("org.employees50")
    assert err.value.key == "--set"
    assert err.value.value == "org.employees50"


def test_parsed_assignment_feeds_overrides():
    key, value = parse_assignment("org.employees=24")
    scen = load_scenario(SCENARIOS / "four_ps.toml", overrides={key: value})
    assert scen["org.employees"] == 24


def test_values_key_is_the_filtered_sorted_values_kept_per_scenario():
    """``values_key`` (the draw cache's and the counterfactual cache's key) is the scenario's values
    less the skipped prefixes, but for those kept; computed once per scenario, and an override
    makes a new scenario with its own key."""
    s = small_scenario("four_ps")
    key = s.values_key(("rollout.", "sponsor."), frozenset({"sponsor.commitment_initial"}))
    expected = tuple(
        sorted(
            (k, v)
            for k, v in s.values.items()
            if k == "sponsor.commitment_initial" or not k.startswith(("rollout.", "sponsor."))
        )
    )
    assert key == expected
    assert s.values_key(("rollout.", "sponsor."), frozenset({"sponsor.commitment_initial"})) is key
    assert s.values_key(("rollout.",)) != key  # another filter, another key
    changed = s.with_overrides({"org.mandate": 1.0 - s["org.mandate"]})
    assert changed.values_key(("rollout.", "sponsor.")) != s.values_key(("rollout.", "sponsor."))
    assert changed == s.with_overrides({"org.mandate": 1.0 - s["org.mandate"]})  # fields only
