//! Incident store: alerts for 256 correlations arrive round-robin (the first
//! of each creates its incident, later ones find it); every 4th also applies a
//! versioned update, every 8th tries to resolve.

use criterion::Criterion;
use twinbench_kernels::concurrent::incidents::{IncidentStore, IncidentStoreCore, Status, Update};

use crate::common::overhead;

const CORRELATIONS: u64 = 256;

fn title(c: u64) -> String {
    format!("correlated alerts #{c}")
}

fn update(i: u64) -> Update {
    Update {
        version: i,
        assignee: None,
    }
}

pub fn bench(c: &mut Criterion) {
    overhead(
        c,
        "incidents",
        IncidentStoreCore::new,
        |core, i| {
            let c = i % CORRELATIONS;
            let id = match core.find_by_correlation(c) {
                Some(id) => id,
                None => core.create(c, title(c), i).id,
            };
            if i % 4 == 0 {
                let _ = core.apply_update(id, update(i), i);
            }
            if i % 8 == 0 {
                let _ = core.transition(id, Status::Resolved, i);
            }
        },
        IncidentStore::new,
        |store, i| {
            let c = i % CORRELATIONS;
            let id = store.create_with(c, i, || title(c)).id;
            if i % 4 == 0 {
                let _ = store.apply_update(id, update(i), i);
            }
            if i % 8 == 0 {
                let _ = store.transition(id, Status::Resolved, i);
            }
        },
    );
}
