//! Seeded input generators: the same seed gives the same bytes on every run,
//! so both sides, every test and every benchmark see identical inputs.

mod alert_batch;
mod alert_stream;
mod barabasi_albert;
mod exceptions;
mod feature_matrix;
mod forecast_cases;
mod hourly_frame;
mod metric_alerts;
mod metric_history;
mod metric_samples;
mod metric_series;
mod python_hash;
mod resource_ticks;
mod task_db;

pub use crate::stats::rng::SplitMix64;
pub use alert_batch::{AlertBatch, alert_batch};
pub use alert_stream::{
    ALERT_CATEGORIES, ALERT_SEVERITIES, ALERTS_ORIGIN_MICROS, AlertStream, NEW_ALERTS, alert_stream,
};
pub use barabasi_albert::barabasi_albert;
pub use exceptions::{
    BUILTIN_CLASSES, COMPONENTS as EXCEPTION_COMPONENTS, EXCEPTIONS_ORIGIN_MICROS, Exceptions,
    exceptions,
};
pub use feature_matrix::{FeatureMatrix, blobs_with_outliers, metric_frame};
pub use forecast_cases::{CASE_COLUMNS, CASE_METRIC_COUNT, forecast_cases};
pub use hourly_frame::{FRAME_ORIGIN, TimestampedFrame, hourly_frame};
pub use metric_alerts::{METRIC_ALERTS_ORIGIN_MICROS, MetricAlerts, metric_alerts};
pub use metric_history::{
    HISTORY_COMPONENTS, HISTORY_METRICS, HISTORY_ORIGIN, HISTORY_STEP, MetricHistory,
    metric_history,
};
pub use metric_samples::{
    GRAPH_SIZE_TEXTS, MetricSamples, SAMPLE_ENDPOINTS, SAMPLE_METHODS, SAMPLE_STATUSES,
    SAMPLES_ORIGIN_MICROS, Sample, graph_size_form, metric_samples,
};
pub use metric_series::{MetricSeries, SPIKE_TIMESTAMPS, metric_counter, metric_series};
pub use python_hash::{python_int_hash, python_tuple_hash};
pub use resource_ticks::{ResourceTicks, TICKS_ORIGIN_MICROS, resource_ticks};
pub use task_db::{
    Database, DbFiles, PAGE_LIMIT, SERVICE_NOW, TaskDb, TaskDbScale, task_db, task_db_from,
    task_db_from_on, task_db_in, task_db_on,
};

use twinbench_kernels::graph::{CsrGraph, Edge, GraphError};

use crate::compare::Truth;

/// An undirected weighted edge list over nodes `0..node_count`, the
/// language-neutral form of a graph input: Rust builds a CSR graph from it,
/// Python a `networkx.Graph`.
#[derive(Debug, Clone, PartialEq)]
pub struct EdgeList {
    pub node_count: usize,
    pub edges: Vec<Edge>,
}

impl EdgeList {
    /// The CSR graph the Rust twins run on.
    pub fn to_csr(&self) -> Result<CsrGraph, GraphError> {
        CsrGraph::from_undirected_edges(self.node_count, &self.edges)
    }

    /// Each node's `weight` attribute, in node order: `hash(node) % 100`, as
    /// the original benchmark graph sets it (benchmarks.py L356 at
    /// `9455c19`; its other node attribute, `type = f"node_{node % 5}"`, is a
    /// string no kernel reads as a number). The Python side sets both in
    /// `graph.add_node_attributes`; K8 turns this one into its `attr_weight`
    /// column.
    pub fn node_weights(&self) -> Vec<f64> {
        (0..self.node_count as u64)
            .map(|node| (python_int_hash(node) % 100) as f64)
            .collect()
    }
}

