//! `LB.seed003` — seed 003's `HybridLoadBalancer::update_service_load`
//! *overwrites* a backend's load with an externally measured figure. Requests
//! routed (or completed) between the measurement and the overwrite are lost from
//! the count, so the load stops equalling the requests in flight and a later
//! completion can drive it below zero.

use super::super::sync::{Arc, Mutex};

/// Least-loaded routing plus seed 003's load overwrite.
#[derive(Debug)]
pub struct OverwritingBalancer {
    loads: Mutex<Vec<i64>>,
}

impl OverwritingBalancer {
    pub fn new(backends: usize) -> Arc<Self> {
        Arc::new(Self {
            loads: Mutex::new(vec![0; backends]),
        })
    }

    /// Select and increment under one lock (this part of the original is right).
    pub fn route(&self) -> Option<usize> {
        let mut loads = self.loads.lock();
        let (backend, _) = loads
            .iter()
            .enumerate()
            .min_by_key(|&(index, &load)| (load, index))?;
        loads[backend] += 1;
        Some(backend)
    }

    pub fn complete(&self, backend: usize) {
        if let Some(load) = self.loads.lock().get_mut(backend) {
            *load -= 1;
        }
    }

    /// A monitoring probe reads the load...
    pub fn measure(&self, backend: usize) -> i64 {
        self.loads.lock().get(backend).copied().unwrap_or(0)
    }

    /// ...and later writes its figure back, as `update_service_load` does.
    pub fn update_service_load(&self, backend: usize, measured: i64) {
        if let Some(load) = self.loads.lock().get_mut(backend) {
            *load = measured;
        }
    }

    pub fn loads(&self) -> Vec<i64> {
        self.loads.lock().clone()
    }
}
