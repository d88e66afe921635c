# The two commands of the README: `make run` and `make test`. Both set everything up first.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-dev

.PHONY: run test lint typecheck clean bench native pure

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

# Load the demo (once), then replace make with the API server: it prints the URL of the API
# and of its docs, and on first run an admin key (`ordermesh keys create` makes more).
run: native
	$(BIN)/ordermesh demo
	$(BIN)/ordermesh keys create --role admin --label "make run" --if-none
	exec $(BIN)/ordermesh serve --host $(HOST) --port $(PORT)

lint: $(STAMP)
	$(BIN)/ruff check src tests $(wildcard bench) hatch_build.py
	$(BIN)/ruff format --check src tests $(wildcard bench) hatch_build.py
	$(BIN)/lint-imports

typecheck: $(STAMP)
	$(BIN)/mypy

test: lint typecheck native
	$(BIN)/pytest -q

bench: native
	$(BIN)/python -m bench

clean: pure
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
