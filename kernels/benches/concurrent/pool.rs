//! Connection pool (8 connections): check one out and return it; every 100th
//! is discarded as broken, so the factory runs again (open and close on the
//! path, not only reuse). The shared side checks out with the borrowing
//! guard (`acquire_scoped`): a request handler uses the connection within the
//! call, so no `Arc` clone is needed.

use std::convert::Infallible;

use criterion::Criterion;
use twinbench_kernels::concurrent::clock::ManualClock;
use twinbench_kernels::concurrent::pool::{ConnectionPool, PoolConfig, PoolCore};

use crate::common::overhead;

const CONFIG: PoolConfig = PoolConfig {
    max_size: 8,
    max_age: Some(60_000),
};

fn broken(i: u64) -> bool {
    i % 100 == 99
}

pub fn bench(c: &mut Criterion) {
    overhead(
        c,
        "pool",
        || PoolCore::new(CONFIG).expect("valid config"),
        |core, i| {
            if let Ok(pooled) = core.acquire_with(0, || Ok::<u64, Infallible>(i)) {
                if broken(i) {
                    core.discard();
                    let _closed = pooled.into_inner();
                    core.finish_close(1);
                } else {
                    core.give_back(pooled, 0);
                }
            }
        },
        || {
            ConnectionPool::new(CONFIG, ManualClock::new(0), || Ok::<u64, Infallible>(7))
                .expect("valid config")
        },
        |pool, i| {
            // The borrowing guard: the connection is used within this call.
            if let Ok(conn) = pool.acquire_scoped() {
                if broken(i) {
                    conn.discard();
                }
            }
        },
    );
}
