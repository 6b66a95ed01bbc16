//! The Redis-backed rollout across processes: several worker processes (this
//! test binary, re-run as `worker_process`) report to one component at once,
//! across period boundaries, through a redis-server each test starts on a
//! unix socket of its own (no TCP); then the final state, decision log and
//! period ledger in Redis are checked against the controller's invariants.
//! Plus the feature flags' precedence against a real server.
//!
//! Time is the workers' manual clock (`record_at`): period `p` is
//! `[p·PERIOD, (p+1)·PERIOD)` ms, and a Redis counter serves as a barrier so
//! every worker starts a period's reports together, racing to close the
//! previous one. No assertion is about time.
//!
//! Without redis-server these tests skip loudly, unless
//! TWINBENCH_REQUIRE_REDIS is set (CI), where that fails.

use std::io::Write as _;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use twinbench_kernels::concurrent::clock::Millis;
use twinbench_kernels::concurrent::rollout::{
    Action, Breach, HoldReason, PeriodStats, Policy, Sample,
};
use twinbench_migrate::controller::{Backend, SharedRollout};
use twinbench_migrate::flags::{Component, FlagError, Routing, Source};
use twinbench_migrate::redis_rollout::{RedisRollout, RedisTarget, StoreError, StoredRollout};
use twinbench_migrate::redis_server::{self, RedisServer};

/// Set in a worker process: `<scenario> <socket> <index> <workers>`.
const WORKER_ENV: &str = "TWINBENCH_ROLLOUT_TEST_WORKER";
const COMPONENT: &str = "ENABLE_CONDON_ANALYTICS";
const WORKERS: u64 = 4;
const PERIOD: Millis = 1_000;
/// Per worker and period: this many twin and as many original calls.
const CALLS: u64 = 10;
const TWIN_NS: u64 = 10;
const ORIGINAL_NS: u64 = 100;
/// Periods of the healthy scenario.
const HEALTHY_PERIODS: u64 = 6;
/// Error samples the breaching worker sends in the breach scenario.
const BREACH_ERRORS: u64 = 30;

/// Seed 000's rule (5%, +10%, ≥ 90% speed, < 1% errors) with 1-second
/// periods and 20 twin calls before a period's error rate counts.
fn policy() -> Policy {
    Policy::new(5, 10, PERIOD, 900, 10_000, 20).expect("a valid policy")
}

fn component() -> Component {
    Component::new(COMPONENT).expect("a valid name")
}

/// The test's own server, or `None` (said loudly) where redis-server is not
/// installed; where TWINBENCH_REQUIRE_REDIS is set (CI) that fails instead.
/// A server that is installed but will not start always fails.
fn redis_or_skip(test: &str) -> Option<RedisServer> {
    if let Err(e) = redis_server::find_server() {
        assert!(
            !redis_server::required(),
            "{test}: {} is set: {e}",
            redis_server::REQUIRE_ENV
        );
        // Straight to the stderr handle, not eprintln!: the test harness
        // captures the macros' output of a passing test, and a skip must
        // be seen.
        let _ = writeln!(
            std::io::stderr(),
            "!! {test} SKIPPED: redis-server not available: {e}"
        );
        return None;
    }
    match RedisServer::start() {
        Ok(server) => Some(server),
        Err(e) => panic!("{test}: {e}"),
    }
}

fn store(socket: &Path) -> RedisRollout {
    RedisRollout::connect(
        &RedisTarget::Socket(socket.to_path_buf()),
        component(),
        policy(),
    )
    .expect("connect to the test's server")
}

fn twin(error: bool) -> Sample {
    Sample::Twin { ns: TWIN_NS, error }
}

fn original() -> Sample {
    Sample::Original { ns: ORIGINAL_NS }
}

/// Waits until every worker has reached barrier `name` (a Redis counter).
fn barrier(con: &mut redis::Connection, name: &str, workers: u64) {
    let key = format!("test:barrier:{name}");
    let _: u64 = redis::cmd("INCR")
        .arg(&key)
        .query(con)
        .expect("INCR the barrier");
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let arrived: u64 = redis::cmd("GET")
            .arg(&key)
            .query(con)
            .expect("GET the barrier");
        if arrived >= workers {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "barrier {name}: {arrived} of {workers} workers after 20 s"
        );
        std::thread::sleep(Duration::from_millis(1));
    }
}

