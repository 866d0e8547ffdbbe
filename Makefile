# SMP Atlas — the two commands of the Quick start, and the developer tasks.
#   make demo   virtualenv + install + bundled inventory + summary
#   make test   install the test dependencies and run lint, docs check and the whole suite

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-test
DEMO_DB ?= demo/atlas.db
# Test processes for make test (pytest-xdist): one per core, at most 4; TEST_WORKERS=0 runs in one process.
TEST_WORKERS ?= auto

.PHONY: demo test install install-test system-deps lint typecheck docs docs-check bench clean help

# Debian packages the tests and the demo need: PostgreSQL (throwaway test servers), Chromium (browser
# tests), poppler-utils (PDF pages to PNG), fonts for PDF reports: DejaVu, and Noto for the scripts DejaVu
# lacks (Devanagari, Bengali, Sinhala, Thai, Khmer, … in fonts-noto-core; Chinese, Japanese, Korean in
# fonts-noto-cjk), so names in their own script are not drawn as empty boxes. Installed when missing and root.
DEB_PACKAGES := postgresql postgresql-contrib chromium poppler-utils fonts-dejavu-core fonts-noto-core fonts-noto-cjk
SYSTEM_STAMP := $(VENV)/.system-deps

help:
	@echo "make demo | make test | make lint | make docs | make bench | make clean"

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

install: $(BIN)/python
	$(BIN)/pip install --quiet -e .

system-deps: $(SYSTEM_STAMP)

$(SYSTEM_STAMP): Makefile | $(BIN)/python
	@missing=""; for p in $(DEB_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "Installing Debian packages:$$missing"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing; \
	  else \
	    echo "Missing Debian packages:$$missing — run: sudo apt-get install$$missing"; exit 1; \
	  fi; \
	fi
	touch $(SYSTEM_STAMP)

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e ".[test]"
	touch $(STAMP)

install-test: $(STAMP) $(SYSTEM_STAMP)

demo: install
	@mkdir -p $(dir $(DEMO_DB))
	$(BIN)/smpatlas demo --db $(DEMO_DB)
	$(BIN)/smpatlas stats --db $(DEMO_DB) --format markdown > demo/statistics.md
	@echo "Statistics written to demo/statistics.md; headline figures:"
	@sed -n '/## Headline figures/,/## Fields/p' demo/statistics.md | sed '1d;$$d'
	$(BIN)/smpatlas assess --all --db $(DEMO_DB)
	@mkdir -p reports
	$(BIN)/smpatlas report inventory --db $(DEMO_DB) --out reports/inventory.html
	$(BIN)/smpatlas report inventory --db $(DEMO_DB) --out reports/inventory.pdf
	@echo "Reports: $(CURDIR)/reports/inventory.html $(CURDIR)/reports/inventory.pdf"
	@echo "Serving the demo inventory (Ctrl-C to stop):"
	$(BIN)/smpatlas serve --db $(DEMO_DB)

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks tools
	$(BIN)/mypy

docs: install
	$(BIN)/smpatlas codebook --format markdown > docs/codebook.md
	$(BIN)/smpatlas rubric > docs/assessment.md
	$(BIN)/python tools/inventory_coverage.py docs/inventory.md

docs-check: $(STAMP)
	$(BIN)/smpatlas codebook --check docs/codebook.md
	$(BIN)/smpatlas rubric --check docs/assessment.md

test: $(STAMP) $(SYSTEM_STAMP)
	$(BIN)/ruff check src tests benchmarks tools
	$(BIN)/mypy
	$(BIN)/smpatlas codebook --check docs/codebook.md
	$(BIN)/smpatlas rubric --check docs/assessment.md
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --maxprocesses 4 --dist loadfile

bench: $(BIN)/python
	$(BIN)/pip install --quiet -e ".[test,bench]"
	$(BIN)/python benchmarks/run.py

clean:
	rm -rf $(VENV) demo .pytest_cache .mypy_cache .ruff_cache
