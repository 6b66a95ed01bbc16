//! The HTTP section: the task-routing service served by the original's
//! stack and by the twin, under the same loopback load, with each server's
//! peak memory and the twin's config reload (claims C20, C21, C23, C25).

use std::fmt::Write;

use super::markup::{esc, format_duration};
use crate::results::{HttpBench, ServerMeasure};

/// Writes the section (a visible note when the run did not include it).
pub(super) fn section(out: &mut String, http: Option<&HttpBench>) {
    out.push_str("<h2 id=http>Task-routing service over HTTP</h2>");
    let Some(http) = http else {
        out.push_str(
            "<p class=muted>Not measured in this run: `make report` runs twinbench-http-bench \
             and passes its file with --http.</p>",
        );
        return;
    };
    let _ = write!(
        out,
        "<p class=muted>Both servers on 127.0.0.1, each on its own copy of one generated \
         database ({tasks} tasks, {sessions} sessions, seed {seed}); a closed-loop load \
         generator (one keep-alive connection per client, one thread) sends the mix below, \
         each run bounded at {requests} requests or {seconds:.0} s. Latencies by nearest \
         rank over every response; memory is the peak PSS summed over a server's processes \
         (gunicorn's workers share pages), sampled every 50 ms. The load generator, both \
         servers and the database share this machine's cores: absolute figures are this \
         machine's, the ratios are the result.</p><p>Mix: {mix}</p>",
        tasks = http.database.tasks,
        sessions = http.database.sessions,
        seed = http.database.seed,
        requests = http.request_bound,
        seconds = http.duration_bound_s,
        mix = http
            .mix
            .iter()
            .map(|m| format!("<code>{}</code>", esc(m)))
            .collect::<Vec<_>>()
            .join(", "),
    );
    out.push_str(
        "<div class=scroll><table><tr><th class=l>server</th><th>connections</th>\
         <th>requests/s</th><th>p50</th><th>p99</th><th>p99.9</th><th>max</th>\
         <th>failed</th><th>peak memory</th></tr>",
    );
    for server in &http.servers {
        rows(out, server);
    }
    out.push_str("</table></div>");
    for p in http
        .problems
        .iter()
        .chain(http.servers.iter().flat_map(|s| &s.problems))
    {
        let _ = write!(out, "<p class=bad>{}</p>", esc(p));
    }
    match &http.reload {
        Some(r) => {
            let _ = write!(
                out,
                "<p>Config reload (C25): {change}; the first response obeying it came \
                 {delay} after the file was written, with {failed} of {during} requests \
                 failing meanwhile.</p>",
                change = esc(&r.change),
                delay = format_duration(r.delay_ms * 1e6),
                failed = r.failed_during,
                during = r.requests_during,
            );
        }
        None => out.push_str("<p class=bad>Config reload not measured.</p>"),
    }
}

fn rows(out: &mut String, server: &ServerMeasure) {
    let memory = server.memory.as_ref().map_or_else(
        || "—".to_string(),
        |m| {
            format!(
                "{:.1} MiB ({} process{})",
                m.peak_pss_bytes as f64 / (1u64 << 20) as f64,
                m.processes,
                if m.processes == 1 { "" } else { "es" }
            )
        },
    );
    for (i, run) in server.runs.iter().enumerate() {
        let name = if i == 0 {
            esc(&server.stack)
        } else {
            String::new()
        };
        let (p50, p99, p999, max) = run.latency.as_ref().map_or_else(
            || ["—".to_string(), "—".into(), "—".into(), "—".into()].into(),
            |l| {
                (
                    format_duration(l.p50_us * 1e3),
                    format_duration(l.p99_us * 1e3),
                    format_duration(l.p99_9_us * 1e3),
                    format_duration(l.max_us * 1e3),
                )
            },
        );
        // In flight when the run's time ran out is not a failure.
        let failed = run.non_2xx + run.transport_errors;
        let _ = write!(
            out,
            "<tr><td class=l>{name}</td><td>{c}</td><td>{rps:.0}</td><td>{p50}</td>\
             <td>{p99}</td><td>{p999}</td><td>{max}</td><td class={class}>{failed}</td>\
             <td>{mem}</td></tr>",
            c = run.connections,
            rps = run.requests_per_s,
            class = if failed == 0 { "good" } else { "bad" },
            mem = if i == 0 { memory.as_str() } else { "" },
        );
    }
}
