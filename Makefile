# crm-rollout-sim: `make demo` and `make test` set themselves up (they create .venv when missing).
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install demo test lint bench coverage notebook validation reference clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e ".[dev]"
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/python -m sim.cli.demo

test: $(STAMP)
	$(BIN)/python -m pytest -q

# docs/VALIDATION.md and results/reference/validation/: the patterns against their sources, from the
# reference sweep (run first if results/failure_rates is missing) and two small extra experiments.
validation: $(STAMP)
	$(BIN)/python -m sim.cli.validation

# Every committed reference result and every figure generated from it, after the model changed on
# purpose (CONTRIBUTING.md, "Regenerated references"), in the order they depend on each other: the
# calibration (its posterior, scenarios/calibrated.toml and the mix's share), the reference sweep at
# the calibrated point and the same sweep over the posterior (the README's tables), the report,
# docs/VALIDATION.md, the README's claims, the sensitivity analysis and its screening, scenario
# discovery, and the ODD's generated sections. About an hour on two idle cores. The regression pins
# of tests/analysis/test_regression.py are then re-pinned by hand from the new sweep (they are pins).
REF := results/reference
reference: $(STAMP)
	$(BIN)/crmsim calibrate experiments/calibration.toml --out $(REF)/calibration --write-scenario --workers 2
	$(BIN)/python -m sim.report.calibration_tables
	rm -rf results/failure_rates results/failure_rates_posterior results/validation results/sensitivity results/screening results/discovery
	$(BIN)/crmsim sweep experiments/failure_rates.toml --out results/failure_rates --workers 2 > results/failure_rates.log
	$(BIN)/crmsim report results/failure_rates
	$(BIN)/crmsim sweep experiments/failure_rates.toml --out results/failure_rates_posterior --workers 2 \
	  --posterior $(REF)/calibration/posterior.parquet
	$(BIN)/python -m sim.report.reference_doc results/failure_rates --log results/failure_rates.log \
	  --posterior results/failure_rates_posterior
	$(BIN)/python -m sim.cli.validation
	$(BIN)/python -m sim.report.reference_doc --claims
	$(BIN)/python -m sim.report.reference_doc --first-run
	$(BIN)/crmsim sensitivity experiments/sensitivity.toml --workers 2 --out results/sensitivity
	cd results/sensitivity/sensitivity && cp indices.csv convergence.csv noise.csv emulator.csv \
	  emulator_test.csv summary.json report.md sobol.png emulator_check.png ../../reference/sensitivity/
	$(BIN)/crmsim sensitivity experiments/screening.toml --workers 2 --out results/screening
	cd results/screening/sensitivity && cp indices.csv convergence.csv noise.csv summary.json \
	  report.md morris.png ../../reference/sensitivity/screening/
	$(BIN)/crmsim sweep experiments/discovery.toml --out results/discovery --workers 2
	$(BIN)/crmsim discover results/discovery --outcome failed --outcome never_live --outcome measurable_gain
	$(BIN)/python -m sim.report.odd_sensitivity --discovery results/discovery
	$(BIN)/python -m sim.report.odd_table

# Full-size benchmarks (pytest-benchmark JSON), then the report with the targets' ratios. The report
# is kept whatever it says (--report-only); `crmsim bench` without the flag exits 1 on a missed target.
bench: $(STAMP)
	mkdir -p results/bench
	CRMSIM_BENCH_FULL=1 $(BIN)/python -m pytest tests/benchmarks --benchmark-only --benchmark-json=results/bench/pytest-benchmark.json
	$(BIN)/python -m sim.bench --out results/bench --report-only

# ruff everywhere; mypy on the public API (the files listed under [tool.mypy] in pyproject.toml).
lint: $(STAMP)
	$(BIN)/ruff check sim tests
	$(BIN)/ruff format --check sim tests
	$(BIN)/mypy

# Line coverage of the kernels and rules: numba's JIT off, so Python runs (and coverage sees) every
# kernel line; the engine-equality tests drive them.
coverage: $(STAMP)
	NUMBA_DISABLE_JIT=1 $(BIN)/python -m pytest -q -p no:cacheprovider tests/model/test_engines.py \
	  tests/model/test_rules.py --cov=sim --cov-report=term-missing

# Re-execute docs/analysis.ipynb in place (its charts and tables are outputs of this command).
notebook: $(STAMP)
	cd docs && ../$(BIN)/python -c "import nbformat, nbclient; nb = nbformat.read('analysis.ipynb', 4); \
	nbclient.NotebookClient(nb, timeout=900).execute(); nbformat.write(nb, 'analysis.ipynb')"

clean:
	rm -rf $(VENV) .pytest_cache .benchmarks sim/model/__pycache__/numba-*
