//! Per-call latencies (`pairs::latency`): the pairs bench times each call
//! and records the raw times beside criterion's samples, one file per
//! measurement; the report reads them back into `results.latencies`.
//!
//! A recording older than the last measuring `cargo bench` run is stale
//! and is reported as missing, never shown as current (as with criterion's
//! samples, `measure::timings`).

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::pairs::latency::LatencySpec;
use crate::results::{BenchRun, LatencyDistribution, LatencyResult, LatencyTarget};
use crate::workspace::write_atomic;

/// Folder inside the criterion directory.
const DIR: &str = "twinbench-latency";

/// What the bench writes: every call's time, each side, or why a side has
/// none.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Recording {
    pub name: String,
    pub rust_ns: Result<Vec<u64>, String>,
    pub python_ns: Result<Vec<u64>, String>,
}

/// Where the recording of `name` lives.
pub fn path(criterion_dir: &Path, name: &str) -> PathBuf {
    criterion_dir.join(DIR).join(format!("{name}.json"))
}

/// Writes `recording` (atomically).
pub fn write(criterion_dir: &Path, recording: &Recording) -> std::io::Result<()> {
    let json = serde_json::to_vec(recording).map_err(std::io::Error::other)?;
    write_atomic(&path(criterion_dir, &recording.name), &json)
}

/// The result of `spec` from its recording; what kept a side from it goes
/// into the result's problems (and the whole result is missing only if no
/// recording can be read at all, said in `problems`).
pub fn collect(
    spec: &LatencySpec,
    criterion_dir: &Path,
    bench_run: Option<&BenchRun>,
) -> Result<LatencyResult, String> {
    let file = path(criterion_dir, spec.name);
    let text = std::fs::read_to_string(&file).map_err(|e| {
        format!(
            "{}: no latency recording at {} ({e}); run `cargo bench` with a scenario that \
             times {} at {}",
            spec.name,
            file.display(),
            spec.pair,
            spec.window
        )
    })?;
    if let Some(run) = bench_run.filter(|run| !run.covers(&file)) {
        return Err(format!(
            "{}: stale latency recording, older than the last `cargo bench` run (started {}); \
             re-run `cargo bench` for this scenario",
            spec.name, run.started_at
        ));
    }
    let recording: Recording = serde_json::from_str(&text)
        .map_err(|e| format!("{}: unreadable latency recording: {e}", file.display()))?;
    let mut problems = Vec::new();
    let mut side = |label: &str, times: Result<Vec<u64>, String>| match times {
        Ok(times) => {
            let d = LatencyDistribution::from_samples(times);
            if d.is_none() {
                problems.push(format!("{label}: no call was timed"));
            }
            d
        }
        Err(e) => {
            problems.push(format!("{label}: {e}"));
            None
        }
    };
    let rust = side("Rust", recording.rust_ns);
    let python = side("Python", recording.python_ns);
    Ok(LatencyResult {
        name: spec.name.to_string(),
        pair: spec.pair.to_string(),
        description: spec.description.to_string(),
        target: spec
            .target
            .map(|(percentile, under_ns, source)| LatencyTarget {
                percentile,
                under_ns,
                source: source.to_string(),
            }),
        rust,
        python,
        problems,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pairs::latency::LATENCIES;

    #[test]
    fn a_recording_reads_back_and_a_stale_one_is_refused() {
        let dir = std::env::temp_dir().join(format!("twinbench-latency-{}", std::process::id()));
        let spec = &LATENCIES[0];
        let mut run = BenchRun::starting_now(Path::new("s.toml"), None);
        assert!(
            collect(spec, &dir, Some(&run)).is_err(),
            "nothing recorded yet"
        );
        let recording = Recording {
            name: spec.name.to_string(),
            rust_ns: Ok((1..=150).collect()),
            python_ns: Err("Python sides skipped".into()),
        };
        write(&dir, &recording).expect("write");
        run.started_unix_ms -= 60_000;
        let result = collect(spec, &dir, Some(&run)).expect("fresh");
        let rust = result.rust.expect("rust");
        assert_eq!(
            (rust.p50_ns, rust.p99_ns, rust.max_ns),
            (75, Some(149), 150)
        );
        assert!(result.python.is_none());
        assert_eq!(result.problems, ["Python: Python sides skipped"]);
        run.started_unix_ms += 120_000;
        let stale = collect(spec, &dir, Some(&run)).expect_err("stale");
        assert!(stale.contains("stale"), "{stale}");
        std::fs::remove_dir_all(&dir).expect("cleanup");
    }
}
