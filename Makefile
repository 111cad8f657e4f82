# The two commands of the README are `make demo` and `make test`; the rest are their building blocks.
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV    ?= .venv
PY      := $(VENV)/bin/python
RISKCTL := $(VENV)/bin/riskctl
PYTHON  ?= $(shell command -v python3.11 || command -v python3)
STAMP   := $(VENV)/.installed-$(shell cat pyproject.toml | sha1sum | cut -c1-12)
PYTEST_ARGS ?=

.PHONY: help venv services-up services-down services-status test-tools lint test demo bench clean-state

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-16s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	@if ! $(PYTHON) -c 'import ensurepip, venv' 2>/dev/null; then \
	  echo "[setup] installing python3-venv with apt"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv python3-pip; fi
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@echo "[setup] installing the package and its dependencies into $(VENV) (first run takes a few minutes)"
	@$(PY) -m pip install -q --upgrade pip
	@$(PY) -m pip install -q -e '.[dev]'
	@rm -f $(VENV)/.installed-*
	@touch $@

venv: $(STAMP) ## create .venv and install the package (only when pyproject.toml changed)

services-up: venv ## start PostgreSQL, Redis and Kafka on 127.0.0.1 (installs them if missing)
	@$(RISKCTL) services up

services-down: ## stop exactly the services this project started
	@if [ -x $(RISKCTL) ]; then $(RISKCTL) services down; else echo "nothing to stop (no $(VENV))"; fi

test-tools: venv ## Debian packages the tests use: chromium (browser tests), curl (README commands)
	@$(RISKCTL) services test-tools

services-status: venv ## show which services run, where, and their logs
	@$(RISKCTL) services status

lint: venv ## ruff format check, ruff, mypy (strict) and the import-linter layering contracts
	$(PY) -m ruff format --check .
	$(PY) -m ruff check .
	$(PY) -m mypy
	$(VENV)/bin/lint-imports

test: services-up test-tools lint ## the whole suite against the real services
	$(PY) -m pytest $(PYTEST_ARGS)

demo: services-up ## start everything and print what runs where
	@$(RISKCTL) demo

bench: services-up ## run the benchmarks and write bench/results/ (installs wrk, the HTTP load generator)
	@command -v wrk >/dev/null || { echo "[setup] installing wrk with apt"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk; }
	$(PY) bench/run_all.py