/// One generated input, before either side has prepared it.
#[derive(Debug, Clone, PartialEq)]
pub enum Input {
    Graph(EdgeList),
    Series(MetricSeries),
    Matrix(FeatureMatrix),
    Frame(TimestampedFrame),
    /// The AI performance optimizer's metric stream with model verdicts.
    History(MetricHistory),
    /// Dashboard alerts: history, then the alerts to correlate.
    Alerts(AlertStream),
    /// Incident alert dicts and the clock they are processed at.
    AlertBatch(AlertBatch),
    /// Resource metrics per evaluation tick, with operators' actions.
    Ticks(ResourceTicks),
    /// Metric alerts with the LLM's reply to each.
    MetricAlerts(MetricAlerts),
    /// Errors (exception class and message) with their contexts.
    Exceptions(Exceptions),
    /// HTTP request samples with the monitor's readings beside them.
    Samples(MetricSamples),
    /// Seed 004's task database: rows and the two SQLite files.
    TaskDb(TaskDb),
}

impl Input {
    /// What was planted in it, for the statistical comparison modes.
    pub fn truth(&self) -> Truth<'_> {
        match self {
            Input::Matrix(m) => Truth {
                anomalies: Some(&m.outliers),
            },
            Input::History(h) => Truth {
                anomalies: Some(&h.spike),
            },
            Input::Graph(_)
            | Input::Series(_)
            | Input::Frame(_)
            | Input::Alerts(_)
            | Input::AlertBatch(_)
            | Input::Ticks(_)
            | Input::MetricAlerts(_)
            | Input::Exceptions(_) => Truth::default(),
            Input::Samples(_) | Input::TaskDb(_) => Truth::default(),
        }
    }
}

/// Which generator a kernel pair draws its inputs from.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Generator {
    /// Barabási–Albert graph with `m` edges per new node, edge weights as the
    /// original benchmark assigns them (`hash((u, v)) % 10 + 1`).
    BarabasiAlbert { m: usize },
    /// Seasonal metric series with labelled injected spikes.
    MetricSeries,
    /// A monotone counter (`*_total`) whose per-sample increase is a
    /// [`Generator::MetricSeries`]: what the search-flood rule differences.
    MetricCounter,
    /// Gaussian blobs plus planted uniform anomalies, `cols` features.
    FeatureMatrix { cols: usize },
    /// A multi-metric frame (`cols` metrics, 5-minute rows) with planted
    /// incidents: what the ensemble detector trains and detects on.
    MetricFrame { cols: usize },
    /// Hourly samples of `cols` metrics with their timestamps (a few hours
    /// missing): the forecasting engine's training frame.
    HourlyFrame { cols: usize },
    /// What the forecast's post-processing and the capacity planner are
    /// given once models are fitted: one case per row (see
    /// `forecast_cases`).
    ForecastCases,
    /// The AI performance optimizer's metric stream (six metrics, five
    /// components, a collection every 5 minutes) with a model verdict per
    /// sample.
    MetricHistory,
    /// Dashboard alerts (size: how many each new alert is correlated
    /// against) followed by the alerts to correlate.
    AlertStream,
    /// A batch of incident alert dicts (size: alerts), as the smart
    /// alerting system receives them.
    AlertBatch,
    /// Resource metrics per 30-second evaluation tick (size: ticks), as
    /// the threshold alert engine reads them.
    ResourceTicks,
    /// Metric alerts with the LLM's replies (size: alerts), as the
    /// contextual alert manager receives them.
    MetricAlerts,
    /// Errors with their contexts (size: errors), as the dashboard's error
    /// handler receives them.
    Exceptions,
    /// HTTP request samples with the process, cache and pool readings
    /// beside them (size: samples), as the performance monitor records
    /// them.
    MetricSamples,
    /// Seed 004's task database (tasks, prompts, sessions and the
    /// detector's report) in two databases of `database` (SQLite files or
    /// PostgreSQL databases), without and with the seed's indexes.
    TaskDatabase {
        scale: TaskDbScale,
        database: Database,
    },
}

impl Generator {
    /// Whether its inputs live on PostgreSQL: such a pair runs only where
    /// PostgreSQL is installed, and is recorded as not run elsewhere.
    pub fn needs_postgres(self) -> bool {
        matches!(
            self,
            Generator::TaskDatabase {
                database: Database::Postgres,
                ..
            }
        )
    }

