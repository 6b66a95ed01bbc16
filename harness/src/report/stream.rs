//! The stream section: the stream producer's per-event latency under the
//! stream bench's load (claim C16), with the configuration it ran under.

use std::fmt::Write;

use super::markup::{esc, format_duration};
use crate::results::StreamBench;
use twinbench_http::record::LatencySummary;

/// Writes the section (a visible note when the run did not include it).
pub(super) fn section(out: &mut String, stream: Option<&StreamBench>) {
    out.push_str("<h2 id=stream>Stream producer latency</h2>");
    let Some(s) = stream else {
        out.push_str(
            "<p class=muted>Not measured in this run: `make report` runs `cargo bench --bench \
             stream` and passes its file with --stream.</p>",
        );
        return;
    };
    let c = &s.config;
    let _ = write!(
        out,
        "<p class=muted>The stream producer as shipped (capacity {cap}, batches of {batch}, \
         {interval} ms interval) on a tokio multi-thread runtime of {workers} workers ({cpus} \
         CPUs): {producers} producer tasks call <code>produce</code> back to back, {events} \
         events of {payload} bytes over {streams} streams, bounded at {bound:.0} s; a flusher \
         task flushes on a full batch or the interval. Sink: {sink}. Latency per event, from \
         the <code>produce</code> call (backpressure included) or from its return, to the end \
         of the sink write holding the event; nearest rank over every event. The producers, \
         the runtime and the sink's server share this machine's cores.</p>",
        cap = c.capacity,
        batch = c.batch_size,
        interval = c.flush_interval_ms,
        workers = c.worker_threads,
        cpus = c.cpus,
        producers = c.producers,
        events = c.events,
        payload = c.payload_bytes,
        streams = c.streams,
        bound = c.duration_bound_s,
        sink = esc(&c.sink),
    );
    out.push_str(
        "<div class=scroll><table><tr><th class=l>latency</th><th>count</th><th>p50</th>\
         <th>p90</th><th>p99</th><th>p99.9</th><th>max</th></tr>",
    );
    for (name, summary) in [
        ("produce call → written", &s.from_call),
        ("produce returned → written", &s.from_acceptance),
        ("one sink write (a batch)", &s.batch_write),
    ] {
        row(out, name, summary.as_ref());
    }
    out.push_str("</table></div>");
    let _ = write!(
        out,
        "<p>{written} of {accepted} accepted events written ({lost} lost, {dup} written twice) \
         in {elapsed} ({rate:.0} events/s), {batches} sink writes ({failed} failed); \
         {blocked} <code>produce</code> calls waited for room (backpressure); production \
         stopped by {stop}.</p>",
        written = s.written,
        accepted = s.accepted,
        lost = s.lost,
        dup = s.duplicated,
        elapsed = format_duration(s.elapsed_s * 1e9),
        rate = s.events_per_s,
        batches = s.batches,
        failed = s.failed_batches,
        blocked = s.blocked,
        stop = match s.stopped_by {
            twinbench_http::stream_record::StopReason::Events => "its event count",
            twinbench_http::stream_record::StopReason::Deadline => "its time bound",
        },
    );
    for p in s.problems.iter().cloned().chain(s.inconsistencies()) {
        let _ = write!(out, "<p class=bad>{}</p>", esc(&p));
    }
}

fn row(out: &mut String, name: &str, summary: Option<&LatencySummary>) {
    let Some(l) = summary else {
        let _ = write!(
            out,
            "<tr><td class=l>{name}</td><td>0</td><td>—</td><td>—</td><td>—</td><td>—</td>\
             <td>—</td></tr>"
        );
        return;
    };
    let _ = write!(
        out,
        "<tr><td class=l>{name}</td><td>{n}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td>\
         <td>{}</td></tr>",
        format_duration(l.p50_us * 1e3),
        format_duration(l.p90_us * 1e3),
        format_duration(l.p99_us * 1e3),
        format_duration(l.p99_9_us * 1e3),
        format_duration(l.max_us * 1e3),
        n = l.count,
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::results::fixtures::stream_record as record;

    #[test]
    fn the_section_shows_the_percentiles_and_config_or_says_it_is_missing() {
        let mut missing = String::new();
        section(&mut missing, None);
        assert!(missing.contains("Not measured"), "{missing}");

        let mut out = String::new();
        section(&mut out, Some(&record(1, 3.0)));
        for needle in [
            "id=stream",
            "capacity 100",
            "4 producer tasks",
            "produce call → written",
            "<td>3.00 ms</td>",
            "300 <code>produce</code> calls waited",
        ] {
            assert!(out.contains(needle), "{needle:?} missing from {out}");
        }
        assert!(!out.contains("class=bad"), "{out}");
    }
}
