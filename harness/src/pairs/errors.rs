//! The dashboard's error-processing path (catalog error_handling.md
//! K10.1–K10.9), claim C11 ("error processing 5x faster", seed 001). The
//! baseline reproduces the original's **package import mode** (catalog §0):
//! the circuit breaker's ErrorType order, `ERR_` + 8 upper hex ids, the
//! `str`-mixin severity. Nothing in the original calls or times this
//! module: its kernels are exercised only here.

use std::hint::black_box;
use std::time::Instant;

use twinbench_kernels::errors::aggregator::Aggregator;
use twinbench_kernels::errors::classify::classify;
use twinbench_kernels::errors::event_json::error_event;
use twinbench_kernels::errors::handler::{Handler, Outcome, Registry, Tables};
use twinbench_kernels::errors::normalize::normalize;
use twinbench_kernels::errors::{Action, ErrorEvent, exception_str};
use twinbench_kernels::text::python_random::PythonRandom;

use super::glue::{input_kind, wrong_prepared};
use super::latency::LatencySpec;
use super::side::Side;
use super::{
    Alternative, Domain, Implementation, KernelPair, OriginalUse, OutputKind, Prepared,
    PythonFunction, RustTwin, TwinError,
};
use crate::compare::{Comparison, Lists, Output};
use crate::inputs::{Generator, Input};
use crate::pins::PinSet;

const MODULE: &str = "twinbench_baselines.error_handler";

/// `error_handler.RETRY_SEED`: the global `random` is seeded with it once
/// per call.
pub const RETRY_SEED: u64 = 20_261_204;
/// `error_handler.ANALYTICS_LAG`: analytics are read 20 s after the last
/// error.
pub const ANALYTICS_LAG_MICROS: i64 = 20_000_000;
/// `error_handler.LATENCY_HISTORY`: errors handled before the timed calls.
const LATENCY_HISTORY: usize = 3_000;

const NOBODY_CALLS_IT: OriginalUse = OriginalUse {
    timed_by: None,
    called_by: None,
};

/// The errors as the twin's events, `str(error)` computed as Python shows
/// it (outside any timed region, as the baseline builds its exceptions).
pub fn events(input: &Input) -> Result<Vec<ErrorEvent>, TwinError> {
    let Input::Exceptions(e) = input else {
        return Err(TwinError::WrongInput {
            expected: "errors",
            got: input_kind(input),
        });
    };
    Ok((0..e.len())
        .map(|i| ErrorEvent {
            text: exception_str(&e.class_name[i], &e.message[i]),
            class_name: e.class_name[i].clone(),
            component: e.component[i].clone(),
            operation: e.operation[i].clone(),
            request_id: e.request_id[i].clone(),
            time: e.time[i],
        })
        .collect())
}

fn prepare_errors(input: &Input) -> Result<Prepared, TwinError> {
    events(input).map(Prepared::Errors)
}

fn expect_errors(prepared: &Prepared) -> Result<&[ErrorEvent], TwinError> {
    match prepared {
        Prepared::Errors(events) => Ok(events),
        other => Err(wrong_prepared("errors", other)),
    }
}

/// The baseline's `register_fixed_table`, as the twin's registry.
pub fn fixed_registry() -> Registry {
    let mut r = Registry::default();
    for (component, used) in [
        ("cache-svc", true),
        ("empty-cache", true),
        ("none-cache", false),
    ] {
        r.cache.insert(component.to_string(), used);
    }
    for (component, used) in [
        ("api", true),
        ("db", false),
        ("parser", false),
        ("worker", true),
    ] {
        r.defaults.insert(component.to_string(), used);
    }
    r.recovery.insert(Action::AlertAdmin, |e| {
        e.operation != "sync" && e.component.starts_with("auth")
    });
    r.recovery.insert(Action::ClearCache, |e| {
        !e.request_id.ends_with('0') && e.operation.chars().count() % 2 == 1
    });
    r
}

/// Every error through one handler with the fixed registrations.
pub fn process(events: &[ErrorEvent]) -> (Vec<Outcome>, Handler) {
    let mut handler = Handler::new(Tables::default(), fixed_registry());
    let mut rng = PythonRandom::seed(RETRY_SEED);
    let outcomes = events.iter().map(|e| handler.handle(e, &mut rng)).collect();
    (outcomes, handler)
}

