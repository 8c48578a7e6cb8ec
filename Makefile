# The two commands of the portal:
#   make run    set everything up and serve the portal on http://127.0.0.1:8000 (SQLite, tasks in-process)
#   make test   set everything up and run every check and test on PostgreSQL, Redis, a real Celery worker and Chromium
SHELL := /bin/bash
.DEFAULT_GOAL := help
.PHONY: help run test lint system-run system-test system-bench services messages serve-setup clean bench

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000

# The test suite's services (started by scripts/ensure-services.sh when stopped).
TEST_DATABASE_URL ?= postgres://postgres:postgres@127.0.0.1:5432/huzhou_craftsman
TEST_REDIS_URL ?= redis://127.0.0.1:6379/1
TEST_ENV := DATABASE_URL=$(TEST_DATABASE_URL) REDIS_URL=$(TEST_REDIS_URL)

help:
	@echo "make run    - install what is needed, migrate, seed demo accounts and serve http://$(HOST):$(PORT)"
	@echo "make test   - install what is needed, start PostgreSQL and Redis, run ruff, migration check and pytest"

system-run:
	@bash scripts/install-system-deps.sh run

system-test:
	@bash scripts/install-system-deps.sh test

system-bench:
	@bash scripts/install-system-deps.sh bench

$(PY):
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || { echo "Python 3.11+ is required"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip

$(VENV)/.run-installed: requirements.txt | $(PY)
	$(PY) -m pip install -q -r requirements.txt
	@touch $@

$(VENV)/.dev-installed: requirements.txt requirements-dev.txt | $(PY)
	$(PY) -m pip install -q -r requirements-dev.txt
	@touch $@ $(VENV)/.run-installed

$(VENV)/.bench-installed: requirements.txt requirements-dev.txt requirements-bench.txt | $(PY)
	$(PY) -m pip install -q -r requirements-bench.txt
	@touch $@ $(VENV)/.dev-installed $(VENV)/.run-installed

# Front-end assets from the npm registry, served by the portal itself (no CDN).
node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

messages: $(VENV)/.run-installed
	@$(PY) manage.py compilemessages --ignore=.venv --ignore=node_modules -v 0

services:
	@bash scripts/ensure-services.sh

serve-setup: system-run $(VENV)/.run-installed node_modules/.installed messages
	@mkdir -p var/staticfiles
	$(PY) manage.py migrate --noinput -v 0
	@$(PY) manage.py make_demo_signing_cert
	@$(PY) manage.py seed_demo

run: serve-setup
	@echo "Serving the portal on http://$(HOST):$(PORT)/ (Ctrl-C to stop)"
	$(PY) manage.py runserver $(HOST):$(PORT)

lint: $(VENV)/.dev-installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	git ls-files -z -- '*.py' | xargs -0 $(VENV)/bin/django-upgrade --target-version 5.2

test: system-test $(VENV)/.dev-installed node_modules/.installed messages services lint
	@mkdir -p var/staticfiles
	@echo "Tests use database $(TEST_DATABASE_URL) and broker $(TEST_REDIS_URL)"
	$(TEST_ENV) $(PY) manage.py makemigrations --check --dry-run
	$(TEST_ENV) $(PY) -m pytest $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) node_modules var test-artifacts .pytest_cache .ruff_cache

# Benchmarks: numbers are written to docs/performance/*.md (ratios against baselines measured in the same run).
bench: system-bench $(VENV)/.bench-installed node_modules/.installed messages services
	@for script in bench/*.py; do echo "== $$script"; $(PY) $$script || exit 1; done

# Security scans (not part of `make test`: pip-audit needs PyPI's JSON API or OSV on the network; see README,
# Security, "What was tried"). bandit reads its config from pyproject's [tool.bandit]. pip-audit runs with --strict:
# a dependency it could not look up is a failure, not a silent "No known vulnerabilities found".
.PHONY: security
security: $(VENV)/.dev-installed
	$(VENV)/bin/bandit -c pyproject.toml -r huzhou_craftsman applications subsidies -q
	$(VENV)/bin/pip-audit --strict -r requirements.txt
