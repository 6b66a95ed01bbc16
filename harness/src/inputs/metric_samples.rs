//! A stream of HTTP request samples with the process and pool readings the
//! performance monitor takes beside them (catalog analytics.md K17–K25,
//! K29, K30; ml_monitoring.md §7): the one input of every monitoring pair.
//!
//! Columns are flat vectors (row `i` is sample `i`) so the bench's
//! copy-input side is a few `memcpy`s, and the twins read them without a
//! per-sample allocation.
//!
//! Shaped by what the kernels' answers depend on:
//!
//! - **Time** in microseconds, monotone: 5–60 ms apart with jitter, 2% of
//!   steps 1–5 s, 1% gaps of up to ten minutes (the collector's 300-second
//!   window then drops part of its deque).
//! - **Endpoints** from a fixed list with non-ASCII names, Zipf-like so
//!   some stay under the 21 samples p95 needs and others pass the
//!   1,000-sample window; methods and statuses (200 … 503) weighted.
//! - **Response times** log-normal around 80 ms with a 3% tail above 2 s,
//!   1% exact ties on bucket bounds and on the 2.0 s slow threshold, 0.3%
//!   exact 0.
//! - **Sizes** in bytes, 20% exactly 0 (not observed), some exactly on a
//!   bucket bound.
//! - **RSS** bytes as a random walk with leak episodes (+1.5–3 MiB a
//!   sample) and releases.
//! - **Graph size** an int, the same int as a str, or a text `int()`
//!   rejects (`"12k"`, `"3.5"`, `""`) or accepts with Python's rules
//!   (`" 250 "`, `"1_000"`, `"+7"`).
//! - **Cache** hit or miss; **pool** active of total, total sometimes 0,
//!   ratios exactly 0.8 and 0.3.

use super::SplitMix64;

/// 2026-01-20T00:00:00Z in microseconds: the first sample.
pub const SAMPLES_ORIGIN_MICROS: i64 = 1_768_867_200 * 1_000_000;

/// Endpoint names (codes index this list).
pub const SAMPLE_ENDPOINTS: [&str; 12] = [
    "/api/graph/query",
    "/api/analytics/centrality",
    "/api/memory/store",
    "/api/search",
    "/api/nodes/{id}",
    "/health",
    "/api/métriques",
    "/api/ダッシュボード",
    "/api/файлы",
    "/api/collab/session",
    "/api/emoji/😀",
    "/metrics",
];

/// HTTP methods (codes index this list).
pub const SAMPLE_METHODS: [&str; 5] = ["GET", "POST", "PUT", "DELETE", "PATCH"];

/// The statuses a sample can carry.
pub const SAMPLE_STATUSES: [u16; 8] = [200, 201, 304, 400, 404, 429, 500, 503];

/// Graph sizes given as a text `int()` parses differently from a plain
/// decimal, or rejects: form code `k + 2` means `GRAPH_SIZE_TEXTS[k]`.
pub const GRAPH_SIZE_TEXTS: [&str; 10] = [
    "12k",
    "3.5",
    "",
    "n/a",
    " 250 ",
    "1_000",
    "+7",
    "-5",
    "99999999999999999999999",
    "1__0",
];

/// How a sample's graph size reaches `_categorize_graph_size`.
pub mod graph_size_form {
    /// An `int`.
    pub const INT: u8 = 0;
    /// `str(int)`.
    pub const STR: u8 = 1;
}

/// One column per field; row `i` is sample `i`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct MetricSamples {
    /// Epoch microseconds, non-decreasing.
    pub time: Vec<i64>,
    /// Index into [`SAMPLE_ENDPOINTS`].
    pub endpoint: Vec<u32>,
    /// Index into [`SAMPLE_METHODS`].
    pub method: Vec<u32>,
    pub status: Vec<u16>,
    /// Seconds.
    pub response_time: Vec<f64>,
    pub request_size: Vec<i64>,
    pub response_size: Vec<i64>,
    /// Process resident set size in bytes (a float so edge cases can hold
    /// NaN and infinities).
    pub rss: Vec<f64>,
    /// The size when given as an int or a str of it.
    pub graph_size: Vec<i64>,
    /// [`graph_size_form`], or `k + 2` for `GRAPH_SIZE_TEXTS[k]`.
    pub graph_size_form: Vec<u8>,
    pub cache_hit: Vec<bool>,
    pub pool_active: Vec<i64>,
    pub pool_total: Vec<i64>,
}

impl MetricSamples {
    pub fn len(&self) -> usize {
        self.time.len()
    }

    pub fn is_empty(&self) -> bool {
        self.time.is_empty()
    }

    /// Appends one row.
    pub fn push(&mut self, sample: Sample) {
        self.time.push(sample.time);
        self.endpoint.push(sample.endpoint);
        self.method.push(sample.method);
        self.status.push(sample.status);
        self.response_time.push(sample.response_time);
        self.request_size.push(sample.request_size);
        self.response_size.push(sample.response_size);
        self.rss.push(sample.rss);
        self.graph_size.push(sample.graph_size);
        self.graph_size_form.push(sample.graph_size_form);
        self.cache_hit.push(sample.cache_hit);
        self.pool_active.push(sample.pool_active);
        self.pool_total.push(sample.pool_total);
    }
}

/// One row, for building edge cases by hand.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Sample {
    pub time: i64,
    pub endpoint: u32,
    pub method: u32,
    pub status: u16,
    pub response_time: f64,
    pub request_size: i64,
    pub response_size: i64,
    pub rss: f64,
    pub graph_size: i64,
    pub graph_size_form: u8,
    pub cache_hit: bool,
    pub pool_active: i64,
    pub pool_total: i64,
}

