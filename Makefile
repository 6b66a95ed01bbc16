# twinbench: two commands do everything, including their own setup.
#   make test    every test: unit, differential (Rust vs Python), scenario and
#                bridge errors, report end to end, benches once in test mode,
#                the Python package's pytest suite (python/tests), lints
#   make report  cargo bench (criterion: every pair, both sides; the locking-
#                overhead bench), then the concurrency model checks, then
#                reports/index.html and reports/<run>/results.json
#   make gate    the quick profile (every pair at its smallest size), gated
#                against the committed reports/baseline.json (make
#                gate-baseline pools a new one from 5 quick runs)
#   make checks  the concurrency model checks and the bug zoo, one line each
#   make instructions  instruction counts of every Rust twin under callgrind,
#                gated against the committed reports/instructions-baseline.json
#                (part of make test; make instructions-baseline regenerates it)

SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
VENV_PY := $(VENV)/bin/python
REQUIREMENTS := python_baselines/requirements.txt
# The original's monitoring/ package pins its own numpy, pandas and
# scikit-learn: the baselines that differ under them run in this second venv,
# in a process of their own (harness/src/pins.rs).
MONITORING_VENV := .venv-monitoring
MONITORING_REQUIREMENTS := python_baselines/requirements-monitoring.txt
# A copy of the requirements a venv was last built from: make rebuilds a
# venv's packages only when its requirements file is newer.
STAMP := $(VENV)/.twinbench-requirements
MONITORING_STAMP := $(MONITORING_VENV)/.twinbench-requirements
# The Python package `twinbench` (python/: the twins as a wheel and a
# NetworkX backend), built by maturin and installed into $(VENV). Its crate
# is outside the cargo workspace (python/Cargo.toml says why), with its own
# lock and target dir. The wheel is rebuilt only when its sources change
# (the kernels and the migration runtime included): PYEXT_STAMP is newer
# than all of them.
PYEXT := python
PYEXT_WHEELS := $(PYEXT)/target/wheels
PYEXT_TOOLS := $(PYEXT)/requirements-build.txt
PYEXT_TOOLS_STAMP := $(VENV)/.twinbench-build-tools
PYEXT_STAMP := $(VENV)/.twinbench-pyext
PYEXT_SOURCES := $(shell find $(PYEXT)/src $(PYEXT)/twinbench kernels/src migrate/src -type f -not -name '*.pyc') \
	$(PYEXT)/Cargo.toml $(PYEXT)/Cargo.lock $(PYEXT)/pyproject.toml kernels/Cargo.toml migrate/Cargo.toml
# pyo3's build script asks this interpreter for its configuration.
PYEXT_CARGO := PYO3_PYTHON=$(CURDIR)/$(VENV_PY) cargo

.PHONY: setup venvs test lint report bench gate quick gate-baseline checks instructions instructions-baseline fuzz clean-venv

# The two venvs are independent, so they are built side by side (from a
# warm pip cache on the 2-core VM: 22 s instead of 38 s one after the other);
# the wheel builds once the main venv exists, beside the monitoring venv.
setup:
	@$(MAKE) --no-print-directory -j2 venvs
venvs: $(STAMP) $(MONITORING_STAMP) $(PYEXT_STAMP)
	@:

# $(call venv,DIR,REQUIREMENTS,STAMP)
define venv
	@command -v $(PYTHON) >/dev/null || { echo "error: $(PYTHON) not found; install Python 3.11 or run 'make PYTHON=/path/to/python3.11 setup'" >&2; exit 1; }
	@test -x $(1)/bin/python || $(PYTHON) -m venv $(1)
	$(1)/bin/python -m pip install --disable-pip-version-check --quiet -r $(2)
	cp $(2) $(3)
endef

$(STAMP): $(REQUIREMENTS)
	$(call venv,$(VENV),$(REQUIREMENTS),$(STAMP))

$(MONITORING_STAMP): $(MONITORING_REQUIREMENTS)
	$(call venv,$(MONITORING_VENV),$(MONITORING_REQUIREMENTS),$(MONITORING_STAMP))

$(PYEXT_TOOLS_STAMP): $(PYEXT_TOOLS) $(STAMP)
	$(VENV_PY) -m pip install --disable-pip-version-check --quiet -r $(PYEXT_TOOLS)
	cp $(PYEXT_TOOLS) $@

