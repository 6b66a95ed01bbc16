//! The error handler's shared state: the aggregator's pattern table and
//! record rings, the strategy/action tables, the retry's random draws and
//! the ingest-then-result protocol of `handle_error` (catalog
//! error_handling.md §1 K10.5–K10.8, §2 R10.1–R10.7).
//!
//! The original keeps all of it in plain dicts and deques with no lock
//! (the "thread-safe async operations" of its commit message are not in the
//! code), so under threads (bug zoo `R10.1.*`, `R10.2.iteration`,
//! `R10.3.torn-snapshot`) and under asyncio (`R10.5.shared-random`,
//! `R10.6.cancelled-retry`):
//!
//! - `add_error` tests for a known key, increments `count` and inserts a
//!   new pattern in separate steps: counts are lost and `last_seen` can go
//!   backwards;
//! - `get_analytics` scans the recent deque and the pattern dict while
//!   they change, and raises "deque mutated during iteration" /
//!   "dictionary changed size during iteration";
//! - the rate, the per-type totals and `total_errors` are read at
//!   different moments, while ingest updates the pattern, the recent deque
//!   and the history deque as three steps: totals disagree with the
//!   records;
//! - strategy and action are two lookups, so a reconfiguration between
//!   them yields a pair nobody configured (R10.4);
//! - every retry loop draws from the one global `random` stream, so which
//!   call succeeds depends on the order tasks wake in;
//! - a task cancelled during a retry sleep leaves its error counted with
//!   no result;
//! - `get_error_handler` checks, then assigns the module global: two first
//!   callers each build a handler, and registrations on the one replaced
//!   vanish (`R10.7.singleton`; the [`super::singleton::Singleton`]
//!   component keeps them).
//!
//! Here one guard covers the pattern table, both rings, the policy tables
//! and the result ledger ([`HandlerCore`] behind [`ErrorHandler`]): an
//! ingest, with the dispatch lookup of its strategy *and* action, is one
//! critical section, and analytics are computed from the table as one
//! critical section sees it. A call's retry draws come from its own stream
//! ([`RetryStream`], seeded by the handler's seed and the call's id), so
//! its outcome does not depend on other calls. [`ErrorHandler::handle`]
//! holds a [`Ticket`] from ingest on: completing it records the outcome,
//! dropping it (the task cancelled at an await) records
//! [`Settlement::Cancelled`], so every recorded error gets exactly one
//! result. Retry sleeps go through an injected [`Sleep`] and never hold
//! the guard.
//!
//! Pattern keys (K10.3), classification (K10.1) and severity rules (K10.4)
//! are the error-processing kernels' job (`kernels/src/errors`); this
//! component takes the key and type as given and owns only the state.
//!
//! # Invariants (asserted by the model checks)
//! - **counts-sum-to-calls**: the patterns' counts sum to the number of
//!   errors recorded, and the rings hold one record per error (up to their
//!   capacities).
//! - **last-seen-never-backwards**: a pattern's `last_seen` is the latest
//!   timestamp ever recorded for it and `first_seen` the earliest, whatever
//!   order concurrent calls arrive in.
//! - **analytics-covers-recorded-errors**: an analytics call always
//!   answers, and its answer counts every error recorded before it began.
//! - **analytics-consistent**: within one answer the per-type totals, the
//!   rate and `total_errors` describe the same set of records (below the
//!   ring capacities).
//! - **strategy-and-action-from-one-configuration**: a dispatch sees the
//!   strategy and action of one `configure` call, never a mix.
//! - **retry-outcome-schedule-independent**: a call's retry outcome is the
//!   one it gets when the calls run one after another.
//! - **every-recorded-error-gets-one-result**: once its task has ended
//!   (completed or cancelled), every recorded error has exactly one
//!   settlement.

use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};
use std::fmt;
use std::future::Future;

use super::clock::Millis;
use super::sync::{Arc, Mutex};

