//! The performance monitor's pairs (catalog analytics.md K17–K24, K29;
//! ml_monitoring.md §7, K7.1–K7.3), all on one metric-sample stream
//! ([`Generator::MetricSamples`]) and all claimed by C03.

use twinbench_kernels::monitor::cache_key;
use twinbench_kernels::monitor::counters::{self, CacheStats, GraphSize};
use twinbench_kernels::monitor::group_aggregate;
use twinbench_kernels::monitor::histogram::{DURATION_BUCKETS, LabelledHistogram, SIZE_BUCKETS};
use twinbench_kernels::monitor::load_test::load_test_stats;
use twinbench_kernels::monitor::memory_trend::LeakMonitor;
use twinbench_kernels::monitor::request_window::{RequestWindow, StatusCounts};
use twinbench_kernels::monitor::response_times;
use twinbench_kernels::text::python_json::Value;

use super::glue::{expect_samples, prepare_samples};
use super::{
    Domain, EXACT, KernelPair, OriginalUse, OutputKind, Prepared, PythonFunction, RustTwin,
    TwinError,
};
use crate::compare::{Comparison, Lists, Output};
use crate::inputs::{
    GRAPH_SIZE_TEXTS, Generator, MetricSamples, SAMPLE_ENDPOINTS, SAMPLE_METHODS, graph_size_form,
};
use crate::pins::PinSet;

const PERFORMANCE_MONITOR: &str = "twinbench_baselines.performance_monitor";
const METRICS_COLLECTOR: &str = "twinbench_baselines.metrics_collector";

/// The original's own load-test and optimizer sizes are runtime
/// configuration; these span a short test to a long-running process
/// (issue 19's 10k / 100k / 1M). Python at 1M: ~4.2 s for the response
/// time summary (the window is re-sliced on every append past 1,000),
/// ~0.8 s for the load-test statistics.
const STREAM_SIZES: &[usize] = &[10_000, 100_000, 1_000_000];

pub(super) const RESPONSE_TIME_SUMMARY: KernelPair = KernelPair {
    name: "response_time_summary",
    pins: PinSet::Server,
    domain: Domain::Monitoring,
    summary: "analytics K23 + K24 + K19 ResponseTimeOptimizer: every sample recorded (per-endpoint \
              window of the last 1,000, slow records > 2.0 s kept to the last 100), then \
              get_performance_summary(): per endpoint in first-appearance order avg / min / max \
              round(…, 3), request_count, p95 = round(sorted(times)[int(n*0.95)], 3) when n > \
              20; the last 10 slow records; get_current_metrics' last 10 times per endpoint, \
              their mean and the cache hit ratio",
    python: PythonFunction {
        module: PERFORMANCE_MONITOR,
        function: "response_time_summary",
    },
    output: OutputKind::Lists,
    rust: RustTwin {
        prepare: prepare_samples,
        run: run_response_time_summary,
        run_parallel: None,
    },
    generator: Generator::MetricSamples,
    comparison: Comparison::ExactLists,
    tolerance: EXACT,
    tolerance_rationale: "the twin sums each window oldest first as sum() does, takes min and max \
                          by < from the first element, picks the same nearest-rank element \
                          (select_nth on the window equals sorted()[k] for NaN-free data) and \
                          rounds the binary value half to even like round(); counts are integers",
    sizes: STREAM_SIZES,
    claims: &["C03"],
    alternatives: &[],
    original: OriginalUse {
        timed_by: None,
        called_by: Some(
            "the performance optimizer's middleware hook (record_response_time per request) and \
             its /performance summary route",
        ),
    },
};

fn run_response_time_summary(prepared: &Prepared) -> Result<Output, TwinError> {
    let s = expect_samples(prepared)?;
    let summary = response_times::summarize(&s.endpoint, &s.response_time, SAMPLE_ENDPOINTS.len())?;
    let mut out = Lists::default();
    for e in &summary.endpoints {
        out.lists.push(vec![
            0,
            i64::from(e.endpoint),
            e.request_count as i64,
            i64::from(e.p95.is_some()),
        ]);
        out.values
            .extend([e.avg, e.min, e.max, e.p95.unwrap_or(f64::NAN)]);
    }
    for r in &summary.slow {
        out.push(vec![1, i64::from(r.endpoint)], r.response_time);
    }
    out.lists.push(vec![
        2,
        summary.endpoints.len() as i64,
        summary.recent.len() as i64,
    ]);
    out.values.extend(&summary.recent);
    let hits = s.cache_hit.iter().filter(|&&h| h).count();
    let ratio = if s.cache_hit.is_empty() {
        0.0
    } else {
        hits as f64 / s.cache_hit.len() as f64
    };
    out.values.extend([summary.recent_avg, ratio]);
    Ok(Output::Lists(out))
}

