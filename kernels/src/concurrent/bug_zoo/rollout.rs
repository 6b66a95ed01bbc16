//! `RO.double-promotion`, `RO.lost-rollback` — the rollout controller as seed
//! 000 describes it (5%, +10% per period, automatic rollback) written the
//! obvious way: the percentage, the "periods evaluated" mark and the
//! rolled-back flag as separate atomics, the period's counters under a lock,
//! and whichever request thread notices a period ended evaluates it.
//!
//! - **double promotion**: `close_period` checks the mark, evaluates, and
//!   only then moves the mark: two threads at the boundary both pass the
//!   check, and the period is decided twice (promoted twice, or once with
//!   the other promotion lost, depending on where the percentage's read and
//!   write fall).
//! - **lost rollback**: the promotion reads the rolled-back flag and the
//!   percentage, then writes percentage + step; an error report that rolls
//!   back in between (percentage 0, flag set) is overwritten: the flag says
//!   rolled back while the twin serves 15% of calls.

use super::super::rollout::{PeriodStats, Sample};
use super::super::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use super::super::sync::{Arc, Mutex};

const STEP: u64 = 10;

/// What the naive controller logged: `(period, action)`.
pub type LoggedDecision = (u64, &'static str);

/// The naive controller.
#[derive(Debug)]
pub struct NaiveRollout {
    percent: AtomicU64,
    /// Periods evaluated so far: period `p` is due while this is `≤ p`.
    evaluated: AtomicU64,
    rolled_back: AtomicBool,
    stats: Mutex<PeriodStats>,
    log: Mutex<Vec<LoggedDecision>>,
}

impl NaiveRollout {
    pub fn new(initial_percent: u64) -> Arc<Self> {
        Arc::new(Self {
            percent: AtomicU64::new(initial_percent),
            evaluated: AtomicU64::new(0),
            rolled_back: AtomicBool::new(false),
            stats: Mutex::new(PeriodStats::default()),
            log: Mutex::new(Vec::new()),
        })
    }

    /// Counts a sample (under the lock: this part is right).
    pub fn record(&self, sample: Sample) {
        self.stats.lock().add(sample);
    }

    /// Evaluates `period` if it has not been: promotes when no twin call
    /// failed. Check, act, then mark — the double promotion.
    pub fn close_period(&self, period: u64) {
        if self.evaluated.load(Ordering::SeqCst) > period {
            return;
        }
        let stats = *self.stats.lock();
        if !self.rolled_back.load(Ordering::SeqCst) && stats.twin_errors == 0 {
            // Read, then write: the lost rollback.
            let percent = self.percent.load(Ordering::SeqCst);
            self.percent
                .store((percent + STEP).min(100), Ordering::SeqCst);
            self.log.lock().push((period, "promoted"));
        } else {
            self.log.lock().push((period, "held"));
        }
        *self.stats.lock() = PeriodStats::default();
        self.evaluated.store(period + 1, Ordering::SeqCst);
    }

    /// A failed twin call: rolls back at once.
    pub fn report_error(&self, period: u64) {
        self.record(Sample::Twin { ns: 0, error: true });
        self.percent.store(0, Ordering::SeqCst);
        self.rolled_back.store(true, Ordering::SeqCst);
        self.log.lock().push((period, "rolled back"));
    }

    pub fn percent(&self) -> u64 {
        self.percent.load(Ordering::SeqCst)
    }

    pub fn is_rolled_back(&self) -> bool {
        self.rolled_back.load(Ordering::SeqCst)
    }

    pub fn log(&self) -> Vec<LoggedDecision> {
        self.log.lock().clone()
    }
}
