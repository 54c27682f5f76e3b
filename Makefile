# tenohira — two commands on a fresh machine: `make run` and `make test`.
PYTHON ?= python3.11
VENV   ?= .venv
BIN    := $(VENV)/bin
PY     := $(BIN)/python
STAMP  := $(VENV)/.installed
DEVSTAMP := $(VENV)/.installed-dev

.PHONY: run test lint typecheck contracts pytest bench screenshots clean migration

$(PY):
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "need $(PYTHON) (Python 3.11+)"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e .
	@touch $@

$(DEVSTAMP): pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e '.[dev]'
	@touch $(STAMP) $@

## run: install, migrate, seed the demo municipality on first start, serve on 127.0.0.1:8000
run: $(STAMP)
	$(BIN)/tenohira run

## test: ruff, mypy, import-linter, pytest
test: $(DEVSTAMP) lint typecheck contracts pytest

lint: $(DEVSTAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

typecheck: $(DEVSTAMP)
	$(BIN)/mypy

contracts: $(DEVSTAMP)
	$(BIN)/lint-imports

pytest: $(DEVSTAMP)
	$(BIN)/pytest $(PYTEST_ARGS)

## bench: every benchmark under bench/ (numbers, and ratios against a baseline in the same run)
bench: $(DEVSTAMP)
	$(PY) -m bench

## screenshots: phone-size screenshots of the main pages into docs/screenshots
screenshots: $(DEVSTAMP)
	$(PY) -m tenohira.web.screenshots docs/screenshots

## migration: new Alembic revision for one module, e.g. make migration M=audit MSG="add leaves"
migration: $(DEVSTAMP)
	$(BIN)/alembic -c src/tenohira/migrations/alembic.ini revision -m "$(MSG)" --head=$(M)@head

clean:
	rm -rf $(VENV) var .mypy_cache .ruff_cache .pytest_cache
