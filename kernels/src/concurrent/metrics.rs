//! Metrics registry: named counters, histograms and bounded sample series.
//!
//! The original collectors (catalog §4c `PerformanceProfiler._record_operation`,
//! §5 `DataBuffer` counters, §6 `MetricsCollector`) hold their statistics in
//! plain dicts and lists with no lock: `count += 1`, `total_time += d` and the
//! avg/min/max recomputation are separate writes (R4.8, R5.3: lost increments
//! and torn readings under threads), readers copy without a lock, and a sample
//! list is capped by appending and then *rebinding* the attribute to a trimmed
//! copy, so an append that lands on the old list between the copy and the
//! rebind is lost (R6.4, bug zoo `R6.4`).
//!
//! Here each kind of metric gets the cheapest primitive that keeps its
//! invariant:
//! - a [`Counter`] is a few cache-line-sized atomic shards, one picked per
//!   thread: an increment is a single `fetch_add`, which can never lose an
//!   update, needs no lock (the hot path of most metrics) and does not bounce
//!   one cache line between threads; reading sums the shards;
//! - a [`Histogram`] must show its count, buckets, sum, min and max *together*,
//!   so one observation updates all of them inside one short critical section
//!   and a snapshot copies them inside the same lock;
//! - a [`Series`] (ring of the `capacity` most recent samples) appends and
//!   evicts in one critical section on one buffer, never rebinding it.
//!
//! The registry maps names to metrics; get-or-create runs under the registry
//! lock, so two callers asking for the same new name get the same metric.
//! Handles are cheap clones; callers on a hot path keep the handle instead of
//! looking the name up per operation.
//!
//! A registry-wide [`Metrics::snapshot`] is consistent *per metric* (each
//! histogram and series is read in one critical section), not across metrics,
//! as in Prometheus client libraries.
//!
//! # Invariants (asserted by the model checks)
//! - **no-lost-increment**: a counter's value, and a histogram's count, equal
//!   the number of increments / observations made (also when the metric was
//!   created concurrently by name: get-or-create never makes two).
//! - **histogram-consistent**: in every histogram snapshot the bucket counts
//!   sum to `count`, `min ≤ max`, and `min·count ≤ sum ≤ max·count` (empty ⇒ no
//!   min/max, zero sum).
//! - **snapshot-consistent**: a snapshot shows each observation wholly or not
//!   at all (never a count without its bucket or its sum), and shows a prefix
//!   of each thread's observations.
//! - **no-lost-append**: a series holds exactly the `capacity` most recent
//!   appends (fewer only if fewer were made), each thread's in its order;
//!   `appended` counts every append.
//! - **series-bounded**: a series never holds more than `capacity` samples.

use std::collections::{BTreeMap, VecDeque};
use std::fmt;

use super::clock::Millis;
use super::sync::atomic::{AtomicU64, Ordering};
use super::sync::{Arc, Mutex, thread_index};

/// Errors of the metrics registry.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MetricsError {
    #[error("metric {name:?} is a {existing}, not a {requested}")]
    KindMismatch {
        name: String,
        existing: &'static str,
        requested: &'static str,
    },
    #[error("histogram {name:?} bucket bounds must be non-empty and strictly increasing")]
    BadBounds { name: String },
    #[error("histogram {name:?} already exists with other bucket bounds")]
    BoundsMismatch { name: String },
    #[error("series {name:?} needs a capacity of at least one sample")]
    ZeroCapacity { name: String },
    #[error("series {name:?} already exists with capacity {existing}, not {requested}")]
    CapacityMismatch {
        name: String,
        existing: usize,
        requested: usize,
    },
}

// ---------------------------------------------------------------- histogram

/// A histogram's logic, unsynchronised.
///
/// Bucket `i` counts observations `v` with `bounds[i-1] < v ≤ bounds[i]`; the
/// last bucket (index `bounds.len()`) counts everything above the last bound.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HistogramCore {
    bounds: Vec<u64>,
    buckets: Vec<u64>,
    count: u64,
    sum: u64,
    min: Option<u64>,
    max: Option<u64>,
}

