# specforge: every target sets up .venv itself; only Python >= 3.10 and make are needed.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
SPECFORGE := $(BIN)/specforge
PYTEST_ARGS ?=

.PHONY: all setup validate generate check lint typecheck test mock conformance fuzz bench bench-quick gate clean

all: setup validate generate conformance

$(STAMP): pyproject.toml generated/together_videos/pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev,conformance]" -e generated/together_videos
	touch $(STAMP)

setup: $(STAMP)

validate: setup
	$(SPECFORGE) validate

generate: setup
	$(SPECFORGE) generate

check: setup
	$(SPECFORGE) check

lint: setup
	$(BIN)/ruff check specforge generator conformance tests bench
	$(BIN)/ruff format --check specforge generator conformance tests bench
	$(BIN)/mypy specforge
	$(SPECFORGE) check
	$(SPECFORGE) lint

typecheck: setup
	$(BIN)/mypy specforge
	cd generated/together_videos && ../../$(BIN)/mypy --strict src

# Two workers (this project's machines have 2 cores); a test file stays on one worker, so its
# module-scoped fixtures (generated packages, servers) are built once.
TEST_WORKERS ?= 2

test: setup
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist loadfile $(PYTEST_ARGS)

mock: setup
	$(SPECFORGE) mock

conformance: setup
	$(SPECFORGE) conform --junit-xml reports/conformance.xml --report reports/conformance.md

fuzz: setup
	SPECFORGE_HYPOTHESIS_PROFILE=fuzz $(BIN)/python -m pytest -m fuzz -o timeout=3600 $(PYTEST_ARGS)

bench: setup
	$(BIN)/python -m bench

bench-quick: setup
	$(BIN)/python -m bench --quick

gate: setup
	$(SPECFORGE) gate --base "$(BASE)"

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache reports
