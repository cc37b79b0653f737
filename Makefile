# Two commands from a fresh clone: `make demo` and `make test`.
# Both create .venv with Python 3.11 and install what they need.
PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)

.PHONY: demo test lint typecheck unit packs bench clean venv

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet -e '.[test,dev,differential,service,docs,parquet,progress,spark,fast]'
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

venv: $(STAMP)

demo: venv
	$(BIN)/python -m xueji_rules demo

lint: venv
	$(BIN)/ruff check src tests benchmarks examples
	$(BIN)/ruff format --check src tests benchmarks examples

typecheck: venv
	$(BIN)/mypy src

# A fixed hash seed: Hypothesis labels strategies built from functions (map, filter, composite)
# with hash(), so even derandomized property tests draw other examples under another seed.
unit: venv
	PYTHONHASHSEED=0 $(BIN)/python -m pytest

# The packs' own checks: lint, every scenario, rule coverage on both sides, boundary cases.
packs: venv
	$(BIN)/xueji-rules lint rulepacks/national rulepacks/shanxi
	$(BIN)/xueji-rules test
	$(BIN)/xueji-rules test --coverage --fail-under 100
	$(BIN)/xueji-rules test --boundaries national
	$(BIN)/xueji-rules test --boundaries shanxi

test: lint typecheck packs unit

bench: venv
	$(BIN)/python -m pip install --quiet -e '.[bench]'
	$(BIN)/python benchmarks/bench_expr.py --write
	$(BIN)/python benchmarks/bench_decide.py --write
	$(BIN)/python benchmarks/bench_service.py --write

clean:
	rm -rf $(VENV) build dist .pytest_cache .mypy_cache .ruff_cache
