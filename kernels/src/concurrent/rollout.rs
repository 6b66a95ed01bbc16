//! Gradual-rollout controller: which fraction of a component's calls the twin
//! serves, moved by what each evaluation period measured (seed 000,
//! "Gradual Rollout Configuration"; claim C13).
//!
//! The seed's rule: start at 5% of calls, add 10% per evaluation period,
//! promote only while the twin's performance stays at ≥ 90% of the
//! original's and its error rate below 1%, roll back automatically. The
//! seed shows no code for it; the obvious implementation (a percentage and a
//! "last evaluated" mark, read and written by whichever request thread
//! notices the period ended) promotes twice in one period and loses
//! rollbacks (bug zoo `RO.double-promotion`, `RO.lost-rollback`).
//!
//! Here one [`RolloutCore`] holds the percentage, the open period's counters
//! and the decision log, and the shared [`Rollout`] applies every report to
//! it under one lock, so a period is closed, judged and reopened in one
//! critical section by whichever thread gets there first. The percentage is
//! mirrored in an atomic, written only under that lock, so routing a call
//! (every request asks) reads it without locking.
//!
//! A period's decision is integer arithmetic (nanoseconds, call counts,
//! parts per million), so it does not depend on float rounding and a
//! replayed run decides the same way. Within a period, a twin whose errors
//! are *surely* over the limit (the 95% Wilson interval's lower end above
//! it) is rolled back at once, without waiting for the period's end.
//!
//! # Invariants (asserted by the model checks)
//! - **percent-in-range**: the percentage is always within `0..=100`, and is
//!   always one the rule can reach: 0 or `initial + k·step` capped at 100.
//! - **one-decision-per-period**: the decision log names each period at most
//!   once, in increasing order, however many threads report at a boundary.
//! - **promotion-by-rule**: a promotion moves the percentage up by exactly
//!   one step (capped at 100), and only after a period whose twin error rate
//!   was below the limit and whose performance ratio met the threshold.
//! - **rollback-sticks**: after a rollback the percentage is 0 and stays 0
//!   until [`RolloutCore::rearm`]; no promotion computed before it can
//!   overwrite it.
//! - **samples-counted-once**: every reported sample is in exactly one
//!   period's counters (the open period's, if it arrives after the period it
//!   was measured in was closed).

use std::fmt;

use super::clock::{Clock, Millis};
use super::sync::atomic::{AtomicU64, Ordering};
use super::sync::{Arc, Mutex};

/// A policy the controller cannot run with.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PolicyError {
    #[error("rollout initial percentage {0} is above 100")]
    InitialAbove100(u8),
    #[error("rollout step must be between 1 and 100 percent, got {0}")]
    Step(u8),
    #[error("rollout evaluation period must be at least 1 ms")]
    ZeroPeriod,
    #[error(
        "rollout performance threshold must be between 1 and 1000 per mille \
         (0.1%–100% of the original's speed), got {0}"
    )]
    Performance(u32),
    #[error("rollout error-rate limit must be between 1 and 1,000,000 ppm, got {0}")]
    ErrorRate(u32),
}

/// The rule's parameters. [`Policy::seed000`] is the seed's configuration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Policy {
    initial_percent: u8,
    step_percent: u8,
    period_ms: Millis,
    /// Promotion needs twin speed ≥ this many thousandths of the original's.
    min_performance_per_mille: u32,
    /// Promotion needs twin errors below this many per million twin calls;
    /// reaching it rolls back.
    max_error_ppm: u32,
    /// Twin calls a period needs before its error rate decides anything: at
    /// 1% a handful of calls says nothing (one error in 3 calls is 33%).
    min_calls: u64,
}

impl Policy {
    /// Validates every field; see the field docs for their meaning.
    pub fn new(
        initial_percent: u8,
        step_percent: u8,
        period_ms: Millis,
        min_performance_per_mille: u32,
        max_error_ppm: u32,
        min_calls: u64,
    ) -> Result<Self, PolicyError> {
        if initial_percent > 100 {
            return Err(PolicyError::InitialAbove100(initial_percent));
        }
        if step_percent == 0 || step_percent > 100 {
            return Err(PolicyError::Step(step_percent));
        }
        if period_ms == 0 {
            return Err(PolicyError::ZeroPeriod);
        }
        if min_performance_per_mille == 0 || min_performance_per_mille > 1000 {
            return Err(PolicyError::Performance(min_performance_per_mille));
        }
        if max_error_ppm == 0 || max_error_ppm > 1_000_000 {
            return Err(PolicyError::ErrorRate(max_error_ppm));
        }
        Ok(Self {
            initial_percent,
            step_percent,
            period_ms,
            min_performance_per_mille,
            max_error_ppm,
            min_calls,
        })
    }

