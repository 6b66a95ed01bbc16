//! The HTTP measurement `make report` runs (`twinbench-http-bench`): both
//! servers, each on its own copy of one generated database, under the same
//! loopback load at each connection count, their peak memory sampled
//! throughout; then the twin's rule reload under load (claim C25).
//!
//! Nothing here panics on a server that will not start or a run that
//! fails: each becomes a problem in the record, and the rest is measured.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde_json::json;

use crate::client;
use crate::fixture::{self, NOW};
use crate::load::{self, LoadPlan, Request};
use crate::memory::MemorySampler;
use crate::process::{RunningServer, ServerSpec, Side, gunicorn_available};
use crate::record::{DatabaseShape, HttpBench, ReloadMeasure, ServerMeasure};

/// What to measure, and the bounds every run stops at.
#[derive(Debug, Clone)]
pub struct BenchOptions {
    /// The twin's binary (`twinbench-serve`), built with the bench profile.
    pub twin: PathBuf,
    pub tasks: usize,
    pub sessions: usize,
    pub seed: u64,
    pub connections: Vec<usize>,
    pub request_bound: u64,
    pub duration_bound: Duration,
    /// Requests sent before the measured runs (each server's caches,
    /// SQLite's page cache, gunicorn's workers warmed alike).
    pub warmup_requests: u64,
}

/// How often the memory sampler reads /proc.
const MEMORY_INTERVAL: Duration = Duration::from_millis(50);

/// The request mix: the task-listing page (the service's most frequent
/// call), SLA lookups of tasks spread over the table, and submissions
/// (submit-and-assign, each one write transaction) of two types.
fn mix(tasks: usize) -> Vec<Request> {
    let listing = "/api/tasks?status=pending&limit=50";
    let ids = [1, tasks / 3, 2 * tasks / 3, tasks].map(|id| id.max(1));
    vec![
        Request::get(listing),
        Request::get(format!("/api/tasks/{}/sla", ids[0])),
        Request::post_json(
            "/api/tasks",
            &json!({"type": "shell", "priority": 5, "environment": "prod"}),
        ),
        Request::get(listing),
        Request::get(format!("/api/tasks/{}/sla", ids[1])),
        Request::get(listing),
        Request::get(format!("/api/tasks/{}/sla", ids[2])),
        Request::post_json(
            "/api/tasks",
            &json!({"type": "python", "priority": 3, "environment": "dev"}),
        ),
        Request::get(listing),
        Request::get(format!("/api/tasks/{}/sla", ids[3])),
    ]
}

fn describe(request: &Request) -> String {
    match &request.json_body {
        Some(body) => format!(
            "{} {} {}",
            request.method,
            request.path,
            String::from_utf8_lossy(body)
        ),
        None => format!("{} {}", request.method, request.path),
    }
}

fn unix_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

/// Runs the whole measurement in `workdir` (a scratch folder the caller
/// removes); `progress` hears one line per step.
pub fn measure(
    options: &BenchOptions,
    workdir: &Path,
    mut progress: impl FnMut(&str),
) -> HttpBench {
    let started_unix_ms = unix_ms();
    let requests = mix(options.tasks);
    let mut bench = HttpBench {
        started_unix_ms,
        database: DatabaseShape {
            tasks: options.tasks,
            sessions: options.sessions,
            seed: options.seed,
        },
        mix: requests.iter().map(describe).collect(),
        request_bound: options.request_bound,
        duration_bound_s: options.duration_bound.as_secs_f64(),
        servers: Vec::new(),
        reload: None,
        problems: Vec::new(),
    };
    let base = match fixture::build_db(
        workdir,
        "base.sqlite3",
        options.seed,
        options.tasks,
        options.sessions,
    ) {
        Ok(path) => path,
        Err(e) => {
            bench.problems.push(format!("no database to serve: {e}"));
            return bench;
        }
    };
    let config_dir = twinbench_service::config::default_dir();
    for side in [Side::Python, Side::Rust] {
        progress(&format!("{}: starting", side.name()));
        bench.servers.push(measure_server(
            side,
            options,
            &base,
            &config_dir,
            &requests,
            workdir,
            &mut progress,
        ));
    }
    progress("config reload under load (the twin)");
    match measure_reload(options, &base, workdir, &requests) {
        Ok(reload) => bench.reload = Some(reload),
        Err(e) => bench
            .problems
            .push(format!("config reload not measured: {e}")),
    }
    bench
}

fn side_id(side: Side) -> &'static str {
    match side {
        Side::Python => "python",
        Side::Rust => "rust",
    }
}

fn start(side: Side, options: &BenchOptions, spec: &ServerSpec) -> Result<RunningServer, String> {
    match side {
        Side::Python if !gunicorn_available() => Err(format!(
            "{}: not measured: no gunicorn in {} (make setup installs it)",
            side.name(),
            crate::process::venv_dir().display()
        )),
        Side::Python => RunningServer::start_python(spec).map_err(|e| e.to_string()),
        Side::Rust => RunningServer::start_rust(&options.twin, spec).map_err(|e| e.to_string()),
    }
}

fn spec_on(db: PathBuf, config_dir: &Path) -> ServerSpec {
    let mut spec = ServerSpec::new(db, config_dir);
    spec.now = Some(NOW);
    spec
}

fn plan(
    server: &RunningServer,
    requests: &[Request],
    connections: usize,
    bound: (u64, Duration),
) -> LoadPlan {
    LoadPlan {
        target: server.addr(),
        requests: requests.to_vec(),
        connections,
        max_requests: bound.0,
        max_duration: bound.1,
    }
}

