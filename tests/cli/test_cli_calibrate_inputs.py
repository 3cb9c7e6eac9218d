"""Bad calibration files: every key removed in turn, and each rule of the file broken once.

tests/cli/test_hostile_inputs.py corrupts every leaf of every shipped file (this one included) with
values of the wrong type; here the rules only a calibration file has (a band around its observed
figure, a paired difference between two arms, enough walkers for the parameters, ...) are broken one
at a time. Each must exit with status 2 and one line naming the file and the key, before anything
runs or is written.
"""

from __future__ import annotations

import copy
import tomllib

import pytest

from sim.cli.main import main
from tests import toml_writer
from tests.common import ROOT, cli_error, project_copy

SHIPPED = tomllib.loads((ROOT / "experiments/calibration.toml").read_text())
#: A paired-difference pattern (the shipped file fits none: ordering contrasts are outputs), to
#: break the rules a difference has.
DIFFERENCE = {
    "kind": "difference",
    "arm": "technology_first",
    "baseline": "four_ps",
    "outcome": "failed",
    "low": 0.0,
    "high": 1.0,
    "held_out": True,
    "source": "a test",
}
#: A trait contrast (never live with a weak sponsor minus with a strong one), to break its rules.
CONTRAST = {
    "kind": "contrast",
    "arm": "mix",
    "outcome": "never_live",
    "where": "sponsor_strength < 0.35",
    "versus": "sponsor_strength >= 0.65",
    "low": 0.0,
    "high": 0.3,
    "held_out": True,
    "source": "a test",
}


def _paths(doc, path=()):
    """Every key path of the document (tables, their keys, list items)."""
    if isinstance(doc, dict):
        for k, v in doc.items():
            yield (*path, k)
            yield from _paths(v, (*path, k))
    elif isinstance(doc, list):
        for i, v in enumerate(doc):
            yield from _paths(v, (*path, i))


def _write(proj, doc):
    target = proj / "experiments" / "calibration.toml"
    target.write_text(toml_writer.dumps(doc))
    return target


@pytest.fixture(scope="module")
def proj(tmp_path_factory):
    return project_copy(tmp_path_factory.mktemp("cal"))


def test_every_key_removed_in_turn(proj, capsys):
    outcomes = {0: 0, 2: 0}
    for path in _paths(SHIPPED):
        doc = copy.deepcopy(SHIPPED)
        parent = doc
        for p in path[:-1]:
            parent = parent[p]
        del parent[path[-1]]
        target = _write(proj, doc)
        rc = main(["validate", str(target)])
        outcomes[rc] = outcomes.get(rc, 0) + 1
        if rc == 2:
            err = cli_error(capsys)
            named = [str(p) for p in path if isinstance(p, str)]
            assert target.name in err and any(n in err for n in named), (path, err)
        else:
            assert rc == 0, path
            capsys.readouterr()
    assert outcomes[2] > 50 and outcomes[0] > 10  # required keys refuse, optional ones default


def _broken(**change):
    """The shipped file with dotted-path changes: {"patterns.mix_failed.observed": 0.7}."""
    doc = copy.deepcopy(SHIPPED)
    for dotted, value in change.items():
        *head, last = dotted.split("|")
        parent = doc
        for p in head:
            parent = parent[int(p)] if isinstance(parent, list) else parent[p]
        parent[last] = value
    return doc


