# kzru: `make run` builds a release from raw/, `make test` runs the whole suite.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
RAW    ?= raw
OUT    ?= output
GOLD   ?= gold/seeds.json

.PHONY: run test lint typecheck bench dictionary clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Re-install when pyproject.toml changes.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@ $(VENV)/.installed

run: $(VENV)/.installed
	@$(BIN)/kzru build --raw $(RAW) --out $(OUT) --gold $(GOLD)

test: $(VENV)/.installed-dev
	$(BIN)/python -m pytest
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

# `make bench [N=20000]`: synthetic corpus, build times, memory, workers, quantulum3 baseline;
# writes bench/results.json and bench/RESULTS.md (see bench/README.md).
N ?= 20000
bench: $(VENV)/.installed-dev
	$(BIN)/python -m pip install --quiet -e '.[dev,dask,bench]'
	$(BIN)/python -m bench.run --n $(N)

dictionary: $(VENV)/.installed
	$(BIN)/kzru dictionary --write

clean:
	rm -rf $(OUT)/stages
