//! The load generator against a tiny keep-alive server written here (one
//! thread per connection, a fixed reply): the bounds, the loopback rule and
//! the failure counts.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use serde_json::json;
use twinbench_http::load::{LoadError, LoadPlan, Request, run};

/// Serves until the test process ends: `/missing` gets 404, every other
/// path 200 after `delay`. Counts the requests it answered.
fn serve(delay: Duration) -> (SocketAddr, Arc<AtomicU64>) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind loopback");
    let addr = listener.local_addr().expect("address");
    let served = Arc::new(AtomicU64::new(0));
    let count = Arc::clone(&served);
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let count = Arc::clone(&count);
            std::thread::spawn(move || {
                let mut writer = match stream.try_clone() {
                    Ok(w) => w,
                    Err(_) => return,
                };
                let mut reader = BufReader::new(stream);
                loop {
                    let mut request_line = String::new();
                    if reader.read_line(&mut request_line).unwrap_or(0) == 0 {
                        return;
                    }
                    let mut length = 0usize;
                    loop {
                        let mut header = String::new();
                        if reader.read_line(&mut header).unwrap_or(0) == 0 {
                            return;
                        }
                        if header == "\r\n" {
                            break;
                        }
                        let lower = header.to_ascii_lowercase();
                        if let Some(v) = lower.strip_prefix("content-length:") {
                            length = v.trim().parse().unwrap_or(0);
                        }
                    }
                    let mut body = vec![0; length];
                    if reader.read_exact(&mut body).is_err() {
                        return;
                    }
                    std::thread::sleep(delay);
                    let status = if request_line.contains("/missing") {
                        "404 Not Found"
                    } else {
                        "200 OK"
                    };
                    let reply = format!("HTTP/1.1 {status}\r\ncontent-length: 2\r\n\r\n{{}}");
                    if writer.write_all(reply.as_bytes()).is_err() {
                        return;
                    }
                    count.fetch_add(1, Ordering::Relaxed);
                }
            });
        }
    });
    (addr, served)
}

fn plan(target: SocketAddr, requests: Vec<Request>, connections: usize) -> LoadPlan {
    LoadPlan {
        target,
        requests,
        connections,
        max_requests: 400,
        max_duration: Duration::from_secs(60),
    }
}

#[test]
fn stops_at_the_request_bound_on_every_connection_count() {
    for connections in [1, 16, 64] {
        let (addr, served) = serve(Duration::ZERO);
        let mix = vec![
            Request::get("/api/tasks?status=pending&limit=50"),
            Request::post_json("/api/tasks", &json!({"type": "shell", "priority": 3})),
        ];
        let report = run(&plan(addr, mix, connections)).expect("runs");
        assert_eq!(report.completed, 400, "{report:?}");
        assert_eq!(served.load(Ordering::Relaxed), 400);
        assert_eq!(
            report.non_2xx + report.transport_errors + report.timed_out,
            0
        );
        let latency = report.latency.expect("latencies");
        assert_eq!(latency.count, 400);
        assert!(latency.p50_us <= latency.p99_us && latency.p99_us <= latency.p99_9_us);
        assert!(latency.p99_9_us <= latency.max_us);
        assert!(report.requests_per_s > 0.0);
    }
}

#[test]
fn stops_at_the_time_bound() {
    let (addr, _) = serve(Duration::from_millis(20));
    let mut p = plan(addr, vec![Request::get("/slow")], 4);
    p.max_requests = 1_000_000;
    p.max_duration = Duration::from_millis(300);
    let report = run(&p).expect("runs");
    // 4 connections x 300 ms / 20 ms is at most ~60 answers, far below the
    // request bound: the deadline stopped the run.
    assert!(report.completed < 200, "{report:?}");
    assert!(report.completed > 0, "{report:?}");
    // 300 ms cut into 250 ms windows: one full window, the rest dropped.
    assert_eq!(report.windows.len(), 1, "{report:?}");
    assert!(report.windows[0].completed <= report.completed);
    // A termination guard, not a timing assertion.
    assert!(report.elapsed_s < 30.0, "{report:?}");
}

#[test]
fn counts_error_statuses_and_refused_connections() {
    let (addr, _) = serve(Duration::ZERO);
    let report = run(&plan(
        addr,
        vec![Request::get("/ok"), Request::get("/missing")],
        2,
    ))
    .expect("runs");
    assert_eq!(report.completed, 400);
    assert_eq!(report.non_2xx, 200, "{report:?}");

    // A port nobody listens on: bind, learn the port, close.
    let closed = TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port");
    let report = run(&plan(closed, vec![Request::get("/")], 2)).expect("runs");
    assert_eq!(report.completed, 0);
    assert_eq!(report.transport_errors, 400, "{report:?}");
    assert!(report.latency.is_none());
}

#[test]
fn refuses_any_target_but_loopback() {
    for target in [
        "10.0.0.1:80",
        "192.168.1.1:8080",
        "8.8.8.8:53",
        "0.0.0.0:80",
    ] {
        let addr: SocketAddr = target.parse().expect("address");
        let err = run(&plan(addr, vec![Request::get("/")], 1)).expect_err("refused");
        assert!(matches!(err, LoadError::NotLoopback(_)), "{target}: {err}");
        assert!(err.to_string().contains("127.0.0.1"), "{err}");
    }
    let v6: SocketAddr = "[::1]:1".parse().expect("address");
    assert!(!matches!(
        run(&plan(v6, vec![Request::get("/")], 1)),
        Err(LoadError::NotLoopback(_))
    ));
}

#[test]
fn an_empty_plan_is_an_error() {
    let addr: SocketAddr = "127.0.0.1:1".parse().expect("address");
    assert!(matches!(
        run(&plan(addr, Vec::new(), 1)),
        Err(LoadError::EmptyPlan)
    ));
    assert!(matches!(
        run(&plan(addr, vec![Request::get("/")], 0)),
        Err(LoadError::EmptyPlan)
    ));
}
