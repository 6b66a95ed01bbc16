//! Reads criterion 0.8.2's saved samples (`new/sample.json`).
//!
//! The file is not a public criterion API, which is why criterion is pinned
//! with `=` in Cargo.toml and why this reader has its own tests: a criterion
//! upgrade that changes the format fails here, loudly, not in the report.

use std::path::{Path, PathBuf};

use serde::Deserialize;
use thiserror::Error;

/// One benchmark's samples as per-iteration times.
#[derive(Debug, Clone, PartialEq)]
pub struct Samples {
    /// Mean time of one iteration in each sample, nanoseconds.
    pub per_iteration_ns: Vec<f64>,
    /// Total iterations criterion ran over all samples.
    pub iterations: f64,
}

/// Why samples could not be read.
#[derive(Debug, Error)]
pub enum SamplesError {
    #[error("no criterion samples at {path}; run `cargo bench` first")]
    Missing { path: PathBuf },
    #[error("{path}: unreadable criterion samples: {detail}", path = path.display())]
    Malformed { path: PathBuf, detail: String },
}

#[derive(Deserialize, schemars::JsonSchema)]
struct SavedSample {
    #[allow(dead_code)] // read to validate the format, not used
    sampling_mode: String,
    iters: Vec<f64>,
    times: Vec<f64>,
}

/// Reads the samples criterion saved at `path`.
pub fn read(path: &Path) -> Result<Samples, SamplesError> {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(SamplesError::Missing {
                path: path.to_path_buf(),
            });
        }
        Err(e) => {
            return Err(SamplesError::Malformed {
                path: path.to_path_buf(),
                detail: e.to_string(),
            });
        }
    };
    parse(&text).map_err(|detail| SamplesError::Malformed {
        path: path.to_path_buf(),
        detail,
    })
}

fn parse(text: &str) -> Result<Samples, String> {
    let saved: SavedSample = serde_json::from_str(text).map_err(|e| e.to_string())?;
    if saved.iters.len() != saved.times.len() {
        return Err(format!(
            "{} iteration counts but {} times",
            saved.iters.len(),
            saved.times.len()
        ));
    }
    if saved.iters.is_empty() {
        return Err("no samples".into());
    }
    let positive = |n: &f64| n.is_finite() && *n > 0.0;
    let non_negative = |t: &f64| t.is_finite() && *t >= 0.0;
    if !saved.iters.iter().all(positive) || !saved.times.iter().all(non_negative) {
        return Err("non-positive iteration count or negative time".into());
    }
    Ok(Samples {
        per_iteration_ns: saved
            .iters
            .iter()
            .zip(&saved.times)
            .map(|(n, t)| t / n)
            .collect(),
        iterations: saved.iters.iter().sum(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_criterion_0_8_sample_files() {
        // Shape written by criterion 0.8.2 (lib.rs, SavedSample).
        let s =
            parse(r#"{"sampling_mode":"Linear","iters":[1.0,2.0,3.0],"times":[10.0,22.0,27.0]}"#)
                .expect("parses");
        assert_eq!(s.per_iteration_ns, vec![10.0, 11.0, 9.0]);
        assert_eq!(s.iterations, 6.0);
    }

    #[test]
    fn rejects_a_changed_format() {
        assert!(parse(r#"{"iters":[1.0],"times":[1.0]}"#).is_err());
        assert!(parse(r#"{"sampling_mode":"Flat","iters":[1.0,1.0],"times":[1.0]}"#).is_err());
        assert!(parse(r#"{"sampling_mode":"Flat","iters":[],"times":[]}"#).is_err());
    }

    #[test]
    fn a_missing_file_says_to_run_the_benchmarks() {
        let err = read(Path::new("/nonexistent/sample.json")).expect_err("missing");
        assert!(err.to_string().contains("cargo bench"));
    }
}
