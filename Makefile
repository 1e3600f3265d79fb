# specforge: every target sets up .venv itself; only Python >= 3.10 and make are needed.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
SPECFORGE := $(BIN)/specforge
PYTEST_ARGS ?=

.PHONY: all setup validate generate check lint typecheck test mock conformance fuzz bench bench-quick corpus gate clean

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

# specforge conform vs plain Schemathesis on every server of tests/fault_corpus (also a section
# of `make bench`): bench/results/corpus.md and corpus.json.
corpus: setup
	$(BIN)/python -m bench.corpus

# Real public specs (tests/real_specs.py): fetch those the package registries give (npm, and
# ../shared/specs) into $SPECFORGE_REAL_SPECS (default ~/.cache/specforge/real-specs; add
# REAL_SPECS_GIT=DIR, a folder of clones, for the ones from public repositories), install what
# their packages need (email-validator), and generate, import and type-check every one present,
# those over 1 MB included (tests/test_real_specs.py, one at a time, niced).
REAL_SPECS_GIT ?=
.PHONY: real-specs
real-specs: setup
	$(BIN)/python -m pip install --quiet 'email-validator>=2'
	$(BIN)/python -m tests.real_specs fetch $(if $(REAL_SPECS_GIT),--git $(REAL_SPECS_GIT),--registries-only)
	$(BIN)/python -m tests.real_specs check
	SPECFORGE_REAL_SPECS_HEAVY=1 nice -n 10 $(BIN)/python -m pytest -o timeout=1800 tests/test_real_specs.py tests/test_real_spec_constructs.py $(PYTEST_ARGS)

gate: setup
	$(SPECFORGE) gate --base "$(BASE)"

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache reports
