//! Singleton: the per-request accessor of an already initialised instance
//! (`get_or_init`, then read a field), the call every request handler makes.

use std::hint::black_box;

use criterion::Criterion;
use twinbench_kernels::concurrent::singleton::{Singleton, SingletonCore};

use crate::common::overhead;

#[derive(Debug)]
struct Manager {
    pool_size: u64,
}

fn init() -> Result<Manager, ()> {
    Ok(Manager { pool_size: 10 })
}

pub fn bench(c: &mut Criterion) {
    overhead(
        c,
        "singleton",
        || {
            let mut core = SingletonCore::new();
            let _ = core.get_or_try_init(init);
            core
        },
        |core, i| {
            if let Ok(m) = core.get_or_try_init(init) {
                black_box(m.pool_size + i);
            }
        },
        || {
            let singleton = Singleton::new();
            let _ = singleton.get_or_try_init(init);
            singleton
        },
        |singleton, i| {
            if let Ok(m) = singleton.get_or_try_init(init) {
                black_box(m.pool_size + i);
            }
        },
    );
}