# The wheel's optimised build (cargo profile `wheel`, thin LTO): 84 s from
# an empty python/target on the 2-core VM, about a second when only Python
# files changed. Older wheels are removed first, so the tests find this one.
# It goes into both venvs (abi3; --no-deps: the monitoring venv pins numpy
# 1.26, which the extension also runs on), as the shadow campaign runs each
# family's originals under their own pins.
$(PYEXT_STAMP): $(PYEXT_TOOLS_STAMP) $(MONITORING_STAMP) $(PYEXT_SOURCES)
	rm -rf $(PYEXT_WHEELS)
	cd $(PYEXT) && PYO3_PYTHON=$(CURDIR)/$(VENV_PY) $(CURDIR)/$(VENV)/bin/maturin build --locked \
		--interpreter $(CURDIR)/$(VENV_PY) --out target/wheels
	$(VENV_PY) -m pip install --disable-pip-version-check --quiet --force-reinstall --no-deps $(PYEXT_WHEELS)/twinbench-*.whl
	$(MONITORING_VENV)/bin/python -m pip install --disable-pip-version-check --quiet --force-reinstall --no-deps $(PYEXT_WHEELS)/twinbench-*.whl
	touch $@

test: setup
	cargo test --workspace --all-targets
	cargo test --workspace --doc
	$(VENV_PY) -m pytest -q $(PYEXT)/tests
	$(MAKE) instructions
	$(MAKE) lint

lint: setup
	cargo fmt --all -- --check
	cargo clippy --workspace --all-targets -- -D warnings
	cargo fmt --manifest-path $(PYEXT)/Cargo.toml -- --check
	$(PYEXT_CARGO) clippy --manifest-path $(PYEXT)/Cargo.toml --locked --all-targets -- -D warnings

# OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE, where a machine sets them, make
# OpenBLAS run a slower kernel than numpy would pick: the benchmark command
# alone runs without them (the bench records the kernel OpenBLAS then runs,
# results.json bench_run.python_thread_pools); tests leave them alone.
BENCH_ENV := env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE
# Every benchmark command names both packages: cargo unifies dependency
# features over the packages it is given, so with the same two everywhere
# the fat-LTO build happens once. `cargo bench` also builds the package's
# binary, with the bench profile, at $(RELEASE_TWINBENCH): the report runs
# that one instead of linking another (`cargo build --release` resolves other
# features, and was a second fat-LTO build of 3.5 minutes).
BENCH_PACKAGES := -p twinbench -p twinbench-kernels
RELEASE_TWINBENCH := $(or $(CARGO_TARGET_DIR),target)/release/twinbench
# `make report` prints where its time went (the README's breakdown): each
# phase appends its name and seconds here.
PHASES := $(CURDIR)/reports/.phases
# The HTTP binaries build in a profile of their own (its own folder and
# lock), side by side with the benches: the fat-LTO links leave a core idle
# near the end, which the HTTP build fills (the 2-core VM, empty target
# dir, 2026-12-04: 310 s + 87 s one after the other, 375 s side by side).
# The task-routing service over HTTP (issue 20): twinbench-http-bench starts
# both servers (gunicorn + app.py, twinbench-serve) on 127.0.0.1, loads each
# at 1, 16 and 64 connections (bounded in requests and seconds), stops them,
# and writes its record beside criterion's samples, after the pairs bench,
# so the report takes it as fresh (harness/src/measure/http.rs).
HTTP_PROFILE := http-bench
HTTP_BIN := $(or $(CARGO_TARGET_DIR),target)/$(HTTP_PROFILE)
CRITERION_DIR := $(or $(CRITERION_HOME),$(or $(CARGO_TARGET_DIR),target)/criterion)
HTTP_RESULTS := $(CRITERION_DIR)/twinbench-http.json
# The stream producer's per-event latency under load (claim C16): the
# kernels' `stream` bench (4 producer tasks, 100,000 events or 10 s, a
# loopback XADD sink) writes its record here after the locking bench; the
# report reads it (harness/src/measure/stream.rs). cargo runs a bench in
# its package's folder, so the bench is given the absolute path.
STREAM_RESULTS := $(CRITERION_DIR)/twinbench-stream.json
# The shadow campaign (claim C14, python/tools/campaign): at least 4,000
# shadowed calls per component family, the twins from the twinbench package
# beside the originals, compared under each pair's tolerance. It counts and
# times nothing the report claims as a time, so it runs beside the build (one
# core; ~20 s); its record is removed first, so a campaign that fails leaves
# none and the report says C14's shadow data is missing.
SHADOW_MAIN := $(CRITERION_DIR)/twinbench-shadow-main.json
SHADOW_MONITORING := $(CRITERION_DIR)/twinbench-shadow-monitoring.json
CAMPAIGN_PATH := PYTHONPATH=$(CURDIR)/$(PYEXT)/tools:$(CURDIR)/python_baselines
# $(call timed,NAME,COMMAND[,FILE]): runs COMMAND, appends "NAME seconds" to
# FILE (default $(PHASES)), keeps COMMAND's exit status.
timed = t0=$$(date +%s); $(2); s=$$?; echo "$(1) $$(( $$(date +%s) - t0 ))" >> $(or $(3),$(PHASES)); exit $$s
bench: setup
	@mkdir -p reports && rm -f $(PHASES)
	@rm -f $(SHADOW_MAIN) $(SHADOW_MONITORING)
	@$(call timed,build,( cargo build --profile $(HTTP_PROFILE) -p twinbench-http --bins & http=$$!; \
		( $(CAMPAIGN_PATH) $(VENV_PY) -m campaign --pins main --out $(SHADOW_MAIN) \
		  && $(CAMPAIGN_PATH) $(MONITORING_VENV)/bin/python -m campaign --pins monitoring --out $(SHADOW_MONITORING) \
		  || echo "shadow campaign failed: C14 is judged without it" >&2 ) & shadow=$$!; \
		$(BENCH_ENV) cargo bench $(BENCH_PACKAGES) --bench pairs --bench concurrent --bench stream --no-run; \
		s=$$?; wait $$http || s=1; wait $$shadow; exit $$s ))
	@$(call timed,pairs-bench,$(BENCH_ENV) cargo bench $(BENCH_PACKAGES) --bench pairs)
	@$(call timed,locking-bench,cargo bench $(BENCH_PACKAGES) --bench concurrent)
	@rm -f $(STREAM_RESULTS)
	-@$(call timed,stream-bench,cargo bench $(BENCH_PACKAGES) --bench stream -- --out $(abspath $(STREAM_RESULTS)))
	@rm -f $(HTTP_RESULTS)
	-@$(call timed,http-bench,$(HTTP_BIN)/twinbench-http-bench --out $(HTTP_RESULTS) --server $(HTTP_BIN)/twinbench-serve)