    /// Seed 000: 5%, +10% per period, ≥ 90% performance, < 1% errors, with
    /// periods of `period_ms` (the seed's is 24 hours) and at least 100 twin
    /// calls before a period's error rate counts.
    pub fn seed000(period_ms: Millis) -> Result<Self, PolicyError> {
        Self::new(5, 10, period_ms, 900, 10_000, 100)
    }

    pub fn initial_percent(&self) -> u8 {
        self.initial_percent
    }

    pub fn step_percent(&self) -> u8 {
        self.step_percent
    }

    pub fn period_ms(&self) -> Millis {
        self.period_ms
    }

    pub fn min_calls(&self) -> u64 {
        self.min_calls
    }

    pub fn min_performance_per_mille(&self) -> u32 {
        self.min_performance_per_mille
    }

    pub fn max_error_ppm(&self) -> u32 {
        self.max_error_ppm
    }

    /// Whether `percent` is one the rule can reach from `initial` by steps.
    pub fn reachable(&self, percent: u8) -> bool {
        percent == 0
            || percent == 100
            || (percent >= self.initial_percent
                && (percent - self.initial_percent) % self.step_percent == 0)
    }

    fn promoted(&self, percent: u8) -> u8 {
        percent.saturating_add(self.step_percent).min(100)
    }

    /// Errors at or above the limit: `errors / calls ≥ max_error_ppm / 10⁶`.
    fn errors_breach(&self, stats: &PeriodStats) -> bool {
        stats.twin_calls > 0
            && u128::from(stats.twin_errors) * 1_000_000
                >= u128::from(self.max_error_ppm) * u128::from(stats.twin_calls)
    }

    /// Errors surely above the limit before the period ends: the 95%
    /// Wilson interval's lower end is above it. Judging the running rate
    /// against the limit would roll back a twin failing 0.5% of calls
    /// whenever its first error comes early (1 in the first 100 calls is
    /// 1%); the period's end judges the whole period's rate as the seed
    /// says. Floats here, but the same IEEE operations in the same order on
    /// every run, so a replay decides the same way.
    fn errors_surely_breach(&self, stats: &PeriodStats) -> bool {
        if stats.twin_calls == 0 {
            return false;
        }
        const Z: f64 = 1.96;
        let n = stats.twin_calls as f64;
        let p = stats.twin_errors as f64 / n;
        let z2 = Z * Z;
        let centre = p + z2 / (2.0 * n);
        let margin = Z * ((p * (1.0 - p) + z2 / (4.0 * n)) / n).sqrt();
        let lower = (centre - margin) / (1.0 + z2 / n);
        lower > f64::from(self.max_error_ppm) / 1e6
    }

    /// Twin speed below the threshold: mean original ns ÷ mean twin ns <
    /// min/1000, i.e. `orig_ns · twin_calls · 1000 < min · twin_ns · orig_calls`.
    fn too_slow(&self, stats: &PeriodStats) -> bool {
        u128::from(stats.original_ns) * u128::from(stats.twin_calls) * 1000
            < u128::from(self.min_performance_per_mille)
                * u128::from(stats.twin_ns)
                * u128::from(stats.original_calls)
    }
}

/// One call's measurement, reported to the controller.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sample {
    /// The twin served the call in `ns`; `error` if it raised or (in shadow
    /// mode) disagreed with the original.
    Twin { ns: u64, error: bool },
    /// The original served the call in `ns`.
    Original { ns: u64 },
}

/// What one period saw. Sums saturate (a period of 2⁶⁴ ns is 584 years).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PeriodStats {
    pub twin_calls: u64,
    pub twin_errors: u64,
    pub twin_ns: u64,
    pub original_calls: u64,
    pub original_ns: u64,
}

impl PeriodStats {
    pub fn add(&mut self, sample: Sample) {
        match sample {
            Sample::Twin { ns, error } => {
                self.twin_calls = self.twin_calls.saturating_add(1);
                self.twin_errors = self.twin_errors.saturating_add(u64::from(error));
                self.twin_ns = self.twin_ns.saturating_add(ns);
            }
            Sample::Original { ns } => {
                self.original_calls = self.original_calls.saturating_add(1);
                self.original_ns = self.original_ns.saturating_add(ns);
            }
        }
    }

    /// Samples counted.
    pub fn samples(&self) -> u64 {
        self.twin_calls.saturating_add(self.original_calls)
    }

