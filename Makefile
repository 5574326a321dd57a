# Developer and CI entry points. GNU make.
#
#   make run [PORT=8000]   local demo site (SQLite, local files, eager Celery)
#   make test              the whole test suite, with throwaway PostgreSQL, Redis and S3
#   make lint              ruff check + ruff format --check + the layering contract
#   make docs              the documentation site (MkDocs, --strict) into build/site/
#   make clean             remove caches and build output (keeps .venv and var/)

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help
.DELETE_ON_ERROR:

PYTHON_SYSTEM ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip
PORT ?= 8000

# Debian packages the test suite needs (PostgreSQL, Redis, the browser).
TEST_DEBIAN_PACKAGES := postgresql redis-server chromium

.PHONY: help run test lint docs clean

help:
	@echo "make run [PORT=8000]  start the local demo site"
	@echo "make test             run the whole test suite (installs what it needs)"
	@echo "make lint             ruff check, ruff format --check and the layering contract"
	@echo "make docs             build the documentation site into build/site/ (mkdocs build --strict)"
	@echo "make clean            remove caches and build output"

# The virtual environment; installs Debian's venv module first if it is missing.
$(PY):
	@if ! $(PYTHON_SYSTEM) -c 'import ensurepip, venv' 2>/dev/null; then \
	  scripts/ensure-debian-packages.sh python3.11-venv; fi
	$(PYTHON_SYSTEM) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip

# Stamps: reinstall only when a pyproject.toml changes. clients/mkt (the format library the
# server imports and the mkt client) is installed with the server: it is on no index, so the
# server's pyproject.toml cannot name it (README, "Layout"). It is installed second, so that
# an older checkout's install (which declared `mkt` itself) does not take the command away.
$(VENV)/.installed-run: pyproject.toml clients/mkt/pyproject.toml | $(PY)
	$(PIP) install --quiet -e .
	$(PIP) install --quiet -e ./clients/mkt
	touch $@

$(VENV)/.installed-test: pyproject.toml clients/mkt/pyproject.toml | $(PY)
	$(PIP) install --quiet -e '.[test]'
	$(PIP) install --quiet -e ./clients/mkt
	touch $@

$(VENV)/.installed-docs: pyproject.toml | $(PY)
	$(PIP) install --quiet -e '.[docs]'
	touch $@

run: export SITE_BANNER := Local demo: e-mails are printed to this terminal; two-factor authentication is not required here.
run: export MFA_REQUIRED_FOR_PUBLISHING := false
run: export MFA_REQUIRED_FOR_STAFF := false
# Links in pages and e-mails point at the port served, unless SITE_URL is set by the caller.
run: export SITE_URL ?= http://127.0.0.1:$(PORT)
run: $(VENV)/.installed-run
	$(PY) manage.py migrate --noinput
	$(PY) manage.py load_demo
	exec $(PY) manage.py runserver 127.0.0.1:$(PORT)

test: $(VENV)/.installed-test
	scripts/ensure-debian-packages.sh $(TEST_DEBIAN_PACKAGES)
	scripts/test.sh

lint: $(VENV)/.installed-test
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports

# The site goes to build/site/ (git-ignored); --strict turns every warning (a broken link) into a failure.
docs: export NO_MKDOCS_2_WARNING := 1
docs: $(VENV)/.installed-docs
	$(VENV)/bin/mkdocs build --strict --clean

clean:
	rm -rf .pytest_cache .ruff_cache .hypothesis htmlcov .coverage .coverage.* build dist clients/mkt/build \
	  staticfiles tests/browser/artifacts
	find . -path ./$(VENV) -prune -o -name __pycache__ -type d -prune -exec rm -rf {} +
