//! The load: producer tasks on a tokio multi-thread runtime calling
//! `Producer::produce` back to back, a flusher task driving the flushes as
//! the producer's module doc sketches (size trigger or interval), and the
//! XADD sink. Every event's latency is taken from the two sides' logs,
//! joined by sequence number: the producer task notes when it called
//! `produce` and when it returned the sequence number, the sink notes when
//! the batch holding that sequence number was written. The producer is used
//! as shipped; nothing of it is instrumented.
//!
//! Bounded: production stops after `events` or at `duration_bound`,
//! whichever comes first, and the final `close` (which drains the buffer)
//! gets `CLOSE_GRACE` more; an event still unwritten then is counted lost.

use std::path::Path;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use anyhow::Context;
use twinbench_http::record::LatencySummary;
use twinbench_http::stream_record::{StopReason, StreamBench, StreamConfig};
use twinbench_kernels::concurrent::clock::{Clock, SystemClock};
use twinbench_kernels::concurrent::producer::{Producer, ProducerConfig, Record};

use super::sink::{DESCRIPTION, XaddServer, XaddSink};

/// How long `close` may take to drain what is left after production stops.
const CLOSE_GRACE: Duration = Duration::from_secs(5);

/// One run's shape.
#[derive(Debug, Clone)]
pub struct LoadOptions {
    pub worker_threads: usize,
    pub producers: usize,
    pub events: u64,
    pub duration_bound: Duration,
    pub config: ProducerConfig,
    pub payload_bytes: usize,
    pub streams: usize,
}

/// What one producer task saw of one of its events: when it called
/// `produce` and when `produce` returned, ns since the run's origin.
#[derive(Debug, Clone, Copy)]
struct Sent {
    seq: u64,
    called_ns: u64,
    accepted_ns: u64,
}

/// One producer task's share of the run.
#[derive(Debug, Default)]
struct Share {
    sent: Vec<Sent>,
    blocked: u64,
    hit_deadline: bool,
    problems: Vec<String>,
}

fn ns_since(origin: Instant, t: Instant) -> u64 {
    u64::try_from(t.saturating_duration_since(origin).as_nanos()).unwrap_or(u64::MAX)
}

/// A payload of exactly `bytes` bytes (a telemetry event's JSON, padded).
fn payload(producer: usize, i: u64, bytes: usize) -> String {
    let mut p =
        format!("{{\"producer\":{producer},\"event\":{i},\"type\":\"system_metric\",\"pad\":\"");
    while p.len() + 2 < bytes {
        p.push('x');
    }
    p.push_str("\"}");
    p
}

/// Produces `n` events back to back, noting each call's timing and whether
/// it had to wait for room (its future returned `Pending` at least once).
async fn produce_share(
    producer: Producer<XaddSink>,
    index: usize,
    n: u64,
    options: LoadOptions,
    origin: Instant,
    deadline: Instant,
) -> Share {
    let mut share = Share {
        sent: Vec::with_capacity(usize::try_from(n).unwrap_or(0)),
        ..Share::default()
    };
    let streams: Vec<String> = (0..options.streams.max(1))
        .map(|s| format!("events:stream-{s}"))
        .collect();
    for i in 0..n {
        if Instant::now() >= deadline {
            share.hit_deadline = true;
            break;
        }
        let record = Record::new(
            streams[(i as usize + index) % streams.len()].clone(),
            payload(index, i, options.payload_bytes),
        );
        let called = Instant::now();
        let mut produce = std::pin::pin!(producer.produce(record));
        let mut polls = 0u32;
        let result = std::future::poll_fn(|cx| {
            polls += 1;
            produce.as_mut().poll(cx)
        })
        .await;
        let accepted = Instant::now();
        match result {
            Ok(seq) => share.sent.push(Sent {
                seq,
                called_ns: ns_since(origin, called),
                accepted_ns: ns_since(origin, accepted),
            }),
            Err(closed) => {
                share
                    .problems
                    .push(format!("producer {index}: {closed} (event {i})"));
                break;
            }
        }
        if polls > 1 {
            share.blocked += 1;
        }
    }
    share
}

/// The flusher task of the producer's module doc: waits for a full batch or
/// the interval, flushes if due; a failed flush is retried next round.
async fn flush_loop(producer: Producer<XaddSink>, clock: SystemClock) -> Vec<String> {
    let mut interval = tokio::time::interval(Duration::from_millis(
        producer.config().flush_interval.max(1),
    ));
    interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut errors = Vec::new();
    loop {
        tokio::select! {
            _ = producer.batch_ready() => {}
            _ = interval.tick() => {}
        }
        if let Err(e) = producer.flush_if_due(clock.now()).await {
            errors.push(format!("flush: {e}"));
        }
        if producer.is_closed() {
            return errors;
        }
    }
}

/// Runs the load once; `scratch` holds the server's file. Errors are setup
/// failures (no runtime, no socket); what the run could not measure is in
/// the record's `problems`.
pub fn run(options: &LoadOptions, scratch: &Path) -> anyhow::Result<StreamBench> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(options.worker_threads)
        .enable_all()
        .build()
        .context("building the tokio runtime")?;
    let server = XaddServer::start(&scratch.join("streams.log"))
        .context("starting the loopback XADD server")?;
    let started_unix_ms = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
        .unwrap_or(0);
    let origin = Instant::now();
    let outcome = runtime.block_on(drive(options, server.addr(), origin))?;
    let server_appended = match server.join() {
        Ok(n) => n,
        Err(e) => {
            return Err(e).context("the XADD server failed");
        }
    };
    Ok(summarise(
        options,
        started_unix_ms,
        outcome,
        server_appended,
    ))
}