    /// Mean original time ÷ mean twin time (`None` without calls of both).
    pub fn performance(&self) -> Option<f64> {
        if self.twin_calls == 0 || self.original_calls == 0 || self.twin_ns == 0 {
            return None;
        }
        let original = self.original_ns as f64 / self.original_calls as f64;
        let twin = self.twin_ns as f64 / self.twin_calls as f64;
        Some(original / twin)
    }

    /// Twin errors per twin call (`None` without twin calls).
    pub fn error_rate(&self) -> Option<f64> {
        (self.twin_calls > 0).then(|| self.twin_errors as f64 / self.twin_calls as f64)
    }
}

/// Why a period did not move the percentage.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HoldReason {
    /// Fewer twin calls than the policy's minimum.
    TooFewTwinCalls,
    /// No call of the original to compare the twin's speed with.
    NoOriginalCalls,
    /// The twin serves every call already.
    AtFull,
    /// Rolled back: waits for [`RolloutCore::rearm`].
    RolledBack,
}

/// Why a rollback happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Breach {
    /// The twin's error rate reached the limit over the period, or is
    /// surely above it before the period ends (see `errors_surely_breach`).
    ErrorRate,
    /// The twin was slower than the threshold over the period.
    Performance,
}

/// What a period's evaluation did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Promoted { from: u8, to: u8 },
    Held(HoldReason),
    RolledBack { from: u8, breach: Breach },
}

/// One entry of the decision log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Decision {
    /// Period index: period `p` covers `[start + p·len, start + (p+1)·len)`.
    pub period: u64,
    pub action: Action,
    /// What the period had counted when it was decided.
    pub stats: PeriodStats,
}

/// A [`RolloutCore`]'s state without its policy and decision log: plain
/// integers and booleans, so it can be kept outside the process (the
/// migration runtime keeps it in Redis, one copy for every worker process)
/// and a core rebuilt from it with [`RolloutCore::from_state`].
///
/// The export is exact: `RolloutCore::from_state(policy, core.state())`
/// decides every later report exactly as `core` would (the decision log
/// aside: see [`RolloutCore::from_state`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RolloutState {
    /// Start of period 0.
    pub start: Millis,
    pub percent: u8,
    pub rolled_back: bool,
    /// The open period's index.
    pub period: u64,
    /// The open period's counters.
    pub stats: PeriodStats,
    /// Whether the open period has been decided already (early rollback).
    pub decided: bool,
    /// The period of the last decision ever logged, `None` before the first:
    /// what keeps the log in increasing order, one entry per period, across
    /// an export and import.
    pub last_decided_period: Option<u64>,
}

/// A [`RolloutState`] that no run of the controller under the given policy
/// can produce; importing it would break the module's invariants.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum StateError {
    #[error("rollout state: percentage {0} is above 100")]
    PercentAbove100(u8),
    #[error(
        "rollout state: percentage {percent} is not reachable from {initial}% in steps of \
         {step}% (nor 0 or 100)"
    )]
    Unreachable { percent: u8, initial: u8, step: u8 },
    #[error("rollout state: rolled back, but the percentage is {0}, not 0")]
    RolledBackNotZero(u8),
    #[error("rollout state: {errors} twin errors in {calls} twin calls")]
    MoreErrorsThanCalls { errors: u64, calls: u64 },
    #[error("rollout state: the last decision is for period {last}, after the open period {open}")]
    DecisionAhead { last: u64, open: u64 },
    #[error(
        "rollout state: the open period {open} is marked {}, but the last decision is for \
         period {last:?}",
        if *.decided { "decided" } else { "undecided" }
    )]
    DecidedMismatch {
        open: u64,
        decided: bool,
        last: Option<u64>,
    },
}

/// The controller's logic, unsynchronised: one owner, `&mut self`.
#[derive(Debug, Clone)]
pub struct RolloutCore {
    policy: Policy,
    start: Millis,
    percent: u8,
    rolled_back: bool,
    /// The open period's index and counters.
    period: u64,
    stats: PeriodStats,
    /// Whether the open period has been decided already (an error-rate
    /// rollback decides it early; its close then adds nothing).
    decided: bool,
    decisions: Vec<Decision>,
    /// The last decision's period from before [`Self::from_state`] (its log
    /// starts empty); `None` for a core made by [`Self::new`].
    imported_last_decided: Option<u64>,
}

impl RolloutCore {
    /// A rollout at the policy's initial percentage, its first period
    /// starting at `now`.
    pub fn new(policy: Policy, now: Millis) -> Self {
        Self {
            policy,
            start: now,
            percent: policy.initial_percent,
            rolled_back: false,
            period: 0,
            stats: PeriodStats::default(),
            decided: false,
            decisions: Vec::new(),
            imported_last_decided: None,
        }
    }

