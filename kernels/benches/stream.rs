//! Claim C16, "Streaming Service: < 10ms latency" (seed 000): the stream
//! producer's per-event latency, from `produce` to the sink having written
//! the batch that holds the event, under sustained load on tokio.
//!
//! `cargo bench --bench stream [-- --out FILE]` runs the measured load
//! (`ProducerConfig::ORIGINAL`: 1,000 events of capacity, batches of 100, a
//! 5 s interval; 4 producer tasks, 100,000 events, so producers outrun the
//! sink and block) and writes the record the report reads (atomically: a
//! temporary file, then a rename). Without `--out` it goes beside
//! criterion's output, where `make report` reads it.
//!
//! Under `cargo test` (no `--bench` argument) it runs a small load (4,000
//! events, a capacity of 100) and checks the record it writes: it parses,
//! and every accepted event is written exactly once. It asserts no timing.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Context, anyhow, bail};
use twinbench_http::stream_record::{StopReason, StreamBench};
use twinbench_kernels::concurrent::producer::ProducerConfig;

#[path = "stream/load.rs"]
mod load;
#[path = "stream/sink.rs"]
mod sink;

use load::LoadOptions;

/// The measured run: the original's producer configuration, its four event
/// types as four streams, one producer task per type, events of 200 bytes.
fn measured(events: u64, seconds: f64) -> LoadOptions {
    LoadOptions {
        worker_threads: std::thread::available_parallelism().map_or(2, |n| n.get()),
        producers: 4,
        events,
        duration_bound: Duration::from_secs_f64(seconds),
        config: ProducerConfig::ORIGINAL,
        payload_bytes: 200,
        streams: 4,
    }
}

/// `$CRITERION_HOME`, else `$CARGO_TARGET_DIR/criterion`, else the
/// workspace's `target/criterion`: where the Makefile's CRITERION_DIR is.
fn default_out() -> PathBuf {
    let criterion = std::env::var_os("CRITERION_HOME")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            std::env::var_os("CARGO_TARGET_DIR")
                .map(PathBuf::from)
                .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../target"))
                .join("criterion")
        });
    criterion.join("twinbench-stream.json")
}

/// Temporary file beside `path`, then a rename: a reader never sees half.
fn write_atomically(path: &Path, record: &StreamBench) -> anyhow::Result<()> {
    let json = serde_json::to_string_pretty(record).context("encoding the record")?;
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    let tmp = path.with_extension("json.tmp");
    std::fs::write(&tmp, json).with_context(|| format!("writing {}", tmp.display()))?;
    std::fs::rename(&tmp, path).with_context(|| format!("renaming onto {}", path.display()))
}

fn value<T: std::str::FromStr>(flag: &str, v: Option<&String>) -> anyhow::Result<T> {
    let v = v.ok_or_else(|| anyhow!("{flag} needs a value"))?;
    v.parse()
        .map_err(|_| anyhow!("{flag} {v}: not a valid number"))
}

