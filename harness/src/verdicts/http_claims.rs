//! The task-routing service's promises measured over HTTP (seed 004):
//! memory (C20), throughput under concurrent requests (C21), API response
//! time (C23) and the config reload (C25), read off `results.http`.
//!
//! Throughput and latency ratios come with a bootstrap interval over the
//! runs' 250 ms windows (each window's responses, or their mean latency);
//! memory and the reload delay are one measurement each and say so: their
//! verdict compares the single figure with the claim.

use crate::results::verdicts::ClaimVerdict;
use crate::results::{HttpBench, LoadReport, ServerMeasure};
use crate::stats::{Estimate, ratio_estimate};

use super::times;

/// What a claim's row says, before the ledger adds the claim's own fields.
#[derive(Debug)]
pub(super) struct Finding {
    pub text: String,
    pub verdict: ClaimVerdict,
    pub measured: Option<Estimate>,
    pub rests_on: Vec<String>,
    pub against: String,
}

/// Why an HTTP claim has no figure in this run.
pub(super) const NOT_RUN: &str = "the HTTP measurement was not part of this run (`make report` runs twinbench-http-bench \
     and passes --http)";

const AGAINST: &str = "the original's stack (Flask under gunicorn) serving the same requests \
                       from a copy of the same SQLite file";

fn side<'a>(http: &'a HttpBench, name: &str) -> Option<&'a ServerMeasure> {
    http.servers.iter().find(|s| s.side == name)
}

fn both(http: &HttpBench) -> Result<(&ServerMeasure, &ServerMeasure), String> {
    let python = side(http, "python");
    let rust = side(http, "rust");
    match (python, rust) {
        (Some(p), Some(r)) => Ok((p, r)),
        _ => Err(format!(
            "a server was not measured: {}",
            http.problems
                .iter()
                .chain(python.iter().flat_map(|p| &p.problems))
                .chain(rust.iter().flat_map(|r| &r.problems))
                .cloned()
                .collect::<Vec<_>>()
                .join("; ")
        )),
    }
}

fn run_at(server: &ServerMeasure, connections: usize) -> Option<&LoadReport> {
    server
        .runs
        .iter()
        .find(|r| r.connections == connections && r.completed > 0)
}

/// Requests the server failed: an error status or a broken connection.
/// Requests still in flight when the run's time ran out are not failures.
fn failed(run: &LoadReport) -> u64 {
    run.non_2xx + run.transport_errors
}

/// A single figure against an "at least" claim: no interval to lean on.
fn point_verdict(value: f64, claimed: f64) -> ClaimVerdict {
    if value >= claimed {
        ClaimVerdict::Confirmed
    } else {
        ClaimVerdict::Refuted
    }
}

fn interval_verdict(e: &Estimate, claimed: f64) -> ClaimVerdict {
    if e.low >= claimed {
        ClaimVerdict::Confirmed
    } else if e.high < claimed {
        ClaimVerdict::Refuted
    } else {
        ClaimVerdict::Consistent
    }
}

fn mib(bytes: u64) -> String {
    format!("{:.1} MiB", bytes as f64 / (1u64 << 20) as f64)
}

/// C20: the Python server's peak memory over the Rust server's (PSS summed
/// over each server's processes, over all load runs).
pub(super) fn memory(http: &HttpBench, factor: f64) -> Result<Finding, String> {
    let (python, rust) = both(http)?;
    let (Some(p), Some(r)) = (&python.memory, &rust.memory) else {
        return Err("a server's memory was not sampled".into());
    };
    if r.peak_pss_bytes == 0 {
        return Err("the Rust server's memory read as zero (no /proc sample)".into());
    }
    let ratio = p.peak_pss_bytes as f64 / r.peak_pss_bytes as f64;
    Ok(Finding {
        text: format!(
            "{} less: peak {} over {} processes ({}) vs {} in {} ({}); one peak per server, \
             no interval",
            times(ratio),
            mib(p.peak_pss_bytes),
            p.processes,
            python.stack,
            mib(r.peak_pss_bytes),
            if r.processes == 1 {
                "1 process".to_string()
            } else {
                format!("{} processes", r.processes)
            },
            rust.stack,
        ),
        verdict: point_verdict(ratio, factor),
        measured: None,
        rests_on: vec![format!(
            "peak proportional set size (PSS) summed over each server's processes, sampled \
             during {} load runs on a {}-task database",
            python.runs.len() + rust.runs.len(),
            http.database.tasks
        )],
        against: AGAINST.into(),
    })
}

