"""Shared fixtures (the helpers themselves are in tests/common.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.common import ROOT


@pytest.fixture(scope="session")
def root() -> Path:
    return ROOT