impl Default for Sample {
    fn default() -> Self {
        Sample {
            time: SAMPLES_ORIGIN_MICROS,
            endpoint: 0,
            method: 0,
            status: 200,
            response_time: 0.1,
            request_size: 512,
            response_size: 2_048,
            rss: 256.0 * 1_048_576.0,
            graph_size: 500,
            graph_size_form: graph_size_form::INT,
            cache_hit: true,
            pool_active: 3,
            pool_total: 10,
        }
    }
}

/// Zipf-like weights of the endpoints (per mille).
const ENDPOINT_WEIGHTS: [u64; 12] = [300, 200, 150, 100, 80, 60, 40, 30, 20, 10, 7, 3];
const METHOD_WEIGHTS: [u64; 5] = [60, 25, 8, 5, 2];
const STATUS_WEIGHTS: [u64; 8] = [70, 8, 6, 4, 5, 2, 3, 2];
/// Exact values: bucket bounds, the slow threshold.
const TIES: [f64; 6] = [0.005, 0.1, 0.25, 1.0, 2.0, 2.5];
const SIZE_BOUNDS: [i64; 5] = [100, 1_000, 10_000, 100_000, 1_000_000];

fn weighted(rng: &mut SplitMix64, weights: &[u64]) -> usize {
    let total: u64 = weights.iter().sum();
    let mut draw = rng.below(total);
    for (k, &w) in weights.iter().enumerate() {
        if draw < w {
            return k;
        }
        draw -= w;
    }
    weights.len() - 1
}

fn byte_size(rng: &mut SplitMix64) -> i64 {
    match rng.below(100) {
        0..20 => 0,
        20..25 => SIZE_BOUNDS[rng.below(5) as usize],
        _ => (10f64.powf(1.0 + 5.5 * rng.unit())) as i64,
    }
}

/// `size` samples.
pub fn metric_samples(size: usize, rng: &mut SplitMix64) -> MetricSamples {
    let mut out = MetricSamples::default();
    let mut clock = SAMPLES_ORIGIN_MICROS;
    let mut rss = 256.0 * 1_048_576.0;
    let mut leak = 0u32;
    for _ in 0..size {
        clock += match rng.below(100) {
            0 => rng.below(600_000_000) as i64,
            1..3 => 1_000_000 + rng.below(4_000_000) as i64,
            _ => 5_000 + rng.below(55_000) as i64,
        };
        let response_time = match rng.below(1_000) {
            0..3 => 0.0,
            3..13 => TIES[rng.below(TIES.len() as u64) as usize],
            13..43 => 2.0 + (rng.normal() * 0.8).exp(),
            _ => 0.08 * (rng.normal() * 0.9).exp(),
        };
        if leak == 0 && rng.below(200) == 0 {
            leak = 20 + rng.below(40) as u32;
        }
        let step = if leak > 0 {
            leak -= 1;
            (1.5 + 1.5 * rng.unit()) * 1_048_576.0
        } else if rng.below(300) == 0 {
            -(rng.unit() * 64.0 * 1_048_576.0)
        } else {
            rng.normal() * 0.5 * 1_048_576.0
        };
        rss = (rss + step).max(32.0 * 1_048_576.0).round();
        let graph_size = match rng.below(10) {
            0 => [99, 100, 999, 1_000, 9_999, 10_000][rng.below(6) as usize],
            1 => -(rng.below(50) as i64),
            _ => 10f64.powf(6.5 * rng.unit()) as i64,
        };
        let graph_size_form = match rng.below(100) {
            0..60 => graph_size_form::INT,
            60..90 => graph_size_form::STR,
            _ => 2 + rng.below(GRAPH_SIZE_TEXTS.len() as u64) as u8,
        };
        let (pool_active, pool_total) = match rng.below(100) {
            0..5 => (0, 0),
            5..10 => (4, 5),
            10..15 => (3, 10),
            _ => {
                let total = 1 + rng.below(50) as i64;
                (rng.below(total as u64 + 1) as i64, total)
            }
        };
        out.push(Sample {
            time: clock,
            endpoint: weighted(rng, &ENDPOINT_WEIGHTS) as u32,
            method: weighted(rng, &METHOD_WEIGHTS) as u32,
            status: SAMPLE_STATUSES[weighted(rng, &STATUS_WEIGHTS)],
            response_time,
            request_size: byte_size(rng),
            response_size: byte_size(rng),
            rss,
            graph_size,
            graph_size_form,
            cache_hit: rng.below(100) < 85,
            pool_active,
            pool_total,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_samples_plant_what_the_kernels_depend_on() {
        let s = metric_samples(20_000, &mut SplitMix64::new(7));
        assert!(s.time.windows(2).all(|w| w[0] <= w[1]));
        assert!(s.time.windows(2).any(|w| w[1] - w[0] > 300_000_000));
        assert!(s.response_time.iter().any(|&t| t > 2.0));
        assert!(s.response_time.contains(&2.0) && s.response_time.contains(&0.0));
        assert!(s.request_size.contains(&0) && s.request_size.contains(&100));
        assert!(s.pool_total.contains(&0));
        assert!(s.graph_size_form.iter().any(|&f| f >= 2));
        let distinct = |v: &[u32]| {
            let mut v = v.to_vec();
            v.sort_unstable();
            v.dedup();
            v.len()
        };
        assert_eq!(distinct(&s.endpoint), SAMPLE_ENDPOINTS.len());
        assert!(
            s.rss
                .windows(11)
                .any(|w| (w[10] - w[1]) / 9.0 > 1_048_576.0)
        );
    }
}
