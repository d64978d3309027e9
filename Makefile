# govhall — the two commands are `make run` and `make test`; see README.md.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell cat requirements.lock pyproject.toml | sha1sum | cut -c1-12)

.PHONY: run test lint bench install migrate seed clean-var help run-cluster load drill

help:
	@echo "make run    — set up and start govhall with demo data on SQLite (http://127.0.0.1:$${PORT:-8000})"
	@echo "make test   — set up and run the whole suite (SQLite, and PostgreSQL when available)"
	@echo "make lint   — ruff and mypy"
	@echo "make bench  — benchmarks with in-run baselines"
	@echo "make run-cluster — PostgreSQL + Redis, two web processes and two task consumers behind nginx"
	@echo "make load   — the main mix with locust: one web process vs. the cluster"
	@echo "make drill  — kill -9, PostgreSQL restart and backup/restore under load; prints lost/duplicated"

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

# The load test's own virtualenv (locust), apart from .venv; see loadtest/requirements.txt.
LOADVENV := .venv-load
LOADSTAMP := $(LOADVENV)/.installed-$(shell sha1sum loadtest/requirements.txt | cut -c1-12)

$(LOADSTAMP): loadtest/requirements.txt
	@test -x $(LOADVENV)/bin/python || $(PYTHON) -m venv $(LOADVENV)
	$(LOADVENV)/bin/pip install --quiet --disable-pip-version-check -r loadtest/requirements.txt
	@rm -f $(LOADVENV)/.installed-*
	@touch $(LOADSTAMP)

run-cluster: $(STAMP)
	@$(PY) scripts/cluster.py

load: $(STAMP) $(LOADSTAMP)
	@$(PY) scripts/load.py

drill: $(STAMP) $(LOADSTAMP)
	@$(PY) scripts/drill.py