pub(super) const ERROR_CLASSIFICATION: KernelPair = KernelPair {
    name: "error_classification",
    pins: PinSet::Server,
    domain: Domain::ErrorHandling,
    summary: "error_handling K10.1 ErrorClassifier.classify_error per error: the first of 20 \
              class-name patterns (type-major) that is a substring of the lower-cased class \
              name or str(error) (full Unicode str.lower). Package import mode. One value per \
              error: the breaker ErrorType's declaration position",
    python: PythonFunction {
        module: MODULE,
        function: "error_classification",
    },
    output: OutputKind::Values,
    rust: RustTwin {
        prepare: prepare_errors,
        run: run_classification,
        run_parallel: None,
    },
    generator: Generator::Exceptions,
    comparison: Comparison::Float,
    tolerance: super::EXACT,
    tolerance_rationale: "type codes are small integers: exact",
    sizes: &[1_000, 10_000, 100_000],
    claims: &["C11"],
    alternatives: &[],
    original: OriginalUse {
        timed_by: None,
        called_by: Some(
            "the circuit breaker's protect() on every failure, and EnhancedErrorHandler.\
             handle_error when no type is given (the handler itself has no caller at HEAD)",
        ),
    },
};

fn run_classification(prepared: &Prepared) -> Result<Output, TwinError> {
    let events = expect_errors(prepared)?;
    Ok(Output::Values(
        events
            .iter()
            .map(|e| f64::from(classify(&e.class_name, &e.text).code()))
            .collect(),
    ))
}

pub(super) const ERROR_NORMALIZATION: KernelPair = KernelPair {
    name: "error_normalization",
    pins: PinSet::Server,
    domain: Domain::ErrorHandling,
    summary: "error_handling K10.2 ErrorAggregator._normalize_error_message(str(error)) per \
              error: lower-case UUIDs, \\b\\d+\\b and /[^\\s]* replaced by re.sub under \
              Python's Unicode classes (\\w = isalnum or _, \\d = Nd, \\s = isspace), then \
              lower() and strip(). One text per error",
    python: PythonFunction {
        module: MODULE,
        function: "error_normalization",
    },
    output: OutputKind::Texts,
    rust: RustTwin {
        prepare: prepare_errors,
        run: run_normalization,
        run_parallel: None,
    },
    generator: Generator::Exceptions,
    comparison: Comparison::ExactLists,
    tolerance: super::EXACT,
    tolerance_rationale: "strings compared byte for byte",
    sizes: &[1_000, 10_000, 100_000],
    claims: &["C11"],
    alternatives: &[],
    original: NOBODY_CALLS_IT,
};

fn run_normalization(prepared: &Prepared) -> Result<Output, TwinError> {
    let events = expect_errors(prepared)?;
    Ok(Output::Texts(
        events.iter().map(|e| normalize(&e.text)).collect(),
    ))
}

pub(super) const ERROR_PROCESSING: KernelPair = KernelPair {
    name: "error_processing",
    pins: PinSet::Server,
    domain: Domain::ErrorHandling,
    summary: "error_handling K10.1–K10.8, the C11 hot path: await EnhancedErrorHandler.\
              handle_error(error, context) for every error, no type given (classify, \
              normalise twice for a new pattern, join the key, severity, ingest into the \
              pattern table and the 1,000 / 10,000 deques, strategy and recovery dispatch \
              against a fixed table of cache and default fallbacks and recovery handlers), \
              clock injected, retry sleeps recorded not taken, the global random seeded once \
              per call. Package import mode. Per error [success, recovery attempted, fallback \
              used, strategy, action, retry count, sleeps in ms]; per pattern in insertion \
              order [type, severity, count, first/last seen, strategy, action, key bytes]; \
              the deque lengths",
    python: PythonFunction {
        module: MODULE,
        function: "error_processing",
    },
    output: OutputKind::Lists,
    rust: RustTwin {
        prepare: prepare_errors,
        run: run_processing,
        run_parallel: None,
    },
    generator: Generator::Exceptions,
    comparison: Comparison::ExactLists,
    tolerance: super::EXACT,
    tolerance_rationale: "flags, codes, counts, microsecond stamps and key bytes exactly; \
                          the retry's draws are CPython's MT19937 bit for bit, and its \
                          delays (1, 2, 4 s) exact; uuid error ids and wall times are not \
                          compared",
    // Python ~50 µs an error as written: 0.5 s a call at 10,000.
    sizes: &[1_000, 3_000, 10_000],
    claims: &["C11"],
    alternatives: &[Alternative {
        side: Side::PythonFixed,
        implementation: Implementation::Python(PythonFunction {
            module: MODULE,
            function: "error_processing_fixed",
        }),
        tolerance: None,
        comparison: None,
        note: "handle_error with precompiled regexes, one str(error), one normalisation, the \
               classifier's lower-casing done once and no lazy import: the same answers",
    }],
    original: NOBODY_CALLS_IT,
};