    /// The state to keep elsewhere and rebuild this core from (see
    /// [`RolloutState`]).
    pub fn state(&self) -> RolloutState {
        RolloutState {
            start: self.start,
            percent: self.percent,
            rolled_back: self.rolled_back,
            period: self.period,
            stats: self.stats,
            decided: self.decided,
            last_decided_period: self
                .decisions
                .last()
                .map(|d| d.period)
                .or(self.imported_last_decided),
        }
    }

    /// A core in `state` under `policy`, its decision log empty: afterwards
    /// [`Self::decisions`] lists only the decisions made since, which is
    /// what a caller keeping the log elsewhere appends to it.
    ///
    /// Refuses a state that breaks the module's invariants: a percentage
    /// above 100 or not reachable under `policy`, a rollback whose
    /// percentage is not 0, more twin errors than twin calls, a last
    /// decision after the open period, or a `decided` flag that disagrees
    /// with the last decision's period (the open period is decided exactly
    /// when the last decision names it).
    pub fn from_state(policy: Policy, state: RolloutState) -> Result<Self, StateError> {
        if state.percent > 100 {
            return Err(StateError::PercentAbove100(state.percent));
        }
        if !policy.reachable(state.percent) {
            return Err(StateError::Unreachable {
                percent: state.percent,
                initial: policy.initial_percent,
                step: policy.step_percent,
            });
        }
        if state.rolled_back && state.percent != 0 {
            return Err(StateError::RolledBackNotZero(state.percent));
        }
        if state.stats.twin_errors > state.stats.twin_calls {
            return Err(StateError::MoreErrorsThanCalls {
                errors: state.stats.twin_errors,
                calls: state.stats.twin_calls,
            });
        }
        if let Some(last) = state.last_decided_period
            && last > state.period
        {
            return Err(StateError::DecisionAhead {
                last,
                open: state.period,
            });
        }
        if state.decided != (state.last_decided_period == Some(state.period)) {
            return Err(StateError::DecidedMismatch {
                open: state.period,
                decided: state.decided,
                last: state.last_decided_period,
            });
        }
        Ok(Self {
            policy,
            start: state.start,
            percent: state.percent,
            rolled_back: state.rolled_back,
            period: state.period,
            stats: state.stats,
            decided: state.decided,
            decisions: Vec::new(),
            imported_last_decided: state.last_decided_period,
        })
    }

    pub fn policy(&self) -> &Policy {
        &self.policy
    }

    /// Percentage of calls the twin serves now.
    pub fn percent(&self) -> u8 {
        self.percent
    }

    pub fn is_rolled_back(&self) -> bool {
        self.rolled_back
    }

    /// The open period's index and counters.
    pub fn open_period(&self) -> (u64, PeriodStats) {
        (self.period, self.stats)
    }

    /// Every decision so far, oldest first: one entry per decided period
    /// (for a core from [`Self::from_state`], every decision since).
    pub fn decisions(&self) -> &[Decision] {
        &self.decisions
    }

    /// Whether the call with this key goes to the twin: a fixed hash of the
    /// key picks one of 100 buckets, and the first `percent` buckets are the
    /// twin's, so a key keeps its side while the percentage stands and
    /// promotion only moves keys original → twin.
    pub fn routes_to_twin(&self, key: u64) -> bool {
        routes(self.percent, key)
    }

    /// Closes the open period if `now` is past it (deciding it, unless it
    /// was decided early) and opens the period `now` falls in. Periods with
    /// nothing reported in between get no decision: at most one per period.
    pub fn advance(&mut self, now: Millis) -> Option<Decision> {
        let period = now.saturating_sub(self.start) / self.policy.period_ms;
        if period <= self.period {
            return None;
        }
        let decision = (!self.decided).then(|| self.decide_period());
        self.period = period;
        self.stats = PeriodStats::default();
        self.decided = false;
        decision
    }

    /// Counts `sample` at `now` (in the open period, after closing any
    /// period `now` is past); returns the decisions this made: the close of
    /// the previous period, and an early rollback when the twin's error rate
    /// is surely above the limit (95% Wilson lower bound; the minimum call
    /// count applies too).
    pub fn record(&mut self, now: Millis, sample: Sample) -> [Option<Decision>; 2] {
        let closed = self.advance(now);
        self.stats.add(sample);
        let early = (!self.decided
            && !self.rolled_back
            && matches!(sample, Sample::Twin { .. })
            && self.stats.twin_errors > 0
            && self.stats.twin_calls >= self.policy.min_calls
            && self.policy.errors_surely_breach(&self.stats))
        .then(|| {
            self.decided = true;
            self.roll_back(Breach::ErrorRate)
        });
        [closed, early]
    }

