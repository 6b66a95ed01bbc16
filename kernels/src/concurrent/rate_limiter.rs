//! Token-bucket rate limiter (catalog §4b), as the generic cell rate
//! algorithm (GCRA) over integers.
//!
//! The original `RateLimitManager` never applied its limits
//! (`execute_with_rate_limit` just calls the operation, R4.6) and adjusted its
//! adaptive factors with unguarded read-modify-writes and no floor (R4.7).
//! Here a bucket holds at most `capacity` tokens and earns `rate` tokens per
//! `period` milliseconds; each admission spends one, and
//! [`RateLimiter::execute`] runs an operation only when it is admitted.
//! [`AdaptiveLimits`] keeps the per-endpoint factors: each adjustment is one
//! critical section and the factor stays within its floor and ceiling.
//!
//! The whole state is one number, the *theoretical arrival time* `tat`, in
//! units of `1 / rate` ms (so `rate` tokens per `period` ms is exact integer
//! arithmetic, with no float drift): admitting `n` tokens at `now` moves it to
//! `max(tat, now·rate) + n·period`, allowed only while that stays within
//! `now·rate + capacity·period`. `tat` starts at 0, so the bucket starts full.
//! Since `tat` only grows by `period` per token, `n` admissions since time
//! `t0` imply `n·period ≤ capacity·period + rate·(now − t0)`: the budget.
//!
//! [`TokenBucketCore`] applies the step to a plain `u64`; the shared
//! [`RateLimiter`] applies the *same* step to an atomic with a
//! compare-and-swap, so concurrent callers are linearised without a lock (a
//! failed swap means another caller was admitted; retry with its `tat`).
//!
//! # Invariants (asserted by the model checks)
//! - **admitted-within-budget**: over any run, the number of admissions `n`
//!   satisfies `n·period ≤ capacity·period + rate·(now − start)`.
//! - **admits-available-tokens**: while the clock stands still, exactly
//!   `min(capacity, requests)` of the requests are admitted (no token is
//!   lost to a race); [`RateLimiter::execute`] runs exactly the admitted
//!   operations.
//! - **adaptive-no-lost-update**: concurrent adjustments of one endpoint's
//!   factor end where the same adjustments made one after another end.
//! - **adaptive-within-bounds**: a factor never leaves `[floor, ceiling]`.

use std::collections::BTreeMap;
use std::fmt;

use super::clock::{Clock, Millis, SystemClock};
use super::sync::atomic::{AtomicU64, Ordering};
use super::sync::{Arc, Mutex};

/// Errors of limiter construction.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RateLimitError {
    #[error("rate limit capacity must be at least 1 token")]
    ZeroCapacity,
    #[error("rate limit must earn at least 1 token per period")]
    ZeroRate,
    #[error("rate limit period must be at least 1 ms")]
    ZeroPeriod,
    #[error("capacity × period ({capacity} × {period} ms) does not fit in 64 bits")]
    TooLarge { capacity: u64, period: Millis },
}

/// A bucket's shape: `capacity` tokens, refilled at `rate` per `period` ms.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limit {
    capacity: u64,
    rate: u64,
    period: Millis,
    /// `capacity · period`, the burst tolerance in `tat` units.
    burst: u64,
}

impl Limit {
    /// E.g. "100/minute with bursts of 20" is `Limit::new(20, 100, 60_000)`.
    pub fn new(capacity: u64, rate: u64, period: Millis) -> Result<Self, RateLimitError> {
        if capacity == 0 {
            return Err(RateLimitError::ZeroCapacity);
        }
        if rate == 0 {
            return Err(RateLimitError::ZeroRate);
        }
        if period == 0 {
            return Err(RateLimitError::ZeroPeriod);
        }
        let burst = capacity
            .checked_mul(period)
            .ok_or(RateLimitError::TooLarge { capacity, period })?;
        Ok(Self {
            capacity,
            rate,
            period,
            burst,
        })
    }

    pub fn capacity(&self) -> u64 {
        self.capacity
    }

    pub fn rate(&self) -> u64 {
        self.rate
    }

    pub fn period(&self) -> Millis {
        self.period
    }

    /// The new `tat` if `tokens` can be admitted at `now`, else `None`.
    /// Computed in 128 bits; a `tat` beyond 64 bits (≈ 584 years of
    /// milliseconds at 1 token/ms) is refused rather than wrapped.
    fn admit(&self, tat: u64, now: Millis, tokens: u64) -> Option<u64> {
        let now = u128::from(now) * u128::from(self.rate);
        let next = u128::from(tat).max(now) + u128::from(tokens) * u128::from(self.period);
        if next > now + u128::from(self.burst) {
            return None;
        }
        u64::try_from(next).ok()
    }

