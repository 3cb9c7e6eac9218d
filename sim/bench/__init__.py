"""Benchmarks of the kernels, whole runs, the scale run and compile cost (``crmsim bench``).

:mod:`sim.bench.report` measures and writes the report; :mod:`sim.bench.inputs` builds the states
the kernels are timed on, with the floor kernel; :mod:`sim.bench.timing` times and runs children.
"""
