//! How long the rest of a benchmark run will take, for the pairs bench's
//! progress lines: each kernel's seconds in the last run are kept beside
//! criterion's samples, so the estimate for what is left is what it took
//! last time; kernels never run before count at this run's mean so far.
//!
//! The file is advisory: unreadable or missing, the estimate falls back to
//! the mean; it is never an input to any result.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::workspace::write_atomic;

const FILE_NAME: &str = "twinbench-kernel-seconds.json";

/// The run's kernels, what each took last time, and what is done.
#[derive(Debug)]
pub struct Eta {
    path: PathBuf,
    /// One key per kernel of the run, in run order (name and sizes, so a
    /// quick run's figures never stand for a full run's).
    keys: Vec<String>,
    previous: BTreeMap<String, f64>,
    current: BTreeMap<String, f64>,
    done: usize,
    elapsed: f64,
}

/// What is left, and how it was estimated.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Estimate {
    pub seconds_left: f64,
    /// Kernels left whose time is known from the last run.
    pub known: usize,
    pub left: usize,
}

impl Eta {
    /// For a run of `keys` whose samples go to `criterion_dir`.
    pub fn new(criterion_dir: &Path, keys: Vec<String>) -> Self {
        let path = criterion_dir.join(FILE_NAME);
        let previous: BTreeMap<String, f64> = std::fs::read(&path)
            .ok()
            .and_then(|bytes| serde_json::from_slice(&bytes).ok())
            .unwrap_or_default();
        Eta {
            path,
            keys,
            current: previous.clone(),
            previous,
            done: 0,
            elapsed: 0.0,
        }
    }

    /// The key of a kernel benchmarked at `sizes`.
    pub fn key(kernel: &str, sizes: &[usize], quick: bool) -> String {
        let sizes: Vec<String> = sizes.iter().map(usize::to_string).collect();
        format!(
            "{kernel}@{}{}",
            sizes.join(","),
            if quick { " quick" } else { "" }
        )
    }

    /// Kernel `index` of the run took `seconds`; saved at once, so an
    /// interrupted run still informs the next one.
    pub fn finished(&mut self, index: usize, seconds: f64) {
        if let Some(key) = self.keys.get(index) {
            self.current.insert(key.clone(), seconds);
        }
        self.done += 1;
        self.elapsed += seconds;
        if let Ok(bytes) = serde_json::to_vec_pretty(&self.current) {
            // Advisory: a failed write only loses the next run's estimate.
            let _ = write_atomic(&self.path, &bytes);
        }
    }

    /// The kernels after `index` (those this process will run: `runs`).
    pub fn estimate(&self, after: usize, runs: impl Fn(usize) -> bool) -> Estimate {
        let mean = if self.done == 0 {
            0.0
        } else {
            self.elapsed / self.done as f64
        };
        let mut estimate = Estimate {
            seconds_left: 0.0,
            known: 0,
            left: 0,
        };
        for (i, key) in self.keys.iter().enumerate().skip(after + 1) {
            if !runs(i) {
                continue;
            }
            estimate.left += 1;
            match self.previous.get(key) {
                Some(&s) => {
                    estimate.known += 1;
                    estimate.seconds_left += s;
                }
                None => estimate.seconds_left += mean,
            }
        }
        estimate
    }
}

/// A text bar of `width` cells, `done` of `total` filled.
pub fn bar(done: usize, total: usize, width: usize) -> String {
    let filled = (done * width)
        .checked_div(total)
        .unwrap_or(width)
        .min(width);
    format!("{}{}", "#".repeat(filled), ".".repeat(width - filled))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_last_run_informs_the_next() {
        let dir = std::env::temp_dir().join(format!("twinbench-eta-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let keys = vec!["a@1".to_string(), "b@1".to_string(), "c@1".to_string()];
        let mut first = Eta::new(&dir, keys.clone());
        // Nothing known: the mean of what ran so far.
        first.finished(0, 10.0);
        assert_eq!(
            first.estimate(0, |_| true),
            Estimate {
                seconds_left: 20.0,
                known: 0,
                left: 2
            }
        );
        first.finished(1, 30.0);
        first.finished(2, 5.0);
        let second = Eta::new(&dir, keys);
        let e = second.estimate(0, |i| i != 1);
        assert_eq!((e.seconds_left, e.known, e.left), (5.0, 1, 1));
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn bars_fill_in_proportion() {
        assert_eq!(bar(0, 4, 8), "........");
        assert_eq!(bar(1, 4, 8), "##......");
        assert_eq!(bar(4, 4, 8), "########");
        assert_eq!(bar(0, 0, 4), "####");
    }
}