CASES = [
    ({"patterns|mix_failed|observed": 0.7}, "patterns.mix_failed.observed", "in the band"),
    ({"patterns|mix_failed|low": 0.0}, "patterns.mix_failed", "0 < low"),
    ({"patterns|mix_failed|low": 0.7}, "patterns.mix_failed", "low < high"),
    ({"patterns|mix_failed|kind": "ratio"}, "patterns.mix_failed.kind", "allowed"),
    ({"patterns|mix_failed|arm": "nobody"}, "patterns.mix_failed.arm", "allowed"),
    ({"patterns|mix_failed|outcome": "failed =="}, "patterns.mix_failed.outcome", "expected"),
    ({"patterns|mix_failed|outcome": "nosuch > 1"}, "patterns.mix_failed.outcome", "unknown field"),
    ({"patterns|mix_failed|q": 0.5}, "patterns.mix_failed.q", "does not apply"),
    ({"patterns|mix_failed|held_out": "yes"}, "patterns.mix_failed.held_out", "true or false"),
    (
        {"patterns|tf_minus_four_ps": dict(DIFFERENCE, baseline="technology_first")},
        "patterns.tf_minus_four_ps.baseline",
        "other than",
    ),
    (
        {"patterns|tf_minus_four_ps": dict(DIFFERENCE, arm="mix")},
        "patterns.tf_minus_four_ps.arm",
        "allowed",
    ),
    ({"patterns|overrun_mean|field": "status == 'live'"}, "patterns.overrun_mean.field", "numeric"),
    (
        {"patterns|gap": {k: v for k, v in CONTRAST.items() if k != "versus"}},
        "patterns.gap.versus",
        "needs versus",
    ),
    ({"patterns|gap": dict(CONTRAST, versus="nosuch < 1")}, "patterns.gap.versus", "unknown field"),
    ({"patterns|gap": dict(CONTRAST, high=1.5)}, "patterns.gap.high", "[-1, 1]"),
    ({"patterns|mix_failed|versus": "failed"}, "patterns.mix_failed.versus", "does not apply"),
    ({"patterns|gap": CONTRAST}, None, "a contrast is accepted"),
    ({"parameters|org.complexity|high": 50.0}, "parameters.org.complexity.high", "[0.1, 10]"),
    ({"parameters|org.complexity|prior": "beta"}, "parameters.org.complexity.prior", "allowed"),
    ({"parameters|org.complexity|mean": 1.0}, "parameters.org.complexity.mean", "normal prior"),
    ({"parameters|mix.technology_first|sd": 0.0}, "parameters.mix.technology_first.sd", "expected"),
    (
        {"parameters|mix.nobody": SHIPPED["parameters"]["org.mandate"]},
        "parameters.mix.nobody",
        "MEMBER",
    ),
    (
        {"parameters|org.employees": SHIPPED["parameters"]["org.mandate"]},
        "parameters.org.employees",
        "real",
    ),
    ({"parameters|org.mandate|source": ""}, "parameters.org.mandate.source", "expected"),
    ({"calibration|walkers": 4}, "calibration.walkers", "twice"),
    ({"calibration|quick|walkers": 4}, "calibration.quick.walkers", "twice"),
    ({"calibration|burn": SHIPPED["calibration"]["steps"]}, "calibration.burn", "burn < steps"),
    ({"calibration|points": 2}, "calibration.points", "whole number"),
    ({"calibration|quick|overrides": {"org.employees": -5}}, "calibration.quick", "org.employees"),
    ({"calibration|overrides": {"org.nosuch": 1}}, "calibration.overrides", "org.nosuch"),
    ({"scenario": "scenarios/nowhere.toml"}, "scenario", "not found"),
    ({"claims|0|baseline": "nobody"}, "claims[0].baseline", "allowed"),
    ({"claims|0|outcome": "roi"}, None, "not a true/false field"),
]


@pytest.mark.parametrize("change, key, words", CASES, ids=[c[1] or c[2] for c in CASES])
def test_each_rule_broken_once(proj, capsys, change, key, words):
    target = _write(proj, _broken(**change))
    rc = main(["validate", str(target)])
    if key is None:  # checked only on the first batch of runs: validation accepts it
        assert rc == 0
        capsys.readouterr()
        return
    assert rc == 2
    err = cli_error(capsys)
    assert target.name in err and key in err and words in err, err


def test_all_patterns_held_out_is_refused(proj, capsys):
    doc = copy.deepcopy(SHIPPED)
    for p in doc["patterns"].values():
        p["held_out"] = True
    assert main(["validate", str(_write(proj, doc))]) == 2
    assert "not held out" in cli_error(capsys)


def test_mix_shares_cannot_exceed_the_whole(proj, capsys):
    doc = copy.deepcopy(SHIPPED)
    share = dict(doc["parameters"]["org.mandate"], low=0.5, high=0.9)
    doc["parameters"]["mix.big_bang"] = share
    assert main(["validate", str(_write(proj, doc))]) == 2
    assert "sum to at most 1" in cli_error(capsys)


def test_the_shipped_file_validates_and_says_what_it_holds(capsys):
    assert main(["validate", str(ROOT / "experiments/calibration.toml")]) == 0
    out = capsys.readouterr().out
    assert "valid calibration" in out and "held out" in out and "--quick" in out
