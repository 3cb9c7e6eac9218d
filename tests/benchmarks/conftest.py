"""Benchmark fixtures: sizes by mode, and models stepped past go-live for the kernel benchmarks.

``make test`` runs these benchmarks in quick mode (small sizes, few rounds) so they are always
exercised; ``make bench`` sets ``CRMSIM_BENCH_FULL=1`` for the sizes the targets are stated at.
"""

from __future__ import annotations

import os

import pytest

from sim.bench import inputs as bench

FULL = os.environ.get("CRMSIM_BENCH_FULL") == "1"


def pytest_report_header(config):
    return f"crmsim benchmarks: {'full' if FULL else 'quick'} mode (CRMSIM_BENCH_FULL=1: full)"


@pytest.fixture(scope="session")
def default_scenario():
    """four_ps at its shipped size: 200 employees, 20 managers, 5,000 customers, 156 weeks."""
    return bench.scenario()


@pytest.fixture(scope="session")
def kernel_model():
    """A default-size four_ps model (seed 4) 26 weeks past go-live, its week's draws made.

    Every kernel (serial, parallel, floor) is compiled or loaded once here, outside the timings.
    """
    model = bench.stepped_model()
    bench.warm_kernels(model)
    return model
