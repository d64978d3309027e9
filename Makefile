# govhall — the two commands are `make run` and `make test`; see README.md.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell cat requirements.lock pyproject.toml | sha1sum | cut -c1-12)

.PHONY: run test lint bench install migrate seed clean-var help

help:
	@echo "make run    — set up and start govhall with demo data on SQLite (http://127.0.0.1:$${PORT:-8000})"
	@echo "make test   — set up and run the whole suite (SQLite, and PostgreSQL when available)"
	@echo "make lint   — ruff and mypy"
	@echo "make bench  — benchmarks with in-run baselines"

$(STAMP): requirements.lock pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.lock
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	@rm -f $(VENV)/.installed-*
	@touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	@bash scripts/run.sh

test: $(STAMP)
	@bash scripts/test.sh

lint: $(STAMP)
	$(VENV)/bin/ruff check src bench
	$(VENV)/bin/ruff format --check src bench
	DEBUG=1 $(VENV)/bin/mypy

bench: $(STAMP)
	DEBUG=1 $(PY) bench/run.py $(BENCH)
	@if [ -n "$${GOVHALL_BENCH_POSTGRES_URL:-}" ] || $(PY) -c "import socket; socket.create_connection(('127.0.0.1', 5432), 1)" 2>/dev/null; then \
	  DEBUG=1 $(PY) bench/run.py --database postgresql $(BENCH); \
	else echo "PostgreSQL benchmarks not run: no server on 127.0.0.1:5432 and GOVHALL_BENCH_POSTGRES_URL unset"; fi

migrate: $(STAMP)
	DEBUG=1 $(PY) manage.py migrate

seed: $(STAMP)
	DEBUG=1 GOVHALL_DEMO=1 $(PY) manage.py seed_demo
