"""`crmsim calibrate --write-scenario` writes a mix member's calibrated share into its file."""

from __future__ import annotations

import tomllib

import pytest

from sim.analysis.calibration import mix_with_shares
from sim.errors import InputError
from tests.common import SCENARIOS


def _shares(text: str) -> dict[str, float]:
    mix = tomllib.loads(text)["mix"]
    total = sum(m["weight"] for m in mix)
    return {m["scenario"].removesuffix(".toml"): m["weight"] / total for m in mix}


def test_the_member_takes_its_share_and_the_others_keep_their_proportions():
    text = (SCENARIOS / "industry_mix.toml").read_text()
    before = _shares(text)
    out = mix_with_shares(text, {"technology_first": 0.7})
    after = _shares(out)
    assert after["technology_first"] == pytest.approx(0.7, abs=1e-3)  # weights are rounded
    others = [k for k in before if k != "technology_first"]
    for k in others:  # the rest keep their proportions among themselves
        assert after[k] / after["big_bang"] == pytest.approx(before[k] / before["big_bang"])
    # nothing but the weight line changed: comments and sources stay
    changed = [(a, b) for a, b in zip(text.splitlines(), out.splitlines(), strict=True) if a != b]
    assert len(changed) == 1 and changed[0][0].startswith("weight")


@pytest.mark.parametrize("shares", [{"nowhere": 0.5}, {"technology_first": 1.0}])
def test_an_unknown_member_or_an_impossible_share_is_an_input_error(shares):
    with pytest.raises(InputError):
        mix_with_shares((SCENARIOS / "industry_mix.toml").read_text(), shares)
