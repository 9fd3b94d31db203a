# `make run` sets everything up and starts the web chat; `make test` sets up and runs every test.
# Both are idempotent: the venv is rebuilt only when pyproject.toml changes.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
CHROMIUM := /usr/bin/chromium
export GRADIO_ANALYTICS_ENABLED := False
export ANONYMIZED_TELEMETRY := False
export HF_HUB_OFFLINE := 1

.PHONY: setup run test test-unit test-integration test-e2e lint bench browser postgres proxy clean

setup: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	# The CPU build of torch first, so sentence-transformers does not pull a CUDA one.
	$(BIN)/python -m pip install -q torch==2.13.0
	$(BIN)/python -m pip install -q -e '.[dev,llamacpp]'
	touch $(STAMP)

run: setup
	$(BIN)/article-chat serve

# Debian's chromium for the browser tests (never a downloaded browser build).
browser:
	@test -x $(CHROMIUM) || { \
	  SUDO=$$([ "$$(id -u)" = 0 ] || echo sudo); \
	  $$SUDO apt-get update -qq && $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }

# Debian's PostgreSQL for the database tests; they start their own server in a tmp dir.
postgres:
	@ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || { \
	  SUDO=$$([ "$$(id -u)" = 0 ] || echo sudo); \
	  $$SUDO apt-get update -qq && $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null; }

# Debian's nginx for the reverse-proxy test; it runs its own nginx in a tmp dir.
proxy:
	@command -v nginx >/dev/null 2>&1 || test -x /usr/sbin/nginx || { \
	  SUDO=$$([ "$$(id -u)" = 0 ] || echo sudo); \
	  $$SUDO apt-get update -qq && $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx >/dev/null; }

test: setup browser postgres proxy
	$(BIN)/python -m pytest -p no:cacheprovider

test-unit: setup
	$(BIN)/python -m pytest -p no:cacheprovider tests/unit

test-integration: setup postgres
	$(BIN)/python -m pytest -p no:cacheprovider tests/integration

test-e2e: setup browser postgres proxy
	$(BIN)/python -m pytest -p no:cacheprovider tests/e2e

lint: setup
	$(BIN)/ruff check index bot ui tests benchmarks
	$(BIN)/ruff format --check index bot ui tests benchmarks
	$(BIN)/mypy

bench: setup
	$(BIN)/python benchmarks/latency.py $(BENCH_ARGS)

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .mypy_cache