/// A consistent copy of one histogram.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HistogramSnapshot {
    /// Upper bounds of the finite buckets.
    pub bounds: Vec<u64>,
    /// Per-bucket counts; one more entry than `bounds` (the overflow bucket).
    pub buckets: Vec<u64>,
    pub count: u64,
    /// Sum of observed values (saturating).
    pub sum: u64,
    pub min: Option<u64>,
    pub max: Option<u64>,
}

impl HistogramSnapshot {
    /// Mean of the observations, if any.
    pub fn mean(&self) -> Option<f64> {
        (self.count > 0).then(|| self.sum as f64 / self.count as f64)
    }

    /// The bucket an observation of `value` falls into.
    pub fn bucket_of(&self, value: u64) -> usize {
        bucket_index(&self.bounds, value)
    }
}

fn bucket_index(bounds: &[u64], value: u64) -> usize {
    bounds.partition_point(|&b| b < value)
}

fn valid_bounds(bounds: &[u64]) -> bool {
    !bounds.is_empty() && bounds.windows(2).all(|w| w[0] < w[1])
}

impl HistogramCore {
    /// A histogram with these finite bucket bounds (strictly increasing).
    pub fn new(bounds: &[u64]) -> Option<Self> {
        valid_bounds(bounds).then(|| Self {
            bounds: bounds.to_vec(),
            buckets: vec![0; bounds.len() + 1],
            count: 0,
            sum: 0,
            min: None,
            max: None,
        })
    }

    /// Records one observation: bucket, count, sum, min and max together.
    pub fn observe(&mut self, value: u64) {
        let bucket = bucket_index(&self.bounds, value);
        self.buckets[bucket] += 1;
        self.count += 1;
        self.sum = self.sum.saturating_add(value);
        self.min = Some(self.min.map_or(value, |m| m.min(value)));
        self.max = Some(self.max.map_or(value, |m| m.max(value)));
    }

    pub fn snapshot(&self) -> HistogramSnapshot {
        HistogramSnapshot {
            bounds: self.bounds.clone(),
            buckets: self.buckets.clone(),
            count: self.count,
            sum: self.sum,
            min: self.min,
            max: self.max,
        }
    }

    pub fn count(&self) -> u64 {
        self.count
    }

    pub fn bounds(&self) -> &[u64] {
        &self.bounds
    }
}

/// A shared histogram handle; clones share one histogram.
#[derive(Clone)]
pub struct Histogram {
    core: Arc<Mutex<HistogramCore>>,
}

impl Histogram {
    fn from_core(core: HistogramCore) -> Self {
        Self {
            core: Arc::new(Mutex::new(core)),
        }
    }

    /// A standalone histogram (outside any registry).
    pub fn new(bounds: &[u64]) -> Option<Self> {
        HistogramCore::new(bounds).map(Self::from_core)
    }

    /// Records one observation in one critical section, so no snapshot sees
    /// it half-applied.
    pub fn observe(&self, value: u64) {
        self.core.lock().observe(value);
    }

    /// A consistent copy: every field from the same instant.
    pub fn snapshot(&self) -> HistogramSnapshot {
        self.core.lock().snapshot()
    }
}

impl fmt::Debug for Histogram {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Histogram").field(&self.snapshot()).finish()
    }
}

// ---------------------------------------------------------------- series

/// One timestamped sample of a series.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Sample {
    pub at: Millis,
    pub value: f64,
}

/// A bounded series' logic, unsynchronised: the `capacity` most recent samples.
#[derive(Debug, Clone, PartialEq)]
pub struct SeriesCore {
    capacity: usize,
    samples: VecDeque<Sample>,
    appended: u64,
}

/// A consistent copy of one series.
#[derive(Debug, Clone, PartialEq)]
pub struct SeriesSnapshot {
    pub capacity: usize,
    /// Oldest first.
    pub samples: Vec<Sample>,
    /// Appends ever made, evicted ones included.
    pub appended: u64,
}