/// Everything the run observed, before it is summarised.
struct Outcome {
    shares: Vec<Share>,
    log: Vec<(u64, u64)>,
    batch_ns: Vec<u64>,
    batches: (u64, u64),
    problems: Vec<String>,
}

async fn drive(
    options: &LoadOptions,
    addr: std::net::SocketAddr,
    origin: Instant,
) -> anyhow::Result<Outcome> {
    let sink = XaddSink::connect(addr, origin)
        .await
        .context("connecting to the XADD server")?;
    let clock = SystemClock::new();
    let producer =
        Producer::new(options.config, sink, clock.now()).context("the producer's configuration")?;
    let flusher = tokio::spawn(flush_loop(producer.clone(), clock));
    let deadline = origin + options.duration_bound;
    let producers = options.producers.max(1) as u64;
    let tasks: Vec<_> = (0..producers)
        .map(|p| {
            // The first `events % producers` tasks take one event more.
            let n = options.events / producers + u64::from(p < options.events % producers);
            tokio::spawn(produce_share(
                producer.clone(),
                p as usize,
                n,
                options.clone(),
                origin,
                deadline,
            ))
        })
        .collect();
    let mut shares = Vec::with_capacity(tasks.len());
    let mut problems = Vec::new();
    for task in tasks {
        match task.await {
            Ok(share) => shares.push(share),
            Err(e) => problems.push(format!("a producer task failed: {e}")),
        }
    }
    match tokio::time::timeout(CLOSE_GRACE, producer.close()).await {
        Ok(Ok(_)) => {}
        Ok(Err(e)) => problems.push(format!("the final flush failed: {e}")),
        Err(_) => problems.push(format!(
            "the final flush did not finish within {} s; what it had not written is lost",
            CLOSE_GRACE.as_secs()
        )),
    }
    match tokio::time::timeout(CLOSE_GRACE, flusher).await {
        Ok(Ok(errors)) => problems.extend(errors),
        Ok(Err(e)) => problems.push(format!("the flusher task failed: {e}")),
        Err(_) => problems.push("the flusher task did not stop after close".into()),
    }
    let sink = producer.sink();
    if let Err(e) = tokio::time::timeout(CLOSE_GRACE, sink.shutdown()).await {
        problems.push(format!("closing the sink's connection: {e}"));
    }
    Ok(Outcome {
        shares,
        log: sink.take_log(),
        batch_ns: sink.take_batch_times(),
        batches: sink.batches(),
        problems,
    })
}

/// Joins the producers' and the sink's logs by sequence number.
fn summarise(
    options: &LoadOptions,
    started_unix_ms: u64,
    outcome: Outcome,
    server_appended: u64,
) -> StreamBench {
    let Outcome {
        shares,
        log,
        batch_ns,
        batches: (batches, failed_batches),
        mut problems,
    } = outcome;
    let accepted: u64 = shares.iter().map(|s| s.sent.len() as u64).sum();
    let mut written_at: Vec<Option<u64>> = vec![None; usize::try_from(accepted).unwrap_or(0)];
    let mut duplicated = 0u64;
    let mut unknown = 0u64;
    for &(seq, done) in &log {
        match usize::try_from(seq)
            .ok()
            .and_then(|i| written_at.get_mut(i))
        {
            Some(slot @ None) => *slot = Some(done),
            Some(Some(_)) => duplicated += 1,
            None => unknown += 1,
        }
    }
    if unknown > 0 {
        problems.push(format!(
            "the sink wrote {unknown} sequence numbers no producer task was given"
        ));
    }
    let (mut from_call, mut from_acceptance) = (Vec::new(), Vec::new());
    let mut lost = 0u64;
    let (mut first_call, mut last_write) = (u64::MAX, 0u64);
    for sent in shares.iter().flat_map(|s| &s.sent) {
        first_call = first_call.min(sent.called_ns);
        match usize::try_from(sent.seq)
            .ok()
            .and_then(|i| written_at.get(i).copied().flatten())
        {
            Some(done) => {
                last_write = last_write.max(done);
                from_call.push(done.saturating_sub(sent.called_ns));
                from_acceptance.push(done.saturating_sub(sent.accepted_ns));
            }
            None => lost += 1,
        }
    }
    let written = from_call.len() as u64;
    if lost > 0 {
        problems.push(format!("{lost} accepted events were never written"));
    }
    problems.extend(shares.iter().flat_map(|s| s.problems.iter().cloned()));
    let elapsed_s = last_write.saturating_sub(first_call) as f64 / 1e9;
    StreamBench {
        started_unix_ms,
        config: StreamConfig {
            worker_threads: options.worker_threads,
            cpus: std::thread::available_parallelism().map_or(0, |n| n.get()),
            producers: options.producers,
            events: options.events,
            duration_bound_s: options.duration_bound.as_secs_f64(),
            capacity: options.config.capacity,
            batch_size: options.config.batch_size,
            flush_interval_ms: options.config.flush_interval,
            payload_bytes: options.payload_bytes,
            streams: options.streams,
            sink: DESCRIPTION.into(),
        },
        stopped_by: if shares.iter().any(|s| s.hit_deadline) {
            StopReason::Deadline
        } else {
            StopReason::Events
        },
        accepted,
        written,
        lost,
        duplicated,
        server_appended,
        blocked: shares.iter().map(|s| s.blocked).sum(),
        batches,
        failed_batches,
        elapsed_s,
        events_per_s: if elapsed_s > 0.0 {
            written as f64 / elapsed_s
        } else {
            0.0
        },
        from_call: LatencySummary::of(from_call),
        from_acceptance: LatencySummary::of(from_acceptance),
        batch_write: LatencySummary::of(batch_ns),
        problems,
    }
}
