//! Alert pipeline state: evaluation passes see every rule registered for
//! the whole pass while rules are added and removed, and a subscriber's
//! replica agrees with the correlation store whatever order the
//! publications arrive in; the original's dict iteration and its
//! write-await-callback order do not.

use std::collections::HashMap;

use super::super::SCALE;
use super::super::alert_pipeline::{CorrelationStore, CorrelationView, RuleBook, RuleId};
use super::super::bug_zoo::alert_pipeline::{AwaitingCorrelator, IteratedRules};
use super::super::sync::{Arc, Mutex, thread};
use crate::case::{CheckCase, Checker, Component, Subject, ZooEntry, ensure};

const EVERY_RULE_EVALUATED_ONCE_PER_PASS: &str = "every-rule-evaluated-once-per-pass";
const SUBSCRIBER_AGREES_WITH_STORE: &str = "subscriber-agrees-with-store";

pub fn cases() -> Vec<CheckCase> {
    vec![
        CheckCase {
            id: "alert_pipeline.pass_vs_add_remove",
            component: Component::AlertPipeline,
            subject: Subject::Fixed,
            operations: "main runs evaluation passes over the standing rules while workers \
                         add and remove rules of their own",
            invariants: &[EVERY_RULE_EVALUATED_ONCE_PER_PASS],
            checkers: &Checker::ALL,
            body: pass_vs_add_remove,
        },
        CheckCase {
            id: "alert_pipeline.store_then_publish",
            component: Component::AlertPipeline,
            subject: Subject::Fixed,
            operations: "workers each store overlapping correlations, yield (the cache \
                         write's await), then deliver them to one subscriber",
            invariants: &[SUBSCRIBER_AGREES_WITH_STORE],
            checkers: &Checker::ALL,
            body: store_then_publish,
        },
        CheckCase {
            id: "zoo.ML9.rules-iteration",
            component: Component::AlertPipeline,
            subject: Subject::Zoo(ZooEntry {
                catalog_id: "ML9.rules-iteration",
                breaks: EVERY_RULE_EVALUATED_ONCE_PER_PASS,
            }),
            operations: "main iterates `alert_rules.values()` with an await per rule while a \
                         worker calls add_rule",
            invariants: &[EVERY_RULE_EVALUATED_ONCE_PER_PASS],
            checkers: &Checker::ALL,
            body: zoo_rules_iteration,
        },
        CheckCase {
            id: "zoo.ML8.mapping-await",
            component: Component::AlertPipeline,
            subject: Subject::Zoo(ZooEntry {
                catalog_id: "ML8.mapping-await",
                breaks: SUBSCRIBER_AGREES_WITH_STORE,
            }),
            operations: "two correlations sharing an alert go through \
                         _process_correlation_result (mappings, await, callback) at once",
            invariants: &[SUBSCRIBER_AGREES_WITH_STORE],
            checkers: &Checker::ALL,
            body: zoo_mapping_await,
        },
    ]
}

/// Rules `0..STANDING` stay registered throughout; workers add and remove
/// rules numbered from 100.
const STANDING: RuleId = 2;

/// Every standing rule evaluated exactly once in `evaluated`, and no rule
/// twice.
fn ensure_pass_complete(evaluated: &[RuleId]) {
    let mut counts: HashMap<RuleId, usize> = HashMap::new();
    for &id in evaluated {
        *counts.entry(id).or_default() += 1;
    }
    let complete =
        (0..STANDING).all(|id| counts.get(&id) == Some(&1)) && counts.values().all(|&n| n == 1);
    ensure(complete, EVERY_RULE_EVALUATED_ONCE_PER_PASS, || {
        format!("rules 0..{STANDING} stood throughout; the pass evaluated {evaluated:?}")
    });
}

fn pass_vs_add_remove() {
    let book: RuleBook<RuleId> = RuleBook::new();
    for id in 0..STANDING {
        let _ = book.add(id, id);
    }
    let workers: Vec<_> = (0..SCALE.threads)
        .map(|t| {
            let book = book.clone();
            thread::spawn(move || {
                for k in 0..SCALE.ops_per_thread {
                    let id = 100 + (t * SCALE.ops_per_thread + k) as RuleId;
                    let _ = book.add(id, id);
                    if k % 2 == 1 {
                        let _ = book.remove(id);
                    }
                }
            })
        })
        .collect();
    for _ in 0..SCALE.ops_per_thread {
        let mut evaluated = Vec::new();
        book.pass(|id, _| {
            evaluated.push(id);
            // The await inside the original's loop body.
            thread::yield_now();
        });
        ensure_pass_complete(&evaluated);
    }
    for worker in workers {
        let _ = worker.join();
    }
}

fn zoo_rules_iteration() {
    let rules: Arc<IteratedRules<RuleId>> = IteratedRules::new();
    for id in 0..STANDING {
        rules.add_rule(id, id);
    }
    let worker = {
        let rules = Arc::clone(&rules);
        thread::spawn(move || rules.add_rule(100, 100))
    };
    let mut evaluated = Vec::new();
    // The outer `except` logs the RuntimeError; the pass is over either way.
    let _ = rules.evaluation_pass(|id, _| evaluated.push(id));
    ensure_pass_complete(&evaluated);
    let _ = worker.join();
}

/// Correlation `c` of worker `t`: alerts `c` and `c + 1`, so consecutive
/// correlations share an alert and overwrite each other's mappings.
fn members(correlation: u64) -> Vec<u64> {
    vec![correlation, correlation + 1]
}

fn store_then_publish() {
    let store = CorrelationStore::new();
    let view = Arc::new(Mutex::new(CorrelationView::new()));
    let workers: Vec<_> = (0..SCALE.threads)
        .map(|t| {
            let (store, view) = (store.clone(), Arc::clone(&view));
            thread::spawn(move || {
                for k in 0..SCALE.ops_per_thread {
                    let correlation = (t + k * SCALE.threads) as u64;
                    let published = store.store(correlation, members(correlation));
                    thread::yield_now();
                    view.lock().apply(&published);
                }
            })
        })
        .collect();
    for worker in workers {
        let _ = worker.join();
    }
    let (stored, seen) = (store.mapping(), view.lock().mapping());
    ensure(stored == seen, SUBSCRIBER_AGREES_WITH_STORE, || {
        format!("store maps {stored:?}, the subscriber {seen:?}")
    });
}

fn zoo_mapping_await() {
    let correlator = AwaitingCorrelator::new();
    let workers: Vec<_> = (0..2u64)
        .map(|correlation| {
            let correlator = Arc::clone(&correlator);
            thread::spawn(move || {
                correlator.process_correlation_result(correlation, &members(correlation))
            })
        })
        .collect();
    for worker in workers {
        let _ = worker.join();
    }
    let (stored, seen) = (correlator.mapping(), correlator.subscriber());
    ensure(stored == seen, SUBSCRIBER_AGREES_WITH_STORE, || {
        format!("store maps {stored:?}, the subscriber {seen:?}")
    });
}