impl SeriesCore {
    /// A series keeping at most `capacity` (≥ 1) samples.
    pub fn new(capacity: usize) -> Option<Self> {
        (capacity > 0).then(|| Self {
            capacity,
            samples: VecDeque::with_capacity(capacity),
            appended: 0,
        })
    }

    /// Appends one sample, evicting the oldest when full, on the same buffer:
    /// there is no copy for a concurrent append to miss.
    pub fn append(&mut self, sample: Sample) {
        if self.samples.len() == self.capacity {
            self.samples.pop_front();
        }
        self.samples.push_back(sample);
        self.appended += 1;
    }

    pub fn snapshot(&self) -> SeriesSnapshot {
        SeriesSnapshot {
            capacity: self.capacity,
            samples: self.samples.iter().copied().collect(),
            appended: self.appended,
        }
    }

    pub fn len(&self) -> usize {
        self.samples.len()
    }

    pub fn is_empty(&self) -> bool {
        self.samples.is_empty()
    }

    pub fn capacity(&self) -> usize {
        self.capacity
    }
}

/// A shared series handle; clones share one series.
#[derive(Clone)]
pub struct Series {
    core: Arc<Mutex<SeriesCore>>,
}

impl Series {
    fn from_core(core: SeriesCore) -> Self {
        Self {
            core: Arc::new(Mutex::new(core)),
        }
    }

    /// A standalone series (outside any registry).
    pub fn new(capacity: usize) -> Option<Self> {
        SeriesCore::new(capacity).map(Self::from_core)
    }

    pub fn append(&self, sample: Sample) {
        self.core.lock().append(sample);
    }

    pub fn snapshot(&self) -> SeriesSnapshot {
        self.core.lock().snapshot()
    }

    fn capacity(&self) -> usize {
        self.core.lock().capacity()
    }
}

impl fmt::Debug for Series {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Series").field(&self.snapshot()).finish()
    }
}

// ---------------------------------------------------------------- counter

/// A shared counter handle; clones share one counter.
///
/// Sharded: [`COUNTER_SHARDS`] atomics, each on its own cache line; a thread
/// adds to the shard its [`thread_index`] picks, so threads incrementing the
/// same counter do not fight over one cache line. An increment is a single
/// `fetch_add` on one shard, so none is ever lost and no lock is taken
/// (**no-lost-increment**: each lands in exactly one shard, and [`Counter::get`]
/// sums them all). A `get` concurrent with increments reads the shards one
/// after another, so it may include an increment and miss an earlier one
/// made on another thread; it never goes backwards for one reader, and it is
/// exact once the increments it should count have happened-before it.
#[derive(Clone)]
pub struct Counter {
    shards: Arc<Vec<CounterShard>>,
}

/// Shards per [`Counter`]: enough that a few busy threads rarely share one.
pub const COUNTER_SHARDS: usize = 8;

/// One shard, alone on its cache line.
#[repr(align(64))]
struct CounterShard(AtomicU64);

impl Counter {
    /// A standalone counter (outside any registry).
    pub fn new() -> Self {
        Self {
            shards: Arc::new(
                (0..COUNTER_SHARDS)
                    .map(|_| CounterShard(AtomicU64::new(0)))
                    .collect(),
            ),
        }
    }

    pub fn increment(&self) {
        self.add(1);
    }

    pub fn add(&self, n: u64) {
        // Relaxed suffices: the counter publishes no other data, and every
        // read-modify-write of one atomic sees all earlier ones.
        self.shards[thread_index() % COUNTER_SHARDS]
            .0
            .fetch_add(n, Ordering::Relaxed);
    }

    pub fn get(&self) -> u64 {
        self.shards
            .iter()
            .map(|shard| shard.0.load(Ordering::Relaxed))
            .fold(0, u64::wrapping_add)
    }
}

impl Default for Counter {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Debug for Counter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Counter").field(&self.get()).finish()
    }
}

// ---------------------------------------------------------------- registry

/// The registry's logic, unsynchronised: every metric held inline.
#[derive(Debug, Clone, Default)]
pub struct MetricsCore {
    metrics: BTreeMap<String, CoreMetric>,
}

