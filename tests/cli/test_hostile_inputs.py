"""Hostile inputs (issue 14): every shipped file with each leaf corrupted in turn; a fuzzed loader.

For every shipped scenario and experiment file, each leaf value is replaced in turn by a value of
the wrong type, NaN, inf, a huge number, a negative number and an empty value, and an unknown key is
added beside it. ``crmsim validate`` (the checks ``run``, ``sweep`` and ``calibrate`` run before
they start) must then either accept the file or exit with status 2 and one line that names the
file, the key (or the table it sits in) and what is allowed. An exception escaping ``main`` fails
the test, so a traceback can never pass. A hypothesis test does the same for random TOML
documents and random bytes.

The number of hostile inputs is printed with ``pytest -s`` (issue 14's target: at least 150).
"""

from __future__ import annotations

import copy
import shutil
import tomllib
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim.cli.main import main
from sim.model.params import PARAMS
from tests import toml_writer
from tests.common import ROOT

SHIPPED_FILES = sorted(
    [*(ROOT / "scenarios").glob("*.toml"), *(ROOT / "experiments").glob("*.toml")]
)
CORRUPTIONS = ("wrong type", "nan", "inf", "huge", "negative", "empty", "unknown key")
#: Words an error's "what is allowed" part uses.
ALLOWED_WORDS = (
    "expected",
    "allowed",
    "unknown",
    "must",
    "at most",
    "not both",
    "needs",
    "not found",
    "loops",
    "cannot",
    "same name",
    "listed twice",
    "applies to",
    "not one of",
    "the limit is",
)


def _leaves(obj, path=()):
    """Paths of every scalar or empty leaf, list elements included."""
    if isinstance(obj, dict):
        for k, v in obj.items():
            yield from _leaves(v, (*path, k))
    elif isinstance(obj, list) and obj:
        if all(not isinstance(v, dict | list) for v in obj):
            yield path  # a list of scalars is one leaf (and each element below)
        for i, v in enumerate(obj):
            yield from _leaves(v, (*path, i))
    else:
        yield path


def _corrupt(value, how):
    if how == "wrong type":
        return 12345 if isinstance(value, str) else ("text" if not isinstance(value, list) else 7)
    if how == "nan":
        return float("nan")
    if how == "inf":
        return float("inf")
    if how == "huge":
        return 9223372036854775807 if isinstance(value, int) else 1e308
    if how == "negative":
        return -1
    if how == "empty":
        return [] if isinstance(value, list) else ""
    raise AssertionError(how)


def _apply(doc, path, how):
    doc = copy.deepcopy(doc)
    parent = doc
    for p in path[:-1]:
        parent = parent[p]
    last = path[-1]
    if how == "unknown key":
        if isinstance(parent, dict):
            parent["zz_unknown_key"] = 1
        else:  # a list element: the unknown key goes in the table holding the list
            holder = doc
            for p in path[:-2]:
                holder = holder[p]
            holder["zz_unknown_key"] = 1
        return doc
    parent[last] = _corrupt(parent[last], how)
    return doc


def _cases():
    cases = []
    for f in SHIPPED_FILES:
        doc = tomllib.loads(f.read_text())
        for path in _leaves(doc):
            if not path:
                continue
            value = doc
            for part in path:
                value = value[part]
            for how in CORRUPTIONS:
                if how == "negative" and isinstance(value, int | float) and value < 0:
                    continue  # a negative value is legitimate there (e.g. the UTAUT intercept)
                cases.append((f, path, how))
    return cases


CASES = _cases()


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    proj = tmp_path_factory.mktemp("hostile") / "proj"
    shutil.copytree(ROOT / "scenarios", proj / "scenarios")
    shutil.copytree(ROOT / "experiments", proj / "experiments")
    (proj / "pyproject.toml").write_text("")
    return proj


def _check(rc: int, err: str, file: Path, names: list[str]) -> None:
    assert rc in (0, 2), (rc, err)
    if rc == 0:
        return
    assert "Traceback" not in err
    assert err.startswith("crmsim: error: ") and err.count("\n") == 1, err
    assert file.name in err, f"{file.name} not named: {err}"
    assert any(f"'{n}" in err or f".{n}" in err or f"{n}" in err for n in names), (names, err)
    assert any(w in err for w in ALLOWED_WORDS), err


