# fingerlog — `make demo` sets up and runs the example, `make test` runs the tests.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: help venv demo test lint check bench bench-gzip bench-batch clean

help:  ## list the targets
	@grep -E '^[a-z-]+:.*##' $(MAKEFILE_LIST) | sed 's/:.*## /\t/'

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $(STAMP)

venv: $(STAMP)  ## create .venv with fingerlog and its test tools

demo: $(STAMP)  ## scan the bundled example job with the bundled rules
	$(VENV)/bin/fingerlog scan fixtures/demo/tempest-full-2c4f9e1 --rules rules/

check: $(STAMP)  ## prove every rule of rules/ against fixtures/ (also part of make test)
	$(VENV)/bin/fingerlog check rules/ --fixtures fixtures/

test: $(STAMP)  ## run the test suite
	$(PY) -m pytest -q

lint: $(STAMP)  ## check the code with ruff, then its types with mypy (the rules and why: docs/lint.md)
	$(VENV)/bin/ruff check fingerlog tests bench
	$(VENV)/bin/mypy

bench: $(STAMP)  ## scanning throughput against ripgrep and ISA-L (prints ratios)
	$(PY) bench/scan_bench.py

bench-gzip: $(STAMP)  ## the .gz read path against bare ISA-L decompression (prints ratios)
	$(PY) bench/gzip_bench.py

bench-batch: $(STAMP)  ## batch throughput (1 and 2 workers, local and dask engines) and report query time on >= 1M hits
	$(PY) bench/batch_bench.py
	$(PY) bench/batch_dask_bench.py

clean:  ## remove the virtual environment and caches
	rm -rf $(VENV) .pytest_cache .cache .mypy_cache