    /// Smallest size the generator can produce (a BA graph needs `m + 1` nodes).
    pub fn min_size(self) -> usize {
        match self {
            Generator::BarabasiAlbert { m } => m + 1,
            Generator::MetricSeries
            | Generator::MetricCounter
            | Generator::FeatureMatrix { .. }
            | Generator::MetricFrame { .. }
            | Generator::HourlyFrame { .. }
            | Generator::ForecastCases => 0,
            Generator::MetricHistory
            | Generator::AlertStream
            | Generator::AlertBatch
            | Generator::ResourceTicks
            | Generator::MetricAlerts
            | Generator::Exceptions => 0,
            Generator::MetricSamples => 0,
            Generator::TaskDatabase { .. } => 1,
        }
    }

    /// About how many bytes one unit of size (a node, a point) costs at
    /// the run's peak: the Python side dominates (a `networkx.Graph` keeps a
    /// dict entry and an attribute dict per edge end, ~0.6 KiB each; a
    /// pandas series with its rolling windows ~200 bytes per point). An
    /// estimate for refusing sizes that cannot fit, not a measurement.
    pub fn bytes_per_unit(self) -> u64 {
        match self {
            Generator::BarabasiAlbert { m } => 1_280 * m as u64 + 512,
            Generator::MetricSeries | Generator::MetricCounter => 200,
            // numpy array + scaled copy + a model's working set, per row;
            // sklearn's ward keeps a condensed distance matrix (8n bytes a
            // row), the pair's sizes keep that below 2 GiB.
            Generator::FeatureMatrix { cols } | Generator::MetricFrame { cols } => {
                64 * cols as u64 + 512
            }
            // pandas frame with its feature columns (11 per target), the
            // forest's sorted copies, per row.
            Generator::HourlyFrame { cols } => 64 * cols as u64 + 1_024,
            // A case's model dicts, DataFrame and result objects in Python.
            Generator::ForecastCases => 8_192,
            // A PerformanceMetric object (~0.5 KiB with its datetime and
            // metadata dict) plus the optimizer's per-alert records.
            Generator::MetricHistory => 1_024,
            // An Alert object with its strings, tag and metric dicts, and a
            // correlation result's factor dicts.
            Generator::AlertStream => 4_096,
            // A dict of six keys with its strings, and its share of the
            // correlations' related lists (a burst relates every pair).
            Generator::AlertBatch => 16_384,
            // A ResourceMetrics object and its floats, the flattened dict
            // and the per-tick aggregates.
            Generator::ResourceTicks => 2_048,
            // An incident object, its service list and the parsed reply.
            Generator::MetricAlerts => 4_096,
            // An exception object with its message, its context, a record
            // dict in two deques and a pattern per new message.
            Generator::Exceptions => 2_048,
            // The samples' Python objects (tuples of str, int and float)
            // and the monitors' per-sample records.
            Generator::MetricSamples => 1_024,
            // A row as a Python dict (~1 KiB with its strings), twice for
            // the as-written re-reads held at once.
            Generator::TaskDatabase { .. } => 2_048,
        }
    }

