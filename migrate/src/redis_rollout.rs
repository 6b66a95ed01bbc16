//! The rollout controller's state in Redis, one copy for every worker
//! process of the service (gunicorn runs several), so that one rollout holds
//! for all of them.
//!
//! # Keys, per component `NAME`
//! - `feature_flag:NAME`: seed 000's flag, `"true"`/`"false"`, set by an
//!   operator with an expiry; while it exists it forces the routing (see
//!   [`crate::flags`]). The controller never writes it.
//! - `twinbench:rollout:NAME`: a hash with the controller's state and the
//!   open period's counters ([`RolloutState`]'s fields, integers), the
//!   schema version and the policy it runs under.
//! - `twinbench:rollout:NAME:decisions`: the decision log, oldest first, one
//!   JSON [`DecisionRecord`] per entry.
//! - `twinbench:rollout:NAME:periods`: every closed period's final counters,
//!   one JSON [`PeriodRecord`] per entry: with the open period's counters,
//!   where each reported sample was counted.
//!
//! # Atomicity: optimistic transactions around the kernel's own logic
//! Every update `WATCH`es the state hash, reads it, rebuilds a
//! [`RolloutCore`] from it ([`RolloutCore::from_state`], which refuses a
//! state breaking the invariants), applies the report with the kernel's
//! `record`/`advance` (the very code the loom and shuttle models check), and
//! writes the new state, the new decisions and the closed periods in one
//! `MULTI`/`EXEC`. If another process changed the hash in between, `EXEC`
//! does nothing and returns nil, and the update starts again from a fresh
//! read; after [`DEFAULT_MAX_RETRIES`] conflicts it gives up with
//! [`StoreError::Contended`]. So each update acts on the latest state as if
//! it held a lock over every worker: a period is closed and decided by
//! exactly one update, a rollback is never overwritten by an update computed
//! before it, and a sample lands in exactly one period's counters — the
//! in-process invariants of [`twinbench_kernels::concurrent::rollout`],
//! across processes. The log lists are written only inside those
//! transactions, so they cannot disagree with the hash.
//!
//! Why not a Lua script: it would be a second implementation of the rule
//! (the Wilson bound's floats included) in another language, unchecked by
//! the model checks; the transaction keeps one implementation.
//!
//! # Time
//! Periods are counted from the state's `start`, in milliseconds. [`record`]
//! and [`tick`] read the Redis server's clock (`TIME`), the one clock every
//! worker shares; the `_at` variants take the caller's (tests, replays). A
//! report stamped before the open period counts in the open period, as in
//! the kernel, so workers whose clocks disagree lose no sample.
//!
//! [`record`]: RedisRollout::record
//! [`tick`]: RedisRollout::tick

use std::collections::HashMap;
use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

use redis::{Connection, Value};
use twinbench_kernels::concurrent::clock::Millis;
use twinbench_kernels::concurrent::rollout::{
    Decision, PeriodStats, Policy, RolloutCore, RolloutState, Sample, StateError,
};

use crate::flags::{Component, FlagError, Routing, effective, parse_flag};
use crate::records::{DecisionRecord, PeriodRecord, SCHEMA_VERSION};

/// Conflicts an update survives before [`StoreError::Contended`]: far more
/// than a handful of workers reporting at once cause (each conflict means
/// another update committed, so the system as a whole always progresses).
pub const DEFAULT_MAX_RETRIES: u32 = 1000;

/// Where the Redis server is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RedisTarget {
    /// A unix socket path.
    Socket(PathBuf),
    /// A `redis://`, `redis+unix://` or `unix://` URL.
    Url(String),
}

impl RedisTarget {
    /// An absolute path is a socket; anything else must be a URL.
    pub fn parse(config: &str) -> Self {
        if config.starts_with('/') {
            Self::Socket(PathBuf::from(config))
        } else {
            Self::Url(config.to_string())
        }
    }

    fn client(&self) -> Result<redis::Client, redis::RedisError> {
        match self {
            Self::Socket(path) => redis::Client::open(redis::ConnectionAddr::Unix(path.clone())),
            Self::Url(url) => redis::Client::open(url.as_str()),
        }
    }
}