/// C21: the Rust server's requests/s over the Python server's at the
/// highest connection count both sustained.
pub(super) fn throughput(http: &HttpBench, factor: f64) -> Result<Finding, String> {
    let (python, rust) = both(http)?;
    let connections = python
        .runs
        .iter()
        .map(|r| r.connections)
        .filter(|&c| run_at(python, c).is_some() && run_at(rust, c).is_some())
        .max()
        .ok_or("no connection count was measured on both servers")?;
    let (p, r) = (
        run_at(python, connections).ok_or("python run missing")?,
        run_at(rust, connections).ok_or("rust run missing")?,
    );
    let windows =
        |run: &LoadReport| -> Vec<f64> { run.windows.iter().map(|w| w.completed as f64).collect() };
    let (pw, rw) = (windows(p), windows(r));
    if pw.len() < 2 || rw.len() < 2 {
        return Err(format!(
            "the runs at {connections} connections were too short for an interval \
             ({} and {} windows)",
            pw.len(),
            rw.len()
        ));
    }
    let e = ratio_estimate(&rw, &pw);
    let others: Vec<String> = python
        .runs
        .iter()
        .filter_map(|pr| {
            let rr = run_at(rust, pr.connections)?;
            Some(format!(
                "{} conn: {:.0} vs {:.0} req/s",
                pr.connections, rr.requests_per_s, pr.requests_per_s
            ))
        })
        .collect();
    Ok(Finding {
        text: format!(
            "{} [{}, {}] at {connections} connections ({:.0} vs {:.0} requests/s; {} and {} \
             failed); {}",
            times(e.point),
            times(e.low),
            times(e.high),
            r.requests_per_s,
            p.requests_per_s,
            failed(r),
            failed(p),
            others.join("; ")
        ),
        verdict: interval_verdict(&e, factor),
        measured: Some(e),
        rests_on: http.mix.clone(),
        against: AGAINST.into(),
    })
}

/// C23: the Python server's mean response time over the Rust server's, one
/// connection (a single client's view of the API).
pub(super) fn latency(http: &HttpBench, factor: f64) -> Result<Finding, String> {
    let (python, rust) = both(http)?;
    let (Some(p), Some(r)) = (run_at(python, 1), run_at(rust, 1)) else {
        return Err("no one-connection run on both servers".into());
    };
    let means = |run: &LoadReport| -> Vec<f64> {
        run.windows
            .iter()
            .filter_map(|w| w.mean_latency_us)
            .collect()
    };
    let (pm, rm) = (means(p), means(r));
    if pm.len() < 2 || rm.len() < 2 {
        return Err("the one-connection runs were too short for an interval".into());
    }
    let e = ratio_estimate(&pm, &rm);
    let pct = |run: &LoadReport| {
        run.latency.as_ref().map_or_else(
            || "no latency".to_string(),
            |l| format!("p50 {:.0} µs, p99 {:.0} µs", l.p50_us, l.p99_us),
        )
    };
    Ok(Finding {
        text: format!(
            "{} [{}, {}] mean response time at 1 connection (Rust {}; Python {})",
            times(e.point),
            times(e.low),
            times(e.high),
            pct(r),
            pct(p)
        ),
        verdict: interval_verdict(&e, factor),
        measured: Some(e),
        rests_on: http.mix.clone(),
        against: AGAINST.into(),
    })
}