# After the benchmarks nothing is timed any more: the report's own work
# (both sides' answers compared at every size, memory per call under a
# counting allocator and tracemalloc, which slows Python ~4x, the model
# checks) is split over REPORT_SHARDS processes, one per core, and merged.
REPORT_SHARDS ?= 2
SHARDS := $(CURDIR)/reports/.shards
report: bench
	@rm -rf $(SHARDS); t0=$$(date +%s); status=0; pids=""; \
	for i in $$(seq $(REPORT_SHARDS)); do \
		$(RELEASE_TWINBENCH) report --shard $$i/$(REPORT_SHARDS) --out $(SHARDS)/$$i --http $(HTTP_RESULTS) --stream $(STREAM_RESULTS) --shadow $(SHADOW_MAIN) --shadow $(SHADOW_MONITORING) & pids="$$pids $$!"; \
	done; \
	for pid in $$pids; do wait $$pid || status=1; done; \
	$(RELEASE_TWINBENCH) merge $$(for i in $$(seq $(REPORT_SHARDS)); do echo $(SHARDS)/$$i/results.json; done) \
		|| status=1; \
	echo "checks-memory-report $$(( $$(date +%s) - t0 ))" >> $(PHASES); \
	echo "== make report: where the time went (seconds)"; \
	awk '{ printf "  %-22s %6d\n", $$1, $$2; total += $$2 } END { printf "  %-22s %6d\n", "total", total }' $(PHASES); \
	exit $$status

