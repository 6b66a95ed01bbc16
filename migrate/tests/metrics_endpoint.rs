//! The `/metrics` endpoint, scraped over real HTTP on 127.0.0.1 while a
//! rollout runs, and its exposition text checked by Prometheus's own
//! `promtool check metrics` (Debian package `prometheus`). Without promtool
//! the check is skipped loudly, unless `TWINBENCH_REQUIRE_PROMTOOL` is set
//! (CI sets it): then it fails.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

use twinbench_kernels::concurrent::clock::ManualClock;
use twinbench_kernels::concurrent::rollout::{Policy, Sample};
use twinbench_migrate::endpoint::{CONTENT_TYPE, MetricsEndpoint};
use twinbench_migrate::instrumented::Migration;
use twinbench_migrate::metrics::MigrationMetrics;

const REQUIRE_PROMTOOL: &str = "TWINBENCH_REQUIRE_PROMTOOL";
const PERIOD_MS: u64 = 1_000;

/// One `GET /metrics` over a fresh connection: (status line, headers, body).
fn scrape(addr: SocketAddr) -> (String, String, String) {
    let mut stream = TcpStream::connect(addr).expect("the endpoint accepts connections");
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .expect("a read timeout");
    write!(
        stream,
        "GET /metrics HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )
    .expect("the request is sent");
    let mut response = String::new();
    stream
        .read_to_string(&mut response)
        .expect("the response is read");
    let (head, body) = response
        .split_once("\r\n\r\n")
        .expect("a response with headers and a body");
    let (status, headers) = head.split_once("\r\n").unwrap_or((head, ""));
    (status.to_string(), headers.to_lowercase(), body.to_string())
}

/// Three components through a few 1-second periods: one healthy (promoted
/// twice), one failing 20% of twin calls (rolled back at once), one with a
/// twin slower than 90% of the original (rolled back at its period's end).
fn run_rollouts(metrics: &Arc<MigrationMetrics>) {
    let policy = Policy::seed000(PERIOD_MS).expect("the seed's policy");
    for (component, twin_ns, failing_every) in [
        ("ENABLE_CONDON_ANALYTICS", 20_000, 0),
        ("ENABLE_CONDON_AI_DETECTION", 20_000, 5),
        ("ENABLE_CONDON_MONITORING", 2_000_000, 0),
    ] {
        let clock = Arc::new(ManualClock::new(0));
        let migration = Migration::new(component, policy, Arc::clone(&clock), Arc::clone(metrics));
        for period in 0..3u64 {
            for call in 0..4_000u64 {
                let key = period * 4_000 + call;
                migration.report(if migration.route(key) {
                    Sample::Twin {
                        ns: twin_ns,
                        error: failing_every > 0 && key % failing_every == 0,
                    }
                } else {
                    Sample::Original { ns: 1_000_000 }
                });
            }
            clock.advance(PERIOD_MS);
            migration.tick();
        }
    }
}

#[test]
fn the_endpoint_serves_the_seeds_metrics_and_promtool_accepts_them() {
    let metrics = Arc::new(MigrationMetrics::new());
    let endpoint = MetricsEndpoint::start(Arc::clone(&metrics), 0).expect("the endpoint starts");
    assert!(
        endpoint.addr().ip().is_loopback(),
        "bound to {}",
        endpoint.addr()
    );
    run_rollouts(&metrics);

    let (status, headers, body) = scrape(endpoint.addr());
    assert!(status.ends_with("200 OK"), "{status}");
    assert!(
        headers.contains(&format!("content-type: {CONTENT_TYPE}")),
        "{headers}"
    );
    for name in [
        "component_migration_success_total",
        "component_migration_failure_total",
        "component_migration_duration_seconds",
        "component_migration_rollback_total",
        "component_performance_degradation_percent",
    ] {
        assert!(
            body.contains(&format!("# TYPE {name} ")),
            "{name} missing:\n{body}"
        );
    }
    let line = |prefix: &str| {
        body.lines()
            .find(|l| l.starts_with(prefix))
            .and_then(|l| l.rsplit(' ').next())
            .and_then(|v| v.parse::<f64>().ok())
    };
    assert_eq!(
        line("component_migration_rollout_percent{component=\"ENABLE_CONDON_ANALYTICS\"}"),
        Some(35.0),
        "three healthy periods: 5 -> 15 -> 25 -> 35"
    );
    for rolled_back in ["ENABLE_CONDON_AI_DETECTION", "ENABLE_CONDON_MONITORING"] {
        assert_eq!(
            line(&format!(
                "component_migration_rollback_total{{component=\"{rolled_back}\"}}"
            )),
            Some(1.0),
            "{rolled_back} rolls back once and stays back:\n{body}"
        );
    }

    let Ok(mut promtool) = Command::new("promtool")
        .args(["check", "metrics"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
    else {
        assert!(
            std::env::var_os(REQUIRE_PROMTOOL).is_none(),
            "{REQUIRE_PROMTOOL} is set but promtool is not on PATH (Debian package prometheus)"
        );
        eprintln!(
            "!! promtool check metrics NOT RUN: promtool not found (install the Debian package prometheus)"
        );
        return;
    };
    promtool
        .stdin
        .take()
        .expect("promtool's stdin")
        .write_all(body.as_bytes())
        .expect("the exposition text is handed to promtool");
    let out = promtool.wait_with_output().expect("promtool runs");
    assert!(
        out.status.success(),
        "promtool check metrics refused the exposition text:\n{}{}\n---\n{body}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    drop(endpoint);
}

#[test]
fn a_dropped_endpoint_stops_listening() {
    let endpoint =
        MetricsEndpoint::start(Arc::new(MigrationMetrics::new()), 0).expect("the endpoint starts");
    let addr = endpoint.addr();
    let (status, _, _) = scrape(addr);
    assert!(status.ends_with("200 OK"), "{status}");
    drop(endpoint);
    assert!(
        TcpStream::connect_timeout(&addr, Duration::from_secs(1)).is_err(),
        "{addr} still accepts connections after the endpoint was dropped"
    );
}
