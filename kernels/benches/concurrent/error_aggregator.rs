//! Error handler state: the C11 batch's mix per 16 operations — 15 errors
//! ingested with their dispatch lookup (64 pattern keys over the six types,
//! so most errors repeat a known pattern, as a service's do) and one
//! analytics roll-up over the table.

use std::hint::black_box;

use criterion::Criterion;
use twinbench_kernels::concurrent::error_aggregator::{
    ErrorEvent, ErrorHandler, ErrorType, HandlerCore,
};

use crate::common::overhead;

const KEYS: u64 = 64;

/// The events the mix cycles through, built once outside timing.
fn events() -> Vec<ErrorEvent> {
    (0..KEYS)
        .map(|k| {
            let error_type = ErrorType::ALL[(k % ErrorType::ALL.len() as u64) as usize];
            ErrorEvent {
                key: format!("svc{}:TimeoutError:request <number> timed out:{k}", k % 4),
                component: format!("svc{}", k % 4),
                operation: "fetch".to_string(),
                error_type,
                call: k,
            }
        })
        .collect()
}

/// Operation `i` of the mix on a handler, core or shared (the same method
/// names, `&mut` on the core, `&` on the shared); `i` is the clock in ms.
macro_rules! operation {
    ($handler:expr, $events:expr, $i:expr) => {{
        let i = $i;
        match i % 16 {
            0 => drop(black_box($handler.analytics(i))),
            _ => drop(black_box($handler.record(&$events[(i % KEYS) as usize], i))),
        }
    }};
}

pub fn bench(c: &mut Criterion) {
    let events = events();
    let events = &events;
    overhead(
        c,
        "error_aggregator",
        HandlerCore::new,
        |core, i| operation!(core, events, i),
        || ErrorHandler::new(0),
        |handler, i| operation!(handler, events, i),
    );
}