/// `recent_errors`: `deque(maxlen=window_size)`, window 1000.
pub const RECENT_CAPACITY: usize = 1_000;
/// `error_history`: `deque(maxlen=10000)`.
pub const HISTORY_CAPACITY: usize = 10_000;
/// The analytics rate counts records at most this old (inclusive).
pub const RATE_WINDOW: Millis = 60_000;
/// Length of the analytics' top-pattern list.
pub const TOP_PATTERNS: usize = 10;
/// The retry's sleeps before attempts 1, 2, 3 start at this, double after
/// each failed attempt and are capped at [`RETRY_DELAY_CAP`].
pub const RETRY_FIRST_DELAY: Millis = 1_000;
pub const RETRY_DELAY_CAP: Millis = 30_000;
pub const RETRY_ATTEMPTS: u32 = 3;
/// A draw strictly above this succeeds.
pub const RETRY_SUCCESS_ABOVE: f64 = 0.7;

/// K10.1's error types.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ErrorType {
    Transient,
    RateLimit,
    Authentication,
    DataValidation,
    Permanent,
    Unknown,
}

impl ErrorType {
    pub const ALL: [ErrorType; 6] = [
        ErrorType::Transient,
        ErrorType::RateLimit,
        ErrorType::Authentication,
        ErrorType::DataValidation,
        ErrorType::Permanent,
        ErrorType::Unknown,
    ];

    /// K10.4: fixed when a pattern is created, never revised.
    pub fn severity(self) -> Severity {
        match self {
            ErrorType::Permanent => Severity::Critical,
            ErrorType::Authentication => Severity::High,
            ErrorType::RateLimit | ErrorType::Transient => Severity::Low,
            ErrorType::DataValidation | ErrorType::Unknown => Severity::Medium,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Severity {
    Low,
    Medium,
    High,
    Critical,
}

/// K10.7's recovery strategies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Strategy {
    RetryWithBackoff,
    FallbackToCache,
    FallbackToDefault,
    CircuitBreaker,
    GracefulDegradation,
    ImmediateFail,
}

/// K10.7's recovery actions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    None,
    ReduceLoad,
    ClearCache,
    AlertAdmin,
}

/// One error as `handle_error` receives it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ErrorEvent {
    /// The K10.3 pattern key, computed by the caller.
    pub key: String,
    pub component: String,
    /// The context's operation: retries draw only if it is non-empty and
    /// its lowercase form does not contain "test" (K10.8).
    pub operation: String,
    pub error_type: ErrorType,
    /// The call's identity (e.g. a hash of its request id): seeds its
    /// retry stream, so equal calls retry alike in any schedule.
    pub call: u64,
}

/// A pattern as the table holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pattern {
    pub key: String,
    pub component: String,
    pub error_type: ErrorType,
    pub severity: Severity,
    pub count: u64,
    /// The earliest timestamp recorded for the key.
    pub first_seen: Millis,
    /// The latest timestamp recorded for the key.
    pub last_seen: Millis,
}

/// A ring entry: which pattern, when, and the error's sequence number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Record {
    pub seq: u64,
    /// Position of the pattern in insertion order (patterns are never
    /// pruned, so positions are stable).
    pub pattern: usize,
    pub at: Millis,
}

/// One analytics answer, computed from one consistent view of the table.
#[derive(Debug, Clone, PartialEq)]
pub struct Analytics {
    pub at: Millis,
    /// Records in the recent ring no older than [`RATE_WINDOW`].
    pub rate_per_minute: usize,
    /// Lifetime counts per type, in the order types were first met.
    pub by_type: Vec<(ErrorType, u64)>,
    pub by_component: Vec<(String, u64)>,
    pub by_severity: Vec<(Severity, u64)>,
    /// The [`TOP_PATTERNS`] most frequent patterns, ties in first-seen
    /// order; copies, so they do not change after the answer.
    pub top: Vec<Pattern>,
    /// Records in the history ring (capped, as the original's).
    pub total_errors: usize,
}

impl Analytics {
    /// The errors the per-type totals count.
    pub fn counted(&self) -> u64 {
        self.by_type.iter().map(|(_, n)| n).sum()
    }
}

/// Adds `n` to `key`'s total, appending the key when first met.
fn tally<K: PartialEq>(totals: &mut Vec<(K, u64)>, key: K, n: u64) {
    match totals.iter_mut().find(|(k, _)| *k == key) {
        Some((_, total)) => *total += n,
        None => totals.push((key, n)),
    }
}

/// The aggregator, unsynchronised: the pattern table in insertion order
/// and the two bounded rings.
#[derive(Debug, Clone)]
pub struct AggregatorCore {
    patterns: Vec<Pattern>,
    index: HashMap<String, usize>,
    recent: VecDeque<Record>,
    history: VecDeque<Record>,
    recent_capacity: usize,
    history_capacity: usize,
    recorded: u64,
}

