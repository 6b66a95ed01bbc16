# twinbench: two commands do everything, including their own setup.
#   make test    every test: unit, differential (Rust vs Python), scenario and
#                bridge errors, report end to end, benches once in test mode, lints
#   make report  cargo bench (criterion, both sides), then reports/index.html
#                and reports/<run>/results.json

SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
VENV_PY := $(VENV)/bin/python
REQUIREMENTS := python_baselines/requirements.txt
# A copy of the requirements the venv was last built from: make rebuilds
# the venv's packages only when requirements.txt is newer.
STAMP := $(VENV)/.twinbench-requirements

.PHONY: setup test lint report bench clean-venv

setup: $(STAMP)

$(STAMP): $(REQUIREMENTS)
	@command -v $(PYTHON) >/dev/null || { echo "error: $(PYTHON) not found; install Python 3.11 or run 'make PYTHON=/path/to/python3.11 setup'" >&2; exit 1; }
	@test -x $(VENV_PY) || $(PYTHON) -m venv $(VENV)
	$(VENV_PY) -m pip install --disable-pip-version-check --quiet -r $(REQUIREMENTS)
	cp $(REQUIREMENTS) $(STAMP)

test: setup
	cargo test --workspace --all-targets
	cargo test --workspace --doc
	$(MAKE) lint

lint: setup
	cargo fmt --all -- --check
	cargo clippy --workspace --all-targets -- -D warnings

bench: setup
	cargo bench -p twinbench --bench pairs

report: bench
	cargo run --release -p twinbench --bin twinbench -- report

clean-venv:
	rm -rf $(VENV)