pub(super) const LOAD_TEST_STATS: KernelPair = KernelPair {
    name: "load_test_stats",
    pins: PinSet::Server,
    domain: Domain::Monitoring,
    summary: "analytics K29 load_tester run_load_test: the per-request (time, success, error) \
              tuples aggregated, response times sorted ascending, avg of the sorted list, min, \
              max, p95 = s[int(n*0.95)], p99 = s[int(n*0.99)], requests per second = total / \
              duration, error rate = failed / total * 100; all 0 with no requests",
    python: PythonFunction {
        module: PERFORMANCE_MONITOR,
        function: "load_test_stats",
    },
    output: OutputKind::Lists,
    rust: RustTwin {
        prepare: prepare_samples,
        run: run_load_test_stats,
        run_parallel: None,
    },
    generator: Generator::MetricSamples,
    comparison: Comparison::ExactLists,
    tolerance: EXACT,
    tolerance_rationale: "the twin sorts the same values as order-preserving integer keys (NaN \
                          refused, -0.0 and 0.0 add alike), sums them ascending as the original sums its sorted list, and \
                          indexes by the same float product; counts are integers",
    sizes: STREAM_SIZES,
    claims: &["C03"],
    alternatives: &[],
    original: OriginalUse {
        timed_by: None,
        called_by: Some("the load tester's run_load_test and run_database_load_test"),
    },
};

fn run_load_test_stats(prepared: &Prepared) -> Result<Output, TwinError> {
    let s = expect_samples(prepared)?;
    let failed = s.status.iter().filter(|&&status| status >= 400).count();
    let duration = match (s.time.first(), s.time.last()) {
        (Some(first), Some(last)) => (last - first) as f64 / 1e6,
        _ => 0.0,
    };
    let mut keys = Vec::new();
    let stats = load_test_stats(&s.response_time, failed, duration, &mut keys)?;
    Ok(Output::Lists(Lists {
        lists: vec![vec![
            stats.total as i64,
            stats.successful as i64,
            stats.failed as i64,
        ]],
        values: vec![
            stats.avg,
            stats.min,
            stats.max,
            stats.p95,
            stats.p99,
            stats.requests_per_second,
            stats.error_rate,
        ],
    }))
}

pub(super) const MEMORY_LEAK_TREND: KernelPair = KernelPair {
    name: "memory_leak_trend",
    pins: PinSet::Server,
    domain: Domain::Monitoring,
    summary: "analytics K22 MemoryOptimizer.monitor_memory_leaks once per sample: RSS / 1024 / \
              1024 into a history cut to its last 100; from 10 values the 9 newest differences \
              summed newest to oldest, mean rounded to 2 places, potential_leak when > 1 MB. \
              Per call: no report, report, or report with leak; counts; trend and current MB",
    python: PythonFunction {
        module: PERFORMANCE_MONITOR,
        function: "memory_leak_trend",
    },
    output: OutputKind::Lists,
    rust: RustTwin {
        prepare: prepare_samples,
        run: run_memory_leak_trend,
        run_parallel: None,
    },
    generator: Generator::MetricSamples,
    comparison: Comparison::ExactLists,
    tolerance: EXACT,
    tolerance_rationale: "the same nine subtractions summed in the same order, divided by 9 and \
                          rounded half to even on the binary value; the MB figure is two exact \
                          divisions by 1024",
    // Python ~10 µs a call (measured 2026-12-04 on the shared 2-core VM):
    // 0.6 s at 60,000.
    sizes: &[5_000, 20_000, 60_000],
    claims: &["C03"],
    alternatives: &[],
    original: OriginalUse {
        timed_by: None,
        called_by: Some("the performance optimizer's background loop, every 1,800 s"),
    },
};