impl Default for AggregatorCore {
    fn default() -> Self {
        Self::with_capacities(RECENT_CAPACITY, HISTORY_CAPACITY)
    }
}

impl AggregatorCore {
    pub fn new() -> Self {
        Self::default()
    }

    /// Rings of the given capacities (at least 1 each).
    pub fn with_capacities(recent: usize, history: usize) -> Self {
        Self {
            patterns: Vec::new(),
            index: HashMap::new(),
            recent: VecDeque::new(),
            history: VecDeque::new(),
            recent_capacity: recent.max(1),
            history_capacity: history.max(1),
            recorded: 0,
        }
    }

    /// `add_error`: counts the error in its pattern (created on first
    /// sight with the type's severity) and appends one record to each
    /// ring; returns the error's sequence number. `now` may be older than
    /// a timestamp already recorded (a caller that read its clock before a
    /// competitor); `last_seen` keeps the latest, `first_seen` the earliest.
    pub fn add_error(&mut self, event: &ErrorEvent, now: Millis) -> u64 {
        let pattern = match self.index.get(&event.key) {
            Some(&at) => {
                let p = &mut self.patterns[at];
                p.count += 1;
                p.first_seen = p.first_seen.min(now);
                p.last_seen = p.last_seen.max(now);
                at
            }
            None => {
                let at = self.patterns.len();
                self.patterns.push(Pattern {
                    key: event.key.clone(),
                    component: event.component.clone(),
                    error_type: event.error_type,
                    severity: event.error_type.severity(),
                    count: 1,
                    first_seen: now,
                    last_seen: now,
                });
                self.index.insert(event.key.clone(), at);
                at
            }
        };
        let record = Record {
            seq: self.recorded,
            pattern,
            at: now,
        };
        self.recorded += 1;
        for (ring, capacity) in [
            (&mut self.recent, self.recent_capacity),
            (&mut self.history, self.history_capacity),
        ] {
            if ring.len() == capacity {
                ring.pop_front();
            }
            ring.push_back(record);
        }
        record.seq
    }

    /// `get_analytics` at `now`.
    pub fn analytics(&self, now: Millis) -> Analytics {
        let since = now.saturating_sub(RATE_WINDOW);
        let rate_per_minute = self.recent.iter().filter(|r| r.at >= since).count();
        let (mut by_type, mut by_component, mut by_severity) = (Vec::new(), Vec::new(), Vec::new());
        for p in &self.patterns {
            tally(&mut by_type, p.error_type, p.count);
            tally(&mut by_component, p.component.clone(), p.count);
            tally(&mut by_severity, p.severity, p.count);
        }
        let mut ranked: Vec<&Pattern> = self.patterns.iter().collect();
        // Stable: ties keep first-seen order, as Python's reverse sort.
        ranked.sort_by_key(|p| std::cmp::Reverse(p.count));
        Analytics {
            at: now,
            rate_per_minute,
            by_type,
            by_component,
            by_severity,
            top: ranked.into_iter().take(TOP_PATTERNS).cloned().collect(),
            total_errors: self.history.len(),
        }
    }

    /// Every pattern, in first-seen order.
    pub fn patterns(&self) -> &[Pattern] {
        &self.patterns
    }

    pub fn pattern(&self, key: &str) -> Option<&Pattern> {
        self.index.get(key).map(|&at| &self.patterns[at])
    }

    /// Errors recorded so far (`add_error` calls).
    pub fn recorded(&self) -> u64 {
        self.recorded
    }

    pub fn recent(&self) -> impl ExactSizeIterator<Item = &Record> {
        self.recent.iter()
    }

    pub fn history(&self) -> impl ExactSizeIterator<Item = &Record> {
        self.history.iter()
    }
}

/// The strategy and action tables, as pairs: one entry per type, so a
/// lookup returns what one `configure` call set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyTable {
    by_type: HashMap<ErrorType, (Strategy, Action)>,
}