impl fmt::Display for RedisTarget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Socket(path) => write!(f, "unix socket {}", path.display()),
            Self::Url(url) => write!(f, "{url}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_absolute_path_is_a_socket_anything_else_a_url() {
        assert_eq!(
            RedisTarget::parse("/run/redis.sock"),
            RedisTarget::Socket(PathBuf::from("/run/redis.sock"))
        );
        assert_eq!(
            RedisTarget::parse("redis+unix:///run/redis.sock"),
            RedisTarget::Url("redis+unix:///run/redis.sock".to_string())
        );
    }

    #[test]
    fn the_stored_policy_names_every_field() {
        let p = Policy::new(5, 10, 1000, 900, 10_000, 20).expect("valid");
        assert_eq!(
            policy_text(&p),
            "initial=5% step=10% period=1000ms min_performance=900/1000 max_errors=10000ppm \
             min_calls=20"
        );
    }
}

/// Why the shared rollout could not be read or updated. Each names the key
/// or the server, and what to do.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("could not connect to Redis at {target}: {source}")]
    Connect {
        target: String,
        #[source]
        source: redis::RedisError,
    },
    #[error("Redis {op} for rollout {component} failed: {source}")]
    Redis {
        component: String,
        op: &'static str,
        #[source]
        source: redis::RedisError,
    },
    #[error(
        "{key} field {field} is {value:?}, not {expected}: the key was not written by this \
         version of twinbench (delete it to start the rollout over)"
    )]
    Corrupt {
        key: String,
        field: &'static str,
        value: String,
        expected: &'static str,
    },
    #[error("{key} holds a state that breaks the rollout's invariants: {source}")]
    Invalid {
        key: String,
        #[source]
        source: StateError,
    },
    #[error(
        "{key} runs under policy {stored}, this process under {ours}: every worker must use \
         the same policy (or delete the key to start over)"
    )]
    PolicyMismatch {
        key: String,
        stored: String,
        ours: String,
    },
    #[error(
        "rollout {component}: {attempts} updates in a row lost to other workers' updates; \
         raise RedisRollout::with_max_retries or report in batches (record_at with several \
         samples)"
    )]
    Contended { component: String, attempts: u32 },
    #[error("could not encode a rollout record as JSON: {0}")]
    Encode(#[source] serde_json::Error),
    #[error("Redis TIME answered {0:?}, not seconds and microseconds")]
    BadTime(String),
    #[error(transparent)]
    Flag(#[from] FlagError),
    #[error("{0}")]
    Config(String),
}

/// The whole stored rollout, read in one transaction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredRollout {
    pub state: RolloutState,
    /// The decision log, oldest first.
    pub decisions: Vec<Decision>,
    /// Closed periods' final counters, in the order they were closed.
    pub closed_periods: Vec<(u64, PeriodStats)>,
}

/// One component's rollout in Redis, for one process (a connection is not
/// shared between threads: give each thread its own, or lock this).
pub struct RedisRollout {
    con: Connection,
    target: RedisTarget,
    component: Component,
    policy: Policy,
    max_retries: u32,
    /// Updates of this handle that lost a race and were retried.
    conflicts: u64,
    state_key: String,
    decisions_key: String,
    periods_key: String,
    flag_key: String,
}

impl fmt::Debug for RedisRollout {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisRollout")
            .field("target", &self.target)
            .field("component", &self.component)
            .field("policy", &self.policy)
            .field("max_retries", &self.max_retries)
            .field("conflicts", &self.conflicts)
            .finish_non_exhaustive()
    }
}

/// What one update does to the core.
#[derive(Debug, Clone, Copy)]
enum Op<'a> {
    Record(&'a [Sample]),
    Tick,
    Rearm,
}

/// The policy as stored: every field, so two workers configured differently
/// are caught rather than mixing two rules over one state.
fn policy_text(p: &Policy) -> String {
    format!(
        "initial={}% step={}% period={}ms min_performance={}/1000 max_errors={}ppm min_calls={}",
        p.initial_percent(),
        p.step_percent(),
        p.period_ms(),
        p.min_performance_per_mille(),
        p.max_error_ppm(),
        p.min_calls()
    )
}