    /// Whole tokens available at `now` for a bucket at `tat`.
    fn available(&self, tat: u64, now: Millis) -> u64 {
        let now = u128::from(now) * u128::from(self.rate);
        let used = u128::from(tat).max(now) - now;
        let free = u128::from(self.burst).saturating_sub(used) / u128::from(self.period);
        u64::try_from(free).unwrap_or(self.capacity)
    }
}

/// The limiter's logic, unsynchronised: one owner, `&mut self`, explicit time.
#[derive(Debug, Clone)]
pub struct TokenBucketCore {
    limit: Limit,
    tat: u64,
}

impl TokenBucketCore {
    /// A full bucket.
    pub fn new(limit: Limit) -> Self {
        Self { limit, tat: 0 }
    }

    pub fn limit(&self) -> Limit {
        self.limit
    }

    /// Spends one token if there is one at `now`.
    pub fn try_acquire(&mut self, now: Millis) -> bool {
        self.try_acquire_n(1, now)
    }

    /// Spends `tokens` tokens if all of them are there at `now` (all or none).
    pub fn try_acquire_n(&mut self, tokens: u64, now: Millis) -> bool {
        match self.limit.admit(self.tat, now, tokens) {
            Some(tat) => {
                self.tat = tat;
                true
            }
            None => false,
        }
    }

    /// Whole tokens available at `now`.
    pub fn available(&self, now: Millis) -> u64 {
        self.limit.available(self.tat, now)
    }
}

/// The shared limiter: a handle; clones share one bucket and one clock.
pub struct RateLimiter<C = SystemClock> {
    limit: Limit,
    tat: Arc<AtomicU64>,
    clock: Arc<C>,
}

impl<C> Clone for RateLimiter<C> {
    fn clone(&self) -> Self {
        Self {
            limit: self.limit,
            tat: Arc::clone(&self.tat),
            clock: Arc::clone(&self.clock),
        }
    }
}

impl<C: Clock> RateLimiter<C> {
    /// A full bucket; time comes from `clock`.
    pub fn new(limit: Limit, clock: C) -> Self {
        Self {
            limit,
            tat: Arc::new(AtomicU64::new(0)),
            clock: Arc::new(clock),
        }
    }

    pub fn limit(&self) -> Limit {
        self.limit
    }

    /// Spends one token if there is one now.
    pub fn try_acquire(&self) -> bool {
        self.try_acquire_n_at(1, self.clock.now())
    }

    /// Spends `tokens` tokens now, all or none.
    pub fn try_acquire_n(&self, tokens: u64) -> bool {
        self.try_acquire_n_at(tokens, self.clock.now())
    }

    /// Spends `tokens` tokens at a time the caller already read. An older
    /// `now` than other callers used is only stricter (it earns less).
    pub fn try_acquire_n_at(&self, tokens: u64, now: Millis) -> bool {
        let mut tat = self.tat.load(Ordering::Acquire);
        loop {
            // `tat` never decreases, so a refusal computed from a value that
            // another caller has since raised would be refused at the newer
            // value too.
            let Some(next) = self.limit.admit(tat, now, tokens) else {
                return false;
            };
            match self
                .tat
                .compare_exchange(tat, next, Ordering::AcqRel, Ordering::Acquire)
            {
                Ok(_) => return true,
                // Someone else was admitted in between: decide again on theirs.
                Err(current) => tat = current,
            }
        }
    }

    /// Whole tokens available now (a snapshot; may change at once).
    pub fn available(&self) -> u64 {
        let now = self.clock.now();
        self.limit.available(self.tat.load(Ordering::Acquire), now)
    }

    /// Runs `op` if a token is there now, else refuses without running it:
    /// what the original's `execute_with_rate_limit` was meant to do (R4.6).
    pub fn execute<R>(&self, op: impl FnOnce() -> R) -> Result<R, RateLimited> {
        if self.try_acquire() {
            Ok(op())
        } else {
            Err(RateLimited { limit: self.limit })
        }
    }
}

/// [`RateLimiter::execute`] refused: no token.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error(
    "rate limit exceeded ({} per {} ms, bursts of {}); retry later",
    .limit.rate, .limit.period, .limit.capacity
)]
pub struct RateLimited {
    pub limit: Limit,
}

/// Factors in thousandths: 1000 is ×1.
pub type PerMille = u32;