# The gate never reads a stale file: the quick run's results are removed first,
# so a run that dies leaves nothing to pass on (the gate then exits 2).
# `twinbench report` exits 1 when a check fails; the gate still runs and says
# which (exit 3). A slowdown must reproduce: the kernels the first comparison
# flags are timed again at once (TWINBENCH_ONLY, into their own criterion
# folder) and stay regressions only if the rerun is slower too (harness/src/gate/confirm.rs).
QUICK := reports/quick
RERUN := $(CURDIR)/$(QUICK)/rerun
TWINBENCH := $(RELEASE_TWINBENCH)
GATE_BASELINE := reports/baseline.json
QUICK_BENCH := TWINBENCH_QUICK=1 TWINBENCH_SCENARIO=scenarios/quick.toml cargo bench $(BENCH_PACKAGES) --bench pairs
gate: quick
	@status=0; \
	$(TWINBENCH) gate --baseline $(GATE_BASELINE) --current $(QUICK)/results.json \
		--rerun-list $(QUICK)/rerun.txt || status=$$?; \
	if [ $$status -eq 3 ] && [ -s $(QUICK)/rerun.txt ]; then \
		echo "== timing again what looked slower: $$(tr '\n' ' ' < $(QUICK)/rerun.txt)"; \
		rm -rf $(RERUN); \
		CRITERION_HOME=$(RERUN) TWINBENCH_ONLY="$$(cat $(QUICK)/rerun.txt)" $(QUICK_BENCH); \
		status=0; \
		$(TWINBENCH) gate --baseline $(GATE_BASELINE) --current $(QUICK)/results.json \
			--confirm $(RERUN) || status=$$?; \
	fi; \
	exit $$status

# The quick profile: every pair at its smallest size, a third of the
# measurement time, the locking-overhead bench briefly, the checks.
QUICK_PHASES := $(CURDIR)/$(QUICK)/.phases
quick: setup
	rm -f $(QUICK)/results.json $(QUICK)/rerun.txt
	@mkdir -p $(QUICK) && rm -f $(QUICK_PHASES)
	@$(call timed,build,cargo bench $(BENCH_PACKAGES) --bench pairs --bench concurrent --no-run,$(QUICK_PHASES))
	@$(call timed,pairs-bench,$(QUICK_BENCH),$(QUICK_PHASES))
	@$(call timed,locking-bench,cargo bench $(BENCH_PACKAGES) --bench concurrent -- --warm-up-time 0.1 --measurement-time 0.3,$(QUICK_PHASES))
	-@$(call timed,checks-memory-report,$(TWINBENCH) report --scenario scenarios/quick.toml --out $(QUICK),$(QUICK_PHASES))
	@echo "== make quick: where the time went (seconds)"; \
	awk '{ printf "  %-22s %6d\n", $$1, $$2; total += $$2 } END { printf "  %-22s %6d\n", "total", total }' $(QUICK_PHASES)

# A new gate baseline after an intended change in speed: the quick profile
# GATE_RUNS times on a quiet machine, the samples pooled (run/baseline.rs says why
# one run is not enough). Commit the file it writes.
GATE_RUNS ?= 5
gate-baseline: setup
	@set -e; runs=""; for i in $$(seq $(GATE_RUNS)); do \
		$(MAKE) --no-print-directory quick; \
		test -f $(QUICK)/results.json; \
		dir=$(QUICK)/baseline-run-$$i; rm -rf $$dir; mkdir -p $$dir; \
		cp $(QUICK)/results.json $$dir/; runs="$$runs $$dir/results.json"; \
	done; \
	$(TWINBENCH) pool --out $(GATE_BASELINE) $$runs

# The instruction-count gate (harness/src/instructions/): callgrind counts
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
	cargo bench $(BENCH_PACKAGES) --bench pairs --no-run
	$(RELEASE_TWINBENCH) checks

# Coverage-guided fuzzing of the loaders of every file twinbench reads
# (fuzz/: results.json, scenarios), FUZZ_SECONDS each, seeded with the
# committed scenarios and a one-pair results file (fuzz/seeds/; a full
# results.json of 0.5 MB runs at ~25 inputs per second). Not part of make test: it needs a nightly toolchain and
# cargo-fuzz (cargo install cargo-fuzz), and the property tests in
# tests/untrusted.rs cover the same surface there.
FUZZ_SECONDS ?= 120
FUZZ_TARGETS := results_loader scenario_loader
fuzz: setup
	@rustup run nightly rustc --version >/dev/null 2>&1 || { echo "make fuzz: no nightly toolchain (rustup toolchain install nightly)" >&2; exit 2; }
	@command -v cargo-fuzz >/dev/null || { echo "make fuzz: cargo-fuzz not installed (cargo install cargo-fuzz)" >&2; exit 2; }
	mkdir -p fuzz/corpus/results_loader fuzz/corpus/scenario_loader
	cp scenarios/*.toml fuzz/corpus/scenario_loader/
	cp fuzz/seeds/results_small.json fuzz/corpus/results_loader/
	cd fuzz && for target in $(FUZZ_TARGETS); do \
		cargo +nightly fuzz run $$target -- -max_total_time=$(FUZZ_SECONDS) -rss_limit_mb=4096 || exit $$?; \
	done

clean-venv:
	rm -rf $(VENV) $(MONITORING_VENV)