/// One healthy period's reports from one worker, each its own transaction
/// (the most boundary races): twin and original calls alternating.
fn healthy_period(store: &mut RedisRollout, period: u64, index: u64) {
    let now = period * PERIOD + index;
    for _ in 0..CALLS {
        store.record_at(now, &[twin(false)]).expect("record");
        store.record_at(now, &[original()]).expect("record");
    }
}

/// A worker process's body (see [`WORKER_ENV`]).
fn run_worker(spec: &str) {
    let parts: Vec<&str> = spec.split(' ').collect();
    let [scenario, socket, index, workers] = parts.as_slice() else {
        panic!("{WORKER_ENV}={spec:?}: want `<scenario> <socket> <index> <workers>`");
    };
    let index: u64 = index.parse().expect("worker index");
    let workers: u64 = workers.parse().expect("worker count");
    let socket = Path::new(socket);
    let mut store = store(socket);
    let mut con = redis::Client::open(redis::ConnectionAddr::Unix(socket.to_path_buf()))
        .and_then(|c| c.get_connection())
        .expect("barrier connection");
    match *scenario {
        "healthy" => {
            for p in 0..HEALTHY_PERIODS {
                barrier(&mut con, &p.to_string(), workers);
                healthy_period(&mut store, p, index);
            }
        }
        "breach" => {
            barrier(&mut con, "0", workers);
            healthy_period(&mut store, 0, index);
            barrier(&mut con, "1", workers);
            if index == 0 {
                // Errors measured in period 0, racing the others' first
                // period-1 reports, which close period 0 with a promotion
                // unless these land first.
                for _ in 0..BREACH_ERRORS {
                    store.record_at(PERIOD / 2, &[twin(true)]).expect("record");
                }
            } else {
                healthy_period(&mut store, 1, index);
            }
            for p in 2..4 {
                barrier(&mut con, &p.to_string(), workers);
                healthy_period(&mut store, p, index);
            }
        }
        other => panic!("unknown scenario {other:?}"),
    }
    println!("conflicts={}", store.conflicts());
}

/// Not a test on its own: the body of the worker processes the
/// multi-process tests start (they run this binary with `--ignored --exact
/// worker_process` and [`WORKER_ENV`] set).
#[test]
#[ignore = "a worker process of the multi-process tests, which run it"]
fn worker_process() {
    match std::env::var(WORKER_ENV) {
        Ok(spec) => run_worker(&spec),
        Err(_) => eprintln!("worker_process: {WORKER_ENV} unset, nothing to do"),
    }
}