impl RedisRollout {
    /// Connects to `target` for `component`'s rollout under `policy`.
    /// Nothing is written until the first update.
    pub fn connect(
        target: &RedisTarget,
        component: Component,
        policy: Policy,
    ) -> Result<Self, StoreError> {
        let connect_error = |source| StoreError::Connect {
            target: target.to_string(),
            source,
        };
        let con = target
            .client()
            .map_err(connect_error)?
            .get_connection_with_timeout(Duration::from_secs(5))
            .map_err(connect_error)?;
        let name = component.name();
        Ok(Self {
            con,
            target: target.clone(),
            state_key: format!("twinbench:rollout:{name}"),
            decisions_key: format!("twinbench:rollout:{name}:decisions"),
            periods_key: format!("twinbench:rollout:{name}:periods"),
            flag_key: component.flag_key(),
            component,
            policy,
            max_retries: DEFAULT_MAX_RETRIES,
            conflicts: 0,
        })
    }

    /// Conflicts one update survives before [`StoreError::Contended`].
    pub fn with_max_retries(mut self, max_retries: u32) -> Self {
        self.max_retries = max_retries;
        self
    }

    pub fn component(&self) -> &Component {
        &self.component
    }

    /// How many of this handle's update attempts lost to another update
    /// (EXEC answered nil) and were retried: how contended the rollout is.
    pub fn conflicts(&self) -> u64 {
        self.conflicts
    }

    pub fn policy(&self) -> &Policy {
        &self.policy
    }

    /// Reports samples measured at `now` (see [`RolloutCore::record`]), in
    /// one transaction; returns the decisions they caused.
    pub fn record_at(
        &mut self,
        now: Millis,
        samples: &[Sample],
    ) -> Result<Vec<Decision>, StoreError> {
        self.update(Some(now), Op::Record(samples))
    }

    /// Reports one sample at the Redis server's time.
    pub fn record(&mut self, sample: Sample) -> Result<Vec<Decision>, StoreError> {
        self.update(None, Op::Record(&[sample]))
    }

    /// Closes the open period if `now` is past it (see
    /// [`RolloutCore::advance`]): for a timer, so a quiet period is decided.
    pub fn tick_at(&mut self, now: Millis) -> Result<Vec<Decision>, StoreError> {
        self.update(Some(now), Op::Tick)
    }

    /// [`Self::tick_at`] at the Redis server's time.
    pub fn tick(&mut self) -> Result<Vec<Decision>, StoreError> {
        self.update(None, Op::Tick)
    }

    /// Starts over after a rollback (an operator's decision, see
    /// [`RolloutCore::rearm`]).
    pub fn rearm(&mut self) -> Result<(), StoreError> {
        self.update(None, Op::Rearm).map(drop)
    }

    /// The Redis server's clock, in milliseconds since the Unix epoch.
    pub fn server_time(&mut self) -> Result<Millis, StoreError> {
        let reply: Vec<String> = redis::cmd("TIME")
            .query(&mut self.con)
            .map_err(|e| self.redis_error("TIME", e))?;
        match reply.as_slice() {
            [secs, micros] => match (secs.parse::<u64>(), micros.parse::<u64>()) {
                (Ok(s), Ok(us)) => Ok(s.saturating_mul(1000).saturating_add(us / 1000)),
                _ => Err(StoreError::BadTime(format!("{reply:?}"))),
            },
            _ => Err(StoreError::BadTime(format!("{reply:?}"))),
        }
    }

    /// The seed's Redis flag for this component: `None` when absent (never
    /// set, or expired).
    pub fn redis_flag(&mut self) -> Result<Option<bool>, StoreError> {
        let value: Option<String> = redis::cmd("GET")
            .arg(&self.flag_key)
            .query(&mut self.con)
            .map_err(|e| self.redis_error("GET", e))?;
        value
            .map(|v| parse_flag(&self.flag_key, &v).map_err(StoreError::from))
            .transpose()
    }

