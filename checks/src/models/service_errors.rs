//! Service error handler: concurrent errors lose no count, whether they are
//! a service's first errors or repeat a known (service, type), and a
//! snapshot taken meanwhile is consistent; seed 003's nested-dict
//! check-then-insert (`seed003-error-counts`) and `+= 1`
//! (`seed003-error-count-rmw`) lose counts.
//!
//! Listed under the error-aggregator component: the other error handler's
//! state, beside R10.1's lost counts.

use std::collections::BTreeMap;

use super::super::SCALE;
use super::super::bug_zoo::service_errors::RacyServiceErrorHandler;
use super::super::service_errors::ServiceErrors;
use super::super::sync::{Arc, thread};
use crate::case::{CheckCase, Checker, Component, Subject, ZooEntry, ensure};

const COUNTS_SUM_TO_CALLS: &str = "counts-sum-to-calls";
const SNAPSHOT_CONSISTENT: &str = "snapshot-consistent";

const SERVICE: &str = "codon-analytics";
/// The type every worker's error has in the known-type cases.
const KNOWN: &str = "ConnectionError";

pub fn cases() -> Vec<CheckCase> {
    vec![
        CheckCase {
            id: "service_errors.first_errors",
            component: Component::ErrorAggregator,
            subject: Subject::Fixed,
            operations: "workers each handle the first errors of one new service (a type of \
                         their own, then a shared one) while main takes a snapshot",
            invariants: &[COUNTS_SUM_TO_CALLS, SNAPSHOT_CONSISTENT],
            checkers: &Checker::ALL,
            body: first_errors,
        },
        CheckCase {
            id: "service_errors.known_type",
            component: Component::ErrorAggregator,
            subject: Subject::Fixed,
            operations: "main handles one ConnectionError of a service, then workers each \
                         handle another",
            invariants: &[COUNTS_SUM_TO_CALLS],
            checkers: &Checker::ALL,
            body: known_type,
        },
        CheckCase {
            id: "zoo.seed003-error-counts",
            component: Component::ErrorAggregator,
            subject: Subject::Zoo(ZooEntry {
                catalog_id: "seed003-error-counts",
                breaks: COUNTS_SUM_TO_CALLS,
            }),
            operations: "workers each handle_service_error a first error of one new service, \
                         types of their own (`if service_id not in error_counts: \
                         error_counts[service_id] = {}`)",
            invariants: &[COUNTS_SUM_TO_CALLS],
            checkers: &Checker::ALL,
            body: zoo_inner_dict_replaced,
        },
        CheckCase {
            id: "zoo.seed003-error-count-rmw",
            component: Component::ErrorAggregator,
            subject: Subject::Zoo(ZooEntry {
                catalog_id: "seed003-error-count-rmw",
                breaks: COUNTS_SUM_TO_CALLS,
            }),
            operations: "main handles one ConnectionError of a service, then workers each \
                         handle another (`error_counts[service_id][error_type] += 1`)",
            invariants: &[COUNTS_SUM_TO_CALLS],
            checkers: &Checker::ALL,
            body: zoo_lost_increment,
        },
    ]
}

type Counts = BTreeMap<String, BTreeMap<String, u64>>;

/// The fixed handler and the original, driven alike.
trait Handler: Send + Sync + 'static {
    fn handle(&self, service: &str, error_type: &str);
    fn counts(&self) -> Counts;
}

impl Handler for ServiceErrors {
    fn handle(&self, service: &str, error_type: &str) {
        ServiceErrors::handle(self, service, error_type, "injected");
    }

    fn counts(&self) -> Counts {
        self.snapshot().by_service().clone()
    }
}

impl Handler for RacyServiceErrorHandler {
    fn handle(&self, service: &str, error_type: &str) {
        self.handle_service_error(service, error_type, "injected");
    }

    fn counts(&self) -> Counts {
        self.error_counts()
    }
}

/// Handles `before` on this thread, then each worker's error types (all of
/// [`SERVICE`]) at once; checks the final counts against the calls made.
fn run<H: Handler>(handler: Arc<H>, before: &[&'static str], plans: Vec<Vec<String>>) {
    let mut expected = Counts::new();
    let mut count = |t: &str| {
        *expected
            .entry(SERVICE.to_string())
            .or_default()
            .entry(t.to_string())
            .or_default() += 1;
    };
    before.iter().for_each(|t| count(t));
    plans.iter().flatten().for_each(|t| count(t));
    for t in before {
        handler.handle(SERVICE, t);
    }
    let workers: Vec<_> = plans
        .into_iter()
        .map(|plan| {
            let handler = Arc::clone(&handler);
            thread::spawn(move || plan.iter().for_each(|t| handler.handle(SERVICE, t)))
        })
        .collect();
    for worker in workers {
        let _ = worker.join();
    }
    check_counts(&handler.counts(), &expected);
}

fn check_counts(counts: &Counts, expected: &Counts) {
    let calls: u64 = expected.values().flat_map(BTreeMap::values).sum();
    let counted: u64 = counts.values().flat_map(BTreeMap::values).sum();
    ensure(counts == expected, COUNTS_SUM_TO_CALLS, || {
        format!("{calls} errors handled as {expected:?}; the counts are {counts:?} ({counted})")
    });
}

/// Worker `t`: an error of its own type, then (shuttle) the shared
/// [`KNOWN`] type.
fn first_error_plans() -> Vec<Vec<String>> {
    (0..SCALE.threads)
        .map(|t| {
            (0..SCALE.ops_per_thread)
                .map(|i| {
                    if i % 2 == 0 {
                        format!("Error{t}")
                    } else {
                        KNOWN.to_string()
                    }
                })
                .collect()
        })
        .collect()
}

/// Every worker handles one [`KNOWN`] error.
fn known_plans() -> Vec<Vec<String>> {
    (0..SCALE.threads)
        .map(|_| vec![KNOWN.to_string()])
        .collect()
}

fn first_errors() {
    let handler = Arc::new(ServiceErrors::new());
    let snapshotting = Arc::clone(&handler);
    let snapshot = thread::spawn(move || snapshotting.snapshot());
    let plans = first_error_plans();
    run(Arc::clone(&handler), &[], plans);
    let Ok(snapshot) = snapshot.join() else {
        return;
    };
    let last = handler.snapshot();
    let within = snapshot.by_service().iter().all(|(service, types)| {
        types
            .iter()
            .all(|(t, &n)| n <= last.count(service, t) && n >= 1)
    });
    ensure(
        snapshot.total() == snapshot.recorded() && within,
        SNAPSHOT_CONSISTENT,
        || {
            format!(
                "a snapshot taken meanwhile sums to {} of {} recorded errors: {:?}; final \
                 counts {:?}",
                snapshot.total(),
                snapshot.recorded(),
                snapshot.by_service(),
                last.by_service()
            )
        },
    );
}

fn known_type() {
    run(Arc::new(ServiceErrors::new()), &[KNOWN], known_plans());
}

fn zoo_inner_dict_replaced() {
    let plans = (0..SCALE.threads)
        .map(|t| vec![format!("Error{t}")])
        .collect();
    run(Arc::new(RacyServiceErrorHandler::new()), &[], plans);
}

fn zoo_lost_increment() {
    run(
        Arc::new(RacyServiceErrorHandler::new()),
        &[KNOWN],
        known_plans(),
    );
}
