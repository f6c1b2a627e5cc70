# carebook — every task starts from one command. `make` lists them.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
CASE   ?= data/sample
OUT    ?= report

.DEFAULT_GOAL := help
.PHONY: help setup report test test-fast lab sample validate check bench clean

## help: list the targets
help:
	@echo "carebook — build a customer-care report from a case folder"
	@echo
	@sed -n 's/^## //p' $(MAKEFILE_LIST) | awk -F': ' '{printf "  make %-11s %s\n", $$1, $$2}'
	@echo
	@echo "  Variables: CASE=$(CASE) OUT=$(OUT) (e.g. make report CASE=cases/acme OUT=out/acme)"

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "carebook needs Python 3.11 or newer")'
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	@# matplotlib caches the font list: rebuild it so newly installed CJK fonts are seen.
	@rm -f $$($(BIN)/python -c 'import matplotlib; print(matplotlib.get_cachedir())')/fontlist-*.json
	@touch $(STAMP)

## setup: create .venv and install carebook (editable) with its test tools
setup: $(STAMP)

## report: set up and build the sample case into report/ (HTML, PDF, metrics.json)
report: $(STAMP)
	$(BIN)/carebook build $(CASE) --out $(OUT)

## test: set up and run the whole test suite (one worker per core)
test: $(STAMP)
	$(BIN)/python -m pytest -n auto

## test-fast: run the tests that start no kernel or browser
test-fast: $(STAMP)
	$(BIN)/python -m pytest -n auto -m "not slow and not browser"

## lab: open JupyterLab on the section notebooks (installs the authoring extra)
lab: $(STAMP)
	$(BIN)/python -m pip install --quiet -e ".[authoring]"
	$(BIN)/jupyter lab notebooks/

## validate: check a case folder against the data contract (CASE=...)
validate: $(STAMP)
	$(BIN)/carebook validate $(CASE)

## sample: regenerate the embedded sample case data/sample from its seed
sample: $(STAMP)
	$(BIN)/carebook sample data/sample --overwrite

## bench: set up, then print speed/memory ratios vs targets (BENCH_ARGS=--quick) to report/bench.json
bench: $(STAMP)
	$(BIN)/python -m bench.run $(BENCH_ARGS)

## clean: remove build output (report/ stays with its README)
clean:
	find $(OUT) -mindepth 1 ! -name README.md -exec rm -rf {} +