/// How adaptive factors move: `×decrease` when the reported load is above
/// `high_load`, `×increase` when below `low_load`, clamped to
/// `[floor, ceiling]` (the original: ×0.9 above 0.8, ×1.1 below 0.5, no
/// floor).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AdaptiveConfig {
    pub floor: PerMille,
    pub ceiling: PerMille,
    pub high_load: PerMille,
    pub low_load: PerMille,
    pub decrease: PerMille,
    pub increase: PerMille,
}

impl Default for AdaptiveConfig {
    /// The original's steps and thresholds, with a floor of ×0.1 and a
    /// ceiling of ×2.
    fn default() -> Self {
        Self {
            floor: 100,
            ceiling: 2000,
            high_load: 800,
            low_load: 500,
            decrease: 900,
            increase: 1100,
        }
    }
}

/// An [`AdaptiveConfig`] that cannot keep its bounds.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AdaptiveConfigError {
    #[error(
        "AdaptiveConfig needs 1 ≤ floor ({floor}) ≤ 1000 ≤ ceiling ({ceiling}): a new \
         endpoint starts at ×1 (1000)"
    )]
    Bounds { floor: PerMille, ceiling: PerMille },
    #[error(
        "AdaptiveConfig needs decrease ({decrease}) < 1000 < increase ({increase}) and \
         low_load ({low}) ≤ high_load ({high})"
    )]
    Steps {
        decrease: PerMille,
        increase: PerMille,
        low: PerMille,
        high: PerMille,
    },
}

/// The adaptive factors, unsynchronised: one owner, `&mut self`.
#[derive(Debug, Clone)]
pub struct AdaptiveCore {
    config: AdaptiveConfig,
    factors: BTreeMap<String, PerMille>,
}

impl AdaptiveCore {
    pub fn new(config: AdaptiveConfig) -> Result<Self, AdaptiveConfigError> {
        let AdaptiveConfig {
            floor,
            ceiling,
            high_load,
            low_load,
            decrease,
            increase,
        } = config;
        if floor == 0 || floor > 1000 || ceiling < 1000 {
            return Err(AdaptiveConfigError::Bounds { floor, ceiling });
        }
        if decrease >= 1000 || increase <= 1000 || low_load > high_load {
            return Err(AdaptiveConfigError::Steps {
                decrease,
                increase,
                low: low_load,
                high: high_load,
            });
        }
        Ok(Self {
            config,
            factors: BTreeMap::new(),
        })
    }

    /// Moves `endpoint`'s factor for a reported `load` (a new endpoint starts
    /// at ×1) and returns it; always within `[floor, ceiling]`.
    pub fn adjust(&mut self, endpoint: &str, load: PerMille) -> PerMille {
        let config = self.config;
        let factor = self.factors.entry(endpoint.to_string()).or_insert(1000);
        let scaled = |step: PerMille| u64::from(*factor) * u64::from(step) / 1000;
        if load > config.high_load {
            let down = scaled(config.decrease).max(u64::from(config.floor));
            *factor = PerMille::try_from(down).unwrap_or(config.floor);
        } else if load < config.low_load {
            let up = scaled(config.increase).min(u64::from(config.ceiling));
            *factor = PerMille::try_from(up).unwrap_or(config.ceiling);
        }
        *factor
    }

    /// `endpoint`'s factor (×1 if never adjusted).
    pub fn factor(&self, endpoint: &str) -> PerMille {
        self.factors.get(endpoint).copied().unwrap_or(1000)
    }

    /// `base` scaled by `endpoint`'s factor, at least 1.
    pub fn scaled(&self, endpoint: &str, base: u64) -> u64 {
        (base.saturating_mul(u64::from(self.factor(endpoint))) / 1000).max(1)
    }
}

/// The shared adaptive factors: a handle; clones share one table. Each
/// adjustment (insert-if-absent, scale, clamp) is one critical section, so
/// none is lost (the original's `*= 0.9` was a read and a write).
#[derive(Debug, Clone)]
pub struct AdaptiveLimits {
    core: Arc<Mutex<AdaptiveCore>>,
}

impl AdaptiveLimits {
    pub fn new(config: AdaptiveConfig) -> Result<Self, AdaptiveConfigError> {
        Ok(Self {
            core: Arc::new(Mutex::new(AdaptiveCore::new(config)?)),
        })
    }

    /// [`AdaptiveCore::adjust`] under the lock.
    pub fn adjust(&self, endpoint: &str, load: PerMille) -> PerMille {
        self.core.lock().adjust(endpoint, load)
    }

    pub fn factor(&self, endpoint: &str) -> PerMille {
        self.core.lock().factor(endpoint)
    }

