//! Error handler state: concurrent ingest loses no count and never moves
//! `last_seen` back, analytics always answer from one consistent view, a
//! dispatch sees one configuration, retry outcomes do not depend on the
//! schedule, and every ingested error gets exactly one result even when its
//! task is cancelled; the original's unlocked dict/deque steps, global
//! random stream and unguarded ingest-then-await do not.

use std::collections::HashMap;

use super::super::SCALE;
use super::super::bug_zoo::error_aggregator::{PyErrorAggregator, PyErrorHandler, PyResult};
use super::super::clock::Millis;
use super::super::error_aggregator::{
    Action, Analytics, ErrorEvent, ErrorHandler, ErrorType, Outcome, Pattern, RetryOutcome,
    Settlement, Sleep, Strategy,
};
use super::super::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use super::super::sync::{Arc, block_on, thread};
use super::producer::{YieldOnce, poll_until_stopped};
use crate::case::{CheckCase, Checker, Component, Subject, ZooEntry, ensure};

const COUNTS_SUM_TO_CALLS: &str = "counts-sum-to-calls";
const LAST_SEEN_NEVER_BACKWARDS: &str = "last-seen-never-backwards";
const ANALYTICS_COVERS_RECORDED: &str = "analytics-covers-recorded-errors";
const ANALYTICS_CONSISTENT: &str = "analytics-consistent";
const ONE_CONFIGURATION: &str = "strategy-and-action-from-one-configuration";
const RETRY_SCHEDULE_INDEPENDENT: &str = "retry-outcome-schedule-independent";
const ONE_RESULT_PER_ERROR: &str = "every-recorded-error-gets-one-result";

pub fn cases() -> Vec<CheckCase> {
    vec![
        CheckCase {
            id: "error_aggregator.concurrent_ingest",
            component: Component::ErrorAggregator,
            subject: Subject::Fixed,
            operations: "workers each read the clock, then record errors under one new key \
                         shared by all and keys of their own",
            invariants: &[COUNTS_SUM_TO_CALLS, LAST_SEEN_NEVER_BACKWARDS],
            checkers: &Checker::ALL,
            body: concurrent_ingest,
        },
        CheckCase {
            id: "error_aggregator.analytics_vs_ingest",
            component: Component::ErrorAggregator,
            subject: Subject::Fixed,
            operations: "main records an error, then computes analytics while workers record \
                         errors under new and existing keys",
            invariants: &[ANALYTICS_COVERS_RECORDED, ANALYTICS_CONSISTENT],
            checkers: &Checker::ALL,
            body: analytics_vs_ingest,
        },
        CheckCase {
            id: "error_aggregator.configure_vs_dispatch",
            component: Component::ErrorAggregator,
            subject: Subject::Fixed,
            operations: "two workers reconfigure one type's strategy and action while main \
                         records errors of that type",
            invariants: &[ONE_CONFIGURATION],
            checkers: &Checker::ALL,
            body: configure_vs_dispatch,
        },
        CheckCase {
            id: "error_aggregator.concurrent_retries",
            component: Component::ErrorAggregator,
            subject: Subject::Fixed,
            operations: "workers each handle one transient error (retry: sleep, draw) at once; \
                         compared with the same calls handled one after another",
            invariants: &[RETRY_SCHEDULE_INDEPENDENT],
            checkers: &Checker::ALL,
            body: concurrent_retries,
        },
        CheckCase {
            id: "error_aggregator.cancelled_handle",
            component: Component::ErrorAggregator,
            subject: Subject::Fixed,
            operations: "worker tasks each handle a transient error, polled by hand and dropped \
                         (cancelled) when main stops them; main handles one to completion",
            invariants: &[ONE_RESULT_PER_ERROR],
            checkers: &Checker::ALL,
            body: cancelled_handle,
        },
        CheckCase {
            id: "zoo.R10.1.lost-counts",
            component: Component::ErrorAggregator,
            subject: Subject::Zoo(ZooEntry {
                catalog_id: "R10.1.lost-counts",
                breaks: COUNTS_SUM_TO_CALLS,
            }),
            operations: "workers each call add_error with one key (`if key in patterns`, \
                         `count += 1` or insert a new ErrorPattern)",
            invariants: &[COUNTS_SUM_TO_CALLS],
            checkers: &Checker::ALL,
            body: zoo_lost_counts,
        },
        CheckCase {
            id: "zoo.R10.1.last-seen-backwards",
            component: Component::ErrorAggregator,
            subject: Subject::Zoo(ZooEntry {
                catalog_id: "R10.1.last-seen-backwards",
                breaks: LAST_SEEN_NEVER_BACKWARDS,
            }),
            operations: "workers each read datetime.now(), then call add_error on a known key \
                         (`pattern.last_seen = now`)",
            invariants: &[LAST_SEEN_NEVER_BACKWARDS],
            checkers: &Checker::ALL,
            body: zoo_last_seen_backwards,
        },
        CheckCase {
            id: "zoo.R10.2.iteration",
            component: Component::ErrorAggregator,
            subject: Subject::Zoo(ZooEntry {
                catalog_id: "R10.2.iteration",
                breaks: ANALYTICS_COVERS_RECORDED,
            }),
            operations: "main records an error, then get_analytics walks recent_errors and \
                         error_patterns while a worker's add_error inserts a new key",
            invariants: &[ANALYTICS_COVERS_RECORDED],
            checkers: &Checker::ALL,
            body: zoo_iteration,
        },
        CheckCase {
            id: "zoo.R10.3.torn-snapshot",
            component: Component::ErrorAggregator,
            subject: Subject::Zoo(ZooEntry {
                catalog_id: "R10.3.torn-snapshot",
                breaks: ANALYTICS_CONSISTENT,
            }),
            operations: "main records an error, then get_analytics reads the rate, the totals \
                         and len(error_history) while workers add_error the same key",
            invariants: &[ANALYTICS_CONSISTENT],
            checkers: &Checker::ALL,
            body: zoo_torn_snapshot,
        },
        CheckCase {
            id: "zoo.R10.5.shared-random",
            component: Component::ErrorAggregator,
            subject: Subject::Zoo(ZooEntry {
                catalog_id: "R10.5.shared-random",
                breaks: RETRY_SCHEDULE_INDEPENDENT,
            }),
            operations: "workers each handle_error one transient error; every retry draws \
                         random.random() from the one global stream after its sleep",
            invariants: &[RETRY_SCHEDULE_INDEPENDENT],
            checkers: &Checker::ALL,
            body: zoo_shared_random,
        },
        CheckCase {
            id: "zoo.R10.6.cancelled-retry",
            component: Component::ErrorAggregator,
            subject: Subject::Zoo(ZooEntry {
                catalog_id: "R10.6.cancelled-retry",
                breaks: ONE_RESULT_PER_ERROR,
            }),
            operations: "worker tasks each handle_error a transient error, polled by hand and \
                         cancelled (dropped) during a retry sleep when main stops them",
            invariants: &[ONE_RESULT_PER_ERROR],
            checkers: &Checker::ALL,
            body: zoo_cancelled_retry,
        },
    ]
}