impl Default for PolicyTable {
    /// The original's tables (K10.7).
    fn default() -> Self {
        let by_type = ErrorType::ALL
            .into_iter()
            .map(|t| {
                let pair = match t {
                    ErrorType::Transient => (Strategy::RetryWithBackoff, Action::None),
                    ErrorType::RateLimit => (Strategy::RetryWithBackoff, Action::ReduceLoad),
                    ErrorType::Authentication | ErrorType::Permanent => {
                        (Strategy::ImmediateFail, Action::AlertAdmin)
                    }
                    ErrorType::DataValidation => (Strategy::FallbackToDefault, Action::ClearCache),
                    ErrorType::Unknown => (Strategy::FallbackToCache, Action::None),
                };
                (t, pair)
            })
            .collect();
        Self { by_type }
    }
}

impl PolicyTable {
    pub fn new() -> Self {
        Self::default()
    }

    /// `configure_error_strategy` and `configure_recovery_action` for one
    /// type, as one change.
    pub fn configure(&mut self, error_type: ErrorType, strategy: Strategy, action: Action) {
        self.by_type.insert(error_type, (strategy, action));
    }

    /// Strategy and action of `error_type` (a missing type: cache fallback,
    /// no action, as the original's `.get` defaults).
    pub fn lookup(&self, error_type: ErrorType) -> (Strategy, Action) {
        self.by_type
            .get(&error_type)
            .copied()
            .unwrap_or((Strategy::FallbackToCache, Action::None))
    }
}

/// What an ingest tells the caller: the error's sequence number and how to
/// handle it, read in the ingest's critical section.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Dispatch {
    pub seq: u64,
    pub strategy: Strategy,
    pub action: Action,
}

/// A retry's result (K10.8): whether an attempt succeeded, and how many
/// attempts ran (3 on exhaustion).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryOutcome {
    pub succeeded: bool,
    pub attempts: u32,
}

/// A handled error's result.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Outcome {
    pub dispatch: Dispatch,
    pub success: bool,
    /// Present when the strategy was a retry.
    pub retry: Option<RetryOutcome>,
}

/// How a recorded error was settled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Settlement {
    Completed(Outcome),
    /// Its task was dropped (cancelled) after ingest, before a result.
    Cancelled,
}

/// The handler's state, unsynchronised: aggregator, policy tables,
/// registered fallbacks and the result ledger.
#[derive(Debug, Clone, Default)]
pub struct HandlerCore {
    aggregator: AggregatorCore,
    policy: PolicyTable,
    fallbacks: BTreeSet<String>,
    settled: BTreeMap<u64, Settlement>,
}

impl HandlerCore {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn with_aggregator(aggregator: AggregatorCore) -> Self {
        Self {
            aggregator,
            ..Self::default()
        }
    }

    /// Ingest plus dispatch lookup: the first half of `handle_error`.
    pub fn record(&mut self, event: &ErrorEvent, now: Millis) -> Dispatch {
        let seq = self.aggregator.add_error(event, now);
        let (strategy, action) = self.policy.lookup(event.error_type);
        Dispatch {
            seq,
            strategy,
            action,
        }
    }

    /// Records `seq`'s result; false (and nothing changes) if it already
    /// has one or was never recorded.
    pub fn settle(&mut self, seq: u64, settlement: Settlement) -> bool {
        if seq >= self.aggregator.recorded() || self.settled.contains_key(&seq) {
            return false;
        }
        self.settled.insert(seq, settlement);
        true
    }

    pub fn configure(&mut self, error_type: ErrorType, strategy: Strategy, action: Action) {
        self.policy.configure(error_type, strategy, action);
    }

    pub fn lookup(&self, error_type: ErrorType) -> (Strategy, Action) {
        self.policy.lookup(error_type)
    }

    /// Registers a fallback for `component` (cache value or default
    /// function; which one is the K10.7 kernel's business).
    pub fn register_fallback(&mut self, component: &str) {
        self.fallbacks.insert(component.to_string());
    }

    pub fn has_fallback(&self, component: &str) -> bool {
        self.fallbacks.contains(component)
    }

    pub fn fallbacks(&self) -> impl Iterator<Item = &str> {
        self.fallbacks.iter().map(String::as_str)
    }

    pub fn analytics(&self, now: Millis) -> Analytics {
        self.aggregator.analytics(now)
    }

    pub fn aggregator(&self) -> &AggregatorCore {
        &self.aggregator
    }

    /// Every settled error, by sequence number.
    pub fn settlements(&self) -> &BTreeMap<u64, Settlement> {
        &self.settled
    }

    /// Recorded errors with no result yet (their tasks still running).
    pub fn unsettled(&self) -> Vec<u64> {
        (0..self.aggregator.recorded())
            .filter(|seq| !self.settled.contains_key(seq))
            .collect()
    }
}