fn run_memory_leak_trend(prepared: &Prepared) -> Result<Output, TwinError> {
    let s = expect_samples(prepared)?;
    let mut monitor = LeakMonitor::new();
    let mut codes = Vec::with_capacity(s.len() * 2);
    let mut counts = Vec::with_capacity(s.len());
    let mut values = Vec::with_capacity(s.len() * 2);
    for &rss in &s.rss {
        match monitor.monitor(rss) {
            None => codes.push(0),
            Some(report) => {
                codes.push(if report.potential_leak { 2 } else { 1 });
                counts.push(report.measurements as i64);
                values.extend([report.trend_mb, report.current_mb]);
            }
        }
    }
    codes.extend(counts);
    Ok(Output::Lists(Lists {
        lists: vec![codes],
        values,
    }))
}

pub(super) const MONITOR_COUNTERS: KernelPair = KernelPair {
    name: "monitor_counters",
    pins: PinSet::Server,
    domain: Domain::Monitoring,
    summary: "analytics K17 _categorize_graph_size (int() of an int or str, < 100 / 1,000 / \
              10,000, unparsable → unknown), K18 record_cache_hit / miss (gauge set to the \
              fraction, _get_cache_hit_rate the percent, 0.0 without requests), K21 pool usage \
              round(active / max(total, 1), 2) with > 0.8 increase / < 0.3 decrease; per sample",
    python: PythonFunction {
        module: PERFORMANCE_MONITOR,
        function: "monitor_counters",
    },
    output: OutputKind::Lists,
    rust: RustTwin {
        prepare: prepare_samples,
        run: run_monitor_counters,
        run_parallel: None,
    },
    generator: Generator::MetricSamples,
    comparison: Comparison::ExactLists,
    tolerance: EXACT,
    tolerance_rationale: "bucket and advice codes exactly; ratios of integers divided once \
                          (correctly rounded on both sides) and rounded half to even",
    // Python ~5.5 µs a sample: 0.65 s at 120,000.
    sizes: &[10_000, 40_000, 120_000],
    claims: &["C03"],
    alternatives: &[],
    original: OriginalUse {
        timed_by: None,
        called_by: Some(
            "the analytics engine (monitor_graph_operation, which fails: D076), the cache \
             layer's hit and miss hooks, and the optimizer's pool check",
        ),
    },
};

fn run_monitor_counters(prepared: &Prepared) -> Result<Output, TwinError> {
    let s = expect_samples(prepared)?;
    let n = s.len();
    let mut codes = Vec::with_capacity(2 * n);
    for (&size, &form) in s.graph_size.iter().zip(&s.graph_size_form) {
        // `int(str(v)) == v`, so a size given as the str of an int buckets
        // as that int.
        let given = match form {
            graph_size_form::INT | graph_size_form::STR => GraphSize::Int(size),
            text => GraphSize::Text(GRAPH_SIZE_TEXTS.get(usize::from(text - 2)).ok_or(
                TwinError::WrongInput {
                    expected: "a graph-size form code of the generator",
                    got: "metric samples",
                },
            )?),
        };
        codes.push(counters::graph_size_category(given) as i64);
    }
    let mut values = Vec::with_capacity(2 * n + 1);
    let mut cache = CacheStats::default();
    let mut gauge = 0.0;
    for &hit in &s.cache_hit {
        gauge = cache.record(hit);
        values.push(cache.hit_rate_percent());
    }
    for (&active, &total) in s.pool_active.iter().zip(&s.pool_total) {
        let (ratio, advice) = counters::pool_usage(active, total);
        codes.push(advice as i64);
        values.push(ratio);
    }
    if n > 0 {
        values.push(gauge);
    }
    Ok(Output::Lists(Lists {
        lists: vec![codes],
        values,
    }))
}

pub(super) const PROMETHEUS_HISTOGRAM: KernelPair = KernelPair {
    name: "prometheus_histogram",
    pins: PinSet::Server,
    domain: Domain::Monitoring,
    summary: "ml_monitoring K7.1 metrics_collector record_http_request's histograms through \
              prometheus_client 0.22.0: http_request_duration_seconds {method, endpoint, status} \
              (default buckets) and the request / response size histograms (100 … 1e6, observed \
              only when > 0), a fresh CollectorRegistry per call; per label set the cumulative \
              bucket counts incl. +Inf, _count and _sum as collect() reports them",
    python: PythonFunction {
        module: METRICS_COLLECTOR,
        function: "prometheus_histogram",
    },
    output: OutputKind::Lists,
    rust: RustTwin {
        prepare: prepare_samples,
        run: run_prometheus_histogram,
        run_parallel: None,
    },
    generator: Generator::MetricSamples,
    comparison: Comparison::ExactLists,
    tolerance: EXACT,
    tolerance_rationale: "bucket counts are integers (prometheus_client keeps them as floats, \
                          exact below 2^53); _sum adds the same values in the same order",
    // Python ~21 µs a sample (three labels() look-ups and observes, each
    // behind a lock): 0.65 s at 30,000.
    sizes: &[3_000, 10_000, 30_000],
    claims: &["C03"],
    alternatives: &[],
    original: OriginalUse {
        timed_by: None,
        called_by: Some("the metrics middleware, once per HTTP request"),
    },
};

