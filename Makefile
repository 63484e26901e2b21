# Two commands on a fresh machine:  `make demo`  and  `make test`.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
# CPU build of torch, installed first so nothing pulls a CUDA build.
TORCH  ?= torch==2.13.0

.PHONY: setup demo test bench clean

setup: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet $(TORCH)
	$(PY) -m pip install --quiet -e ".[dev,refs,parquet,ray,rllib]"
	$(VENV)/bin/routing-gym warmup
	touch $@

demo: setup
	$(VENV)/bin/routing-gym demo --out results/demo

test: setup
	$(PY) -m pytest -q -n 2 tests

bench: setup
	$(PY) benchmarks/env_throughput.py

clean:
	rm -rf $(VENV) results build *.egg-info