def test_there_are_at_least_150_hostile_inputs():
    print(f"\nhostile inputs: {len(CASES)} corruptions of {len(SHIPPED_FILES)} shipped files")
    assert len(CASES) >= 150


@pytest.mark.parametrize("file", SHIPPED_FILES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_every_leaf_corrupted_in_turn(project, capsys, file):
    target = project / file.parent.name / file.name
    original = target.read_bytes()
    before = sorted(p.relative_to(project) for p in project.rglob("*"))
    outcomes = {0: 0, 2: 0}
    try:
        for _, path, how in [c for c in CASES if c[0] == file]:
            doc = _apply(tomllib.loads(original.decode()), path, how)
            target.write_text(toml_writer.dumps(doc))
            rc = main(["validate", str(target)])
            err = capsys.readouterr().err
            names = [str(p) for p in path if isinstance(p, str)]
            if how == "unknown key":
                names = ["zz_unknown_key", *names]
            try:
                _check(rc, err, target, names)
            except AssertionError as exc:
                where = ".".join(map(str, path))
                raise AssertionError(f"{file.name} {where} {how}: {exc}") from None
            outcomes[rc] += 1
    finally:
        target.write_bytes(original)
    # nothing written anywhere in the project
    assert sorted(p.relative_to(project) for p in project.rglob("*")) == before
    print(f"\n{file.name}: {outcomes[2]} rejected with status 2, {outcomes[0]} accepted")


# --- hypothesis: random documents and random bytes ----------------------------------------------

_KEYS = sorted(
    {
        *(k.split(".")[0] for k in PARAMS),
        *(k.split(".")[-1] for k in PARAMS),
        "name",
        "description",
        "extends",
        "mix",
        "rollout",
        "ordering",
        "phases",
        "workstream",
        "scenario",
        "weight",
        "scenarios",
        "design",
        "type",
        "parameters",
        "samples",
        "replicates",
        "root_seed",
        "engine",
        "keep_series",
        "batch_size",
        "baseline",
        "overrides",
        "targets",
        "calibration",
        "output",
        "low",
        "high",
        "target",
    }
)
_SCALARS = st.one_of(
    st.integers(min_value=-(2**63), max_value=2**63 - 1),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
    st.text(max_size=20),
    st.sampled_from(["four_ps", "base.toml", "grid", "lhs", "people", "numba", "../../x.toml"]),
)
_KEY = st.one_of(
    st.sampled_from(_KEYS), st.sampled_from(sorted(PARAMS)), st.text(min_size=1, max_size=12)
)
_DOCS = st.dictionaries(
    _KEY,
    st.recursive(
        _SCALARS,
        lambda inner: st.one_of(
            st.lists(inner, max_size=4), st.dictionaries(_KEY, inner, max_size=4)
        ),
        max_leaves=12,
    ),
    max_size=8,
)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(doc=_DOCS)
def test_fuzzed_documents_never_raise(project, capsys, doc):
    target = project / "experiments" / "fuzz.toml"
    target.write_text(toml_writer.dumps(doc))
    rc = main(["validate", str(target)])
    err = capsys.readouterr().err
    assert rc in (0, 2), (rc, err)
    if rc == 2:
        assert "Traceback" not in err
        assert err.startswith("crmsim: error: ") and err.count("\n") == 1, err


@settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.binary(max_size=300) | st.text(max_size=300).map(str.encode))
def test_fuzzed_bytes_never_raise(project, capsys, data):
    target = project / "scenarios" / "fuzz_bytes.toml"
    target.write_bytes(data)
    rc = main(["validate", str(target)])
    err = capsys.readouterr().err
    assert rc in (0, 2), (rc, err)
    if rc == 2:
        assert err.startswith("crmsim: error: ") and err.count("\n") == 1, err
        assert "fuzz_bytes.toml" in err