/// Statuses are label values `str(status)`; three digits index the table
/// that numbers the statuses a call sees.
const STATUS_SPACE: usize = 1_000;

fn run_prometheus_histogram(prepared: &Prepared) -> Result<Output, TwinError> {
    let s = expect_samples(prepared)?;
    let (methods, endpoints) = (SAMPLE_METHODS.len(), SAMPLE_ENDPOINTS.len());
    let wrong_input = || TwinError::WrongInput {
        expected: "samples with known methods, endpoints and three-digit statuses",
        got: "metric samples",
    };
    if s.method.iter().any(|&m| m as usize >= methods)
        || s.endpoint.iter().any(|&e| e as usize >= endpoints)
    {
        return Err(wrong_input());
    }
    // Number the statuses this stream uses (a handful), so a label key is
    // `pair × used statuses + status number`: the histograms' key tables
    // stay a few KiB instead of `pairs × 1,000` slots (480 KiB filled
    // on every call, more than the observing itself at 3,000 samples).
    let mut status_number = [u16::MAX; STATUS_SPACE];
    let mut used_statuses: Vec<u16> = Vec::new();
    for &status in &s.status {
        let slot = status_number
            .get_mut(usize::from(status))
            .ok_or_else(wrong_input)?;
        if *slot == u16::MAX {
            *slot = used_statuses.len() as u16;
            used_statuses.push(status);
        }
    }
    let statuses = used_statuses.len().max(1);
    let pairs = methods * endpoints;
    let mut duration = LabelledHistogram::new(&DURATION_BUCKETS, pairs * statuses);
    let mut request = LabelledHistogram::new(&SIZE_BUCKETS, pairs);
    let mut response = LabelledHistogram::new(&SIZE_BUCKETS, pairs * statuses);
    for i in 0..s.len() {
        let pair = s.method[i] * endpoints as u32 + s.endpoint[i];
        let with_status =
            pair * statuses as u32 + u32::from(status_number[usize::from(s.status[i])]);
        duration.observe(with_status, s.response_time[i]);
        if s.request_size[i] > 0 {
            request.observe(pair, s.request_size[i] as f64);
        }
        if s.response_size[i] > 0 {
            response.observe(with_status, s.response_size[i] as f64);
        }
    }
    let mut out = Lists::with_capacity(duration.len() + request.len() + response.len());
    for (family, histogram, has_status) in [
        (0, &duration, true),
        (1, &request, false),
        (2, &response, true),
    ] {
        for set in histogram.collect() {
            let (pair, status) = if has_status {
                (
                    set.key / statuses as u32,
                    i64::from(used_statuses[(set.key % statuses as u32) as usize]),
                )
            } else {
                (set.key, -1)
            };
            let mut list = Vec::with_capacity(5 + set.buckets.len());
            list.extend([
                family,
                i64::from(pair / endpoints as u32),
                i64::from(pair % endpoints as u32),
                status,
            ]);
            list.extend(set.buckets.iter().map(|&b| b as i64));
            list.push(set.count as i64);
            out.push(list, set.sum);
        }
    }
    Ok(Output::Lists(out))
}

pub(super) const REQUEST_METRICS_SUMMARY: KernelPair = KernelPair {
    name: "request_metrics_summary",
    pins: PinSet::Server,
    domain: Domain::Monitoring,
    summary: "ml_monitoring K7.2 + K7.3 metrics_collector: record_http_request's deque (maxlen \
              1,000) of (time, duration) per sample and, every 100 samples, a scrape: \
              _calculate_average_response_time() (durations younger than 300 s on the injected \
              clock, summed oldest first) and _calculate_error_rate() over the status counts \
              (fed by the pair: the original never writes them, D081)",
    python: PythonFunction {
        module: METRICS_COLLECTOR,
        function: "request_metrics_summary",
    },
    output: OutputKind::Lists,
    rust: RustTwin {
        prepare: prepare_samples,
        run: run_request_metrics_summary,
        run_parallel: None,
    },
    generator: Generator::MetricSamples,
    comparison: Comparison::ExactLists,
    tolerance: EXACT,
    tolerance_rationale: "the same clock values (µs / 1e6, correctly rounded on both sides), the \
                          same age test and left-to-right sum over the deque; the error rate is \
                          a ratio of integers",
    // Python ~2.1 µs a sample: 0.65 s at 300,000.
    sizes: &[10_000, 100_000, 300_000],
    claims: &["C03"],
    alternatives: &[],
    original: OriginalUse {
        timed_by: None,
        called_by: Some("the metrics middleware per request, and get_metrics_summary per scrape"),
    },
};

