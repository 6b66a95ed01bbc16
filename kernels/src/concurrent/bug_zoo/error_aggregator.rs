//! The error handler's races (catalog error_handling.md §2), ported with a
//! lock per dict, deque or attribute access: each access is one atomic step
//! (as one bytecode under free-threaded CPython, or one step between awaits
//! on an event loop); the sequence of steps is not.
//!
//! - `R10.1.lost-counts` — `ErrorAggregator.add_error` tests
//!   `pattern_key in self.error_patterns`, then either runs
//!   `pattern.count += 1` (load, add, store) or assigns a new
//!   `ErrorPattern` to the key: two first callers both insert (the later
//!   overwrites, count 1), two incrementers both store `count + 1`.
//! - `R10.1.last-seen-backwards` — `pattern.last_seen = now` with `now`
//!   read at the call's start: a call that read the clock earlier but
//!   writes later moves `last_seen` back.
//! - `R10.2.iteration` — `get_analytics` walks `recent_errors` (a deque)
//!   and `error_patterns.values()` (a dict) step by step; an `add_error`
//!   between two steps makes the next step raise "deque mutated during
//!   iteration" / "dictionary changed size during iteration", and the
//!   caller gets an exception instead of analytics.
//! - `R10.3.torn-snapshot` — ingest updates the pattern, then appends to
//!   `recent_errors`, then to `error_history`; analytics read the rate, the
//!   totals and `len(error_history)` at three moments: an answer can count
//!   an error in one figure and not in another.
//! - `R10.5.shared-random` — every retry loop draws `random.random()` from
//!   the one interpreter-global stream after its `asyncio.sleep`, so the
//!   draws a call gets depend on the order the tasks wake in.
//! - `R10.6.cancelled-retry` — `handle_error` runs `add_error`, then awaits
//!   the retry's sleeps; a task cancelled there leaves its error counted
//!   with no result ever produced.

use std::collections::VecDeque;

use super::super::clock::Millis;
use super::super::error_aggregator::{
    Analytics, ErrorEvent, HISTORY_CAPACITY, Pattern, PolicyTable, RATE_WINDOW, RECENT_CAPACITY,
    RetryOutcome, Severity, Sleep, Strategy, TOP_PATTERNS, retry_with_backoff,
};
use super::super::sync::Mutex;

/// The exception a scan raises (a `RuntimeError` in the original).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RuntimeError {
    DequeMutatedDuringIteration,
    DictChangedSizeDuringIteration,
}

/// A record dict of the rings: only what analytics read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PyRecord {
    pub key: String,
    pub at: Millis,
}

/// `collections.deque(maxlen=…)` with CPython's mutation counter, which
/// every append bumps and every iterator step checks.
#[derive(Debug)]
struct PyDeque {
    items: VecDeque<PyRecord>,
    maxlen: usize,
    state: u64,
}

impl PyDeque {
    fn new(maxlen: usize) -> Self {
        Self {
            items: VecDeque::new(),
            maxlen,
            state: 0,
        }
    }

    fn append(&mut self, record: PyRecord) {
        if self.items.len() == self.maxlen {
            self.items.pop_front();
        }
        self.items.push_back(record);
        self.state += 1;
    }
}

/// `ErrorAggregator` as written: a dict of patterns (a `Vec` in insertion
/// order, iterated by position with the size checked at each step) and two
/// deques, each behind its own lock.
#[derive(Debug)]
pub struct PyErrorAggregator {
    error_patterns: Mutex<Vec<Pattern>>,
    recent_errors: Mutex<PyDeque>,
    error_history: Mutex<PyDeque>,
}

impl Default for PyErrorAggregator {
    fn default() -> Self {
        Self {
            error_patterns: Mutex::new(Vec::new()),
            recent_errors: Mutex::new(PyDeque::new(RECENT_CAPACITY)),
            error_history: Mutex::new(PyDeque::new(HISTORY_CAPACITY)),
        }
    }
}

impl PyErrorAggregator {
    pub fn new() -> Self {
        Self::default()
    }

    /// `self.error_patterns[key]` followed by an attribute access.
    fn with_pattern<R>(&self, key: &str, f: impl FnOnce(&mut Pattern) -> R) -> Option<R> {
        self.error_patterns
            .lock()
            .iter_mut()
            .find(|p| p.key == key)
            .map(f)
    }

    /// `add_error(error, context, error_type)` at `now`.
    pub fn add_error(&self, event: &ErrorEvent, now: Millis) {
        let known = self
            .error_patterns
            .lock()
            .iter()
            .any(|p| p.key == event.key);
        if known {
            // pattern.count += 1: load, then store.
            if let Some(count) = self.with_pattern(&event.key, |p| p.count) {
                self.with_pattern(&event.key, |p| p.count = count + 1);
            }
            self.with_pattern(&event.key, |p| p.last_seen = now);
        } else {
            let pattern = Pattern {
                key: event.key.clone(),
                component: event.component.clone(),
                error_type: event.error_type,
                severity: event.error_type.severity(),
                count: 1,
                first_seen: now,
                last_seen: now,
            };
            // self.error_patterns[key] = pattern: replaces (in place) a
            // pattern another caller inserted since the test.
            let mut patterns = self.error_patterns.lock();
            match patterns.iter_mut().find(|p| p.key == event.key) {
                Some(slot) => *slot = pattern,
                None => patterns.push(pattern),
            }
        }
        let record = PyRecord {
            key: event.key.clone(),
            at: now,
        };
        self.recent_errors.lock().append(record.clone());
        self.error_history.lock().append(record);
    }