    /// What a size counts, for messages and report axes.
    pub fn size_unit(self) -> &'static str {
        match self {
            Generator::BarabasiAlbert { .. } => "nodes",
            Generator::MetricSeries | Generator::MetricCounter => "points",
            Generator::FeatureMatrix { .. } | Generator::MetricFrame { .. } => "rows",
            Generator::HourlyFrame { .. } => "hours",
            Generator::ForecastCases => "cases",
            Generator::MetricHistory => "samples",
            Generator::AlertStream => "existing alerts",
            Generator::AlertBatch => "alerts",
            Generator::ResourceTicks => "ticks",
            Generator::MetricAlerts => "alerts",
            Generator::Exceptions => "errors",
            Generator::MetricSamples => "samples",
            Generator::TaskDatabase {
                scale: TaskDbScale::Tasks { .. },
                ..
            } => "tasks",
            Generator::TaskDatabase {
                scale: TaskDbScale::Sessions { .. },
                ..
            } => "sessions",
        }
    }

    /// Human-readable description for the report.
    pub fn describe(self) -> String {
        match self {
            Generator::BarabasiAlbert { m } => {
                format!("Barabási–Albert graph, m={m}, weights hash((u,v)) % 10 + 1")
            }
            Generator::MetricSeries => {
                "seasonal metric series, Gaussian noise, injected labelled spikes".to_string()
            }
            Generator::MetricCounter => {
                "monotone counter whose increments are a seasonal series with injected \
                 labelled spikes"
                    .to_string()
            }
            Generator::FeatureMatrix { cols } => format!(
                "{cols} features: 10 unit-variance Gaussian blobs, 2% planted uniform anomalies"
            ),
            Generator::MetricFrame { cols } => format!(
                "{cols} metrics every 5 minutes with a shared daily cycle, 2% planted incidents"
            ),
            Generator::HourlyFrame { cols } => format!(
                "{cols} hourly metrics (daily and weekly cycles, drift, noise, clipped at 0) from \
                 2026-01-20, about 1% of hours missing"
            ),
            Generator::ForecastCases => "forecast cases: metric, hours ahead, clock, both models' R² \
                                         (10% missing each, 10% tied), raw prediction, current value"
                .to_string(),
            Generator::MetricHistory => {
                "optimizer metric stream: 6 metrics every 5 minutes with planted spikes, late \
                 and duplicated samples, a model verdict per sample"
                    .to_string()
            }
            Generator::AlertStream => format!(
                "dashboard alerts in bursts (identical, late, re-sent), 14 message families in 5 \
                 languages, near-duplicate titles, missing fields, metric dicts with 0 and NaN; \
                 then {NEW_ALERTS} alerts to correlate"
            ),
            Generator::AlertBatch => "incident alert dicts in bursts (late, re-sent ids, no id), \
                                      service/component/source present, None or empty, \
                                      metric names of every class in mixed case, mixed-case \
                                      severities; processed at the last alert's time"
                .to_string(),
            Generator::ResourceTicks => "resource metrics every 30 s (back-offs, restarts): random \
                                         walks with threshold-crossing episodes, exact 0 and 50, \
                                         values within 0.001, NaN, ±inf, missing fields, memory \
                                         as used/total MB (total 0 or NaN); operators \
                                         acknowledge or resolve alerts"
                .to_string(),
            Generator::MetricAlerts => "metric alerts of every keyword category in mixed case, \
                                        ratios at the severity boundaries, zero and NaN \
                                        thresholds, bursts within a second, across midnight; \
                                        LLM replies: bare, fenced, two objects, arrays, prose, \
                                        invalid JSON, NaN, big integers, repeated keys, escapes"
                .to_string(),
            Generator::Exceptions => "errors: builtin classes and names built from the 20 \
                                      classifier patterns (prefixes, suffixes, mixed case); \
                                      Unicode messages with numbers (ASCII and Arabic-Indic), \
                                      lower- and upper-case UUIDs, paths, URLs, Kelvin sign, \
                                      dotted I, U+001C-U+001F, U+0085, combining marks, \
                                      superscripts; 60% repeats, colliding pattern keys; \
                                      operations with 'test' inside, bursts and late errors"
                .to_string(),
            Generator::MetricSamples => "HTTP request samples 5-60 ms apart with gaps up to 10 \
                                         min; Zipf endpoints with non-ASCII names; log-normal \
                                         response times with a tail above 2 s, exact ties on \
                                         bucket bounds and 0; sizes 0 or on bucket bounds; RSS \
                                         random walk with leak episodes; graph sizes as int, str \
                                         or unparsable text; cache hits; pool totals of 0"
                .to_string(),
            Generator::TaskDatabase { scale, database } => {
                let rest = match scale {
                    TaskDbScale::Tasks { sessions } => format!("{sessions} sessions"),
                    TaskDbScale::Sessions { tasks } => {
                        format!("{tasks} tasks; the detector reports as many sessions, ~90% stored")
                    }
                };
                format!(
                    "task database ({}, with and without the seed's 3 indexes): statuses \
                     weighted, 9 task types (one without an SLA rule), 7 environments (one \
                     without a routing rule), tasks exactly at their SLA target and warning \
                     threshold, ties on priority and creation time; sessions idle/busy/offline \
                     with fresh, stale and exactly-at-timeout heartbeats, non-ASCII names; {rest}",
                    database.label()
                )
            }
        }
    }

    /// The generator state an input of `size` for `seed` starts from.
    fn rng(self, size: usize, seed: u64) -> SplitMix64 {
        SplitMix64::for_input(seed, size as u64)
    }

    /// The input of `size` for `seed`; callers validate `size >= min_size()`.
    pub fn generate(self, size: usize, seed: u64) -> Input {
        let mut rng = self.rng(size, seed);
        match self {
            Generator::BarabasiAlbert { m } => Input::Graph(barabasi_albert(size, m, &mut rng)),
            Generator::MetricSeries => Input::Series(metric_series(size, &mut rng)),
            Generator::MetricCounter => Input::Series(metric_counter(size, &mut rng)),
            Generator::FeatureMatrix { cols } => {
                Input::Matrix(blobs_with_outliers(size, cols, &mut rng))
            }
            Generator::MetricFrame { cols } => Input::Matrix(metric_frame(size, cols, &mut rng)),
            Generator::HourlyFrame { cols } => Input::Frame(hourly_frame(size, cols, &mut rng)),
            Generator::ForecastCases => Input::Matrix(forecast_cases(size, &mut rng)),
            Generator::MetricHistory => Input::History(metric_history(size, &mut rng)),
            Generator::AlertStream => Input::Alerts(alert_stream(size, &mut rng)),
            Generator::AlertBatch => Input::AlertBatch(alert_batch(size, &mut rng)),
            Generator::ResourceTicks => Input::Ticks(resource_ticks(size, &mut rng)),
            Generator::MetricAlerts => Input::MetricAlerts(metric_alerts(size, &mut rng)),
            Generator::Exceptions => Input::Exceptions(exceptions(size, &mut rng)),
            Generator::MetricSamples => Input::Samples(metric_samples(size, &mut rng)),
            Generator::TaskDatabase { scale, database } => {
                Input::TaskDb(task_db(database, scale, size, seed))
            }
        }
    }
}