/// A scrape follows every this many requests.
const SCRAPE_EVERY: usize = 100;

fn run_request_metrics_summary(prepared: &Prepared) -> Result<Output, TwinError> {
    let s: &MetricSamples = expect_samples(prepared)?;
    let mut window = RequestWindow::new();
    let mut statuses = StatusCounts::default();
    let mut values = Vec::with_capacity(2 * (s.len() / SCRAPE_EVERY));
    for i in 0..s.len() {
        let now = s.time[i] as f64 / 1e6;
        window.record(now, s.response_time[i]);
        statuses.record(s.status[i]);
        if (i + 1) % SCRAPE_EVERY == 0 {
            values.extend([window.average_response_time(now), statuses.error_rate()]);
        }
    }
    Ok(Output::Lists(Lists {
        lists: vec![vec![(values.len() / 2) as i64]],
        values,
    }))
}

pub(super) const GROUP_AGGREGATIONS: KernelPair = KernelPair {
    name: "group_aggregations",
    pins: PinSet::Server,
    domain: Domain::Monitoring,
    summary: "analytics K30 bi_dashboard QueryEngine._apply_aggregation: pandas \
              groupby(['endpoint']) then sum / mean / size→count / min / max / median with \
              reset_index, one call per aggregation, over the samples' response time (NaN where \
              the status is 503), request and response sizes; groups in sorted key order, NaN \
              skipped, all-NaN sum 0.0, even-count median the mean of the middle two",
    python: PythonFunction {
        module: "twinbench_baselines.bi_dashboard",
        function: "group_aggregations",
    },
    output: OutputKind::Lists,
    rust: RustTwin {
        prepare: prepare_samples,
        run: run_group_aggregations,
        run_parallel: None,
    },
    generator: Generator::MetricSamples,
    comparison: Comparison::ExactLists,
    tolerance: EXACT,
    tolerance_rationale: "the twin adds in row order with pandas' Kahan compensation (reset when \
                          it turns NaN), divides by the same count, and takes the same middle \
                          elements; int64 results are integers. The twin also builds the NaN \
                          column inside its timed call (the baseline's frame is built outside), \
                          which only counts against it",
    sizes: STREAM_SIZES,
    claims: &["C03"],
    alternatives: &[],
    original: OriginalUse {
        timed_by: None,
        called_by: Some("the BI dashboard's query engine, per widget query with a group_by"),
    },
};

fn run_group_aggregations(prepared: &Prepared) -> Result<Output, TwinError> {
    let s = expect_samples(prepared)?;
    if s.endpoint
        .iter()
        .any(|&e| e as usize >= SAMPLE_ENDPOINTS.len())
    {
        return Err(TwinError::WrongInput {
            expected: "samples with known endpoints",
            got: "metric samples",
        });
    }
    let mut key_order: Vec<u32> = (0..SAMPLE_ENDPOINTS.len() as u32).collect();
    key_order.sort_unstable_by_key(|&k| SAMPLE_ENDPOINTS[k as usize]);
    let float_column: Vec<f64> = s
        .response_time
        .iter()
        .zip(&s.status)
        .map(|(&t, &status)| if status == 503 { f64::NAN } else { t })
        .collect();
    let frame = group_aggregate::Frame {
        key: &s.endpoint,
        key_order: &key_order,
        float_column: &float_column,
        int_columns: [&s.request_size, &s.response_size],
    };
    let mut out = Lists::default();
    for (k, result) in group_aggregate::aggregate_all(&frame)
        .into_iter()
        .enumerate()
    {
        let mut list = Vec::with_capacity(1 + result.keys.len() + result.ints.len());
        list.push(k as i64);
        list.extend(result.keys.iter().map(|&e| i64::from(e)));
        list.extend(&result.ints);
        out.lists.push(list);
        out.values.extend(result.values);
    }
    Ok(Output::Lists(out))
}

