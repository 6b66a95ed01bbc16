//! Balancer: route a request to the least-loaded of 8 backends and end it.

use criterion::Criterion;
use twinbench_kernels::concurrent::balancer::{Balancer, BalancerCore};

use crate::common::overhead;

const BACKENDS: usize = 8;

pub fn bench(c: &mut Criterion) {
    overhead(
        c,
        "balancer",
        || BalancerCore::new(BACKENDS),
        |core, _| {
            if let Some(backend) = core.acquire() {
                let _ = core.release(backend);
            }
        },
        || Balancer::new(BACKENDS),
        // The borrowing lease: the request ends within this call.
        |balancer, _| drop(balancer.acquire_scoped()),
    );
}