/// `cargo bench`: the measured run. Returns whether it measured everything.
fn bench(args: &[String]) -> anyhow::Result<bool> {
    let (mut out, mut events, mut seconds) = (None, 100_000u64, 10.0f64);
    let mut filters = Vec::new();
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--bench" => {}
            "--out" => out = Some(PathBuf::from(value::<String>("--out", it.next())?)),
            "--events" => events = value("--events", it.next())?,
            "--seconds" => seconds = value("--seconds", it.next())?,
            flag if flag.starts_with("--") => {
                bail!("{flag}: unknown; this bench takes --out FILE, --events N, --seconds S")
            }
            filter => filters.push(filter),
        }
    }
    // `cargo bench -- FILTER` runs only what the filter names, as criterion does.
    if !filters.is_empty() && !filters.iter().any(|f| "stream/latency".contains(f)) {
        return Ok(true);
    }
    if events == 0 || !(seconds.is_finite() && seconds > 0.0) {
        bail!("--events {events} --seconds {seconds}: give positive bounds");
    }
    let out = out.unwrap_or_else(default_out);
    let scratch = tempfile::tempdir().context("creating a scratch folder")?;
    let record = load::run(&measured(events, seconds), scratch.path())?;
    for problem in record.problems.iter().chain(&record.inconsistencies()) {
        eprintln!("stream bench: problem: {problem}");
    }
    write_atomically(&out, &record)?;
    if let (Some(call), Some(acc)) = (&record.from_call, &record.from_acceptance) {
        eprintln!(
            "stream bench: {} events in {:.2} s, {} producer calls blocked; from the call \
             p50 {} µs, p99 {} µs, p99.9 {} µs, max {} µs; from acceptance p99 {} µs",
            record.written,
            record.elapsed_s,
            record.blocked,
            call.p50_us,
            call.p99_us,
            call.p99_9_us,
            call.max_us,
            acc.p99_us
        );
    }
    eprintln!("stream bench: wrote {}", out.display());
    Ok(record.problems.is_empty() && record.inconsistencies().is_empty())
}

/// `cargo test`: a small run whose record must parse back and account for
/// every event exactly once.
fn test_mode() -> anyhow::Result<()> {
    let options = LoadOptions {
        worker_threads: 2,
        producers: 4,
        events: 4_000,
        // A bound, not a threshold: far beyond what 4,000 events take.
        duration_bound: Duration::from_secs(300),
        config: ProducerConfig {
            capacity: 100,
            batch_size: 10,
            flush_interval: 50,
        },
        payload_bytes: 64,
        streams: 3,
    };
    let scratch = tempfile::tempdir().context("creating a scratch folder")?;
    let path = scratch.path().join("twinbench-stream.json");
    let written = load::run(&options, scratch.path())?;
    write_atomically(&path, &written)?;
    let text = std::fs::read_to_string(&path)?;
    let record: StreamBench = serde_json::from_str(&text).context("the record parses back")?;
    if record != written {
        bail!("the record read back differs from the one written");
    }
    let mut failures = record.inconsistencies();
    if !record.problems.is_empty() {
        failures.push(format!("problems: {:?}", record.problems));
    }
    let expect = [
        (
            "stopped_by",
            format!("{:?}", record.stopped_by),
            format!("{:?}", StopReason::Events),
        ),
        (
            "accepted",
            record.accepted.to_string(),
            options.events.to_string(),
        ),
        (
            "written",
            record.written.to_string(),
            options.events.to_string(),
        ),
        ("lost", record.lost.to_string(), "0".into()),
        ("duplicated", record.duplicated.to_string(), "0".into()),
    ];
    for (field, got, want) in expect {
        if got != want {
            failures.push(format!("{field}: {got}, expected {want}"));
        }
    }
    // 4,000 events through a buffer of 100: the producers must have waited.
    if record.blocked == 0 {
        failures.push("no produce call blocked: backpressure never engaged".into());
    }
    if failures.is_empty() {
        eprintln!(
            "stream bench (test mode): {} events, each written once; {} calls blocked",
            record.written, record.blocked
        );
        Ok(())
    } else {
        Err(anyhow!("{}", failures.join("; ")))
    }
}

/// Bench mode: 0 when everything was measured, 1 when something was not
/// (the record is written either way and says what), 2 on a usage or I/O
/// error. Test mode: 0 or 1.
fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.iter().any(|a| a == "--bench") {
        match bench(&args) {
            Ok(true) => ExitCode::SUCCESS,
            Ok(false) => ExitCode::from(1),
            Err(e) => {
                eprintln!("stream bench: error: {e:#}");
                ExitCode::from(2)
            }
        }
    } else {
        match test_mode() {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("stream bench (test mode): FAILED: {e:#}");
                ExitCode::FAILURE
            }
        }
    }
}