/// An error of `error_type` under `key`, from an operation that may retry.
fn event(key: &str, error_type: ErrorType, call: u64) -> ErrorEvent {
    ErrorEvent {
        key: key.to_string(),
        component: format!("svc-{key}"),
        operation: "fetch".to_string(),
        error_type,
        call,
    }
}

/// Every timestamp falls in one rate window.
const ANALYTICS_AT: Millis = 1_000;

/// The sleeps: one await each, where other tasks run and a task can be
/// cancelled.
struct YieldSleep;

impl Sleep for YieldSleep {
    fn sleep(&self, _ms: Millis) -> impl Future<Output = ()> {
        YieldOnce(false)
    }
}

fn ensure_counts(patterns: &[Pattern], calls: u64, records: usize) {
    let counted: u64 = patterns.iter().map(|p| p.count).sum();
    ensure(
        counted == calls && records as u64 == calls,
        COUNTS_SUM_TO_CALLS,
        || {
            format!(
                "{calls} add_error calls; patterns count {counted}, the history holds {records}"
            )
        },
    );
}

/// `key`'s `last_seen` is the latest of `stamps` (and, when the table
/// keeps it, `first_seen` the earliest).
fn ensure_last_seen(pattern: Option<&Pattern>, stamps: &[Millis], check_first: bool) {
    let (latest, earliest) = (stamps.iter().max(), stamps.iter().min());
    let holds = pattern.is_some_and(|p| {
        Some(&p.last_seen) == latest && (!check_first || Some(&p.first_seen) == earliest)
    });
    ensure(holds, LAST_SEEN_NEVER_BACKWARDS, || {
        format!("timestamps {stamps:?} recorded; the pattern is {pattern:?}")
    });
}

