# SMP Atlas — the two commands of the Quick start, and the developer tasks.
#   make demo   virtualenv + install + bundled inventory + summary
#   make test   install the test dependencies and run lint, docs check and the whole suite

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-test
DEMO_DB ?= demo/atlas.db

.PHONY: demo test install install-test lint typecheck docs docs-check bench clean help

help:
	@echo "make demo | make test | make lint | make docs | make bench | make clean"

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

install: $(BIN)/python
	$(BIN)/pip install --quiet -e .

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e ".[test]"
	touch $(STAMP)

install-test: $(STAMP)

demo: install
	@mkdir -p $(dir $(DEMO_DB))
	$(BIN)/smpatlas demo --db $(DEMO_DB)

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/mypy

docs: install
	$(BIN)/smpatlas codebook --format markdown > docs/codebook.md

docs-check: $(STAMP)
	$(BIN)/smpatlas codebook --check docs/codebook.md

test: $(STAMP)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/mypy
	$(BIN)/smpatlas codebook --check docs/codebook.md
	$(BIN)/python -m pytest

bench: $(BIN)/python
	$(BIN)/pip install --quiet -e ".[test,bench]"
	$(BIN)/python benchmarks/run.py

clean:
	rm -rf $(VENV) demo .pytest_cache .mypy_cache .ruff_cache
