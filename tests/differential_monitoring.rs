//! The performance monitor's twins against their embedded Python baselines
//! (issue 19, C03): random sample streams and the named edge cases (no
//! samples, one, exactly 20 and 21 for the p95, ties, NaN and infinite
//! times and RSS, huge counts and sizes, non-ASCII endpoints).

use proptest::prelude::*;
use proptest::test_runner::FileFailurePersistence;
use twinbench::inputs::{
    GRAPH_SIZE_TEXTS, Input, MetricSamples, SAMPLES_ORIGIN_MICROS, Sample, SplitMix64,
    graph_size_form, metric_samples,
};
use twinbench::pairs::{KernelPair, PAIRS};

use crate::differential::{check, pairs_taking};

fn is_samples(input: &Input) -> bool {
    matches!(input, Input::Samples(_))
}

fn pair(name: &str) -> &'static KernelPair {
    PAIRS
        .iter()
        .find(|p| p.name == name)
        .unwrap_or_else(|| panic!("{name} is registered"))
}

/// Samples one second apart from the origin, each shaped by `row`.
fn stream(n: usize, row: impl Fn(usize) -> Sample) -> Input {
    let mut s = MetricSamples::default();
    for i in 0..n {
        let mut sample = row(i);
        sample.time = SAMPLES_ORIGIN_MICROS + i as i64 * 1_000_000;
        s.push(sample);
    }
    Input::Samples(s)
}

/// Every monitoring pair on `input`, compared with its baseline.
fn all_agree(what: &str, input: &Input) {
    let pairs = pairs_taking(is_samples);
    assert!(pairs.len() >= 6, "the monitoring pairs are served");
    for p in pairs {
        if let Err(e) = check(p, input) {
            panic!("{what}: {e}");
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 24,
        failure_persistence: Some(Box::new(FileFailurePersistence::Direct(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../tests/proptest-regressions/differential_monitoring.txt"
        )))),
        ..ProptestConfig::default()
    })]

    #[test]
    fn monitoring_kernels_agree_on_random_streams(size in 0usize..1_500, seed in any::<u64>()) {
        let input = Input::Samples(metric_samples(size, &mut SplitMix64::new(seed)));
        for p in pairs_taking(is_samples) {
            check(p, &input)?;
        }
    }
}

#[test]
fn monitoring_kernels_agree_on_empty_and_single_streams() {
    all_agree("no samples", &stream(0, |_| Sample::default()));
    all_agree("one sample", &stream(1, |_| Sample::default()));
    all_agree(
        "one slow sample",
        &stream(1, |_| Sample {
            response_time: 2.5,
            ..Sample::default()
        }),
    );
}

#[test]
fn monitoring_kernels_agree_at_the_p95_threshold_with_ties() {
    for n in [20, 21, 22, 100, 101] {
        let input = stream(n, |i| Sample {
            // Ties: every value three times; 2.0 exactly is not slow.
            response_time: [0.25, 2.0, 0.005, 1.0, 2.0000000000000004][i / 3 % 5],
            ..Sample::default()
        });
        all_agree(&format!("{n} samples of one endpoint"), &input);
    }
}

#[test]
fn monitoring_kernels_agree_on_non_ascii_endpoints_and_full_windows() {
    // 2,500 samples over the non-ASCII endpoints: windows trimmed to
    // 1,000, 10% slow (more than 100 slow records), sizes on the bounds.
    let input = stream(2_500, |i| Sample {
        endpoint: 6 + (i % 5) as u32,
        method: (i % 5) as u32,
        status: [200, 404, 503, 304][i % 4],
        response_time: if i % 10 == 0 {
            2.0 + i as f64 / 1_000.0
        } else {
            i as f64 / 7_919.0
        },
        request_size: [0, 100, 1_000_000, 1_000_001][i % 4],
        response_size: [100_000, 0, 99, 10_000][i % 4],
        ..Sample::default()
    });
    all_agree("non-ASCII endpoints", &input);
}

#[test]
fn monitoring_kernels_agree_on_infinite_times_and_huge_values() {
    let input = stream(60, |i| Sample {
        response_time: match i % 6 {
            0 => f64::INFINITY,
            1 => f64::NEG_INFINITY,
            2 => 0.0,
            _ => 1e300,
        },
        request_size: 1 << 52,
        response_size: i64::from(i % 2 == 0) * 4_000_000_000_000,
        rss: [f64::INFINITY, 1e300, 0.0][i % 3],
        graph_size: if i % 2 == 0 { i64::MAX } else { i64::MIN },
        graph_size_form: (i % 2) as u8,
        pool_active: i64::from(i as u32) * 1_000_000_007,
        pool_total: if i % 3 == 0 { 0 } else { 7 },
        ..Sample::default()
    });
    all_agree("infinite times, huge sizes and counts", &input);
}