/// An answer exists and counts the error of type `own` recorded before it.
fn ensure_covers(answer: &Result<Analytics, String>, own: ErrorType) {
    let covered = answer
        .as_ref()
        .is_ok_and(|a| a.by_type.iter().any(|&(t, n)| t == own && n >= 1));
    ensure(covered, ANALYTICS_COVERS_RECORDED, || {
        format!("a {own:?} error was recorded before the analytics call; it returned {answer:?}")
    });
}

/// Per-type totals, rate and total_errors describe the same records (all
/// timestamps are in the window; the rings are far from full).
fn ensure_consistent(answer: &Analytics) {
    let counted = answer.counted();
    ensure(
        counted == answer.total_errors as u64 && answer.rate_per_minute == answer.total_errors,
        ANALYTICS_CONSISTENT,
        || {
            format!(
                "one answer: totals count {counted}, rate {}, total_errors {}",
                answer.rate_per_minute, answer.total_errors
            )
        },
    );
}

fn concurrent_ingest() {
    let handler = ErrorHandler::new(0);
    let clock = Arc::new(AtomicU64::new(0));
    let workers: Vec<_> = (0..SCALE.threads)
        .map(|t| {
            let (handler, clock) = (handler.clone(), Arc::clone(&clock));
            thread::spawn(move || {
                (0..SCALE.ops_per_thread)
                    .map(|k| {
                        let key = if k % 2 == 0 {
                            "shared".into()
                        } else {
                            format!("w{t}")
                        };
                        let now = clock.fetch_add(1, Ordering::SeqCst) + 1;
                        handler.record(&event(&key, ErrorType::Transient, 0), now);
                        (key, now)
                    })
                    .collect::<Vec<_>>()
            })
        })
        .collect();
    let mut stamps: HashMap<String, Vec<Millis>> = HashMap::new();
    for worker in workers {
        for (key, now) in worker.join().unwrap_or_default() {
            stamps.entry(key).or_default().push(now);
        }
    }
    let core = handler.snapshot();
    let calls = (SCALE.threads * SCALE.ops_per_thread) as u64;
    let aggregator = core.aggregator();
    ensure_counts(aggregator.patterns(), calls, aggregator.history().len());
    ensure(
        aggregator.recent().len() as u64 == calls,
        COUNTS_SUM_TO_CALLS,
        || {
            format!(
                "{calls} calls, {} recent records",
                aggregator.recent().len()
            )
        },
    );
    for (key, stamps) in &stamps {
        ensure_last_seen(aggregator.pattern(key), stamps, true);
    }
}

fn analytics_vs_ingest() {
    let handler = ErrorHandler::new(0);
    handler.record(&event("main", ErrorType::Permanent, 0), 0);
    let workers: Vec<_> = (0..SCALE.threads)
        .map(|t| {
            let handler = handler.clone();
            thread::spawn(move || {
                for k in 0..SCALE.ops_per_thread {
                    let key = if k % 2 == 0 {
                        format!("w{t}")
                    } else {
                        "main".into()
                    };
                    handler.record(&event(&key, ErrorType::Transient, 0), (t + k) as Millis);
                }
            })
        })
        .collect();
    for _ in 0..SCALE.ops_per_thread {
        let answer = handler.analytics(ANALYTICS_AT);
        ensure_consistent(&answer);
        ensure_covers(&Ok(answer), ErrorType::Permanent);
    }
    for worker in workers {
        let _ = worker.join();
    }
    let last = handler.analytics(ANALYTICS_AT);
    ensure_consistent(&last);
    let calls = (1 + SCALE.threads * SCALE.ops_per_thread) as u64;
    ensure(last.counted() == calls, ANALYTICS_COVERS_RECORDED, || {
        format!(
            "{calls} errors recorded; the final analytics count {}",
            last.counted()
        )
    });
}

/// The pairs ever configured for transient errors: the original's and the
/// two workers'.
const CONFIGURATIONS: [(Strategy, Action); 3] = [
    (Strategy::RetryWithBackoff, Action::None),
    (Strategy::GracefulDegradation, Action::ClearCache),
    (Strategy::ImmediateFail, Action::AlertAdmin),
];

fn configure_vs_dispatch() {
    let handler = ErrorHandler::new(0);
    let workers: Vec<_> = CONFIGURATIONS[1..]
        .iter()
        .map(|&(strategy, action)| {
            let handler = handler.clone();
            thread::spawn(move || handler.configure(ErrorType::Transient, strategy, action))
        })
        .collect();
    for k in 0..SCALE.ops_per_thread {
        let d = handler.record(&event("t", ErrorType::Transient, 0), k as Millis);
        ensure(
            CONFIGURATIONS.contains(&(d.strategy, d.action)),
            ONE_CONFIGURATION,
            || format!("dispatch read {:?} with {:?}", d.strategy, d.action),
        );
    }
    for worker in workers {
        let _ = worker.join();
    }
}