    /// Sets the seed's Redis flag with an expiry, as the seed's
    /// `redis_client.set("feature_flag:NAME", "true", ex=3600)` does.
    pub fn set_flag(&mut self, on: bool, ttl: Duration) -> Result<(), StoreError> {
        let ms = u64::try_from(ttl.as_millis()).unwrap_or(u64::MAX).max(1);
        redis::cmd("SET")
            .arg(&self.flag_key)
            .arg(if on { "true" } else { "false" })
            .arg("PX")
            .arg(ms)
            .query::<()>(&mut self.con)
            .map_err(|e| self.redis_error("SET", e))
    }

    /// The controller's percentage (the policy's initial one before the
    /// first report).
    pub fn controller_percent(&mut self) -> Result<u8, StoreError> {
        let raw: Option<String> = redis::cmd("HGET")
            .arg(&self.state_key)
            .arg("percent")
            .query(&mut self.con)
            .map_err(|e| self.redis_error("HGET", e))?;
        match raw {
            None => Ok(self.policy.initial_percent()),
            Some(v) => self.checked_percent(&v),
        }
    }

    /// The percentage this component's calls are routed by: `env` (the
    /// process's environment flag, [`crate::flags::env_flag`]) over the
    /// Redis flag over the controller, read in one round trip.
    pub fn routing(&mut self, env: Option<bool>) -> Result<Routing, StoreError> {
        let (flag, percent): (Option<String>, Option<String>) = redis::pipe()
            .cmd("GET")
            .arg(&self.flag_key)
            .cmd("HGET")
            .arg(&self.state_key)
            .arg("percent")
            .query(&mut self.con)
            .map_err(|e| self.redis_error("GET+HGET", e))?;
        let redis_flag = flag.map(|v| parse_flag(&self.flag_key, &v)).transpose()?;
        let controller = match percent {
            None => self.policy.initial_percent(),
            Some(v) => self.checked_percent(&v)?,
        };
        Ok(effective(env, redis_flag, controller))
    }

