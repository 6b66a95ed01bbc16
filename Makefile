# twinbench: two commands do everything, including their own setup.
#   make test    every test: unit, differential (Rust vs Python), scenario and
#                bridge errors, report end to end, benches once in test mode, lints
#   make report  cargo bench (criterion: every pair, both sides; the locking-
#                overhead bench), then the concurrency model checks, then
#                reports/index.html and reports/<run>/results.json
#   make gate    the quick profile (every pair at its smallest size), gated
#                against the committed reports/baseline.json
#   make checks  the concurrency model checks and the bug zoo, one line each

SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
VENV_PY := $(VENV)/bin/python
REQUIREMENTS := python_baselines/requirements.txt
# A copy of the requirements the venv was last built from: make rebuilds
# the venv's packages only when requirements.txt is newer.
STAMP := $(VENV)/.twinbench-requirements

.PHONY: setup test lint report bench gate checks clean-venv

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
	cargo bench -p twinbench-kernels --bench concurrent

report: bench
	cargo run --release -p twinbench --bin twinbench -- report

# The gate never reads a stale file: the quick run's results are removed first,
# so a run that dies leaves nothing to pass on (the gate then exits 2).
# `twinbench report` exits 1 when a check fails; the gate still runs and says
# which (exit 3).
QUICK := reports/quick
gate: setup
	rm -f $(QUICK)/results.json
	TWINBENCH_QUICK=1 TWINBENCH_SCENARIO=scenarios/quick.toml cargo bench -p twinbench --bench pairs
	cargo bench -p twinbench-kernels --bench concurrent -- --warm-up-time 0.1 --measurement-time 0.3
	-cargo run --release -p twinbench --bin twinbench -- report --scenario scenarios/quick.toml --out $(QUICK)
	cargo run --release -p twinbench --bin twinbench -- gate --baseline reports/baseline.json --current $(QUICK)/results.json

checks:
	cargo run --release -p twinbench --bin twinbench -- checks

clean-venv:
	rm -rf $(VENV)