/// C25: from a rule file's write to the first response obeying the new
/// rule, under load, with no request lost.
pub(super) fn reload(http: &HttpBench, limit_s: f64) -> Result<Finding, String> {
    let reload = http
        .reload
        .as_ref()
        .ok_or("the reload was not measured (the Rust server did not start)")?;
    let seconds = reload.delay_ms / 1_000.0;
    let verdict = if seconds < limit_s && reload.failed_during == 0 {
        ClaimVerdict::Confirmed
    } else {
        ClaimVerdict::Refuted
    };
    Ok(Finding {
        text: format!(
            "{:.0} ms from the file write to the first response obeying it ({}); {} of {} \
             requests during the change failed; one measurement",
            reload.delay_ms, reload.change, reload.failed_during, reload.requests_during
        ),
        verdict,
        measured: None,
        rests_on: vec!["the Rust server's rule-file watcher, under load".into()],
        against: "the 30-minute deploy the seed replaces (the Python service reads its rules \
                  at start only)"
            .into(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::results::{MemoryPeak, ReloadMeasure};
    use twinbench_http::record::{DatabaseShape, LoadWindow};

    fn run(connections: usize, per_window: &[u64], mean_us: f64) -> LoadReport {
        let completed = per_window.iter().sum();
        LoadReport {
            connections,
            completed,
            non_2xx: 0,
            transport_errors: 0,
            timed_out: 0,
            elapsed_s: per_window.len() as f64 * 0.25,
            requests_per_s: completed as f64 / (per_window.len() as f64 * 0.25),
            latency: None,
            window_s: 0.25,
            windows: per_window
                .iter()
                .map(|&c| LoadWindow {
                    completed: c,
                    mean_latency_us: Some(mean_us),
                })
                .collect(),
        }
    }

    fn server(side: &str, scale: u64, mean_us: f64, pss: u64) -> ServerMeasure {
        ServerMeasure {
            side: side.into(),
            stack: format!("{side} stack"),
            runs: [1, 16, 64]
                .into_iter()
                .map(|c| {
                    run(
                        c,
                        &[100 * scale, 110 * scale, 90 * scale, 100 * scale],
                        mean_us,
                    )
                })
                .collect(),
            memory: Some(MemoryPeak {
                peak_pss_bytes: pss,
                peak_rss_bytes: pss,
                hwm_sum_bytes: pss,
                samples: 10,
                processes: 1,
            }),
            problems: Vec::new(),
        }
    }

    fn bench(rust_scale: u64) -> HttpBench {
        HttpBench {
            started_unix_ms: 0,
            database: DatabaseShape {
                tasks: 1000,
                sessions: 10,
                seed: 1,
            },
            mix: vec!["GET /api/health".into()],
            request_bound: 1000,
            duration_bound_s: 1.0,
            servers: vec![
                server("python", 1, 1000.0, 300 << 20),
                server("rust", rust_scale, 100.0, 20 << 20),
            ],
            reload: Some(ReloadMeasure {
                change: "shell target 5 → 7 minutes".into(),
                delay_ms: 180.0,
                requests_during: 500,
                failed_during: 0,
            }),
            problems: Vec::new(),
        }
    }

    #[test]
    fn each_http_claim_compares_with_its_factor() {
        let http = bench(60);
        let t = throughput(&http, 50.0).expect("measured");
        assert_eq!(t.verdict, ClaimVerdict::Confirmed, "{}", t.text);
        assert!(t.text.contains("at 64 connections"), "{}", t.text);
        assert_eq!(
            throughput(&bench(10), 50.0).expect("measured").verdict,
            ClaimVerdict::Refuted
        );
        let l = latency(&http, 20.0).expect("measured");
        assert_eq!(l.verdict, ClaimVerdict::Refuted, "10x < 20x: {}", l.text);
        let m = memory(&http, 10.0).expect("measured");
        assert_eq!(m.verdict, ClaimVerdict::Confirmed, "{}", m.text);
        assert!(m.measured.is_none(), "one peak each: no interval");
        let r = reload(&http, 30.0).expect("measured");
        assert_eq!(r.verdict, ClaimVerdict::Confirmed, "{}", r.text);
    }

    #[test]
    fn a_lost_request_during_the_reload_refutes_c25() {
        let mut http = bench(60);
        if let Some(r) = http.reload.as_mut() {
            r.failed_during = 1;
        }
        assert_eq!(
            reload(&http, 30.0).expect("measured").verdict,
            ClaimVerdict::Refuted
        );
    }

    #[test]
    fn a_missing_server_is_unmeasured_with_its_reason() {
        let mut http = bench(60);
        http.servers.retain(|s| s.side == "rust");
        http.problems.push("gunicorn not installed".into());
        let err = throughput(&http, 50.0).expect_err("one server only");
        assert!(err.contains("gunicorn not installed"), "{err}");
        assert!(memory(&http, 10.0).is_err());
    }
}