/// A call's own random draws: SplitMix64 seeded by the handler's seed and
/// the call's id, mapped to `[0, 1)` with 53 bits as CPython's `random()`.
#[derive(Debug, Clone)]
pub struct RetryStream {
    state: u64,
}

impl RetryStream {
    pub fn for_call(seed: u64, call: u64) -> Self {
        Self {
            state: seed ^ call.wrapping_mul(0x9E37_79B9_7F4A_7C15).rotate_left(17),
        }
    }

    pub fn next_draw(&mut self) -> f64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^= z >> 31;
        (z >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// The retry's sleeps, injected: a real timer in a service, a recorder in
/// tests, a yield in the model checks. Never called with a guard held.
pub trait Sleep {
    fn sleep(&self, ms: Millis) -> impl Future<Output = ()>;
}

/// Whether the retry may draw for `operation` (K10.8's substring test).
pub fn draws_allowed(operation: &str) -> bool {
    !operation.is_empty() && !operation.to_lowercase().contains("test")
}

/// `_handle_retry_with_backoff` with the draws and the sleeps injected:
/// up to three attempts, each a sleep then (if allowed) one draw; the
/// delay doubles after each failed attempt.
pub async fn retry_with_backoff(
    operation: &str,
    mut draw: impl FnMut() -> f64,
    sleep: &impl Sleep,
) -> RetryOutcome {
    let mut delay = RETRY_FIRST_DELAY;
    for attempt in 1..=RETRY_ATTEMPTS {
        sleep.sleep(delay).await;
        if draws_allowed(operation) && draw() > RETRY_SUCCESS_ABOVE {
            return RetryOutcome {
                succeeded: true,
                attempts: attempt,
            };
        }
        delay = (delay * 2).min(RETRY_DELAY_CAP);
    }
    RetryOutcome {
        succeeded: false,
        attempts: RETRY_ATTEMPTS,
    }
}

/// The shared handler: a handle; clones share one state.
#[derive(Clone)]
pub struct ErrorHandler {
    state: Arc<Mutex<HandlerCore>>,
    retry_seed: u64,
}

impl ErrorHandler {
    /// A handler with the original's tables and ring sizes; `retry_seed`
    /// seeds every call's [`RetryStream`].
    pub fn new(retry_seed: u64) -> Self {
        Self::with_core(HandlerCore::new(), retry_seed)
    }

    pub fn with_core(core: HandlerCore, retry_seed: u64) -> Self {
        Self {
            state: Arc::new(Mutex::new(core)),
            retry_seed,
        }
    }

    /// Ingest and dispatch lookup in one critical section.
    pub fn record(&self, event: &ErrorEvent, now: Millis) -> Dispatch {
        self.state.lock().record(event, now)
    }

    /// `handle_error`: ingest at `now`, then run the strategy (sleeping
    /// through `sleep` for retries, no guard held). The result is settled
    /// in the ledger before it is returned; if this future is dropped
    /// after ingest, the error is settled [`Settlement::Cancelled`].
    pub async fn handle(&self, event: &ErrorEvent, now: Millis, sleep: &impl Sleep) -> Outcome {
        let dispatch = self.record(event, now);
        let ticket = Ticket {
            handler: self,
            seq: Some(dispatch.seq),
        };
        let (success, retry) = match dispatch.strategy {
            Strategy::RetryWithBackoff => {
                let mut stream = RetryStream::for_call(self.retry_seed, event.call);
                let retry =
                    retry_with_backoff(&event.operation, || stream.next_draw(), sleep).await;
                (retry.succeeded, Some(retry))
            }
            Strategy::FallbackToCache | Strategy::FallbackToDefault => {
                (self.state.lock().has_fallback(&event.component), None)
            }
            Strategy::GracefulDegradation => (true, None),
            Strategy::CircuitBreaker | Strategy::ImmediateFail => (false, None),
        };
        ticket.complete(Outcome {
            dispatch,
            success,
            retry,
        })
    }

    /// Analytics from one consistent view of the table.
    pub fn analytics(&self, now: Millis) -> Analytics {
        self.state.lock().analytics(now)
    }

    pub fn configure(&self, error_type: ErrorType, strategy: Strategy, action: Action) {
        self.state.lock().configure(error_type, strategy, action);
    }

    pub fn lookup(&self, error_type: ErrorType) -> (Strategy, Action) {
        self.state.lock().lookup(error_type)
    }

    pub fn register_fallback(&self, component: &str) {
        self.state.lock().register_fallback(component);
    }

    /// The registered fallbacks' components, sorted.
    pub fn fallbacks(&self) -> Vec<String> {
        self.state.lock().fallbacks().map(str::to_string).collect()
    }

    /// A consistent copy of the whole state.
    pub fn snapshot(&self) -> HandlerCore {
        self.state.lock().clone()
    }
}

impl fmt::Debug for ErrorHandler {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let core = self.state.lock();
        f.debug_struct("ErrorHandler")
            .field("patterns", &core.aggregator.patterns.len())
            .field("recorded", &core.aggregator.recorded)
            .field("settled", &core.settled.len())
            .finish()
    }
}

/// An ingested error awaiting its result: settles it exactly once, with
/// the outcome on [`Ticket::complete`] or as cancelled when dropped.
struct Ticket<'a> {
    handler: &'a ErrorHandler,
    /// `None` once settled.
    seq: Option<u64>,
}

