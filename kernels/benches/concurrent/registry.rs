//! Service registry: discovery-heavy, as callers look services up far more
//! often than the monitor probes them. Three operations in four discover the
//! healthy services of 16 (through the cache); the fourth probes one service
//! (begin, complete), whose result flips to unhealthy now and then, which
//! invalidates the cache.

use criterion::Criterion;
use twinbench_kernels::concurrent::registry::{Health, Query, RegistryCore, ServiceRegistry};

use crate::common::overhead;

const SERVICES: u64 = 16;

fn ids() -> Vec<String> {
    (0..SERVICES).map(|i| format!("service-{i}")).collect()
}

fn health(i: u64) -> Health {
    if i % 7 == 0 {
        Health::Unhealthy
    } else {
        Health::Healthy
    }
}

fn healthy_only() -> Query {
    Query {
        kind: None,
        healthy_only: true,
    }
}

pub fn bench(c: &mut Criterion) {
    let names = ids();
    let query = healthy_only();
    let id = |i: u64| names[(i % SERVICES) as usize].as_str();
    overhead(
        c,
        "registry",
        || {
            let mut core = RegistryCore::new();
            for id in ids() {
                core.register(&id, "analytics", "http://svc/health", 0);
            }
            core
        },
        |core, i| {
            if i % 4 == 0 {
                if let Ok(ticket) = core.begin_probe(id(i / 4)) {
                    core.complete_probe(&ticket, health(i / 4));
                }
            } else {
                std::hint::black_box(core.discover(&query));
            }
        },
        || {
            let registry = ServiceRegistry::new();
            for id in ids() {
                registry.register(&id, "analytics", "http://svc/health", 0);
            }
            registry
        },
        |registry, i| {
            if i % 4 == 0 {
                if let Ok(ticket) = registry.begin_probe(id(i / 4)) {
                    registry.complete_probe(&ticket, health(i / 4));
                }
            } else {
                std::hint::black_box(registry.discover(&query));
            }
        },
    );
}
