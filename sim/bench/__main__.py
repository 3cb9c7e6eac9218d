"""``python -m sim.bench [--quick] [--out DIR]``: the benchmark report (:mod:`sim.bench.report`)."""

import sys

from sim.bench.report import cli

sys.exit(cli())
