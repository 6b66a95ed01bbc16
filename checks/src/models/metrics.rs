//! Metrics registry: concurrent increments, observations and appends are never
//! lost and snapshots are never torn; the original's trim-by-rebind (R6.4) and
//! field-by-field stats update (R4.8) are.

use super::super::SCALE;
use super::super::bug_zoo::metrics::{RacyProfiler, TrimByRebindSeries};
use super::super::metrics::{HistogramSnapshot, Metrics, Sample};
use super::super::sync::{Arc, thread};
use crate::case::{CheckCase, Checker, Component, Subject, ZooEntry, ensure};

const NO_LOST_INCREMENT: &str = "no-lost-increment";
const HISTOGRAM_CONSISTENT: &str = "histogram-consistent";
const SNAPSHOT_CONSISTENT: &str = "snapshot-consistent";
const NO_LOST_APPEND: &str = "no-lost-append";
const SERIES_BOUNDED: &str = "series-bounded";

/// Histogram bucket bounds: observations 1, 2, 4, … spread over all buckets.
const BOUNDS: [u64; 3] = [2, 8, 64];

pub fn cases() -> Vec<CheckCase> {
    vec![
        CheckCase {
            id: "metrics.counter_get_or_create",
            component: Component::Metrics,
            subject: Subject::Fixed,
            operations: "workers each get-or-create the same counter by name and increment it",
            invariants: &[NO_LOST_INCREMENT],
            checkers: &Checker::ALL,
            body: counter_get_or_create,
        },
        CheckCase {
            id: "metrics.histogram_observe_snapshot",
            component: Component::Metrics,
            subject: Subject::Fixed,
            operations: "workers get-or-create one histogram and observe distinct powers of two \
                         while main takes registry snapshots",
            invariants: &[HISTOGRAM_CONSISTENT, SNAPSHOT_CONSISTENT, NO_LOST_INCREMENT],
            checkers: &Checker::ALL,
            body: histogram_observe_snapshot,
        },
        CheckCase {
            id: "metrics.series_append_trim",
            component: Component::Metrics,
            subject: Subject::Fixed,
            operations: "a full series (capacity = all concurrent appends) gets one append per \
                         worker op, every one evicting, while main snapshots it",
            invariants: &[SERIES_BOUNDED, NO_LOST_APPEND],
            checkers: &Checker::ALL,
            body: series_append_trim,
        },
        CheckCase {
            id: "zoo.R6.4",
            component: Component::Metrics,
            subject: Subject::Zoo(ZooEntry {
                catalog_id: "R6.4",
                breaks: NO_LOST_APPEND,
            }),
            operations: "workers append to a full sample list that is trimmed by rebinding \
                         the attribute to a copy",
            invariants: &[NO_LOST_APPEND],
            checkers: &Checker::ALL,
            body: zoo_trim_by_rebind,
        },
        CheckCase {
            id: "zoo.R4.8",
            component: Component::Metrics,
            subject: Subject::Zoo(ZooEntry {
                catalog_id: "R4.8",
                breaks: NO_LOST_INCREMENT,
            }),
            operations: "workers record the same operation in the profiler's per-operation \
                         stats (insert-if-absent, then count += 1 and friends)",
            invariants: &[NO_LOST_INCREMENT],
            checkers: &Checker::ALL,
            body: zoo_profiler_stats,
        },
    ]
}

fn join_all(handles: Vec<thread::JoinHandle<()>>) {
    for handle in handles {
        let _ = handle.join();
    }
}

/// Every worker looks the counter up by name (the first ones create it
/// concurrently) and increments it; none of the increments may be lost.
fn counter_get_or_create() {
    let metrics = Metrics::new();
    let workers: Vec<_> = (0..SCALE.threads)
        .map(|_| {
            let metrics = metrics.clone();
            thread::spawn(move || {
                for _ in 0..SCALE.ops_per_thread {
                    if let Ok(counter) = metrics.counter("requests") {
                        counter.increment();
                    }
                }
            })
        })
        .collect();
    join_all(workers);
    let expected = (SCALE.threads * SCALE.ops_per_thread) as u64;
    let got = metrics.snapshot().counters.get("requests").copied();
    ensure(got == Some(expected), NO_LOST_INCREMENT, || {
        format!("{expected} increments made, counter reads {got:?}")
    });
}