#[derive(Debug, Clone)]
enum CoreMetric {
    Counter(u64),
    Histogram(HistogramCore),
    Series(SeriesCore),
}

impl CoreMetric {
    fn kind(&self) -> &'static str {
        match self {
            CoreMetric::Counter(_) => COUNTER,
            CoreMetric::Histogram(_) => HISTOGRAM,
            CoreMetric::Series(_) => SERIES,
        }
    }
}

const COUNTER: &str = "counter";
const HISTOGRAM: &str = "histogram";
const SERIES: &str = "series";

fn kind_mismatch(name: &str, existing: &'static str, requested: &'static str) -> MetricsError {
    MetricsError::KindMismatch {
        name: name.to_string(),
        existing,
        requested,
    }
}

impl MetricsCore {
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds `n` to the counter `name`, creating it at zero if absent.
    pub fn add(&mut self, name: &str, n: u64) -> Result<(), MetricsError> {
        let metric = self
            .metrics
            .entry(name.to_string())
            .or_insert(CoreMetric::Counter(0));
        match metric {
            CoreMetric::Counter(value) => {
                *value += n;
                Ok(())
            }
            other => Err(kind_mismatch(name, other.kind(), COUNTER)),
        }
    }

    /// Records `value` in the histogram `name`, creating it with `bounds` if
    /// absent.
    pub fn observe(&mut self, name: &str, bounds: &[u64], value: u64) -> Result<(), MetricsError> {
        if !self.metrics.contains_key(name) {
            let core = HistogramCore::new(bounds).ok_or_else(|| MetricsError::BadBounds {
                name: name.to_string(),
            })?;
            self.metrics
                .insert(name.to_string(), CoreMetric::Histogram(core));
        }
        match self.metrics.get_mut(name) {
            Some(CoreMetric::Histogram(h)) if h.bounds() == bounds => {
                h.observe(value);
                Ok(())
            }
            Some(CoreMetric::Histogram(_)) => Err(MetricsError::BoundsMismatch {
                name: name.to_string(),
            }),
            Some(other) => Err(kind_mismatch(name, other.kind(), HISTOGRAM)),
            None => Err(kind_mismatch(name, "missing metric", HISTOGRAM)),
        }
    }

    /// Appends to the series `name`, creating it with `capacity` if absent.
    pub fn append(
        &mut self,
        name: &str,
        capacity: usize,
        sample: Sample,
    ) -> Result<(), MetricsError> {
        if !self.metrics.contains_key(name) {
            let core = SeriesCore::new(capacity).ok_or_else(|| MetricsError::ZeroCapacity {
                name: name.to_string(),
            })?;
            self.metrics
                .insert(name.to_string(), CoreMetric::Series(core));
        }
        match self.metrics.get_mut(name) {
            Some(CoreMetric::Series(s)) if s.capacity() == capacity => {
                s.append(sample);
                Ok(())
            }
            Some(CoreMetric::Series(s)) => Err(MetricsError::CapacityMismatch {
                name: name.to_string(),
                existing: s.capacity(),
                requested: capacity,
            }),
            Some(other) => Err(kind_mismatch(name, other.kind(), SERIES)),
            None => Err(kind_mismatch(name, "missing metric", SERIES)),
        }
    }

    pub fn counter(&self, name: &str) -> Option<u64> {
        match self.metrics.get(name) {
            Some(CoreMetric::Counter(v)) => Some(*v),
            _ => None,
        }
    }

    pub fn histogram(&self, name: &str) -> Option<HistogramSnapshot> {
        match self.metrics.get(name) {
            Some(CoreMetric::Histogram(h)) => Some(h.snapshot()),
            _ => None,
        }
    }

    pub fn series(&self, name: &str) -> Option<SeriesSnapshot> {
        match self.metrics.get(name) {
            Some(CoreMetric::Series(s)) => Some(s.snapshot()),
            _ => None,
        }
    }
}

#[derive(Clone)]
enum Metric {
    Counter(Counter),
    Histogram(Histogram),
    Series(Series),
}