impl Ticket<'_> {
    fn complete(mut self, outcome: Outcome) -> Outcome {
        if let Some(seq) = self.seq.take() {
            self.handler
                .state
                .lock()
                .settle(seq, Settlement::Completed(outcome));
        }
        outcome
    }
}

impl Drop for Ticket<'_> {
    fn drop(&mut self) {
        if let Some(seq) = self.seq.take() {
            self.handler.state.lock().settle(seq, Settlement::Cancelled);
        }
    }
}

// std unit tests: not compiled into the loom/shuttle builds of this file.
#[cfg(all(test, not(twinbench_model_check)))]
mod tests {
    use super::*;
    use std::cell::RefCell;
    use std::pin::pin;
    use std::task::{Context, Poll, Waker};

    use super::super::sync::block_on;

    fn event(key: &str, error_type: ErrorType, call: u64) -> ErrorEvent {
        ErrorEvent {
            key: key.to_string(),
            component: format!("svc-{}", key.len()),
            operation: "fetch".to_string(),
            error_type,
            call,
        }
    }

    /// Records the delays; the first sleep of a call can be made to stay
    /// pending once (an await where a task can be cancelled).
    #[derive(Default)]
    struct Recorder {
        slept: RefCell<Vec<Millis>>,
    }

    impl Sleep for Recorder {
        async fn sleep(&self, ms: Millis) {
            self.slept.borrow_mut().push(ms);
        }
    }

    struct PendingOnce;

    impl Sleep for PendingOnce {
        fn sleep(&self, _ms: Millis) -> impl Future<Output = ()> {
            let mut first = true;
            std::future::poll_fn(move |cx| {
                if std::mem::take(&mut first) {
                    cx.waker().wake_by_ref();
                    Poll::Pending
                } else {
                    Poll::Ready(())
                }
            })
        }
    }

    #[test]
    fn ingest_counts_keeps_extreme_timestamps_and_caps_the_rings() {
        let mut core = AggregatorCore::with_capacities(2, 3);
        assert_eq!(core.add_error(&event("a", ErrorType::Permanent, 0), 50), 0);
        assert_eq!(core.add_error(&event("a", ErrorType::Permanent, 1), 40), 1);
        assert_eq!(core.add_error(&event("bb", ErrorType::Transient, 2), 60), 2);
        assert_eq!(core.add_error(&event("a", ErrorType::Permanent, 3), 55), 3);
        let a = core.pattern("a").cloned();
        assert_eq!(
            a.map(|p| (p.count, p.first_seen, p.last_seen, p.severity)),
            Some((3, 40, 55, Severity::Critical))
        );
        assert_eq!(core.recent().map(|r| r.seq).collect::<Vec<_>>(), vec![2, 3]);
        assert_eq!(core.history().len(), 3);
        assert_eq!(core.recorded(), 4);
        let sum: u64 = core.patterns().iter().map(|p| p.count).sum();
        assert_eq!(sum, 4);
    }