    /// `for e in self.recent_errors`, one step per element.
    fn walk_deque(
        &self,
        deque: &Mutex<PyDeque>,
        mut visit: impl FnMut(&PyRecord),
    ) -> Result<(), RuntimeError> {
        let state = deque.lock().state;
        for position in 0.. {
            let next = {
                let d = deque.lock();
                if d.state != state {
                    return Err(RuntimeError::DequeMutatedDuringIteration);
                }
                d.items.get(position).cloned()
            };
            match next {
                Some(record) => visit(&record),
                None => break,
            }
        }
        Ok(())
    }

    /// `for p in self.error_patterns.values()`, one step per pattern.
    fn walk_patterns(&self, mut visit: impl FnMut(&Pattern)) -> Result<(), RuntimeError> {
        let size = self.error_patterns.lock().len();
        for position in 0.. {
            let next = {
                let patterns = self.error_patterns.lock();
                if patterns.len() != size {
                    return Err(RuntimeError::DictChangedSizeDuringIteration);
                }
                patterns.get(position).cloned()
            };
            match next {
                Some(pattern) => visit(&pattern),
                None => break,
            }
        }
        Ok(())
    }

    /// `get_analytics()` at `now`: the rate from the recent deque, the
    /// totals from one walk of the patterns, the top list from a second
    /// (`sorted(...values())`), `total_errors` from the history's length.
    pub fn get_analytics(&self, now: Millis) -> Result<Analytics, RuntimeError> {
        let since = now.saturating_sub(RATE_WINDOW);
        let mut rate_per_minute = 0;
        self.walk_deque(&self.recent_errors, |r| {
            rate_per_minute += usize::from(r.at >= since)
        })?;
        let mut by_type = Vec::new();
        let mut by_component: Vec<(String, u64)> = Vec::new();
        let mut by_severity: Vec<(Severity, u64)> = Vec::new();
        self.walk_patterns(|p| {
            add(&mut by_type, p.error_type, p.count);
            add(&mut by_component, p.component.clone(), p.count);
            add(&mut by_severity, p.severity, p.count);
        })?;
        let mut top = Vec::new();
        self.walk_patterns(|p| top.push(p.clone()))?;
        top.sort_by_key(|p| std::cmp::Reverse(p.count));
        top.truncate(TOP_PATTERNS);
        let total_errors = self.error_history.lock().items.len();
        Ok(Analytics {
            at: now,
            rate_per_minute,
            by_type,
            by_component,
            by_severity,
            top,
            total_errors,
        })
    }

    /// The patterns as they stand.
    pub fn patterns(&self) -> Vec<Pattern> {
        self.error_patterns.lock().clone()
    }

    /// `len(self.error_history)`: one record per `add_error` call.
    pub fn history_len(&self) -> usize {
        self.error_history.lock().items.len()
    }
}

/// `totals[key] = totals.get(key, 0) + n`, keys in first-met order.
fn add<K: PartialEq>(totals: &mut Vec<(K, u64)>, key: K, n: u64) {
    match totals.iter_mut().find(|(k, _)| *k == key) {
        Some((_, total)) => *total += n,
        None => totals.push((key, n)),
    }
}

/// The interpreter-global `random` stream, fed recorded draws (cycled), as
/// the catalog's baseline rule allows.
#[derive(Debug)]
pub struct GlobalRandom {
    draws: Vec<f64>,
    next: Mutex<usize>,
}

impl GlobalRandom {
    pub fn new(draws: Vec<f64>) -> Self {
        Self {
            draws,
            next: Mutex::new(0),
        }
    }

    /// `random.random()`.
    pub fn random(&self) -> f64 {
        let mut next = self.next.lock();
        let draw = self.draws.get(*next % self.draws.len().max(1)).copied();
        *next += 1;
        draw.unwrap_or(0.0)
    }
}

/// A result `handle_error` returns to its caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PyResult {
    pub success: bool,
    pub retry: Option<RetryOutcome>,
}

/// `EnhancedErrorHandler` reduced to the path both asyncio races take:
/// ingest, strategy lookup, the retry loop on the global stream.
#[derive(Debug)]
pub struct PyErrorHandler {
    pub aggregator: PyErrorAggregator,
    random: GlobalRandom,
    tables: PolicyTable,
}

impl PyErrorHandler {
    pub fn new(draws: Vec<f64>) -> Self {
        Self {
            aggregator: PyErrorAggregator::new(),
            random: GlobalRandom::new(draws),
            tables: PolicyTable::new(),
        }
    }

    /// `handle_error(error, context, error_type)`: `add_error` runs before
    /// the first await, the result exists only if the coroutine finishes.
    pub async fn handle_error(
        &self,
        event: &ErrorEvent,
        now: Millis,
        sleep: &impl Sleep,
    ) -> PyResult {
        self.aggregator.add_error(event, now);
        let (strategy, _action) = self.tables.lookup(event.error_type);
        match strategy {
            Strategy::RetryWithBackoff => {
                let retry =
                    retry_with_backoff(&event.operation, || self.random.random(), sleep).await;
                PyResult {
                    success: retry.succeeded,
                    retry: Some(retry),
                }
            }
            Strategy::GracefulDegradation => PyResult {
                success: true,
                retry: None,
            },
            _ => PyResult {
                success: false,
                retry: None,
            },
        }
    }
}