    /// Starts over at the initial percentage after a rollback (an operator's
    /// decision, not the controller's); the open period is not decided.
    pub fn rearm(&mut self) {
        self.rolled_back = false;
        self.percent = self.policy.initial_percent;
    }

    /// Judges the open period and logs the decision.
    fn decide_period(&mut self) -> Decision {
        let stats = self.stats;
        let policy = self.policy;
        if self.rolled_back {
            return self.log(Action::Held(HoldReason::RolledBack));
        }
        if stats.twin_calls < policy.min_calls || stats.twin_calls == 0 {
            return self.log(Action::Held(HoldReason::TooFewTwinCalls));
        }
        if policy.errors_breach(&stats) {
            return self.roll_back(Breach::ErrorRate);
        }
        if stats.original_calls == 0 {
            return self.log(Action::Held(HoldReason::NoOriginalCalls));
        }
        if policy.too_slow(&stats) {
            return self.roll_back(Breach::Performance);
        }
        if self.percent == 100 {
            return self.log(Action::Held(HoldReason::AtFull));
        }
        let from = self.percent;
        self.percent = policy.promoted(from);
        self.log(Action::Promoted {
            from,
            to: self.percent,
        })
    }

    fn roll_back(&mut self, breach: Breach) -> Decision {
        let from = self.percent;
        self.percent = 0;
        self.rolled_back = true;
        self.log(Action::RolledBack { from, breach })
    }

    fn log(&mut self, action: Action) -> Decision {
        let decision = Decision {
            period: self.period,
            action,
            stats: self.stats,
        };
        self.decisions.push(decision);
        decision
    }
}

/// splitmix64's finaliser: spreads sequential keys over the 100 buckets.
fn bucket(key: u64) -> u64 {
    let mut z = key.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    (z ^ (z >> 31)) % 100
}

/// Whether the call with this key goes to the twin at `percent` (see
/// [`RolloutCore::routes_to_twin`]); public for routers that hold the
/// percentage elsewhere (the migration runtime's Redis-backed rollout).
pub fn routes(percent: u8, key: u64) -> bool {
    bucket(key) < u64::from(percent)
}

/// The shared controller: a handle; clones share one rollout.
pub struct Rollout<C: Clock> {
    inner: Arc<Shared<C>>,
}

struct Shared<C> {
    core: Mutex<RolloutCore>,
    /// `core.percent`, written only while `core` is locked; read by
    /// [`Rollout::routes_to_twin`] without the lock.
    percent: AtomicU64,
    clock: C,
}

impl<C: Clock> Clone for Rollout<C> {
    fn clone(&self) -> Self {
        Self {
            inner: Arc::clone(&self.inner),
        }
    }
}

impl<C: Clock> Rollout<C> {
    pub fn new(policy: Policy, clock: C) -> Self {
        let core = RolloutCore::new(policy, clock.now());
        let percent = AtomicU64::new(u64::from(core.percent()));
        Self {
            inner: Arc::new(Shared {
                core: Mutex::new(core),
                percent,
                clock,
            }),
        }
    }

    /// Percentage of calls the twin serves now (the mirror: no lock).
    pub fn percent(&self) -> u8 {
        u8::try_from(self.inner.percent.load(Ordering::Acquire)).unwrap_or(100)
    }

    /// Whether the call with this key goes to the twin (see
    /// [`RolloutCore::routes_to_twin`]); reads the mirror, no lock.
    pub fn routes_to_twin(&self, key: u64) -> bool {
        routes(self.percent(), key)
    }

    /// Reports one call's measurement (see [`RolloutCore::record`]).
    pub fn record(&self, sample: Sample) -> [Option<Decision>; 2] {
        self.with_core(|core, now| core.record(now, sample))
    }

    /// Closes the open period if the clock is past it: for a timer, so a
    /// quiet period is still decided.
    pub fn tick(&self) -> Option<Decision> {
        self.with_core(|core, now| core.advance(now))
    }

    /// Starts over after a rollback (see [`RolloutCore::rearm`]).
    pub fn rearm(&self) {
        self.with_core(|core, _| core.rearm());
    }

    pub fn is_rolled_back(&self) -> bool {
        self.inner.core.lock().is_rolled_back()
    }

    /// A copy of the decision log.
    pub fn decisions(&self) -> Vec<Decision> {
        self.inner.core.lock().decisions().to_vec()
    }