    #[test]
    fn analytics_rank_stably_and_count_the_rate_window_inclusively() {
        let mut core = AggregatorCore::new();
        for (key, t, at) in [
            ("x", ErrorType::Unknown, 0),
            ("y", ErrorType::Authentication, 10_000),
            ("y", ErrorType::Authentication, 20_000),
            ("z", ErrorType::Unknown, 70_000),
        ] {
            core.add_error(&event(key, t, 0), at);
        }
        let a = core.analytics(70_000);
        assert_eq!(a.rate_per_minute, 3, "10 000 is exactly 60 s old: counted");
        assert_eq!(
            a.by_type,
            vec![(ErrorType::Unknown, 2), (ErrorType::Authentication, 2)]
        );
        assert_eq!(
            a.top.iter().map(|p| p.key.as_str()).collect::<Vec<_>>(),
            vec!["y", "x", "z"]
        );
        assert_eq!((a.counted(), a.total_errors), (4, 4));
    }

    #[test]
    fn strategy_and_action_change_together() {
        let handler = ErrorHandler::new(7);
        assert_eq!(
            handler.lookup(ErrorType::RateLimit),
            (Strategy::RetryWithBackoff, Action::ReduceLoad)
        );
        handler.configure(
            ErrorType::RateLimit,
            Strategy::GracefulDegradation,
            Action::None,
        );
        let d = handler.record(&event("r", ErrorType::RateLimit, 0), 1);
        assert_eq!(
            (d.strategy, d.action),
            (Strategy::GracefulDegradation, Action::None)
        );
    }

    #[test]
    fn a_retry_sleeps_one_two_four_seconds_and_never_draws_for_tests() {
        let sleep = Recorder::default();
        let out = block_on(retry_with_backoff("Latest", || 1.0, &sleep));
        assert_eq!(
            out,
            RetryOutcome {
                succeeded: false,
                attempts: 3
            }
        );
        assert_eq!(*sleep.slept.borrow(), vec![1_000, 2_000, 4_000]);
        let mut draws = [0.7, 0.71].into_iter();
        let out = block_on(retry_with_backoff(
            "fetch",
            || draws.next().unwrap_or(0.0),
            &sleep,
        ));
        assert_eq!(
            out,
            RetryOutcome {
                succeeded: true,
                attempts: 2
            }
        );
    }

    #[test]
    fn a_calls_retry_outcome_does_not_depend_on_other_calls() {
        let alone = ErrorHandler::new(42);
        let busy = ErrorHandler::new(42);
        let sleep = Recorder::default();
        let target = event("t", ErrorType::Transient, 9);
        let expected = block_on(alone.handle(&target, 0, &sleep));
        for call in 0..5 {
            block_on(busy.handle(&event("t", ErrorType::Transient, call), 0, &sleep));
        }
        let got = block_on(busy.handle(&target, 0, &sleep));
        assert_eq!(got.retry, expected.retry);
        assert!(expected.retry.is_some());
    }

    #[test]
    fn a_handle_dropped_after_ingest_is_settled_cancelled_and_others_completed() {
        let handler = ErrorHandler::new(1);
        let cancelled = event("c", ErrorType::Transient, 0);
        {
            let mut future = pin!(handler.handle(&cancelled, 0, &PendingOnce));
            let mut cx = Context::from_waker(Waker::noop());
            assert!(future.as_mut().poll(&mut cx).is_pending());
            assert_eq!(handler.snapshot().unsettled(), vec![0]);
        } // cancelled here
        let out = block_on(handler.handle(&event("d", ErrorType::Permanent, 1), 5, &PendingOnce));
        assert!(!out.success);
        let core = handler.snapshot();
        assert_eq!(core.settlements().get(&0), Some(&Settlement::Cancelled));
        assert_eq!(
            core.settlements().get(&1),
            Some(&Settlement::Completed(out))
        );
        assert!(core.unsettled().is_empty());
        let mut core = core;
        assert!(!core.settle(0, Settlement::Cancelled), "settled once only");
        assert!(!core.settle(2, Settlement::Cancelled), "never recorded");
    }

    #[test]
    fn a_fallback_strategy_succeeds_only_with_a_registered_fallback() {
        let handler = ErrorHandler::new(0);
        let e = event("v", ErrorType::DataValidation, 0);
        assert!(!block_on(handler.handle(&e, 0, &PendingOnce)).success);
        handler.register_fallback(&e.component);
        assert!(block_on(handler.handle(&e, 1, &PendingOnce)).success);
        assert_eq!(handler.fallbacks(), vec![e.component.clone()]);
    }
}