impl Metric {
    fn kind(&self) -> &'static str {
        match self {
            Metric::Counter(_) => COUNTER,
            Metric::Histogram(_) => HISTOGRAM,
            Metric::Series(_) => SERIES,
        }
    }
}

/// Every metric of a registry, each read consistently on its own.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct MetricsSnapshot {
    pub counters: BTreeMap<String, u64>,
    pub histograms: BTreeMap<String, HistogramSnapshot>,
    pub series: BTreeMap<String, SeriesSnapshot>,
}

/// The shared registry: a handle; clones share one set of named metrics.
#[derive(Clone, Default)]
pub struct Metrics {
    registry: Arc<Mutex<BTreeMap<String, Metric>>>,
}

impl Metrics {
    pub fn new() -> Self {
        Self::default()
    }

    /// The counter `name`, created at zero if absent. Lookup and creation are
    /// one critical section, so concurrent first callers share one counter.
    pub fn counter(&self, name: &str) -> Result<Counter, MetricsError> {
        let mut registry = self.registry.lock();
        match registry
            .entry(name.to_string())
            .or_insert_with(|| Metric::Counter(Counter::new()))
        {
            Metric::Counter(c) => Ok(c.clone()),
            other => Err(kind_mismatch(name, other.kind(), COUNTER)),
        }
    }

    /// The histogram `name`, created with `bounds` if absent; asking for an
    /// existing histogram with other bounds is an error, not a silent reuse.
    pub fn histogram(&self, name: &str, bounds: &[u64]) -> Result<Histogram, MetricsError> {
        let mut registry = self.registry.lock();
        if let Some(existing) = registry.get(name) {
            return match existing {
                Metric::Histogram(h) if h.core.lock().bounds() == bounds => Ok(h.clone()),
                Metric::Histogram(_) => Err(MetricsError::BoundsMismatch {
                    name: name.to_string(),
                }),
                other => Err(kind_mismatch(name, other.kind(), HISTOGRAM)),
            };
        }
        let histogram = Histogram::new(bounds).ok_or_else(|| MetricsError::BadBounds {
            name: name.to_string(),
        })?;
        registry.insert(name.to_string(), Metric::Histogram(histogram.clone()));
        Ok(histogram)
    }

    /// The series `name`, created with `capacity` if absent.
    pub fn series(&self, name: &str, capacity: usize) -> Result<Series, MetricsError> {
        let mut registry = self.registry.lock();
        if let Some(existing) = registry.get(name) {
            return match existing {
                Metric::Series(s) => {
                    let existing = s.capacity();
                    if existing == capacity {
                        Ok(s.clone())
                    } else {
                        Err(MetricsError::CapacityMismatch {
                            name: name.to_string(),
                            existing,
                            requested: capacity,
                        })
                    }
                }
                other => Err(kind_mismatch(name, other.kind(), SERIES)),
            };
        }
        let series = Series::new(capacity).ok_or_else(|| MetricsError::ZeroCapacity {
            name: name.to_string(),
        })?;
        registry.insert(name.to_string(), Metric::Series(series.clone()));
        Ok(series)
    }

    /// Names of every registered metric, sorted.
    pub fn names(&self) -> Vec<String> {
        self.registry.lock().keys().cloned().collect()
    }

    /// Every metric; each one consistent on its own. The registry lock is
    /// released before the metrics are read, so a snapshot never blocks
    /// get-or-create for longer than copying the handles.
    pub fn snapshot(&self) -> MetricsSnapshot {
        let metrics: Vec<(String, Metric)> = self
            .registry
            .lock()
            .iter()
            .map(|(name, metric)| (name.clone(), metric.clone()))
            .collect();
        let mut snapshot = MetricsSnapshot::default();
        for (name, metric) in metrics {
            match metric {
                Metric::Counter(c) => {
                    snapshot.counters.insert(name, c.get());
                }
                Metric::Histogram(h) => {
                    snapshot.histograms.insert(name, h.snapshot());
                }
                Metric::Series(s) => {
                    snapshot.series.insert(name, s.snapshot());
                }
            }
        }
        snapshot
    }
}