    /// A consistent copy of the whole state.
    pub fn snapshot(&self) -> RolloutCore {
        self.inner.core.lock().clone()
    }

    /// Runs `f` on the locked core with the clock read under the lock (so
    /// `now` never goes backwards between two holders), then mirrors the
    /// percentage before unlocking.
    fn with_core<T>(&self, f: impl FnOnce(&mut RolloutCore, Millis) -> T) -> T {
        let mut core = self.inner.core.lock();
        let now = self.inner.clock.now();
        let out = f(&mut core, now);
        self.inner
            .percent
            .store(u64::from(core.percent()), Ordering::Release);
        out
    }
}

impl<C: Clock> fmt::Debug for Rollout<C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let core = self.inner.core.lock();
        f.debug_struct("Rollout")
            .field("percent", &core.percent())
            .field("rolled_back", &core.is_rolled_back())
            .field("open_period", &core.open_period())
            .field("decisions", &core.decisions().len())
            .finish()
    }
}

// std unit tests: not compiled into the loom/shuttle builds of this file.
#[cfg(all(test, not(twinbench_model_check)))]
mod tests {
    use super::super::clock::ManualClock;
    use super::*;

    const DAY: Millis = 86_400_000;

    fn seed() -> Policy {
        Policy::seed000(DAY).expect("the seed's policy is valid")
    }

    /// `calls` twin calls of `twin_ns` (`errors` of them failing, spread
    /// evenly) and as many original calls of `original_ns`, all at `now`.
    fn period(
        core: &mut RolloutCore,
        now: Millis,
        calls: u64,
        errors: u64,
        twin_ns: u64,
        original_ns: u64,
    ) {
        for i in 0..calls {
            let error = (i + 1) * errors / calls > i * errors / calls;
            core.record(now, Sample::Twin { ns: twin_ns, error });
            core.record(now, Sample::Original { ns: original_ns });
        }
    }

    #[test]
    fn a_healthy_twin_goes_5_15_25_to_100_then_holds() {
        let mut core = RolloutCore::new(seed(), 0);
        let mut seen = vec![core.percent()];
        for p in 0..12 {
            period(&mut core, p * DAY, 200, 0, 10, 1000);
            core.advance((p + 1) * DAY);
            seen.push(core.percent());
        }
        assert_eq!(seen, [5, 15, 25, 35, 45, 55, 65, 75, 85, 95, 100, 100, 100]);
        assert_eq!(core.decisions().len(), 12);
        assert_eq!(
            core.decisions()[11].action,
            Action::Held(HoldReason::AtFull)
        );
    }

    #[test]
    fn one_percent_errors_over_a_period_roll_back_at_its_end_and_stay_back() {
        let mut core = RolloutCore::new(seed(), 0);
        period(&mut core, 0, 200, 0, 10, 1000);
        core.advance(DAY);
        assert_eq!(core.percent(), 15);
        // 2 errors in 200 calls is exactly 1%: a breach, but not a sure one
        // before the period ends (1 in 100 says little), so it is decided
        // at the period's end.
        period(&mut core, DAY, 200, 2, 10, 1000);
        assert_eq!(core.percent(), 15);
        core.advance(2 * DAY);
        assert_eq!(core.percent(), 0);
        assert_eq!(
            core.decisions().last().map(|d| (d.period, d.action)),
            Some((
                1,
                Action::RolledBack {
                    from: 15,
                    breach: Breach::ErrorRate
                }
            ))
        );
        period(&mut core, 2 * DAY, 200, 0, 10, 1000);
        core.advance(3 * DAY);
        assert_eq!(core.percent(), 0);
        assert_eq!(
            core.decisions().last().map(|d| d.action),
            Some(Action::Held(HoldReason::RolledBack))
        );
        core.rearm();
        assert_eq!(core.percent(), 5);
    }

    #[test]
    fn a_surely_failing_twin_is_rolled_back_at_once_and_the_period_decided_once() {
        let mut core = RolloutCore::new(seed(), 0);
        // 10% errors: by the 100th call the error rate is surely over 1%.
        period(&mut core, 0, 100, 10, 10, 1000);
        assert_eq!(core.percent(), 0);
        assert_eq!(
            core.decisions().last().map(|d| (d.period, d.action)),
            Some((
                0,
                Action::RolledBack {
                    from: 5,
                    breach: Breach::ErrorRate
                }
            ))
        );
        let logged = core.decisions().len();
        core.advance(DAY);
        assert_eq!(
            core.decisions().len(),
            logged,
            "the early rollback was the period's decision"
        );
    }