fn run_processing(prepared: &Prepared) -> Result<Output, TwinError> {
    let events = expect_errors(prepared)?;
    let (outcomes, handler) = process(events);
    let patterns = handler.aggregator.patterns();
    let mut out = Lists::with_capacity(outcomes.len() + patterns.len() + 1);
    for o in &outcomes {
        let mut list = vec![
            0,
            i64::from(o.success),
            i64::from(o.recovery_attempted),
            i64::from(o.fallback_used),
            i64::from(o.strategy.code()),
            i64::from(o.action.code()),
            i64::from(o.retry_count),
        ];
        list.extend(o.sleeps.iter().map(|&d| (d * 1000.0) as i64));
        out.push(list, o.sleeps.iter().sum());
    }
    for p in patterns {
        let mut list = Vec::with_capacity(8 + p.key.len());
        list.extend([
            1,
            i64::from(p.error_type.code()),
            i64::from(p.severity.code()),
            p.count as i64,
            p.first_seen,
            p.last_seen,
            i64::from(p.strategy.code()),
            i64::from(p.action.code()),
        ]);
        list.extend(p.key.bytes().map(i64::from));
        out.push(list, p.count as f64);
    }
    let (recent, history) = handler.aggregator.lengths();
    out.push(vec![2, recent as i64, history as i64], history as f64);
    Ok(Output::Lists(out))
}

pub(super) const ERROR_ANALYTICS: KernelPair = KernelPair {
    name: "error_analytics",
    pins: PinSet::Server,
    domain: Domain::ErrorHandling,
    summary: "error_handling K10.6 ErrorAggregator.get_analytics on an aggregator filled with \
              the errors outside the timed region, read 20 s after the last error: the rate \
              (last-60-s records among the last 1,000), totals by type, component and \
              severity in first-met order, the stable top 10 by count, total_errors capped \
              at 10,000. Lists [0, total, rate], [1, type/total...], [3, severity/total...], \
              [4, top positions...], then [2, total, name bytes] per component",
    python: PythonFunction {
        module: MODULE,
        function: "error_analytics",
    },
    output: OutputKind::Lists,
    rust: RustTwin {
        prepare: prepare_filled_aggregator,
        run: run_analytics,
        run_parallel: None,
    },
    generator: Generator::Exceptions,
    comparison: Comparison::ExactLists,
    tolerance: super::EXACT,
    tolerance_rationale: "counts, codes and positions exactly",
    sizes: &[1_000, 10_000, 100_000],
    claims: &["C11"],
    alternatives: &[],
    original: NOBODY_CALLS_IT,
};

/// Every error classified and ingested at its time: the aggregator the
/// timed analytics read, and the clock they read it at.
fn prepare_filled_aggregator(input: &Input) -> Result<Prepared, TwinError> {
    let events = events(input)?;
    let mut aggregator = Aggregator::new();
    for e in &events {
        aggregator.add(e, classify(&e.class_name, &e.text), e.time);
    }
    let now = events.last().map_or(0, |e| e.time + ANALYTICS_LAG_MICROS);
    Ok(Prepared::FilledAggregator { aggregator, now })
}