fn measure_server(
    side: Side,
    options: &BenchOptions,
    base: &Path,
    config_dir: &Path,
    requests: &[Request],
    workdir: &Path,
    progress: &mut impl FnMut(&str),
) -> ServerMeasure {
    let mut measure = ServerMeasure {
        side: side_id(side).into(),
        stack: side.name().into(),
        runs: Vec::new(),
        memory: None,
        problems: Vec::new(),
    };
    let db = workdir.join(format!("{}.sqlite3", side_id(side)));
    if let Err(e) = crate::process::copy_database(base, &db) {
        measure.problems.push(format!("copying the database: {e}"));
        return measure;
    }
    let server = match start(side, options, &spec_on(db, config_dir)) {
        Ok(s) => s,
        Err(e) => {
            measure.problems.push(e);
            return measure;
        }
    };
    let pids = server.pids();
    let sampler = MemorySampler::start(
        {
            let pids = pids.clone();
            move || pids.clone()
        },
        MEMORY_INTERVAL,
    );
    let warmup = plan(
        &server,
        requests,
        options.connections.iter().copied().max().unwrap_or(1),
        (options.warmup_requests.max(1), options.duration_bound),
    );
    if let Err(e) = load::run(&warmup) {
        measure.problems.push(format!("warm-up: {e}"));
    }
    for &connections in &options.connections {
        let p = plan(
            &server,
            requests,
            connections,
            (options.request_bound, options.duration_bound),
        );
        match load::run(&p) {
            Ok(report) => {
                progress(&format!(
                    "{}: {connections} connections: {:.0} requests/s, p99 {} µs, {} failed, {} cut at the deadline",
                    side_id(side),
                    report.requests_per_s,
                    report
                        .latency
                        .as_ref()
                        .map_or_else(|| "—".to_string(), |l| format!("{:.0}", l.p99_us)),
                    report.non_2xx + report.transport_errors,
                    report.timed_out
                ));
                measure.runs.push(report);
            }
            Err(e) => measure
                .problems
                .push(format!("{connections} connections: {e}")),
        }
    }
    measure.memory = Some(sampler.stop());
    if server.stop().is_none() {
        measure
            .problems
            .push("the server did not report an exit status when stopped".into());
    }
    measure
}

/// The rule change C25 is measured with: the `shell` SLA target, 5 minutes
/// in `base/`, set to 12 by a new file in `local/` (how an operator
/// overrides a rule).
const RELOAD_TARGET: i64 = 12;
const RELOAD_FILE: &str = "c25.yaml";

fn target_minutes(addr: std::net::SocketAddr, path: &str) -> Result<i64, String> {
    let r = client::request(addr, "GET", path, None, Duration::from_secs(10))
        .map_err(|e| e.to_string())?;
    if r.status != 200 {
        return Err(format!("{path}: status {}", r.status));
    }
    let v: serde_json::Value = serde_json::from_slice(&r.body).map_err(|e| e.to_string())?;
    v["target_minutes"]
        .as_i64()
        .ok_or_else(|| format!("{path}: no target_minutes in {v}"))
}

fn measure_reload(
    options: &BenchOptions,
    base: &Path,
    workdir: &Path,
    requests: &[Request],
) -> Result<ReloadMeasure, String> {
    let db = workdir.join("reload.sqlite3");
    crate::process::copy_database(base, &db).map_err(|e| format!("copying the database: {e}"))?;
    let config_dir = fixture::copy_config(&workdir.join("reload")).map_err(|e| e.to_string())?;
    let server = start(Side::Rust, options, &spec_on(db.clone(), &config_dir))?;
    let addr = server.addr();
    let shell_task = first_task_of_type(&db, "shell")?;
    let probe = format!("/api/tasks/{shell_task}/sla");
    let before = target_minutes(addr, &probe)?;
    if before == RELOAD_TARGET {
        return Err(format!("the shell target is already {RELOAD_TARGET}"));
    }
    // Background load on 16 connections for the whole change.
    let background = plan(&server, requests, 16, (u64::MAX, Duration::from_secs(3)));
    let load = std::thread::spawn(move || load::run(&background));
    std::thread::sleep(Duration::from_millis(500));
    let rule = format!(
        "sla_targets:\n  shell:\n    target_minutes: {RELOAD_TARGET}\n    warning_percent: 80\n"
    );
    fixture::write_atomically(&config_dir.join("local").join(RELOAD_FILE), &rule)
        .map_err(|e| format!("writing the rule file: {e}"))?;
    let written = Instant::now();
    let mut probe_failures = 0u64;
    let delay = loop {
        match target_minutes(addr, &probe) {
            Ok(t) if t == RELOAD_TARGET => break written.elapsed(),
            Ok(_) => {}
            Err(_) => probe_failures += 1,
        }
        if written.elapsed() > Duration::from_secs(60) {
            return Err("the new rule was not served within 60 s".into());
        }
        std::thread::sleep(Duration::from_millis(2));
    };
    let report = load
        .join()
        .map_err(|_| "the background load panicked".to_string())?
        .map_err(|e| e.to_string())?;
    drop(server);
    Ok(ReloadMeasure {
        change: format!(
            "shell SLA target {before} → {RELOAD_TARGET} minutes, by a new file local/{RELOAD_FILE}"
        ),
        delay_ms: delay.as_secs_f64() * 1e3,
        requests_during: report.completed,
        failed_during: report.non_2xx + report.transport_errors + probe_failures,
    })
}

fn first_task_of_type(db: &Path, task_type: &str) -> Result<i64, String> {
    let conn = twinbench_service::rusqlite::Connection::open(db).map_err(|e| e.to_string())?;
    conn.query_row(
        "SELECT id FROM tasks WHERE type = ?1 ORDER BY id LIMIT 1",
        [task_type],
        |r| r.get(0),
    )
    .map_err(|e| format!("no {task_type} task in the database: {e}"))
}
