"""Scenario files: mix weights must be finite, a description must be a string."""

from __future__ import annotations

import pytest

from sim.errors import InputError
from sim.model.scenario import load_scenario
from tests.common import SCENARIOS

# --- non-finite or huge mix weights, a non-string description ---


@pytest.mark.parametrize("weight", ["nan", "inf", "1e308", "-inf"])
def test_mix_weight_must_be_finite(tmp_path, weight):
    (tmp_path / "m.toml").write_text(
        f"extends = '{SCENARIOS}/base.toml'\n[[mix]]\nscenario = '{SCENARIOS}/four_ps.toml'\n"
        f"weight = {weight}\n"
    )
    with pytest.raises(InputError, match="positive number") as err:
        load_scenario(tmp_path / "m.toml")
    assert err.value.key == "mix[0].weight"


def test_description_must_be_a_string(tmp_path):
    (tmp_path / "d.toml").write_text(f"description = 5\nextends = '{SCENARIOS}/four_ps.toml'\n")
    with pytest.raises(InputError, match="expected a string") as err:
        load_scenario(tmp_path / "d.toml")
    assert err.value.key == "description"