/// Runs `WORKERS` worker processes of `scenario` at once; panics with their
/// output if any fails. Returns the updates they retried after losing a
/// race (how much the run raced; not asserted: it depends on scheduling).
fn run_workers(scenario: &str, server: &RedisServer) -> u64 {
    // The rollout starts at time 0 (periods count from the first update).
    store(server.socket())
        .tick_at(0)
        .expect("create the rollout");
    let exe = std::env::current_exe().expect("the test binary's path");
    let children: Vec<_> = (0..WORKERS)
        .map(|i| {
            let spec = format!("{scenario} {} {i} {WORKERS}", server.socket().display());
            Command::new(&exe)
                .args(["--ignored", "--exact", "worker_process", "--nocapture"])
                .env(WORKER_ENV, spec)
                .stdin(Stdio::null())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .expect("start a worker process")
        })
        .collect();
    let mut conflicts = 0;
    for (i, child) in children.into_iter().enumerate() {
        let out = child.wait_with_output().expect("wait for a worker");
        assert!(
            out.status.success(),
            "worker {i} failed ({}):\n{}\n{}",
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        conflicts += String::from_utf8_lossy(&out.stdout)
            .lines()
            .find_map(|l| l.strip_prefix("conflicts="))
            .and_then(|n| n.trim().parse::<u64>().ok())
            .expect("a worker reports its conflicts");
    }
    eprintln!("{scenario}: {WORKERS} workers, {conflicts} updates retried after a conflict");
    conflicts
}

fn add(total: &mut PeriodStats, s: &PeriodStats) {
    total.twin_calls += s.twin_calls;
    total.twin_errors += s.twin_errors;
    total.twin_ns += s.twin_ns;
    total.original_calls += s.original_calls;
    total.original_ns += s.original_ns;
}

/// The controller's invariants on what Redis holds at the end.
fn check_invariants(stored: &StoredRollout, reported: PeriodStats) {
    let p = policy();
    let state = &stored.state;
    // one-decision-per-period: strictly increasing periods, none open-ahead.
    for pair in stored.decisions.windows(2) {
        assert!(
            pair[0].period < pair[1].period,
            "period decided twice or out of order: {:?}",
            stored.decisions
        );
    }
    assert!(stored.decisions.iter().all(|d| d.period <= state.period));
    // samples-counted-once: the closed periods (each closed once, in
    // order) and the open one hold exactly what the workers reported.
    for pair in stored.closed_periods.windows(2) {
        assert!(pair[0].0 < pair[1].0, "{:?}", stored.closed_periods);
    }
    let mut counted = state.stats;
    for (period, stats) in &stored.closed_periods {
        assert!(*period < state.period);
        add(&mut counted, stats);
    }
    assert_eq!(counted, reported, "every sample counted exactly once");
    // Each decision judged its own period's counters: all of them at the
    // period's close, a prefix for an early rollback.
    let period_stats = |period: u64| {
        stored
            .closed_periods
            .iter()
            .find(|(p, _)| *p == period)
            .map(|(_, s)| *s)
            .or((period == state.period).then_some(state.stats))
    };
    // promotion-by-rule and rollback-sticks: replay the log.
    let mut percent = p.initial_percent();
    let mut rolled_back = false;
    for d in &stored.decisions {
        let whole = period_stats(d.period).expect("a decided period has counters");
        let s = d.stats;
        match d.action {
            Action::Promoted { from, to } => {
                assert!(!rolled_back, "promotion after a rollback: {d:?}");
                assert_eq!(s, whole, "{d:?}");
                assert_eq!(from, percent, "{d:?}");
                assert_eq!(to, (from + p.step_percent()).min(100), "one step: {d:?}");
                assert!(s.twin_calls >= p.min_calls(), "{d:?}");
                assert!(
                    u128::from(s.twin_errors) * 1_000_000
                        < u128::from(p.max_error_ppm()) * u128::from(s.twin_calls),
                    "promoted with errors at the limit: {d:?}"
                );
                assert!(
                    u128::from(s.original_ns) * u128::from(s.twin_calls) * 1000
                        >= u128::from(p.min_performance_per_mille())
                            * u128::from(s.twin_ns)
                            * u128::from(s.original_calls),
                    "promoted below the speed threshold: {d:?}"
                );
                percent = to;
            }
            Action::RolledBack { from, breach } => {
                assert!(!rolled_back, "a second rollback: {d:?}");
                assert_eq!(from, percent, "{d:?}");
                if breach == Breach::ErrorRate {
                    assert!(s.twin_calls <= whole.twin_calls, "{d:?}");
                    assert!(s.twin_errors > 0, "{d:?}");
                } else {
                    assert_eq!(s, whole, "{d:?}");
                }
                percent = 0;
                rolled_back = true;
            }
            Action::Held(reason) => {
                assert_eq!(s, whole, "{d:?}");
                assert_eq!(reason == HoldReason::RolledBack, rolled_back, "{d:?}");
            }
        }
    }
    // percent-in-range, and the state agrees with its log.
    assert!(p.reachable(state.percent));
    assert_eq!(state.percent, percent);
    assert_eq!(state.rolled_back, rolled_back);
    assert_eq!(
        state.last_decided_period,
        stored.decisions.last().map(|d| d.period)
    );
}

fn healthy(periods: u64) -> PeriodStats {
    let n = WORKERS * CALLS * periods;
    PeriodStats {
        twin_calls: n,
        twin_errors: 0,
        twin_ns: n * TWIN_NS,
        original_calls: n,
        original_ns: n * ORIGINAL_NS,
    }
}

#[test]
fn workers_racing_at_every_boundary_decide_each_period_once_and_promote_step_by_step() {
    let Some(server) = redis_or_skip("workers_racing_at_every_boundary") else {
        return;
    };
    run_workers("healthy", &server);
    let mut store = store(server.socket());
    // Close the last period, as a timer would.
    store
        .tick_at(HEALTHY_PERIODS * PERIOD)
        .expect("close the last period");
    let stored = store.snapshot().expect("read").expect("state written");
    check_invariants(&stored, healthy(HEALTHY_PERIODS));
    // Every worker reported each period before any reported the next, so
    // the outcome is exact: every period promoted once, on its full counts.
    let periods: Vec<u64> = stored.decisions.iter().map(|d| d.period).collect();
    assert_eq!(periods, (0..HEALTHY_PERIODS).collect::<Vec<_>>());
    assert!(
        stored
            .decisions
            .iter()
            .all(|d| matches!(d.action, Action::Promoted { .. }) && d.stats == healthy(1)),
        "{:?}",
        stored.decisions
    );
    assert_eq!(stored.state.percent, 65);
    assert_eq!(stored.closed_periods.len() as u64, HEALTHY_PERIODS);
}

#[test]
fn a_breach_racing_a_promotion_rolls_back_once_and_the_rollback_sticks() {
    let Some(server) = redis_or_skip("a_breach_racing_a_promotion") else {
        return;
    };
    run_workers("breach", &server);
    let mut store = store(server.socket());
    store.tick_at(4 * PERIOD).expect("close the last period");
    let stored = store.snapshot().expect("read").expect("state written");
    let mut reported = healthy(1);
    add(&mut reported, &healthy(2));
    let others = (WORKERS - 1) * CALLS;
    add(
        &mut reported,
        &PeriodStats {
            twin_calls: others + BREACH_ERRORS,
            twin_errors: BREACH_ERRORS,
            twin_ns: (others + BREACH_ERRORS) * TWIN_NS,
            original_calls: others,
            original_ns: others * ORIGINAL_NS,
        },
    );
    check_invariants(&stored, reported);
    eprintln!(
        "breach: decisions {:?}",
        stored
            .decisions
            .iter()
            .map(|d| (d.period, d.action))
            .collect::<Vec<_>>()
    );
    let rollbacks: Vec<_> = stored
        .decisions
        .iter()
        .filter(|d| matches!(d.action, Action::RolledBack { .. }))
        .collect();
    assert_eq!(rollbacks.len(), 1, "{:?}", stored.decisions);
    let rollback = rollbacks[0];
    // The errors either landed in period 0 before it closed (rolled back
    // from 5) or after, in period 1 (period 0 promoted to 15 first).
    let first = stored.decisions[0];
    match rollback.period {
        0 => assert!(matches!(
            rollback.action,
            Action::RolledBack {
                from: 5,
                breach: Breach::ErrorRate
            }
        )),
        1 => {
            assert_eq!(first.action, Action::Promoted { from: 5, to: 15 });
            assert!(matches!(
                rollback.action,
                Action::RolledBack {
                    from: 15,
                    breach: Breach::ErrorRate
                }
            ));
        }
        other => panic!("rolled back in period {other}: {:?}", stored.decisions),
    }
    // Healthy periods after it did not promote: it sticks.
    assert_eq!(stored.state.percent, 0);
    assert!(stored.state.rolled_back);
    let last = stored.decisions.last().expect("decisions");
    assert_eq!(last.period, 3);
    assert_eq!(last.action, Action::Held(HoldReason::RolledBack));
    assert_eq!(
        store.routing(None).expect("routing"),
        Routing {
            percent: 0,
            source: Source::Controller
        }
    );
}

#[test]
fn a_redis_flag_forces_the_component_until_it_expires_and_env_beats_it() {
    let Some(server) = redis_or_skip("a_redis_flag_forces_the_component") else {
        return;
    };
    let config = server.socket().to_string_lossy().into_owned();
    let mut rollout = SharedRollout::from_config(component(), policy(), Some(&config))
        .expect("connect")
        .with_env_flag(None);
    assert!(matches!(rollout.backend(), Backend::Redis(_)));
    rollout.record(original()).expect("record at server time");
    let controller = Routing {
        percent: 5,
        source: Source::Controller,
    };
    assert_eq!(rollout.routing().expect("routing"), controller);

    let mut store = store(server.socket());
    store
        .set_flag(false, Duration::from_millis(200))
        .expect("set the flag");
    assert_eq!(
        rollout.routing().expect("routing"),
        Routing {
            percent: 0,
            source: Source::RedisFlag
        }
    );
    store
        .set_flag(true, Duration::from_millis(200))
        .expect("set the flag");
    assert_eq!(
        rollout.routing().expect("routing"),
        Routing {
            percent: 100,
            source: Source::RedisFlag
        }
    );
    assert!((0..1000).all(|k| rollout.routes_to_twin(k).expect("routing")));
    let mut pinned = rollout.with_env_flag(Some(false));
    assert_eq!(
        pinned.routing().expect("routing"),
        Routing {
            percent: 0,
            source: Source::Env
        }
    );
    let mut rollout = pinned.with_env_flag(None);
    // The flag expires (PX 200): the controller decides again.
    let deadline = Instant::now() + Duration::from_secs(2);
    while rollout.routing().expect("routing").source != Source::Controller {
        assert!(Instant::now() < deadline, "the flag never expired");
        std::thread::sleep(Duration::from_millis(20));
    }
    assert_eq!(rollout.routing().expect("routing"), controller);
    assert_eq!(store.redis_flag().expect("read"), None);
}

#[test]
fn a_bad_flag_value_names_its_key_and_a_bad_state_is_refused() {
    let Some(server) = redis_or_skip("a_bad_flag_value_names_its_key") else {
        return;
    };
    let mut con = server
        .client()
        .and_then(|c| c.get_connection())
        .expect("connect");
    let mut store = store(server.socket());
    let _: () = redis::cmd("SET")
        .arg(format!("feature_flag:{COMPONENT}"))
        .arg("yes")
        .arg("PX")
        .arg(60_000)
        .query(&mut con)
        .expect("SET");
    match store.routing(None) {
        Err(StoreError::Flag(FlagError::BadValue { source_name, value })) => {
            assert_eq!(source_name, format!("feature_flag:{COMPONENT}"));
            assert_eq!(value, "yes");
        }
        other => panic!("want a bad-value error, got {other:?}"),
    }

    store.record_at(0, &[original()]).expect("record");
    let key = format!("twinbench:rollout:{COMPONENT}");
    let _: () = redis::cmd("HSET")
        .arg(&key)
        .arg("percent")
        .arg(150)
        .query(&mut con)
        .expect("HSET");
    let e = store.record_at(0, &[original()]).expect_err("percent 150");
    assert!(matches!(e, StoreError::Invalid { .. }), "{e}");
    assert!(e.to_string().contains("above 100"), "{e}");

    let _: () = redis::cmd("HSET")
        .arg(&key)
        .arg("percent")
        .arg(5)
        .query(&mut con)
        .expect("HSET");
    let mut other_policy = RedisRollout::connect(
        &RedisTarget::Socket(server.socket().to_path_buf()),
        component(),
        Policy::new(5, 20, PERIOD, 900, 10_000, 20).expect("valid"),
    )
    .expect("connect");
    let e = other_policy
        .record_at(0, &[original()])
        .expect_err("another policy");
    assert!(matches!(e, StoreError::PolicyMismatch { .. }), "{e}");
    // Neither refused update wrote anything.
    let stored = store.snapshot().expect("read").expect("state");
    assert_eq!(stored.state.stats.original_calls, 1);
}

#[test]
fn the_server_is_killed_and_its_folder_removed_when_a_test_panics() {
    let Some(server) = redis_or_skip("the_server_is_killed_when_a_test_panics") else {
        return;
    };
    let pid = server.pid().expect("running");
    let folder = server.folder().to_path_buf();
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(move || {
        let _server = server;
        panic!("a failing test holding the server");
    }));
    assert!(outcome.is_err());
    assert!(
        !Path::new(&format!("/proc/{pid}")).exists(),
        "redis-server {pid} outlived the panic"
    );
    assert!(!folder.exists(), "{} left behind", folder.display());
}
