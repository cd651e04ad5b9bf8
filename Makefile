# The two commands of the README: `make demo` and `make test`. Both create .venv when missing
# and install the project into it (again only when pyproject.toml changes).
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
KERNELS := coverage_gis/radio/_terrain_kernels.json
OUT ?= out/demo

.PHONY: demo test lint install benchmark clean sample bytecode

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

# The terrain kernels compiled ahead of time (coverage_gis/radio/compiled.py): short processes
# then start without numba. Needs a C compiler; without one numba compiles them at first use.
$(KERNELS): $(STAMP) coverage_gis/radio/kernels.py coverage_gis/radio/constants.py
	$(BIN)/python -m coverage_gis.radio.compiled --if-compiler \
	  || echo "warning: the terrain kernels were not compiled ahead of time (numba's are used)"

# The package's modules compiled to bytecode, as pip does when it installs a wheel: an editable
# install is otherwise compiled at every start where bytecode is not written
# (PYTHONDONTWRITEBYTECODE, read-only checkouts), 0.09 s of a one-site command. Incremental.
bytecode: $(STAMP)
	$(BIN)/python -m compileall -q coverage_gis

install: $(STAMP) $(KERNELS) bytecode

demo: $(STAMP) $(KERNELS) bytecode
	$(BIN)/coverage-gis validate
	$(BIN)/coverage-gis analyze --out $(OUT) --overwrite

# The habits: lint (with a complexity limit), types and the layer contract, then every test.
lint: $(STAMP)
	$(BIN)/ruff check coverage_gis tests benchmarks notebooks/make_notebooks.py data/make_sample.py
	$(BIN)/mypy
	$(BIN)/lint-imports

test: lint $(KERNELS) bytecode
	$(BIN)/python -m pytest

benchmark: $(STAMP)
	$(BIN)/python benchmarks/bench_startup.py
	$(BIN)/python benchmarks/bench_loaders.py
	$(BIN)/python benchmarks/bench_terrain.py
	$(BIN)/python benchmarks/bench_coverage.py
	$(BIN)/python benchmarks/bench_fibre.py
	$(BIN)/python benchmarks/bench_placement.py

sample: $(STAMP)
	$(BIN)/python data/make_sample.py

clean:
	rm -rf $(VENV) out .pytest_cache *.egg-info coverage_gis/radio/_terrain_kernels*