    #[test]
    fn just_below_one_percent_promotes() {
        let mut core = RolloutCore::new(seed(), 0);
        period(&mut core, 0, 1000, 9, 10, 1000);
        core.advance(DAY);
        assert_eq!(core.percent(), 15, "{:?}", core.decisions());
    }

    #[test]
    fn performance_threshold_is_ninety_percent() {
        // Twin 1000 ns, original 900 ns: exactly 0.90, promoted.
        let mut core = RolloutCore::new(seed(), 0);
        period(&mut core, 0, 100, 0, 1000, 900);
        core.advance(DAY);
        assert_eq!(core.percent(), 15);
        // Original 899 ns: 0.899, rolled back at the period's end.
        period(&mut core, DAY, 100, 0, 1000, 899);
        assert_eq!(
            core.percent(),
            15,
            "performance is judged at the period's end only"
        );
        core.advance(2 * DAY);
        assert_eq!(core.percent(), 0);
        assert_eq!(
            core.decisions().last().map(|d| d.action),
            Some(Action::RolledBack {
                from: 15,
                breach: Breach::Performance
            })
        );
    }

    #[test]
    fn too_few_calls_or_no_original_holds() {
        let mut core = RolloutCore::new(seed(), 0);
        period(&mut core, 0, 99, 50, 10, 1000);
        core.advance(DAY);
        assert_eq!(
            core.decisions()[0].action,
            Action::Held(HoldReason::TooFewTwinCalls)
        );
        for _ in 0..150 {
            core.record(
                DAY,
                Sample::Twin {
                    ns: 10,
                    error: false,
                },
            );
        }
        core.advance(2 * DAY);
        assert_eq!(
            core.decisions()[1].action,
            Action::Held(HoldReason::NoOriginalCalls)
        );
        assert_eq!(core.percent(), 5);
    }

    #[test]
    fn skipped_periods_get_no_decision_and_late_samples_count_in_the_open_one() {
        let mut core = RolloutCore::new(seed(), 0);
        period(&mut core, 0, 100, 0, 10, 1000);
        core.record(5 * DAY + 1, Sample::Original { ns: 1 });
        assert_eq!(core.decisions().len(), 1);
        assert_eq!(core.decisions()[0].period, 0);
        core.record(0, Sample::Original { ns: 1 });
        assert_eq!(
            core.open_period(),
            (
                5,
                PeriodStats {
                    original_calls: 2,
                    original_ns: 2,
                    ..PeriodStats::default()
                }
            )
        );
    }

    #[test]
    fn routing_follows_the_percentage_and_keys_keep_their_side() {
        let twin_at = |percent: u8| (0..100_000u64).filter(|&k| routes(percent, k)).count();
        assert_eq!(twin_at(0), 0);
        assert_eq!(twin_at(100), 100_000);
        let five = twin_at(5);
        assert!(
            (4_500..5_500).contains(&five),
            "5% of 100k keys routed: {five}"
        );
        assert!(
            (0..10_000u64).all(|k| !routes(5, k) || routes(15, k)),
            "promotion moves keys only to the twin"
        );
    }

    #[test]
    fn bad_policies_are_refused() {
        assert_eq!(
            Policy::new(101, 10, 1, 900, 10_000, 0),
            Err(PolicyError::InitialAbove100(101))
        );
        assert_eq!(
            Policy::new(5, 0, 1, 900, 10_000, 0),
            Err(PolicyError::Step(0))
        );
        assert_eq!(
            Policy::new(5, 10, 0, 900, 10_000, 0),
            Err(PolicyError::ZeroPeriod)
        );
        assert_eq!(
            Policy::new(5, 10, 1, 0, 10_000, 0),
            Err(PolicyError::Performance(0))
        );
        assert_eq!(
            Policy::new(5, 10, 1, 900, 0, 0),
            Err(PolicyError::ErrorRate(0))
        );
    }

    #[test]
    fn shared_rollout_mirrors_the_core_and_ticks_close_periods() {
        let clock = Arc::new(ManualClock::new(0));
        let rollout = Rollout::new(seed(), Arc::clone(&clock));
        assert_eq!(rollout.percent(), 5);
        for _ in 0..100 {
            rollout.record(Sample::Twin {
                ns: 10,
                error: false,
            });
            rollout.record(Sample::Original { ns: 100 });
        }
        assert_eq!(rollout.tick(), None);
        clock.advance(DAY);
        assert!(matches!(
            rollout.tick(),
            Some(Decision {
                period: 0,
                action: Action::Promoted { from: 5, to: 15 },
                ..
            })
        ));
        assert_eq!(rollout.percent(), 15);
        assert_eq!(rollout.snapshot().percent(), 15);
    }

