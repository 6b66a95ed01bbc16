//! Metrics: one request's worth of instrumentation through kept handles —
//! count it, observe its latency, and every 16th request append a sample to a
//! bounded series (capacity 1024).

use criterion::Criterion;
use twinbench_kernels::concurrent::metrics::{
    Counter, Histogram, HistogramCore, Metrics, Sample, Series, SeriesCore,
};

use crate::common::overhead;

const BOUNDS: [u64; 8] = [1, 2, 5, 10, 20, 50, 100, 200];
const CAPACITY: usize = 1024;

fn latency(i: u64) -> u64 {
    (i * 37) % 250
}

fn sample(i: u64) -> Sample {
    Sample {
        at: i,
        value: latency(i) as f64,
    }
}

pub fn bench(c: &mut Criterion) {
    overhead(
        c,
        "metrics",
        || (0u64, HistogramCore::new(&BOUNDS), SeriesCore::new(CAPACITY)),
        |(requests, histogram, series), i| {
            *requests += 1;
            if let Some(h) = histogram {
                h.observe(latency(i));
            }
            if i % 16 == 0 {
                if let Some(s) = series {
                    s.append(sample(i));
                }
            }
        },
        || {
            let metrics = Metrics::new();
            let handles: (Option<Counter>, Option<Histogram>, Option<Series>) = (
                metrics.counter("requests").ok(),
                metrics.histogram("latency_ms", &BOUNDS).ok(),
                metrics.series("latency_samples", CAPACITY).ok(),
            );
            (metrics, handles)
        },
        |(_, (requests, histogram, series)), i| {
            if let Some(r) = requests {
                r.increment();
            }
            if let Some(h) = histogram {
                h.observe(latency(i));
            }
            if i % 16 == 0 {
                if let Some(s) = series {
                    s.append(sample(i));
                }
            }
        },
    );
}
