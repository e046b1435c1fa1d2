# OpenMASH. `make run` sets up and runs the whole system on SQLite with demo data;
# `make test` installs everything the tests need and runs them all. See README.md.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
export PORT

.PHONY: help run test lint format bench clean

help: ## Show the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/'

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# Reinstall only when pyproject.toml changes.
$(VENV)/.installed-run: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e ".[test]"
	touch $@ $(VENV)/.installed-run

node_modules/.installed: package.json package-lock.json
	@command -v npm >/dev/null || scripts/apt-install.sh nodejs npm
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

run: $(VENV)/.installed-run node_modules/.installed ## Set up and run web server + worker on SQLite with demo data
	@mkdir -p var
	$(BIN)/python manage.py migrate --no-input -v0
	$(BIN)/python manage.py createcachetable
	$(BIN)/python manage.py collectstatic --no-input -v0
	$(BIN)/python manage.py load_reference_data
	$(BIN)/python manage.py load_demo_data
	@echo "OpenMASH on http://127.0.0.1:$(PORT)  (Ctrl-C stops the web server and the worker)"
	PATH=$(CURDIR)/$(BIN):$$PATH exec $(BIN)/honcho start -f Procfile

test: $(VENV)/.installed-test node_modules/.installed ## Install everything and run every test (DATABASE_URL selects PostgreSQL)
	@command -v chromium >/dev/null || scripts/apt-install.sh chromium
	$(BIN)/python manage.py collectstatic --no-input -v0 --settings=config.settings.test
	$(BIN)/pytest -n auto --dist loadgroup $(PYTEST_ARGS)

lint: $(VENV)/.installed-test ## ruff lint and format check, migrations check
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python manage.py makemigrations --check --dry-run --settings=config.settings.test

format: $(VENV)/.installed-test ## Apply ruff formatting and safe fixes
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

clean: ## Remove the demo database and generated files (keeps the virtualenv)
	rm -rf var