    /// Runs the same reports through one core, and through a core
    /// exported and re-imported before every report: the same percentages,
    /// the same decisions, the same open period.
    #[test]
    fn state_round_trip_decides_exactly_as_the_original() {
        let mut direct = RolloutCore::new(seed(), 7);
        let mut state = direct.state();
        let mut relayed_log = Vec::new();
        let mut report = |now: Millis, sample: Sample, direct: &mut RolloutCore| {
            direct.record(now, sample);
            let mut relayed =
                RolloutCore::from_state(seed(), state).expect("an exported state imports");
            relayed.record(now, sample);
            relayed_log.extend_from_slice(relayed.decisions());
            state = relayed.state();
            assert_eq!(state, direct.state(), "at {now}");
        };
        for p in 0..4u64 {
            // Period 2 fails 10% of twin calls: an early rollback.
            let errors = if p == 2 { 10 } else { 0 };
            for i in 0..120u64 {
                let error = i < errors;
                report(7 + p * DAY, Sample::Twin { ns: 10, error }, &mut direct);
                report(7 + p * DAY, Sample::Original { ns: 1000 }, &mut direct);
            }
        }
        report(7 + 4 * DAY, Sample::Original { ns: 1 }, &mut direct);
        assert_eq!(relayed_log, direct.decisions());
        assert_eq!(direct.percent(), 0);
        assert!(
            direct
                .decisions()
                .iter()
                .any(|d| matches!(d.action, Action::RolledBack { .. })),
            "{:?}",
            direct.decisions()
        );
    }

    #[test]
    fn states_that_break_the_invariants_are_refused() {
        let good = RolloutCore::new(seed(), 0).state();
        let with = |f: &dyn Fn(&mut RolloutState)| {
            let mut s = good;
            f(&mut s);
            RolloutCore::from_state(seed(), s).map(|c| c.state())
        };
        assert_eq!(with(&|_| {}), Ok(good));
        assert_eq!(
            with(&|s| s.percent = 101),
            Err(StateError::PercentAbove100(101))
        );
        assert_eq!(
            with(&|s| s.percent = 20),
            Err(StateError::Unreachable {
                percent: 20,
                initial: 5,
                step: 10
            })
        );
        assert_eq!(
            with(&|s| s.rolled_back = true),
            Err(StateError::RolledBackNotZero(5))
        );
        assert_eq!(
            with(&|s| {
                s.stats.twin_calls = 1;
                s.stats.twin_errors = 2;
            }),
            Err(StateError::MoreErrorsThanCalls {
                errors: 2,
                calls: 1
            })
        );
        assert_eq!(
            with(&|s| s.last_decided_period = Some(1)),
            Err(StateError::DecisionAhead { last: 1, open: 0 })
        );
        assert_eq!(
            with(&|s| s.decided = true),
            Err(StateError::DecidedMismatch {
                open: 0,
                decided: true,
                last: None
            })
        );
        assert_eq!(
            with(&|s| s.last_decided_period = Some(0)),
            Err(StateError::DecidedMismatch {
                open: 0,
                decided: false,
                last: Some(0)
            })
        );
        // A rolled-back state at 0 whose open period was decided early.
        let back = with(&|s| {
            s.percent = 0;
            s.rolled_back = true;
            s.decided = true;
            s.last_decided_period = Some(0);
        });
        assert!(back.is_ok(), "{back:?}");
    }

    /// An imported core logs no period twice: the early rollback imported
    /// as `decided` is not followed by a second decision for that period.
    #[test]
    fn an_imported_decided_period_is_not_decided_again() {
        let mut core = RolloutCore::new(seed(), 0);
        period(&mut core, 0, 100, 10, 10, 1000);
        assert_eq!(core.decisions().len(), 1);
        let mut imported = RolloutCore::from_state(seed(), core.state()).expect("valid");
        period(&mut imported, 0, 50, 0, 10, 1000);
        let closed = imported.advance(DAY);
        assert_eq!(closed, None, "period 0 was decided before the export");
        assert!(imported.decisions().is_empty());
        assert_eq!(imported.state().last_decided_period, Some(0));
        assert_eq!(imported.percent(), 0);
    }

    #[test]
    fn reachable_percentages() {
        let p = seed();
        let reachable: Vec<u8> = (0..=100).filter(|&x| p.reachable(x)).collect();
        assert_eq!(reachable, [0, 5, 15, 25, 35, 45, 55, 65, 75, 85, 95, 100]);
    }
}
