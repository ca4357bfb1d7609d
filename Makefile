# The two commands of the README: `make run` and `make test`. Both set up what they need.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
TEST_STAMP := $(VENV)/.installed-test

.PHONY: run test bench install compile clean dist

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

# Byte-compile the project (cheap when up to date): PYTHONDONTWRITEBYTECODE would otherwise make every
# start compile the sources again.
compile: $(STAMP)
	$(BIN)/python -m compileall -q sandbox mock_ca mock_atlas mock_dip seed_data

# The test extras include the project itself: one pip run installs both (two cost ~6 s more on a fresh machine).
$(TEST_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP) $@

install: $(STAMP)

## Create the virtual environment, install, start the sandbox on its embedded defaults.
run: compile
	$(BIN)/dip-sandbox serve $(ARGS)

## Install what the tests need and run them, on two workers (pytest-xdist; PYTEST_WORKERS=0 runs them in one).
PYTEST_WORKERS ?= 2
test: $(TEST_STAMP)
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) $(PYTEST_ARGS)

## Benchmarks: ratios against a baseline measured in the same run.
bench: $(TEST_STAMP) compile
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) .dip-sandbox build *.egg-info

## A wheel of dip-sandbox in dist/, for an offline install elsewhere: pip install dist/dip_sandbox-*.whl
dist: $(STAMP)
	$(BIN)/pip wheel --quiet --no-deps --wheel-dir dist .