/// Observation `k` of worker `t` is `2^(t·ops + k)`: the sum's bits then name
/// exactly which observations a snapshot contains.
fn observation(thread: usize, op: usize) -> u64 {
    1 << (thread * SCALE.ops_per_thread + op)
}

/// `histogram-consistent` and `snapshot-consistent` for one snapshot.
fn check_histogram(s: &HistogramSnapshot) {
    let bucket_total: u64 = s.buckets.iter().sum();
    ensure(bucket_total == s.count, HISTOGRAM_CONSISTENT, || {
        format!(
            "buckets sum to {bucket_total} but count is {}: {s:?}",
            s.count
        )
    });
    let extremes_ok = match (s.min, s.max) {
        (None, None) => s.count == 0 && s.sum == 0,
        (Some(lo), Some(hi)) => {
            lo <= hi && lo * s.count <= s.sum && s.sum <= hi.saturating_mul(s.count)
        }
        _ => false,
    };
    ensure(extremes_ok, HISTOGRAM_CONSISTENT, || {
        format!("sum/min/max disagree with count: {s:?}")
    });

    // The sum is the set of observations the snapshot claims to contain; every
    // other field must show exactly that set.
    let set = s.sum;
    let mut buckets = vec![0u64; s.buckets.len()];
    for bit in 0..64 {
        if set & (1 << bit) != 0 {
            buckets[s.bucket_of(1 << bit)] += 1;
        }
    }
    let (lowest, highest) = if set == 0 {
        (None, None)
    } else {
        (
            Some(1u64 << set.trailing_zeros()),
            Some(1u64 << (63 - set.leading_zeros())),
        )
    };
    ensure(
        u64::from(set.count_ones()) == s.count
            && buckets == s.buckets
            && (lowest, highest) == (s.min, s.max),
        SNAPSHOT_CONSISTENT,
        || format!("torn snapshot: sum {set:#b} does not match {s:?}"),
    );
    for t in 0..SCALE.threads {
        let mine: Vec<bool> = (0..SCALE.ops_per_thread)
            .map(|k| set & observation(t, k) != 0)
            .collect();
        ensure(
            mine.windows(2).all(|w| w[0] || !w[1]),
            SNAPSHOT_CONSISTENT,
            || format!("snapshot shows worker {t}'s observations {mine:?}, not a prefix"),
        );
    }
}

fn histogram_of(metrics: &Metrics) -> Option<HistogramSnapshot> {
    metrics.snapshot().histograms.get("latency").cloned()
}

fn histogram_observe_snapshot() {
    let metrics = Metrics::new();
    let workers: Vec<_> = (0..SCALE.threads)
        .map(|t| {
            let metrics = metrics.clone();
            thread::spawn(move || {
                if let Ok(histogram) = metrics.histogram("latency", &BOUNDS) {
                    for k in 0..SCALE.ops_per_thread {
                        histogram.observe(observation(t, k));
                    }
                }
            })
        })
        .collect();
    for _ in 0..SCALE.ops_per_thread.min(2) {
        if let Some(s) = histogram_of(&metrics) {
            check_histogram(&s);
        }
    }
    join_all(workers);
    let expected = (SCALE.threads * SCALE.ops_per_thread) as u64;
    let last = histogram_of(&metrics);
    ensure(
        last.as_ref().map(|s| s.count) == Some(expected),
        NO_LOST_INCREMENT,
        || format!("{expected} observations made, histogram shows {last:?}"),
    );
    if let Some(s) = last {
        check_histogram(&s);
    }
}

/// Prefilled samples are `0..capacity`; worker `t`'s `k`-th append is
/// `1000 + t·ops + k`.
fn appended_at(thread: usize, op: usize) -> u64 {
    1000 + (thread * SCALE.ops_per_thread + op) as u64
}

fn sample(at: u64) -> Sample {
    Sample {
        at,
        value: at as f64,
    }
}

