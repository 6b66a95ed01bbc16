//! Alert pipeline state: the dashboard's mix per 16 operations — one
//! evaluation pass over 8 threshold rules, one stored correlation of three
//! alerts, and 14 lookups of an arriving alert's correlation (one per
//! `correlate_alert` call) over 1,024 alert ids.

use std::hint::black_box;

use criterion::Criterion;
use twinbench_kernels::concurrent::alert_pipeline::{
    CorrelationStore, CorrelationStoreCore, RuleBook, RuleBookCore,
};

use crate::common::overhead;

const RULES: u64 = 8;
const ALERTS: u64 = 1_024;

/// Rule `k` fires above `10·k + 15` (% of a resource).
fn threshold(k: u64) -> f64 {
    (10 * k + 15) as f64
}

/// One rule's condition against operation `i`'s reading.
fn breached(i: u64, limit: f64) -> bool {
    ((i % 100) as f64) >= limit
}

fn members(i: u64) -> Vec<u64> {
    (0..3).map(|k| (i + k) % ALERTS).collect()
}

/// Operation `i` of the mix on a rule registry and a store, core or
/// shared (the same method names, `&mut` on the core, `&` on the shared).
macro_rules! operation {
    ($rules:expr, $store:expr, $i:expr) => {{
        let i = $i;
        match i % 16 {
            0 => {
                let mut fired = 0u32;
                $rules.pass(|_, &limit| fired += u32::from(breached(i, limit)));
                black_box(fired);
            }
            1 => drop(black_box($store.store(i, members(i)))),
            _ => drop(black_box($store.lookup(i % ALERTS))),
        }
    }};
}

pub fn bench(c: &mut Criterion) {
    overhead(
        c,
        "alert_pipeline",
        || {
            let mut rules = RuleBookCore::new();
            for k in 0..RULES {
                let _ = rules.add(k, threshold(k));
            }
            (rules, CorrelationStoreCore::new())
        },
        |(rules, store), i| operation!(rules, store, i),
        || {
            let rules = RuleBook::new();
            for k in 0..RULES {
                let _ = rules.add(k, threshold(k));
            }
            (rules, CorrelationStore::new())
        },
        |(rules, store), i| operation!(rules, store, i),
    );
}
