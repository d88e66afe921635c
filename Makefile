# The two commands of the README: `make run` and `make test`. Both set everything up first.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-dev

.PHONY: run test lint typecheck clean bench native pure fuzz

# The browser tests drive Debian's Chromium (docs/console.md); installed once, as root or
# through sudo, from Debian's own packages.
CHROMIUM := /usr/bin/chromium
SUDO := $(if $(filter 0,$(shell id -u)),,sudo)

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

# The routing core compiled with mypyc in place, for this checkout's editable install:
# native.py's compile_modules, the same build the wheel's hook runs (hatch_build.py) for
# `pip install .`. Rebuilt unless every compiled module is newer than its source. Without
# a C compiler the build fails, the compiled modules are removed, and the same sources run
# uncompiled.
native: $(STAMP)
	@$(BIN)/python src/ordermesh/native.py update || \
		(echo "mypyc build failed: the routing core runs uncompiled" && \
		 $(BIN)/python src/ordermesh/native.py clean)

# Remove the compiled modules: the sources run as they are until the next make native.
pure:
	$(PYTHON) src/ordermesh/native.py clean

HOST ?= 127.0.0.1
PORT ?= 8000

# Load the demo (once), then run the API with the console and a worker beside it (partner
# files, event relay, webhooks; NATS only when ORDERMESH_NATS_URL is set). Ctrl-C stops both.
# On first run it prints an admin key (`ordermesh keys create` makes more): sign in with it.
run: native
	$(BIN)/ordermesh demo
	$(BIN)/ordermesh keys create --role admin --label "make run" --if-none
	@echo "console: http://$(HOST):$(PORT)/   API: http://$(HOST):$(PORT)/v1   docs: http://$(HOST):$(PORT)/docs"
	$(BIN)/ordermesh worker --log-level warning & worker=$$!; \
		trap 'kill $$worker 2>/dev/null; wait $$worker' EXIT INT TERM; \
		$(BIN)/ordermesh serve --host $(HOST) --port $(PORT)

lint: $(STAMP)
	$(BIN)/ruff check src tests $(wildcard bench) hatch_build.py
	$(BIN)/ruff format --check src tests $(wildcard bench) hatch_build.py
	$(BIN)/lint-imports

typecheck: $(STAMP)
	$(BIN)/mypy

$(CHROMIUM):
	$(SUDO) apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq chromium

test: lint typecheck native $(CHROMIUM)
	$(BIN)/pytest -q

bench: native
	$(BIN)/python -m bench

# 100,000 mutated inputs through every inbound parser and 1,000 files through the partner
# file worker on SQLite; rewrites docs/fuzz.md (minutes; never part of make test).
fuzz: native
	$(BIN)/python -m bench.fuzz --out docs/fuzz.md --json var/fuzz/report.json

clean: pure
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