/// An alert stream of `existing` alerts of history and `new` to correlate:
/// the one [`Generator::AlertStream`] gives at size `existing`, continued
/// (its first `existing + NEW_ALERTS` alerts are that input's).
pub fn long_alert_stream(existing: usize, new: usize, seed: u64) -> Input {
    let mut rng = Generator::AlertStream.rng(existing, seed);
    Input::Alerts(alert_stream::alert_stream_with(existing, new, &mut rng))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_long_alert_stream_continues_the_pair_input() {
        let Input::Alerts(short) = Generator::AlertStream.generate(100, 5) else {
            panic!("alerts");
        };
        let Input::Alerts(long) = long_alert_stream(100, 50, 5) else {
            panic!("alerts");
        };
        assert_eq!(long.existing, 100);
        assert_eq!(long.alerts.len(), 150);
        // Compared as text: NaN metric values are planted, and NaN != NaN.
        let text = |alerts: &[twinbench_kernels::alerting::Alert]| format!("{alerts:?}");
        assert!(text(&long.alerts[..short.alerts.len()]) == text(&short.alerts));
        assert!(text(&long.alerts[..short.alerts.len() + 1]) != text(&short.alerts));
    }

    /// FNV-1a over the input's bytes: a fingerprint of exactly what a seed
    /// generates.
    fn fingerprint(input: &Input) -> u64 {
        let mut hash = 0xcbf2_9ce4_8422_2325u64;
        let mut eat = |bytes: &[u8]| {
            for &b in bytes {
                hash = (hash ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
            }
        };
        match input {
            Input::Graph(g) => {
                eat(&g.node_count.to_le_bytes());
                for e in &g.edges {
                    eat(&e.u.to_le_bytes());
                    eat(&e.v.to_le_bytes());
                    eat(&e.weight.to_le_bytes());
                }
            }
            Input::Series(s) => {
                for v in &s.values {
                    eat(&v.to_le_bytes());
                }
                for i in &s.injected {
                    eat(&i.to_le_bytes());
                }
            }
            Input::Matrix(m) => {
                for v in &m.data {
                    eat(&v.to_le_bytes());
                }
                for (&o, &c) in m.outliers.iter().zip(&m.clusters) {
                    eat(&[u8::from(o)]);
                    eat(&c.to_le_bytes());
                }
            }
            Input::Frame(f) => {
                for t in &f.timestamps {
                    eat(&t.to_le_bytes());
                }
                for v in &f.values {
                    eat(&v.to_le_bytes());
                }
            }
            Input::History(h) => {
                for i in 0..h.len() {
                    eat(&h.metric[i].to_le_bytes());
                    eat(&h.component[i].to_le_bytes());
                    eat(&h.value[i].to_le_bytes());
                    eat(&h.timestamp[i].to_le_bytes());
                    eat(&[u8::from(h.anomalous[i]), u8::from(h.spike[i])]);
                }
            }
            Input::Alerts(s) => {
                eat(&s.existing.to_le_bytes());
                for a in &s.alerts {
                    eat(format!("{a:?}").as_bytes());
                }
            }
            Input::Ticks(t) => eat(format!("{t:?}").as_bytes()),
            Input::MetricAlerts(a) => eat(format!("{a:?}").as_bytes()),
            Input::Exceptions(e) => eat(format!("{e:?}").as_bytes()),
            Input::Samples(s) => eat(format!("{s:?}").as_bytes()),
            Input::TaskDb(db) => eat(format!("{:?}", db.data).as_bytes()),
            Input::AlertBatch(b) => {
                eat(&b.now.to_le_bytes());
                for a in &b.alerts {
                    eat(format!("{a:?}").as_bytes());
                }
            }
        }
        hash
    }

    #[test]
    fn the_same_seed_gives_the_same_bytes() {
        for generator in [
            Generator::BarabasiAlbert { m: 3 },
            Generator::MetricSeries,
            Generator::MetricCounter,
            Generator::FeatureMatrix { cols: 8 },
            Generator::MetricFrame { cols: 6 },
            Generator::HourlyFrame { cols: 3 },
            Generator::ForecastCases,
            Generator::MetricHistory,
            Generator::AlertStream,
            Generator::AlertBatch,
            Generator::ResourceTicks,
            Generator::MetricAlerts,
            Generator::Exceptions,
            Generator::MetricSamples,
            Generator::TaskDatabase {
                scale: TaskDbScale::Tasks { sessions: 20 },
                database: Database::Sqlite,
            },
        ] {
            let a = generator.generate(2_000, 42);
            // Bytes, not `==`: forecast cases hold NaN (a missing model).
            assert_eq!(fingerprint(&a), fingerprint(&generator.generate(2_000, 42)));
            assert_ne!(fingerprint(&a), fingerprint(&generator.generate(2_000, 43)));
        }
    }

    /// Pinned fingerprints: a change here changes every input, every
    /// benchmark and every recorded result, so it must be deliberate.
    #[test]
    fn generated_inputs_are_pinned() {
        let ba = Generator::BarabasiAlbert { m: 3 }.generate(1_000, 20_261_126);
        let series = Generator::MetricSeries.generate(10_000, 20_261_126);
        assert_eq!(
            (fingerprint(&ba), fingerprint(&series)),
            (14_179_103_651_444_190_990, 7_886_962_224_718_102_449),
            "generator output changed"
        );
    }
}
