# oversight: `make run` (main job), `make test` (whole suite), `make demo` (offline sample).
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
# Offline and quiet for every command run from here (the CLI sets the same defaults itself).
export PREFECT_SERVER_ANALYTICS_ENABLED := false
export DO_NOT_TRACK := 1
export TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS :=
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: run demo test lint typecheck install install-test browser postgres eval bench bench-extract bench-tag \
        bench-bus bench-warehouse bench-shared bench-e2e bench-polite bench-search bench-web clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml $(VENV)/.installed
	$(BIN)/pip install -q -e ".[test]"
	touch $@

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

run: install
	$(BIN)/oversight run

demo: install
	$(BIN)/oversight run --sample

# Headless Chromium renders the digest in the browser tests; Debian's package, installed when missing.
browser:
	@command -v chromium >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq chromium >/dev/null; }

# mypy cannot follow setuptools' editable import hook, so it reads the `oversight` package through a tree of
# folder links (new modules appear in it at once).
lint: install-test
	$(BIN)/ruff check flows extractors schemas warehouse tests bench
	@mkdir -p .build/typecheck/oversight
	@for pkg in flows extractors schemas warehouse; do ln -sfn ../../../$$pkg .build/typecheck/oversight/$$pkg; done
	MYPYPATH=.build/typecheck $(BIN)/mypy --explicit-package-bases \
	  $(addprefix .build/typecheck/oversight/,flows schemas extractors warehouse)

# Debian's PostgreSQL server binaries for the shared-catalog tests (each test session starts its own cluster).
postgres:
	@ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || command -v initdb >/dev/null 2>&1 || \
	  { apt-get update -qq && apt-get install -y -qq postgresql >/dev/null; }

test: install-test browser postgres lint
	$(BIN)/pytest -q

# GOLD=FILE.jsonl scores one set instead, e.g. the reviews written by `oversight review export-gold --out FILE`.
eval: install
	$(BIN)/python bench/eval.py $(if $(GOLD),--gold $(GOLD))

bench-extract: install-test
	$(BIN)/python bench/bench_extract.py

bench-tag: install
	$(BIN)/python bench/bench_tag.py

bench-bus: install-test
	$(BIN)/python bench/bench_bus.py

bench-warehouse: install
	$(BIN)/python bench/bench_warehouse.py

# The lake with its catalog in a throwaway PostgreSQL cluster: concurrent landing, views, maintenance.
bench-shared: install-test postgres
	$(BIN)/python bench/bench_shared_catalog.py

# The review pages on the 1,000,000-event warehouse of bench-warehouse: events list and event page p95 over HTTP.
bench-web: install-test
	$(BIN)/python bench/bench_web.py

bench-e2e: install-test
	$(BIN)/python bench/bench_e2e.py

# The benchmark pages on 24 loopback hosts with robots.txt and 1 s per host: time against politeness's floor.
bench-polite: install
	$(BIN)/python -m bench.bench_polite

# Precision at 5 of `oversight search` on the judged queries of bench/data/search_judged.json (the sample).
bench-search: install
	$(BIN)/python -m bench.bench_search

bench: bench-extract bench-tag bench-bus bench-warehouse bench-shared bench-e2e bench-polite bench-search bench-web

clean:
	rm -rf .oversight .build .pytest_cache .mypy_cache .ruff_cache
