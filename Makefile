# tenohira — two commands on a fresh machine: `make run` and `make test`.
PYTHON ?= python3.11
VENV   ?= .venv
BIN    := $(VENV)/bin
PY     := $(BIN)/python
STAMP  := $(VENV)/.installed
DEVSTAMP := $(VENV)/.installed-dev

.PHONY: run test lint typecheck contracts pytest bench fuzz screenshots clean migration constraints schemas

$(PY):
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "need $(PYTHON) (Python 3.11+)"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml constraints.txt | $(PY)
	$(PY) -m pip install --quiet -c constraints.txt -e .
	@touch $@

$(DEVSTAMP): pyproject.toml constraints.txt | $(PY)
	$(PY) -m pip install --quiet -c constraints.txt -e '.[dev]'
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

## fuzz: schemathesis over the whole OpenAPI (platform and hub) against a fresh live platform; fails on any 5xx
## (FUZZ_EXAMPLES=25 examples per operation by default; reports under var/fuzz)
fuzz: $(DEVSTAMP)
	$(PY) -m tests.fuzz.openapi

## conformance: the ETSI NGSI-LD test suite against a local broker (not in make test), e.g. make conformance SUITE=../ngsi-ld-test-suite
conformance: $(DEVSTAMP)
	@test -n "$(SUITE)" || { echo "give SUITE=path to a checkout of the ETSI NGSI-LD test suite"; exit 2; }
	$(PY) tests/conformance/ngsi_ld_suite.py --suite "$(SUITE)" $(CONFORMANCE_ARGS)

## schemas: rewrite each agency's published intake schemas (agencies/*/intake_schemas/) from the catalogue
schemas: $(DEVSTAMP)
	TENOHIRA_WRITE_SCHEMAS=1 $(BIN)/pytest -q tests/agencies/test_published_schemas.py

## screenshots: phone-size screenshots of the main pages into docs/screenshots
screenshots: $(DEVSTAMP)
	$(PY) -m tenohira.web.screenshots docs/screenshots

## migration: new Alembic revision for one module, e.g. make migration M=audit MSG="add leaves"
migration: $(DEVSTAMP)
	$(BIN)/alembic -c src/tenohira/migrations/alembic.ini revision -m "$(MSG)" --head=$(M)@head

## constraints: re-resolve the dependencies in a scratch venv and rewrite constraints.txt (the pinned versions)
constraints:
	rm -rf .venv-constraints && $(PYTHON) -m venv .venv-constraints
	.venv-constraints/bin/python -m pip install --quiet --upgrade pip
	.venv-constraints/bin/python -m pip install --quiet -e '.[dev]'
	{ sed -n '1,3p' constraints.txt; .venv-constraints/bin/python -m pip freeze --exclude-editable | grep -v '^#'; } > constraints.txt.new
	mv constraints.txt.new constraints.txt && rm -rf .venv-constraints

clean:
	rm -rf $(VENV) var .mypy_cache .ruff_cache .pytest_cache