impl fmt::Debug for Metrics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Metrics")
            .field("names", &self.names())
            .finish()
    }
}

// std unit tests: not compiled into the loom/shuttle builds of this file
// (twinbench-checks sets `twinbench_model_check`), where they would run
// outside any model.
#[cfg(all(test, not(twinbench_model_check)))]
mod tests {
    use super::*;

    fn sample(at: Millis) -> Sample {
        Sample {
            at,
            value: at as f64,
        }
    }

    #[test]
    fn histogram_buckets_count_sum_min_max_agree() {
        let h = Histogram::new(&[10, 100]).expect("valid bounds");
        for v in [1, 10, 11, 100, 101, 5000] {
            h.observe(v);
        }
        let s = h.snapshot();
        assert_eq!(s.buckets, vec![2, 2, 2]);
        assert_eq!(s.count, 6);
        assert_eq!(s.sum, 5223);
        assert_eq!((s.min, s.max), (Some(1), Some(5000)));
        assert_eq!(s.bucket_of(10), 0);
        assert_eq!(s.bucket_of(11), 1);
        assert!(Histogram::new(&[]).is_none());
        assert!(Histogram::new(&[5, 5]).is_none());
    }

    #[test]
    fn series_keeps_the_most_recent_capacity_samples() {
        let s = Series::new(3).expect("capacity");
        for at in 0..5 {
            s.append(sample(at));
        }
        let snap = s.snapshot();
        assert_eq!(snap.appended, 5);
        let ats: Vec<Millis> = snap.samples.iter().map(|x| x.at).collect();
        assert_eq!(ats, vec![2, 3, 4]);
        assert!(Series::new(0).is_none());
    }

    #[test]
    fn registry_get_or_create_shares_one_metric_per_name() {
        let m = Metrics::new();
        let a = m.counter("requests").expect("counter");
        let b = m.counter("requests").expect("counter");
        a.increment();
        b.add(2);
        assert_eq!(m.snapshot().counters["requests"], 3);
        assert!(matches!(
            m.histogram("requests", &[1]),
            Err(MetricsError::KindMismatch { .. })
        ));
        let h = m.histogram("latency", &[1, 2]).expect("histogram");
        h.observe(2);
        assert!(matches!(
            m.histogram("latency", &[1, 3]),
            Err(MetricsError::BoundsMismatch { .. })
        ));
        assert_eq!(
            m.histogram("latency", &[1, 2]).map(|h| h.snapshot().count),
            Ok(1)
        );
        let s = m.series("cpu", 2).expect("series");
        s.append(sample(1));
        assert!(matches!(
            m.series("cpu", 3),
            Err(MetricsError::CapacityMismatch { .. })
        ));
        assert_eq!(m.names(), vec!["cpu", "latency", "requests"]);
    }

    #[test]
    fn core_registry_matches_the_shared_one() {
        let mut core = MetricsCore::new();
        core.add("ops", 2).expect("counter");
        core.observe("lat", &[10], 5).expect("histogram");
        core.observe("lat", &[10], 50).expect("histogram");
        core.append("cpu", 1, sample(1)).expect("series");
        core.append("cpu", 1, sample(2)).expect("series");
        assert_eq!(core.counter("ops"), Some(2));
        assert_eq!(core.histogram("lat").map(|h| h.buckets), Some(vec![1, 1]));
        assert_eq!(
            core.series("cpu").map(|s| (s.appended, s.samples.len())),
            Some((2, 1))
        );
        assert!(core.add("lat", 1).is_err());
        assert!(core.observe("lat", &[11], 1).is_err());
        assert!(core.append("cpu", 2, sample(3)).is_err());
    }

    #[test]
    fn sharded_counter_loses_no_increment_across_threads() {
        let counter = Counter::new();
        std::thread::scope(|scope| {
            for _ in 0..4 {
                scope.spawn(|| {
                    for _ in 0..1000 {
                        counter.increment();
                    }
                });
            }
        });
        counter.add(5);
        assert_eq!(counter.get(), 4005);
        assert_eq!(counter.clone().get(), 4005, "clones share the shards");
    }
}