/// Each call's retry result, handled concurrently, equals its result when
/// `sequential` handles the calls in id order.
fn ensure_schedule_independent(
    concurrent: &[(u64, Option<RetryOutcome>)],
    sequential: &[(u64, Option<RetryOutcome>)],
) {
    let mut got = concurrent.to_vec();
    got.sort_by_key(|&(call, _)| call);
    ensure(got == sequential, RETRY_SCHEDULE_INDEPENDENT, || {
        format!("calls handled one after another retry as {sequential:?}; concurrently {got:?}")
    });
}

fn retry_event(call: u64) -> ErrorEvent {
    event(&format!("c{call}"), ErrorType::Transient, call)
}

const RETRY_SEED: u64 = 20_261_204;

fn concurrent_retries() {
    let calls = SCALE.threads as u64;
    let handler = ErrorHandler::new(RETRY_SEED);
    let workers: Vec<_> = (0..calls)
        .map(|call| {
            let handler = handler.clone();
            thread::spawn(move || {
                let out = block_on(handler.handle(&retry_event(call), 0, &YieldSleep));
                (call, out.retry)
            })
        })
        .collect();
    let concurrent: Vec<_> = workers.into_iter().filter_map(|w| w.join().ok()).collect();
    let alone = ErrorHandler::new(RETRY_SEED);
    let sequential: Vec<_> = (0..calls)
        .map(|call| {
            (
                call,
                block_on(alone.handle(&retry_event(call), 0, &YieldSleep)).retry,
            )
        })
        .collect();
    ensure_schedule_independent(&concurrent, &sequential);
}

/// Polls per handled error: ingest and up to three sleeps, each pending once.
const POLLS: usize = 8;

fn cancelled_handle() {
    let handler = ErrorHandler::new(RETRY_SEED);
    let stop = Arc::new(AtomicBool::new(false));
    let tasks: Vec<_> = (0..SCALE.threads as u64)
        .map(|call| {
            let (handler, stop) = (handler.clone(), Arc::clone(&stop));
            thread::spawn(move || {
                let e = retry_event(call);
                poll_until_stopped(handler.handle(&e, 0, &YieldSleep), &stop, POLLS)
            })
        })
        .collect();
    let mine = block_on(handler.handle(&retry_event(99), 0, &YieldSleep));
    stop.store(true, Ordering::SeqCst);
    let mut completed: Vec<Outcome> = vec![mine];
    completed.extend(tasks.into_iter().filter_map(|t| t.join().ok().flatten()));
    let core = handler.snapshot();
    let (recorded, settled) = (core.aggregator().recorded(), core.settlements());
    let unsettled = core.unsettled();
    ensure(
        unsettled.is_empty() && settled.len() as u64 == recorded,
        ONE_RESULT_PER_ERROR,
        || {
            format!(
                "{recorded} errors recorded, {} settled, unsettled {unsettled:?}",
                settled.len()
            )
        },
    );
    for outcome in &completed {
        let entry = settled.get(&outcome.dispatch.seq);
        ensure(
            entry == Some(&Settlement::Completed(*outcome)),
            ONE_RESULT_PER_ERROR,
            || format!("the caller got {outcome:?}; the ledger holds {entry:?}"),
        );
    }
}

fn zoo_lost_counts() {
    let aggregator = Arc::new(PyErrorAggregator::new());
    let workers: Vec<_> = (0..SCALE.threads)
        .map(|_| {
            let aggregator = Arc::clone(&aggregator);
            thread::spawn(move || {
                for _ in 0..SCALE.ops_per_thread {
                    aggregator.add_error(&event("shared", ErrorType::Transient, 0), 0);
                }
            })
        })
        .collect();
    for worker in workers {
        let _ = worker.join();
    }
    let calls = (SCALE.threads * SCALE.ops_per_thread) as u64;
    ensure_counts(&aggregator.patterns(), calls, aggregator.history_len());
}