/// Capacity equals the number of concurrent appends, so once every worker is
/// done the series must hold exactly their samples, each worker's in order.
fn check_final_series(samples: &[Sample]) {
    let concurrent = SCALE.threads * SCALE.ops_per_thread;
    let ats: Vec<u64> = samples.iter().map(|s| s.at).collect();
    let mut expected: Vec<u64> = (0..SCALE.threads)
        .flat_map(|t| (0..SCALE.ops_per_thread).map(move |k| appended_at(t, k)))
        .collect();
    let mut sorted = ats.clone();
    sorted.sort_unstable();
    expected.sort_unstable();
    ensure(sorted == expected, NO_LOST_APPEND, || {
        format!(
            "after {concurrent} appends to a full series it holds {ats:?}, expected {expected:?}"
        )
    });
    for t in 0..SCALE.threads {
        let mine: Vec<u64> = ats
            .iter()
            .copied()
            .filter(|&at| (0..SCALE.ops_per_thread).any(|k| appended_at(t, k) == at))
            .collect();
        ensure(mine.windows(2).all(|w| w[0] < w[1]), NO_LOST_APPEND, || {
            format!("worker {t}'s samples out of order: {ats:?}")
        });
    }
}

fn series_append_trim() {
    let capacity = SCALE.threads * SCALE.ops_per_thread;
    let metrics = Metrics::new();
    let series = metrics.series("cpu", capacity).expect("a fresh series");
    for at in 0..capacity as u64 {
        series.append(sample(at));
    }
    let workers: Vec<_> = (0..SCALE.threads)
        .map(|t| {
            let metrics = metrics.clone();
            thread::spawn(move || {
                if let Ok(series) = metrics.series("cpu", capacity) {
                    for k in 0..SCALE.ops_per_thread {
                        series.append(sample(appended_at(t, k)));
                    }
                }
            })
        })
        .collect();
    let during = series.snapshot();
    ensure(during.samples.len() <= capacity, SERIES_BOUNDED, || {
        format!("capacity {capacity} but {} samples", during.samples.len())
    });
    let concurrent_seen = during.samples.iter().filter(|s| s.at >= 1000).count() as u64;
    ensure(
        concurrent_seen + capacity as u64 == during.appended,
        NO_LOST_APPEND,
        || {
            format!(
                "{} appends counted but snapshot holds {during:?}",
                during.appended
            )
        },
    );
    join_all(workers);
    let last = series.snapshot();
    ensure(last.samples.len() <= capacity, SERIES_BOUNDED, || {
        format!("capacity {capacity} but {} samples", last.samples.len())
    });
    ensure(last.appended == 2 * capacity as u64, NO_LOST_APPEND, || {
        format!("{} appends made, {} counted", 2 * capacity, last.appended)
    });
    check_final_series(&last.samples);
}

/// R6.4: same appends as [`series_append_trim`], on the rebinding list.
fn zoo_trim_by_rebind() {
    let capacity = SCALE.threads * SCALE.ops_per_thread;
    let series = Arc::new(TrimByRebindSeries::new(capacity));
    for at in 0..capacity as u64 {
        series.append(sample(at));
    }
    let workers: Vec<_> = (0..SCALE.threads)
        .map(|t| {
            let series = Arc::clone(&series);
            thread::spawn(move || {
                for k in 0..SCALE.ops_per_thread {
                    series.append(sample(appended_at(t, k)));
                }
            })
        })
        .collect();
    join_all(workers);
    check_final_series(&series.samples());
}

/// R4.8: every worker records the same operation once per op.
fn zoo_profiler_stats() {
    let profiler = Arc::new(RacyProfiler::new());
    let workers: Vec<_> = (0..SCALE.threads)
        .map(|t| {
            let profiler = Arc::clone(&profiler);
            thread::spawn(move || {
                for k in 0..SCALE.ops_per_thread {
                    profiler.record("query", observation(t, k));
                }
            })
        })
        .collect();
    join_all(workers);
    let expected = (SCALE.threads * SCALE.ops_per_thread) as u64;
    let stats = profiler.stats("query");
    ensure(
        stats.map(|s| s.count) == Some(expected),
        NO_LOST_INCREMENT,
        || format!("{expected} operations recorded, stats show {stats:?}"),
    );
}
