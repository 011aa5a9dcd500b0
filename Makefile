# switchdesk developer commands. `make demo` and `make test` are the README's two set-up
# commands: each creates or refreshes the local virtualenv in .venv first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.DEFAULT_GOAL := help
.PHONY: help demo test test-fast check bench fuzz clean

help:  ## list the commands
	@echo "switchdesk make targets:"
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)  ## fresh SQLite demo center served on http://127.0.0.1:8000
	$(BIN)/switchdesk demo

test: $(STAMP)  ## the whole test suite (SQLite; PostgreSQL and Chromium where present, all of them when SWITCHDESK_REQUIRE_ALL=1)
	$(BIN)/python -m pytest -m "not slow" $(PYTEST_ARGS)

test-fast: $(STAMP)  ## tests without the browser and without PostgreSQL
	$(BIN)/python -m pytest -m "not slow and not browser and not postgres" $(PYTEST_ARGS)

fuzz: $(STAMP)  ## the API and socket fuzz runs, longer (100 requests per operation and role, 200 frames per kind)
	SWITCHDESK_FUZZ_EXAMPLES=100 SWITCHDESK_SOCKET_FUZZ_EXAMPLES=200 $(BIN)/python -m pytest -s tests/web/test_api_fuzz.py tests/web/test_socket_fuzz.py $(PYTEST_ARGS)

check: $(STAMP)  ## ruff, mypy --strict on the core, import-linter contracts
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks
	$(BIN)/mypy
	$(BIN)/lint-imports

bench: $(STAMP)  ## benchmarks; each prints one JSON line of figures
	$(BIN)/python -m pip install --quiet -e '.[dev,bench]'
	@set -e; for b in benchmarks/*.py; do echo "== $$b"; $(BIN)/python $$b; done

clean:  ## remove the virtualenv and caches
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis
