//! Metrics collectors of the original, ported with their races.
//!
//! - `R6.4` — `MetricsCollector.collect_system_metrics` (catalog §6, also
//!   seed 003's `PerformanceMonitor`) appends a sample to the list attribute
//!   and then, if the list is over its cap, *rebinds* the attribute to a
//!   trimmed copy. Each attribute read, the append, the length test, the copy
//!   and the rebind are separate steps; a sample another thread appends to the
//!   old list after the copy was taken is gone once the copy is bound.
//! - `R4.8` — `PerformanceProfiler._record_operation` (catalog §4c) creates
//!   the per-operation dict if absent (check, then insert) and then updates
//!   `count`, `total_time`, `min`, `max` as separate read-modify-writes: two
//!   concurrent recorders both create the entry, or both read the same
//!   `count`, and one increment is lost.
//!
//! Each Python bytecode-level step is one critical section here (the GIL makes
//! single steps atomic, not their sequence).

use std::collections::BTreeMap;

use super::super::metrics::Sample;
use super::super::sync::{Arc, Mutex};

/// `R6.4`: a capped sample list trimmed by rebinding the attribute to a copy.
#[derive(Debug)]
pub struct TrimByRebindSeries {
    /// The attribute `self._system_metrics`: which list object is current.
    current: Mutex<Arc<Mutex<Vec<Sample>>>>,
    capacity: usize,
}

impl TrimByRebindSeries {
    pub fn new(capacity: usize) -> Self {
        Self {
            current: Mutex::new(Arc::new(Mutex::new(Vec::new()))),
            capacity,
        }
    }

    /// Reads the attribute (a `LOAD_ATTR`).
    fn list(&self) -> Arc<Mutex<Vec<Sample>>> {
        Arc::clone(&self.current.lock())
    }

    /// `append(m); if len(l) > cap: l = l[-cap:]`, step by step.
    pub fn append(&self, sample: Sample) {
        self.list().lock().push(sample);
        let len = self.list().lock().len();
        if len > self.capacity {
            let trimmed: Vec<Sample> = {
                let list = self.list();
                let list = list.lock();
                list[list.len().saturating_sub(self.capacity)..].to_vec()
            };
            *self.current.lock() = Arc::new(Mutex::new(trimmed));
        }
    }

    /// The current list, oldest first.
    pub fn samples(&self) -> Vec<Sample> {
        self.list().lock().clone()
    }
}

/// Per-operation statistics as the profiler keeps them.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct OperationStats {
    pub count: u64,
    pub total: u64,
    pub min: Option<u64>,
    pub max: Option<u64>,
}

/// `R4.8`: insert-if-absent, then field-by-field read-modify-writes.
#[derive(Debug, Default)]
pub struct RacyProfiler {
    stats: Mutex<BTreeMap<String, OperationStats>>,
}

impl RacyProfiler {
    pub fn new() -> Self {
        Self::default()
    }

    fn read(&self, op: &str) -> OperationStats {
        self.stats.lock().get(op).copied().unwrap_or_default()
    }

    fn write(&self, op: &str, update: impl FnOnce(&mut OperationStats)) {
        if let Some(stats) = self.stats.lock().get_mut(op) {
            update(stats);
        }
    }

    /// `_record_operation(op, duration)`.
    pub fn record(&self, op: &str, duration: u64) {
        if !self.stats.lock().contains_key(op) {
            self.stats
                .lock()
                .insert(op.to_string(), OperationStats::default());
        }
        let count = self.read(op).count;
        self.write(op, |s| s.count = count + 1);
        let total = self.read(op).total;
        self.write(op, |s| s.total = total + duration);
        let min = self.read(op).min;
        self.write(op, |s| {
            s.min = Some(min.map_or(duration, |m| m.min(duration)))
        });
        let max = self.read(op).max;
        self.write(op, |s| {
            s.max = Some(max.map_or(duration, |m| m.max(duration)))
        });
    }

    /// `get_operation_stats(op)` (a copy, as the original's reader makes).
    pub fn stats(&self, op: &str) -> Option<OperationStats> {
        self.stats.lock().get(op).copied()
    }
}
