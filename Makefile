# twinbench: two commands do everything, including their own setup.
#   make test    every test: unit, differential (Rust vs Python), scenario and
#                bridge errors, report end to end, benches once in test mode, lints
#   make report  cargo bench (criterion: every pair, both sides; the locking-
#                overhead bench), then the concurrency model checks, then
#                reports/index.html and reports/<run>/results.json
#   make gate    the quick profile (every pair at its smallest size), gated
#                against the committed reports/baseline.json
#   make checks  the concurrency model checks and the bug zoo, one line each
#   make instructions  instruction counts of every Rust twin under callgrind,
#                gated against the committed reports/instructions-baseline.json
#                (part of make test; make instructions-baseline regenerates it)

SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
VENV_PY := $(VENV)/bin/python
REQUIREMENTS := python_baselines/requirements.txt
# A copy of the requirements the venv was last built from: make rebuilds
# the venv's packages only when requirements.txt is newer.
STAMP := $(VENV)/.twinbench-requirements

.PHONY: setup test lint report bench gate checks instructions instructions-baseline clean-venv

setup: $(STAMP)

$(STAMP): $(REQUIREMENTS)
	@command -v $(PYTHON) >/dev/null || { echo "error: $(PYTHON) not found; install Python 3.11 or run 'make PYTHON=/path/to/python3.11 setup'" >&2; exit 1; }
	@test -x $(VENV_PY) || $(PYTHON) -m venv $(VENV)
	$(VENV_PY) -m pip install --disable-pip-version-check --quiet -r $(REQUIREMENTS)
	cp $(REQUIREMENTS) $(STAMP)

test: setup
	cargo test --workspace --all-targets
	cargo test --workspace --doc
	$(MAKE) instructions
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

# The instruction-count gate (harness/src/instructions.rs): callgrind counts
# of each single-threaded twin on scenarios/instructions.toml, exact from run
# to run whatever the machine's load, so it can run in any CI. It counts the
# dev-profile binary `cargo test --workspace` builds (so in `make test` it
# costs no build at all): a release build (fat LTO) would add ~3 minutes to a
# fresh `make test` and over a minute of relinking after every harness change;
# `cargo run -p twinbench` would link another binary (other dependency
# features, a few instructions apart). Counts differ between profiles, so the
# baseline is made from the same binary (the counts file records the profile,
# the compiler and the C library; another one is "cannot judge", exit 2).
# Without valgrind it is skipped loudly, unless TWINBENCH_REQUIRE_VALGRIND is
# set (CI sets it), like the browser test.
ICOUNT_BASELINE := reports/instructions-baseline.json
TESTED_TWINBENCH := $(or $(CARGO_TARGET_DIR),target)/debug/twinbench
BUILD_TESTED := cargo test --workspace --all-targets --no-run

instructions: setup
	@if command -v valgrind >/dev/null || [ -n "$$TWINBENCH_REQUIRE_VALGRIND" ]; then \
		set -x; $(BUILD_TESTED) && \
		$(TESTED_TWINBENCH) instructions --baseline $(ICOUNT_BASELINE); \
	else \
		echo "!! instruction-count gate NOT RUN: valgrind not found (install the Debian package valgrind)" >&2; \
	fi

# After an intended change in instruction counts (or a new compiler): commit
# the file this writes.
instructions-baseline: setup
	$(BUILD_TESTED)
	$(TESTED_TWINBENCH) instructions --out $(ICOUNT_BASELINE)

checks:
	cargo run --release -p twinbench --bin twinbench -- checks

clean-venv:
	rm -rf $(VENV)
