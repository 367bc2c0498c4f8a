# Two commands: `make run` (the whole demo on http://127.0.0.1:8000) and `make test` (lint, types, then the suite).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
export FLASK_APP := app:create_app
TEST_DATABASE_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/test
export TEST_DATABASE_URL

.PHONY: run test test-fast lint format lock install bench clean

# The lock files (hashes for every package, transitive ones included) drive every install.
$(BIN)/.installed: requirements.txt requirements-dev.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet --require-hashes -r requirements-dev.txt
	touch $@

install: $(BIN)/.installed

run: install
	PATH="$(CURDIR)/$(BIN):$$PATH" ./scripts/run-demo.sh

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

test: install lint
	$(BIN)/python -m pytest --cov --cov-report=term $(PYTEST_ARGS)

test-fast: install
	$(BIN)/python -m pytest -m "not slow" -x -q $(PYTEST_ARGS)

# Regenerate the lock files from pyproject.toml's [project] dependencies.
lock: install
	$(BIN)/uv pip compile --python-version 3.11 --generate-hashes -q pyproject.toml -o requirements.txt
	$(BIN)/uv pip compile --python-version 3.11 --generate-hashes -q --extra dev pyproject.toml -o requirements-dev.txt

bench: install
	$(BIN)/python bench/bench_api.py

clean:
	rm -rf $(VENV) instance/*.db .pytest_cache .mypy_cache .ruff_cache .coverage