pub(super) const CACHE_KEY: KernelPair = KernelPair {
    name: "cache_key",
    pins: PinSet::Server,
    domain: Domain::Monitoring,
    summary: "analytics K25 AnalyticsCache._generate_cache_key: json.dumps(parameters, \
              sort_keys=True) (default separators, ensure_ascii) + md5 hex → \
              \"analytics:<type>:<hex>\", over one parameter dict per sample (nested dicts and \
              lists, non-ASCII and astral keys, escapes, 20+-digit ints, exponent-form floats, \
              Infinity/NaN, bools, None); one text per key",
    python: PythonFunction {
        module: "twinbench_baselines.analytics_cache",
        function: "cache_key",
    },
    output: OutputKind::Texts,
    rust: RustTwin {
        prepare: prepare_samples,
        run: run_cache_key,
        run_parallel: None,
    },
    generator: Generator::MetricSamples,
    comparison: Comparison::ExactLists,
    tolerance: EXACT,
    tolerance_rationale: "keys are bytes: the same JSON text (python_json::dumps_sorted: code \
                          point key order, repr floats, \\u escapes) hashed by MD5. The twin \
                          builds each parameter tree inside its timed call (the baseline's dicts \
                          are built outside), which only counts against it",
    // Python ~12 µs a key: 0.6 s at 50,000.
    sizes: &[5_000, 20_000, 50_000],
    claims: &["C03"],
    alternatives: &[],
    original: OriginalUse {
        timed_by: None,
        called_by: Some("the analytics cache's get and set, once per analytics request"),
    },
};

/// The analytics types, by method code (one non-ASCII).
const ANALYTICS_TYPES: [&str; 5] = [
    "centrality",
    "community",
    "clustering",
    "paths",
    "métriques",
];
const TAG_TEXT: &str = "ü\"\\\n\t\u{1}";

fn utf16(s: &str) -> Vec<u16> {
    s.encode_utf16().collect()
}

fn int(v: i64) -> Value {
    Value::Int(v.to_string())
}

/// The parameter dict `cache_key_prepare` builds for sample `i`, in its
/// insertion order.
fn cache_parameters(s: &MetricSamples, i: usize) -> Value {
    let (rt, rss, size) = (s.response_time[i], s.rss[i], s.graph_size[i]);
    let huge = if size == 0 {
        "0".to_string()
    } else {
        format!("{size}{}", "0".repeat(20))
    };
    let filters = Value::Dict(vec![
        (utf16("status"), int(i64::from(s.status[i]))),
        (utf16("cached"), Value::Bool(s.cache_hit[i])),
        (utf16("rss"), Value::Float(rss)),
        (utf16("note"), Value::Null),
        (
            utf16("tags"),
            Value::List(vec![
                int(s.request_size[i]),
                int(s.response_size[i]),
                Value::Str(utf16(TAG_TEXT)),
            ]),
        ),
    ]);
    Value::Dict(vec![
        (
            utf16("endpoint"),
            Value::Str(utf16(SAMPLE_ENDPOINTS[s.endpoint[i] as usize])),
        ),
        (
            utf16("method"),
            Value::Str(utf16(SAMPLE_METHODS[s.method[i] as usize])),
        ),
        (utf16("threshold"), Value::Float(rt)),
        (utf16("limit"), int(size)),
        (utf16("huge"), Value::Int(huge)),
        (utf16("filters"), filters),
        (utf16("ключ"), int(s.pool_active[i])),
        (utf16("😀"), int(s.pool_total[i])),
        (utf16("\u{ff01}"), Value::Float(rt * 1e-7)),
        (utf16("big"), Value::Float(rss * 1e10)),
    ])
}

fn run_cache_key(prepared: &Prepared) -> Result<Output, TwinError> {
    let s = expect_samples(prepared)?;
    if s.endpoint
        .iter()
        .any(|&e| e as usize >= SAMPLE_ENDPOINTS.len())
        || s.method.iter().any(|&m| m as usize >= SAMPLE_METHODS.len())
    {
        return Err(TwinError::WrongInput {
            expected: "samples with known methods and endpoints",
            got: "metric samples",
        });
    }
    let keys = (0..s.len())
        .map(|i| {
            let kind = ANALYTICS_TYPES[s.method[i] as usize % ANALYTICS_TYPES.len()];
            cache_key::cache_key(kind, &cache_parameters(s, i))
        })
        .collect();
    Ok(Output::Texts(keys))
}
