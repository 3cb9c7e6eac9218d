"""Command-line commands for experiments: sweep, compare, calibrate, report, bench."""

from __future__ import annotations


def add_commands(sub) -> None:
    """Register the experiment commands on the ``crmsim`` sub-parser."""
