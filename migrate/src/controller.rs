//! One component's rollout, wherever its state lives: in this process by
//! default (the kernel's [`Rollout`], one lock, every thread of the process
//! sharing it), in Redis when a server is configured ([`RedisRollout`],
//! every worker process sharing it). Either way the component's environment
//! flag, read once at construction, forces the routing first (see
//! [`crate::flags`] for the precedence); the Redis flag exists only with
//! Redis.

use twinbench_kernels::concurrent::clock::SystemClock;
use twinbench_kernels::concurrent::rollout::{Decision, Policy, Rollout, Sample, routes};

use crate::flags::{Component, FlagError, Routing, effective, env_flag};
use crate::redis_rollout::{RedisRollout, RedisTarget, StoreError};

/// The variable naming the Redis server (a socket path or a URL); unset or
/// empty, the rollout stays in process.
pub const REDIS_ENV: &str = "TWINBENCH_ROLLOUT_REDIS";

/// Where the controller's state lives.
#[derive(Debug)]
pub enum Backend {
    InProcess(Rollout<SystemClock>),
    Redis(Box<RedisRollout>),
}

/// One component's rollout and its environment flag.
#[derive(Debug)]
pub struct SharedRollout {
    component: Component,
    env: Option<bool>,
    backend: Backend,
}

impl SharedRollout {
    /// In process, with the component's environment flag read now.
    pub fn in_process(component: Component, policy: Policy) -> Result<Self, FlagError> {
        let env = env_flag(&component)?;
        Ok(Self {
            component,
            env,
            backend: Backend::InProcess(Rollout::new(policy, SystemClock::new())),
        })
    }

    /// In Redis at `target`, with the component's environment flag read now.
    pub fn in_redis(
        component: Component,
        policy: Policy,
        target: &RedisTarget,
    ) -> Result<Self, StoreError> {
        let env = env_flag(&component)?;
        let store = RedisRollout::connect(target, component.clone(), policy)?;
        Ok(Self {
            component,
            env,
            backend: Backend::Redis(Box::new(store)),
        })
    }

    /// In Redis if `redis` names a server (a socket path or a URL), else in
    /// process: the service passes its configuration value, or
    /// `std::env::var(REDIS_ENV).ok()`.
    pub fn from_config(
        component: Component,
        policy: Policy,
        redis: Option<&str>,
    ) -> Result<Self, StoreError> {
        match redis.map(str::trim).filter(|r| !r.is_empty()) {
            Some(r) => Self::in_redis(component, policy, &RedisTarget::parse(r)),
            None => Ok(Self::in_process(component, policy)?),
        }
    }

    /// [`Self::from_config`] with [`REDIS_ENV`] from this process's
    /// environment.
    pub fn from_env(component: Component, policy: Policy) -> Result<Self, StoreError> {
        match std::env::var_os(REDIS_ENV) {
            None => Self::from_config(component, policy, None),
            Some(raw) => match raw.to_str() {
                Some(config) => Self::from_config(component, policy, Some(config)),
                None => Err(StoreError::Config(format!(
                    "{REDIS_ENV} is not valid UTF-8: set it to a unix socket path or a \
                     redis:// URL, or unset it to keep the rollout in process"
                ))),
            },
        }
    }

    /// Replaces the environment flag read at construction (tests; a service
    /// with its own configuration source).
    pub fn with_env_flag(mut self, env: Option<bool>) -> Self {
        self.env = env;
        self
    }

    pub fn component(&self) -> &Component {
        &self.component
    }

    pub fn backend(&self) -> &Backend {
        &self.backend
    }

    /// The percentage calls are routed by now, and who set it.
    pub fn routing(&mut self) -> Result<Routing, StoreError> {
        match &mut self.backend {
            Backend::InProcess(rollout) => Ok(effective(self.env, None, rollout.percent())),
            Backend::Redis(store) => store.routing(self.env),
        }
    }

    /// Whether the call with this key goes to the twin (the kernel's fixed
    /// key → bucket map, at [`Self::routing`]'s percentage).
    pub fn routes_to_twin(&mut self, key: u64) -> Result<bool, StoreError> {
        Ok(routes(self.routing()?.percent, key))
    }

    /// Reports one call's measurement; returns the decisions it caused.
    pub fn record(&mut self, sample: Sample) -> Result<Vec<Decision>, StoreError> {
        match &mut self.backend {
            Backend::InProcess(rollout) => {
                Ok(rollout.record(sample).into_iter().flatten().collect())
            }
            Backend::Redis(store) => store.record(sample),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::flags::Source;

    #[test]
    fn without_redis_the_rollout_is_in_process_and_the_env_flag_forces_it() {
        let c = Component::new("ENABLE_CONDON_ANALYTICS").expect("valid");
        let policy = Policy::seed000(86_400_000).expect("valid");
        let mut r = SharedRollout::from_config(c, policy, Some("  "))
            .expect("in process")
            .with_env_flag(None);
        assert!(matches!(r.backend(), Backend::InProcess(_)));
        assert_eq!(
            r.routing().expect("in process"),
            Routing {
                percent: 5,
                source: Source::Controller
            }
        );
        let decisions = r.record(Sample::Original { ns: 1 }).expect("in process");
        assert!(decisions.is_empty());
        let mut forced = r.with_env_flag(Some(false));
        assert_eq!(
            forced.routing().expect("in process"),
            Routing {
                percent: 0,
                source: Source::Env
            }
        );
        assert!(!(0..1000).any(|k| forced.routes_to_twin(k).unwrap_or(true)));
    }
}