fn run_analytics(prepared: &Prepared) -> Result<Output, TwinError> {
    let Prepared::FilledAggregator { aggregator, now } = prepared else {
        return Err(wrong_prepared("filled error aggregator", prepared));
    };
    let a = aggregator.analytics(*now);
    let mut out = Lists::with_capacity(4 + a.by_component.len());
    out.push(
        vec![0, a.total_errors as i64, a.rate_per_minute as i64],
        a.rate_per_minute as f64,
    );
    let mut by_type = vec![1];
    for &(t, n) in &a.by_type {
        by_type.extend([i64::from(t.code()), n as i64]);
    }
    out.push(by_type, a.by_type.len() as f64);
    let mut by_severity = vec![3];
    for &(s, n) in &a.by_severity {
        by_severity.extend([i64::from(s.code()), n as i64]);
    }
    out.push(by_severity, a.by_severity.len() as f64);
    let mut top = vec![4];
    top.extend(a.top.iter().map(|&i| i as i64));
    out.push(top, f64::NAN);
    for (name, n) in &a.by_component {
        let mut list = vec![2, *n as i64];
        list.extend(name.bytes().map(i64::from));
        out.push(list, *n as f64);
    }
    Ok(Output::Lists(out))
}

pub(super) const ERROR_EVENT_JSON: KernelPair = KernelPair {
    name: "error_event_json",
    pins: PinSet::Server,
    domain: Domain::ErrorHandling,
    summary: "error_handling K10.9 create_error_sse_event per error, generate_error_id \
              injected as ERR_%08X of the position: json.dumps defaults (', ' and ': ', \
              ensure_ascii, surrogate pairs), isoformat without a fraction when the \
              microseconds are 0, KeyError's str() the repr of its message. One text per \
              error: the JSON document",
    python: PythonFunction {
        module: MODULE,
        function: "error_event_json",
    },
    output: OutputKind::Texts,
    rust: RustTwin {
        prepare: prepare_errors,
        run: run_event_json,
        run_parallel: None,
    },
    generator: Generator::Exceptions,
    comparison: Comparison::ExactLists,
    tolerance: super::EXACT,
    tolerance_rationale: "the JSON text byte for byte",
    sizes: &[1_000, 10_000, 100_000],
    claims: &["C11"],
    alternatives: &[],
    original: NOBODY_CALLS_IT,
};

fn run_event_json(prepared: &Prepared) -> Result<Output, TwinError> {
    let events = expect_errors(prepared)?;
    Ok(Output::Texts(
        events
            .iter()
            .enumerate()
            .map(|(i, e)| error_event(e, &format!("ERR_{i:08X}")))
            .collect(),
    ))
}

/// One `handle_error` call per arriving error, after 3,000 errors (the
/// pair's middle size: the quick profile, at 1,000, leaves it out).
pub(super) const ERROR_LATENCY: LatencySpec = LatencySpec {
    name: "error_processing_per_error",
    pair: "error_processing",
    description: "one handle_error call per arriving error (no type given: classify, \
                  normalise, ingest, dispatch, the retry's sleeps recorded not taken), after \
                  3,000 errors handled untimed through the same handler with the fixed \
                  registrations. Python times each await with perf_counter_ns inside one \
                  asyncio.run; the per-call boundary cost the batch figure hides",
    target: None,
    window: 3_000,
    rust_calls: 5_000,
    // ~50 µs a call: 2,000 calls are 0.1 s.
    python_calls: 2_000,
    python: PythonFunction {
        module: MODULE,
        function: "error_processing_latencies",
    },
    input: latency_input,
    rust: time_error_processing,
};

fn latency_input(window: usize, calls: usize, seed: u64) -> Input {
    Generator::Exceptions.generate(window + calls, seed)
}

/// `error_processing_latencies`' split: 3,000 errors of history when there
/// are more, else half of them.
fn history_len(len: usize) -> usize {
    if len > LATENCY_HISTORY {
        LATENCY_HISTORY
    } else {
        len / 2
    }
}

fn time_error_processing(input: &Input, calls: usize) -> Result<Vec<u64>, TwinError> {
    let events = events(input)?;
    let window = history_len(events.len());
    let (_, mut handler) = process(&events[..window]);
    let mut rng = PythonRandom::seed(RETRY_SEED);
    let end = events.len().min(window + calls);
    let mut times = Vec::with_capacity(end - window);
    for e in &events[window..end] {
        let started = Instant::now();
        let outcome = handler.handle(e, &mut rng);
        let elapsed = started.elapsed();
        black_box(outcome);
        times.push(u64::try_from(elapsed.as_nanos()).unwrap_or(u64::MAX));
    }
    Ok(times)
}