    /// The state, the decision log and the closed periods, read in one
    /// transaction (so consistent with each other); `None` before the
    /// first update.
    pub fn snapshot(&mut self) -> Result<Option<StoredRollout>, StoreError> {
        let (hash, decisions, periods): (HashMap<String, String>, Vec<String>, Vec<String>) =
            redis::pipe()
                .atomic()
                .cmd("HGETALL")
                .arg(&self.state_key)
                .cmd("LRANGE")
                .arg(&self.decisions_key)
                .arg(0)
                .arg(-1)
                .cmd("LRANGE")
                .arg(&self.periods_key)
                .arg(0)
                .arg(-1)
                .query(&mut self.con)
                .map_err(|e| self.redis_error("MULTI HGETALL+LRANGE", e))?;
        if hash.is_empty() {
            return Ok(None);
        }
        let state = self.parse_state(&hash)?;
        let decisions = decisions
            .iter()
            .map(|raw| {
                serde_json::from_str::<DecisionRecord>(raw)
                    .map(Decision::from)
                    .map_err(|_| {
                        self.corrupt(&self.decisions_key, "entry", raw, "a decision record")
                    })
            })
            .collect::<Result<Vec<_>, _>>()?;
        let closed_periods = periods
            .iter()
            .map(|raw| {
                serde_json::from_str::<PeriodRecord>(raw)
                    .map(|r| (r.period, r.stats.into()))
                    .map_err(|_| self.corrupt(&self.periods_key, "entry", raw, "a period record"))
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Some(StoredRollout {
            state,
            decisions,
            closed_periods,
        }))
    }

    /// The optimistic transaction (module doc): read, rebuild, apply, write
    /// if nobody wrote in between, else retry.
    fn update(&mut self, now: Option<Millis>, op: Op<'_>) -> Result<Vec<Decision>, StoreError> {
        for attempt in 0..=self.max_retries {
            redis::cmd("WATCH")
                .arg(&self.state_key)
                .query::<()>(&mut self.con)
                .map_err(|e| self.redis_error("WATCH", e))?;
            let outcome = self.attempt(now, op);
            match outcome {
                Ok(Some(decisions)) => return Ok(decisions),
                Ok(None) => {
                    self.conflicts += 1;
                    backoff(attempt);
                }
                Err(e) => {
                    // Leave the connection clean for the next update.
                    let _ = redis::cmd("UNWATCH").query::<()>(&mut self.con);
                    return Err(e);
                }
            }
        }
        Err(StoreError::Contended {
            component: self.component.to_string(),
            attempts: self.max_retries.saturating_add(1),
        })
    }

    /// One try, with the state hash watched: `None` when another update
    /// committed first (EXEC answered nil).
    fn attempt(
        &mut self,
        now: Option<Millis>,
        op: Op<'_>,
    ) -> Result<Option<Vec<Decision>>, StoreError> {
        let now = match now {
            Some(now) => now,
            None => self.server_time()?,
        };
        let hash: HashMap<String, String> = redis::cmd("HGETALL")
            .arg(&self.state_key)
            .query(&mut self.con)
            .map_err(|e| self.redis_error("HGETALL", e))?;
        let mut core = if hash.is_empty() {
            RolloutCore::new(self.policy, now)
        } else {
            let state = self.parse_state(&hash)?;
            RolloutCore::from_state(self.policy, state).map_err(|source| StoreError::Invalid {
                key: self.state_key.clone(),
                source,
            })?
        };
        let mut closed = Vec::new();
        let mut track = |core: &mut RolloutCore, f: &mut dyn FnMut(&mut RolloutCore)| {
            let before = core.open_period();
            f(core);
            if core.open_period().0 != before.0 {
                closed.push(before);
            }
        };
        match op {
            Op::Record(samples) => {
                for &sample in samples {
                    track(&mut core, &mut |c| {
                        c.record(now, sample);
                    });
                }
            }
            Op::Tick => track(&mut core, &mut |c| {
                c.advance(now);
            }),
            Op::Rearm => core.rearm(),
        }
        let mut pipe = redis::pipe();
        pipe.atomic();
        let state = core.state();
        pipe.cmd("HSET")
            .arg(&self.state_key)
            .arg("v")
            .arg(SCHEMA_VERSION)
            .arg("policy")
            .arg(policy_text(&self.policy))
            .arg("start")
            .arg(state.start)
            .arg("percent")
            .arg(state.percent)
            .arg("rolled_back")
            .arg(u8::from(state.rolled_back))
            .arg("period")
            .arg(state.period)
            .arg("twin_calls")
            .arg(state.stats.twin_calls)
            .arg("twin_errors")
            .arg(state.stats.twin_errors)
            .arg("twin_ns")
            .arg(state.stats.twin_ns)
            .arg("original_calls")
            .arg(state.stats.original_calls)
            .arg("original_ns")
            .arg(state.stats.original_ns)
            .arg("decided")
            .arg(u8::from(state.decided))
            .arg("last_decided_period")
            .arg(
                state
                    .last_decided_period
                    .map_or_else(String::new, |p| p.to_string()),
            )
            .ignore();
        let decisions = core.decisions().to_vec();
        for d in &decisions {
            pipe.cmd("RPUSH")
                .arg(&self.decisions_key)
                .arg(to_json(&DecisionRecord::from(*d))?)
                .ignore();
        }
        for (period, stats) in closed {
            let record = PeriodRecord {
                v: SCHEMA_VERSION,
                period,
                stats: stats.into(),
            };
            pipe.cmd("RPUSH")
                .arg(&self.periods_key)
                .arg(to_json(&record)?)
                .ignore();
        }
        let reply: Value = pipe
            .query(&mut self.con)
            .map_err(|e| self.redis_error("MULTI/EXEC", e))?;
        Ok(match reply {
            Value::Nil => None,
            _ => Some(decisions),
        })
    }

    fn parse_state(&self, hash: &HashMap<String, String>) -> Result<RolloutState, StoreError> {
        let field = |name: &'static str| -> Result<&str, StoreError> {
            hash.get(name)
                .map(String::as_str)
                .ok_or_else(|| self.corrupt(&self.state_key, name, "(missing)", "present"))
        };
        let number = |name: &'static str| -> Result<u64, StoreError> {
            let raw = field(name)?;
            raw.parse()
                .map_err(|_| self.corrupt(&self.state_key, name, raw, "an integer ≥ 0"))
        };
        let flag = |name: &'static str| -> Result<bool, StoreError> {
            match field(name)? {
                "0" => Ok(false),
                "1" => Ok(true),
                raw => Err(self.corrupt(&self.state_key, name, raw, "0 or 1")),
            }
        };
        let version = field("v")?;
        if version != SCHEMA_VERSION.to_string() {
            return Err(self.corrupt(&self.state_key, "v", version, "schema version 1"));
        }
        let stored = field("policy")?;
        let ours = policy_text(&self.policy);
        if stored != ours {
            return Err(StoreError::PolicyMismatch {
                key: self.state_key.clone(),
                stored: stored.to_string(),
                ours,
            });
        }
        let last = field("last_decided_period")?;
        let last_decided_period = if last.is_empty() {
            None
        } else {
            Some(last.parse().map_err(|_| {
                self.corrupt(
                    &self.state_key,
                    "last_decided_period",
                    last,
                    "empty or an integer ≥ 0",
                )
            })?)
        };
        Ok(RolloutState {
            start: number("start")?,
            percent: parse_percent(&self.state_key, field("percent")?)?,
            rolled_back: flag("rolled_back")?,
            period: number("period")?,
            stats: PeriodStats {
                twin_calls: number("twin_calls")?,
                twin_errors: number("twin_errors")?,
                twin_ns: number("twin_ns")?,
                original_calls: number("original_calls")?,
                original_ns: number("original_ns")?,
            },
            decided: flag("decided")?,
            last_decided_period,
        })
    }

    /// A stored percentage read on its own (for routing): held to the
    /// same rule as [`RolloutCore::from_state`] (≤ 100, reachable).
    fn checked_percent(&self, raw: &str) -> Result<u8, StoreError> {
        let percent = parse_percent(&self.state_key, raw)?;
        let invalid = |source| StoreError::Invalid {
            key: self.state_key.clone(),
            source,
        };
        if percent > 100 {
            return Err(invalid(StateError::PercentAbove100(percent)));
        }
        if !self.policy.reachable(percent) {
            return Err(invalid(StateError::Unreachable {
                percent,
                initial: self.policy.initial_percent(),
                step: self.policy.step_percent(),
            }));
        }
        Ok(percent)
    }

    fn corrupt(
        &self,
        key: &str,
        field: &'static str,
        value: &str,
        expected: &'static str,
    ) -> StoreError {
        StoreError::Corrupt {
            key: key.to_string(),
            field,
            value: value.to_string(),
            expected,
        }
    }

    fn redis_error(&self, op: &'static str, source: redis::RedisError) -> StoreError {
        StoreError::Redis {
            component: self.component.to_string(),
            op,
            source,
        }
    }
}

/// A stored percentage: an integer 0..=255 here (the range check against
/// 100 and the policy is [`RolloutCore::from_state`]'s).
fn parse_percent(key: &str, raw: &str) -> Result<u8, StoreError> {
    raw.parse().map_err(|_| StoreError::Corrupt {
        key: key.to_string(),
        field: "percent",
        value: raw.to_string(),
        expected: "an integer 0..=100",
    })
}

/// A record as its JSON list entry.
fn to_json<T: serde::Serialize>(record: &T) -> Result<String, StoreError> {
    serde_json::to_string(record).map_err(StoreError::Encode)
}

/// After a lost race: yield first, then sleep a little longer each time
/// (up to 2 ms), jittered by the process id so racing workers spread out.
fn backoff(attempt: u32) {
    if attempt < 2 {
        std::thread::yield_now();
        return;
    }
    let jitter = u64::from(std::process::id() % 97);
    let micros = (u64::from(attempt.min(20)) * 100 + jitter).min(2_000);
    std::thread::sleep(Duration::from_micros(micros));
}