fn zoo_last_seen_backwards() {
    let aggregator = Arc::new(PyErrorAggregator::new());
    aggregator.add_error(&event("k", ErrorType::Transient, 0), 0);
    let clock = Arc::new(AtomicU64::new(0));
    let workers: Vec<_> = (0..SCALE.threads)
        .map(|_| {
            let (aggregator, clock) = (Arc::clone(&aggregator), Arc::clone(&clock));
            thread::spawn(move || {
                let now = clock.fetch_add(1, Ordering::SeqCst) + 1;
                aggregator.add_error(&event("k", ErrorType::Transient, 0), now);
                now
            })
        })
        .collect();
    let mut stamps = vec![0];
    stamps.extend(workers.into_iter().filter_map(|w| w.join().ok()));
    let patterns = aggregator.patterns();
    // The original keeps the first error's first_seen: only last_seen is judged.
    ensure_last_seen(patterns.iter().find(|p| p.key == "k"), &stamps, false);
}

fn zoo_iteration() {
    let aggregator = Arc::new(PyErrorAggregator::new());
    aggregator.add_error(&event("main", ErrorType::Permanent, 0), 0);
    let worker = {
        let aggregator = Arc::clone(&aggregator);
        thread::spawn(move || aggregator.add_error(&event("w", ErrorType::Transient, 0), 1))
    };
    // The RuntimeError reaches get_error_analytics' caller.
    let answer = aggregator
        .get_analytics(ANALYTICS_AT)
        .map_err(|e| format!("RuntimeError: {e:?}"));
    ensure_covers(&answer, ErrorType::Permanent);
    let _ = worker.join();
}

fn zoo_torn_snapshot() {
    let aggregator = Arc::new(PyErrorAggregator::new());
    aggregator.add_error(&event("k", ErrorType::Transient, 0), 0);
    let workers: Vec<_> = (0..SCALE.threads)
        .map(|t| {
            let aggregator = Arc::clone(&aggregator);
            thread::spawn(move || {
                aggregator.add_error(&event("k", ErrorType::Transient, 0), 1 + t as Millis)
            })
        })
        .collect();
    // A scan that raises (R10.2) gives no answer to judge here.
    if let Ok(answer) = aggregator.get_analytics(ANALYTICS_AT) {
        ensure_consistent(&answer);
    }
    for worker in workers {
        let _ = worker.join();
    }
}

/// Recorded draws of the global stream: handled alone in id order, the
/// calls succeed at attempts 2 and 2; interleaved, call 1 can take call
/// 0's 0.8 and succeed at once.
const RECORDED_DRAWS: [f64; 12] = [0.5, 0.8, 0.2, 0.9, 0.1, 0.75, 0.3, 0.6, 0.95, 0.4, 0.2, 0.8];

fn zoo_shared_random() {
    let calls = SCALE.threads as u64;
    let handler = Arc::new(PyErrorHandler::new(RECORDED_DRAWS.to_vec()));
    let workers: Vec<_> = (0..calls)
        .map(|call| {
            let handler = Arc::clone(&handler);
            thread::spawn(move || {
                let out = block_on(handler.handle_error(&retry_event(call), 0, &YieldSleep));
                (call, out.retry)
            })
        })
        .collect();
    let concurrent: Vec<_> = workers.into_iter().filter_map(|w| w.join().ok()).collect();
    let alone = PyErrorHandler::new(RECORDED_DRAWS.to_vec());
    let sequential: Vec<_> = (0..calls)
        .map(|call| {
            let out = block_on(alone.handle_error(&retry_event(call), 0, &YieldSleep));
            (call, out.retry)
        })
        .collect();
    ensure_schedule_independent(&concurrent, &sequential);
}

fn zoo_cancelled_retry() {
    let handler = Arc::new(PyErrorHandler::new(RECORDED_DRAWS.to_vec()));
    let stop = Arc::new(AtomicBool::new(false));
    let tasks: Vec<_> = (0..SCALE.threads as u64)
        .map(|call| {
            let (handler, stop) = (Arc::clone(&handler), Arc::clone(&stop));
            thread::spawn(move || {
                let e = retry_event(call);
                poll_until_stopped(handler.handle_error(&e, 0, &YieldSleep), &stop, POLLS)
            })
        })
        .collect();
    stop.store(true, Ordering::SeqCst);
    let results: Vec<PyResult> = tasks
        .into_iter()
        .filter_map(|t| t.join().ok().flatten())
        .collect();
    let recorded = handler.aggregator.history_len();
    ensure(results.len() == recorded, ONE_RESULT_PER_ERROR, || {
        format!(
            "{recorded} errors recorded, {} results returned",
            results.len()
        )
    });
}
