# creditscore: `make run` serves the embedded default, `make test` runs the whole suite.
# Both set up what they need first (a virtualenv in .venv with the project and its dev tools).

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.DEFAULT_GOAL := help
.PHONY: help setup run test lint format demo sandbox clean golden bench

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*## "} {printf "  %-10s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

setup: $(STAMP) ## create .venv and install the project with its dev tools

run: $(STAMP) ## run the service on 127.0.0.1:8000 (SQLite + sandbox, no credentials needed)
	$(BIN)/creditscore run

test: $(STAMP) lint ## run the whole suite (lint, types, layering, tests on SQLite and PostgreSQL)
	.ci/services
	$(BIN)/pytest

lint: $(STAMP) ## ruff, import-linter contracts, mypy (strict on connectors, scoring, sandbox; app too)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/mypy connectors scoring sandbox bench app

format: $(STAMP) ## format and auto-fix
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

demo: $(STAMP) ## the whole flow against the sandbox, headless, with a table of scores
	$(BIN)/creditscore demo

sandbox: $(STAMP) ## serve the platform emulators alone on 127.0.0.1:8100
	$(BIN)/creditscore sandbox serve

clean: ## remove the virtualenv, caches and the local database
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis data

golden: $(STAMP) ## regenerate the persona golden scores after a deliberate model change
	CS_REGENERATE_GOLDEN=1 $(BIN)/pytest -q tests/e2e/test_persona_golden.py
	git diff --stat tests/e2e/golden

bench: $(STAMP) ## run every benchmark, print its figures; report in bench-results/report.md and .json
	.ci/services
	$(BIN)/python -m bench.suite --results bench-results

.PHONY: notebooks
notebooks: $(STAMP) ## run the analyst notebooks on CS_DATABASE_URL (default: the service's) into notebooks/out/
	mkdir -p notebooks/out
	@status=0; for notebook in notebooks/*.ipynb; do \
		$(BIN)/jupyter execute --output='out/{notebook_name}' $$notebook || status=1; \
	done; exit $$status