#[test]
fn monitoring_kernels_agree_on_every_graph_size_text() {
    let input = stream(GRAPH_SIZE_TEXTS.len() * 3, |i| Sample {
        graph_size: [99, 100, 9_999][i % 3],
        graph_size_form: match i / 3 {
            0 => graph_size_form::INT,
            1 => graph_size_form::STR,
            k => (k % GRAPH_SIZE_TEXTS.len() + 2) as u8,
        },
        cache_hit: i % 3 != 0,
        ..Sample::default()
    });
    all_agree("graph size texts", &input);
}

#[test]
fn monitoring_kernels_agree_on_nan_where_python_is_order_free() {
    // NaN response times and RSS: the leak trend, the histograms (NaN in
    // no bucket, _sum NaN) and the rolling mean are defined whatever the
    // order; the two sorting kernels are checked separately below.
    let input = stream(40, |i| Sample {
        response_time: if i % 7 == 3 { f64::NAN } else { 0.1 },
        rss: if i % 11 == 5 {
            f64::NAN
        } else {
            1e8 + i as f64 * 3e6
        },
        ..Sample::default()
    });
    for name in [
        "memory_leak_trend",
        "prometheus_histogram",
        "request_metrics_summary",
        "monitor_counters",
    ] {
        if let Err(e) = check(pair(name), &input) {
            panic!("NaN samples: {e}");
        }
    }
    // Fewer than 21 samples per endpoint: no p95, no sort, so the summary
    // is defined with NaN too (min and max by `<` from the first element).
    let short = stream(20, |i| Sample {
        response_time: if i == 0 || i == 9 { f64::NAN } else { 0.3 },
        ..Sample::default()
    });
    if let Err(e) = check(pair("response_time_summary"), &short) {
        panic!("NaN below the p95 threshold: {e}");
    }
}

/// Where the original sorts a list holding NaN, CPython's order depends
/// on timsort's comparison sequence: the twins refuse rather than guess.
#[test]
fn the_sorting_twins_refuse_nan_where_python_sorts_it() {
    let input = stream(30, |i| Sample {
        response_time: if i == 4 { f64::NAN } else { 0.2 },
        ..Sample::default()
    });
    for name in ["load_test_stats", "response_time_summary"] {
        let p = pair(name);
        let prepared = (p.rust.prepare)(&input).expect("prepares");
        let refused = (p.rust.run)(&prepared).expect_err("NaN in a sorted window");
        assert!(refused.to_string().contains("NaN"), "{name}: {refused}");
    }
}

#[test]
fn the_rolling_mean_drops_requests_older_than_five_minutes() {
    // A 10-minute gap every 250 requests: every scrape after one sees part
    // of the deque aged out.
    let mut s = MetricSamples::default();
    let mut t = SAMPLES_ORIGIN_MICROS;
    for i in 0..1_200 {
        t += if i % 250 == 0 { 600_000_000 } else { 40_000 };
        s.push(Sample {
            time: t,
            response_time: (i % 13) as f64 / 10.0,
            status: [200, 500, 404, 201][i % 4],
            ..Sample::default()
        });
    }
    all_agree("gaps older than 300 s", &Input::Samples(s));
}

/// Every monitoring pair at its smallest benchmark size: full windows
/// (endpoints with thousands of samples), the slow list past 100, the
/// leak episodes and gaps of the generator.
#[test]
fn monitoring_kernels_agree_at_their_smallest_benchmark_size() {
    for p in pairs_taking(is_samples) {
        let input = p.generator.generate(p.sizes[0], 20_261_126);
        if let Err(e) = check(p, &input) {
            panic!("{} at {}: {e}", p.name, p.sizes[0]);
        }
        let prepared = (p.rust.prepare)(&input).expect("prepares");
        let out = (p.rust.run)(&prepared).expect("runs");
        assert!(!out.is_empty(), "{} answers something", p.name);
    }
}

/// pandas' rules: an all-NaN group sums to 0.0 and has NaN mean, min,
/// max and median; Kahan compensation keeps the ones beside 1e16; an
/// even group's median is the mean of its middle two.
#[test]
fn group_aggregations_agree_on_pandas_nan_and_compensation_rules() {
    let input = stream(61, |i| Sample {
        endpoint: [7, 0, 10][i % 3],
        status: if i % 3 == 2 { 503 } else { 200 },
        response_time: if i % 2 == 0 {
            1e16
        } else {
            1.0 + i as f64 / 64.0
        },
        request_size: i as i64 * 3,
        ..Sample::default()
    });
    if let Err(e) = check(pair("group_aggregations"), &input) {
        panic!("all-NaN group and compensation: {e}");
    }
    let even = stream(4, |i| Sample {
        response_time: [0.1, 0.4, 0.2, 0.3][i],
        ..Sample::default()
    });
    if let Err(e) = check(pair("group_aggregations"), &even) {
        panic!("even median: {e}");
    }
}
