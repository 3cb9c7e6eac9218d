# crm-rollout-sim: `make demo` and `make test` set themselves up (they create .venv when missing).
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install demo test lint bench coverage notebook validation clean

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
