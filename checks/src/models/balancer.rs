//! Least-loaded balancer: concurrent routing keeps loads balanced and equal to
//! the requests in flight; seed 003's load overwrite does not.

use super::super::SCALE;
use super::super::balancer::Balancer;
use super::super::bug_zoo::balancer::OverwritingBalancer;
use super::super::sync::{Arc, thread};
use crate::case::{CheckCase, Checker, Component, Subject, ZooEntry, ensure};

const LOAD_EQUALS_IN_FLIGHT: &str = "load-equals-in-flight";
const SELECT_AND_INCREMENT_ATOMIC: &str = "select-and-increment-atomic";

pub fn cases() -> Vec<CheckCase> {
    vec![
        CheckCase {
            id: "balancer.route_hold_release",
            component: Component::Balancer,
            subject: Subject::Fixed,
            operations: "workers each acquire leases and hand them back to main (held); \
                         then more workers acquire and release",
            invariants: &[SELECT_AND_INCREMENT_ATOMIC, LOAD_EQUALS_IN_FLIGHT],
            checkers: &Checker::ALL,
            body: route_hold_release,
        },
        CheckCase {
            id: "zoo.LB.seed003",
            component: Component::Balancer,
            subject: Subject::Zoo(ZooEntry {
                catalog_id: "LB.seed003",
                breaks: LOAD_EQUALS_IN_FLIGHT,
            }),
            operations: "one request routes and completes while a probe measures the load \
                         and writes it back (update_service_load)",
            invariants: &[LOAD_EQUALS_IN_FLIGHT],
            checkers: &Checker::ALL,
            body: zoo_overwrite,
        },
    ]
}

/// Phase 1: `threads` workers each acquire `ops` leases and return them to
/// main, still held: loads must then differ by at most one and sum to the
/// leases held. Phase 2 (concurrent with main dropping its leases): workers
/// acquire and release. At the end every load is zero.
fn route_hold_release() {
    let backends = SCALE.threads.max(2);
    let balancer = Balancer::new(backends);
    let workers: Vec<_> = (0..SCALE.threads)
        .map(|_| {
            let balancer = balancer.clone();
            thread::spawn(move || {
                (0..SCALE.ops_per_thread)
                    .filter_map(|_| balancer.acquire())
                    .collect::<Vec<_>>()
            })
        })
        .collect();
    let held: Vec<_> = workers
        .into_iter()
        .flat_map(|w| w.join().unwrap_or_default())
        .collect();

    let loads = balancer.loads();
    let total: u64 = loads.iter().sum();
    ensure(total == held.len() as u64, LOAD_EQUALS_IN_FLIGHT, || {
        format!("{} leases held but loads {loads:?}", held.len())
    });
    let (min, max) = (loads.iter().min(), loads.iter().max());
    ensure(
        matches!((min, max), (Some(lo), Some(hi)) if hi - lo <= 1),
        SELECT_AND_INCREMENT_ATOMIC,
        || format!("no releases yet loads are {loads:?}"),
    );

    let churn: Vec<_> = (0..SCALE.threads.saturating_sub(1).max(1))
        .map(|_| {
            let balancer = balancer.clone();
            thread::spawn(move || {
                for _ in 0..SCALE.ops_per_thread {
                    // The borrowing lease, racing main's owned ones.
                    drop(balancer.acquire_scoped());
                }
            })
        })
        .collect();
    drop(held);
    for worker in churn {
        let _ = worker.join();
    }
    let loads = balancer.loads();
    ensure(loads.iter().all(|&l| l == 0), LOAD_EQUALS_IN_FLIGHT, || {
        format!("no lease held but loads {loads:?}")
    });
}

/// Seed 003: the probe's measurement is written back after the request it
/// counted has completed (or before one it missed is routed).
fn zoo_overwrite() {
    let balancer = OverwritingBalancer::new(1);
    let request = {
        let balancer = Arc::clone(&balancer);
        thread::spawn(move || {
            if let Some(backend) = balancer.route() {
                balancer.complete(backend);
            }
        })
    };
    let probe = {
        let balancer = Arc::clone(&balancer);
        thread::spawn(move || {
            let measured = balancer.measure(0);
            balancer.update_service_load(0, measured);
        })
    };
    let _ = request.join();
    let _ = probe.join();
    let loads = balancer.loads();
    ensure(loads == [0], LOAD_EQUALS_IN_FLIGHT, || {
        format!("nothing in flight but the load is {loads:?}")
    });
}