    pub fn scaled(&self, endpoint: &str, base: u64) -> u64 {
        self.core.lock().scaled(endpoint, base)
    }
}

impl<C> fmt::Debug for RateLimiter<C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RateLimiter")
            .field("limit", &self.limit)
            .finish_non_exhaustive()
    }
}

// std unit tests: not compiled into the loom/shuttle builds of this file
// (twinbench-checks sets `twinbench_model_check`), where they would run
// outside any model.
#[cfg(all(test, not(twinbench_model_check)))]
mod tests {
    use super::super::clock::ManualClock;
    use super::*;

    fn limit(capacity: u64, rate: u64, period: Millis) -> Limit {
        Limit::new(capacity, rate, period).expect("valid limit")
    }

    #[test]
    fn invalid_limits_are_refused() {
        assert_eq!(Limit::new(0, 1, 1), Err(RateLimitError::ZeroCapacity));
        assert_eq!(Limit::new(1, 0, 1), Err(RateLimitError::ZeroRate));
        assert_eq!(Limit::new(1, 1, 0), Err(RateLimitError::ZeroPeriod));
        assert!(matches!(
            Limit::new(u64::MAX, 1, 2),
            Err(RateLimitError::TooLarge { .. })
        ));
    }

    #[test]
    fn starts_full_then_refills_at_rate_up_to_capacity() {
        // 3 tokens per 1000 ms, bursts of 2.
        let mut bucket = TokenBucketCore::new(limit(2, 3, 1000));
        assert_eq!(bucket.available(0), 2);
        assert!(bucket.try_acquire(0));
        assert!(bucket.try_acquire(0));
        assert!(!bucket.try_acquire(0));
        assert!(!bucket.try_acquire(333)); // 0.999 tokens
        assert!(bucket.try_acquire(334));
        assert_eq!(bucket.available(10_000), 2); // capped
        assert!(bucket.try_acquire_n(2, 10_000));
        assert!(!bucket.try_acquire_n(2, 10_333));
    }

    #[test]
    fn admissions_never_exceed_the_budget() {
        let (capacity, rate, period) = (5, 7, 100);
        let mut bucket = TokenBucketCore::new(limit(capacity, rate, period));
        let mut admitted = 0u64;
        for now in 0..2_000 {
            for _ in 0..3 {
                if bucket.try_acquire(now) {
                    admitted += 1;
                }
            }
            assert!(admitted * period <= capacity * period + rate * now);
        }
        // And it is not stingy: it admitted everything it earned.
        assert_eq!(admitted, capacity + rate * 1_999 / period);
    }

    #[test]
    fn execute_runs_only_admitted_operations() {
        let limiter = RateLimiter::new(limit(2, 1, 1000), ManualClock::new(0));
        assert_eq!(limiter.execute(|| 1), Ok(1));
        assert_eq!(limiter.execute(|| 2), Ok(2));
        let mut ran = false;
        assert!(limiter.execute(|| ran = true).is_err());
        assert!(!ran, "a refused operation must not run");
    }

    #[test]
    fn adaptive_factors_stay_within_floor_and_ceiling() {
        let limits = AdaptiveLimits::new(AdaptiveConfig::default()).expect("valid");
        assert_eq!(limits.adjust("/api", 900), 900);
        assert_eq!(limits.adjust("/api", 900), 810);
        for _ in 0..100 {
            limits.adjust("/api", 1000);
        }
        assert_eq!(limits.factor("/api"), 100, "held at the floor");
        assert_eq!(limits.scaled("/api", 100), 10);
        for _ in 0..100 {
            limits.adjust("/api", 0);
        }
        assert_eq!(limits.factor("/api"), 2000, "held at the ceiling");
        assert_eq!(limits.adjust("/api", 600), 2000, "normal load leaves it");
        assert_eq!(limits.factor("/other"), 1000);
        let bad = AdaptiveConfig {
            floor: 0,
            ..AdaptiveConfig::default()
        };
        assert!(AdaptiveLimits::new(bad).is_err());
        let bad = AdaptiveConfig {
            increase: 1000,
            ..AdaptiveConfig::default()
        };
        assert!(AdaptiveLimits::new(bad).is_err());
    }

    #[test]
    fn shared_limiter_reads_its_clock() {
        let clock = Arc::new(ManualClock::new(0));
        let limiter = RateLimiter::new(limit(1, 1, 10), Arc::clone(&clock));
        assert!(limiter.try_acquire());
        assert!(!limiter.try_acquire());
        clock.advance(10);
        assert_eq!(limiter.available(), 1);
        assert!(limiter.clone().try_acquire());
        assert!(!limiter.try_acquire());
    }
}
