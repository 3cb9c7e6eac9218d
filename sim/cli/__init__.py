"""The command line (``crmsim``) and the demo: thin layers over the other wings."""

from sim.cli.main import main

__all__ = ["main"]
