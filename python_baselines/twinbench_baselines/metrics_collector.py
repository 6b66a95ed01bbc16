"""The metrics collector's HTTP instrumentation (catalog ml_monitoring.md
§7, K7.1-K7.3: ``server/monitoring/metrics_collector.py`` at 9455c19),
rewritten from the catalog and the original with the same library calls.

* K7.1 (``prometheus_histogram``): the three HTTP histograms of
  ``_initialize_metrics`` (same names, documentation, label names and
  buckets) in a fresh ``CollectorRegistry`` per call, fed as
  ``record_http_request`` feeds them (sizes only when > 0), then read
  back through ``registry.collect()``.
* K7.2, K7.3 (``request_metrics_summary``): ``record_http_request``'s
  deque of ``(time.time(), duration)`` and, every 100 requests, a scrape:
  ``_calculate_average_response_time()`` and ``_calculate_error_rate()``.

What differs from the original, and why:

* **The clock is injected** (``time.time()``): each request is stamped
  with its sample's time, and a scrape reads the clock at the time of the
  request it follows. The original reads ``time.time()`` once per deque
  element inside the comprehension; with an injected clock those reads
  agree.
* **``error_counts`` is fed.** The original declares it and never writes
  it (defect D081), so its error rate is always 0.0. The pair feeds it
  what the recorder was evidently meant to keep, ``error_counts[status]
  += 1`` per request, and keeps ``_calculate_error_rate`` as written.
* **``request_metrics_summary`` leaves out the Prometheus metric
  objects** ``record_http_request`` also updates: those are
  ``prometheus_histogram``'s subject, timed there; here only the
  collector's own bookkeeping runs, so both sides do the same work.
* Only the HTTP metrics are created (the collector's other thirty
  metrics are never touched by these calls).
"""

from collections import defaultdict, deque
from typing import Dict

import numpy as np
from prometheus_client import CollectorRegistry, Histogram


class _HttpMetrics:
    """The HTTP histograms of ``GraphMemoryMetricsCollector``."""

    def __init__(self, registry) -> None:
        self.registry = registry
        self.metrics: Dict[str, Histogram] = {}
        self.metrics['http_request_duration_seconds'] = Histogram(
            'http_request_duration_seconds',
            'HTTP request duration in seconds',
            ['method', 'endpoint', 'status'],
            buckets=[0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0],
            registry=self.registry,
        )
        self.metrics['http_request_size_bytes'] = Histogram(
            'http_request_size_bytes',
            'HTTP request size in bytes',
            ['method', 'endpoint'],
            buckets=[100, 1000, 10000, 100000, 1000000],
            registry=self.registry,
        )
        self.metrics['http_response_size_bytes'] = Histogram(
            'http_response_size_bytes',
            'HTTP response size in bytes',
            ['method', 'endpoint', 'status'],
            buckets=[100, 1000, 10000, 100000, 1000000],
            registry=self.registry,
        )

    def record_http_request(self, method, endpoint, status_code, duration,
                            request_size=0, response_size=0):
        status = str(status_code)
        self.metrics['http_request_duration_seconds'].labels(
            method=method, endpoint=endpoint, status=status
        ).observe(duration)
        if request_size > 0:
            self.metrics['http_request_size_bytes'].labels(
                method=method, endpoint=endpoint
            ).observe(request_size)
        if response_size > 0:
            self.metrics['http_response_size_bytes'].labels(
                method=method, endpoint=endpoint, status=status
            ).observe(response_size)


def _rows(columns):
    c = {k: (v.tolist() if isinstance(v, np.ndarray) else v) for k, v in columns.items()}
    methods, endpoints = c["methods"], c["endpoints"]
    rows = list(zip([methods[m] for m in c["method"]], [endpoints[e] for e in c["endpoint"]],
                    c["status"], c["response_time"], c["request_size"], c["response_size"],
                    c["time"]))
    codes = ({name: k for k, name in enumerate(methods)},
             {name: k for k, name in enumerate(endpoints)})
    return rows, codes


def prometheus_histogram_prepare(columns):
    """Per sample (method, endpoint, status code, duration, request size,
    response size, time µs), with the name → code maps."""
    return _rows(columns)


def prometheus_histogram(prepared):
    rows, _ = prepared
    metrics = _HttpMetrics(CollectorRegistry())
    for method, endpoint, status, duration, request_size, response_size, _ in rows:
        metrics.record_http_request(method, endpoint, status, duration, request_size,
                                    response_size)
    return list(metrics.registry.collect())


_FAMILIES = ("http_request_duration_seconds", "http_request_size_bytes",
             "http_response_size_bytes")


def prometheus_histogram_output(families, prepared):
    """Per family (duration, request size, response size) and label set in
    collect() order: ``[family, method, endpoint, status or -1, cumulative
    bucket counts..., count]`` with ``_sum`` as its value."""
    _, (method_codes, endpoint_codes) = prepared
    flat, offsets, values = [], [0], []
    for family in families:
        index = _FAMILIES.index(family.name)
        sets = {}
        for sample in family.samples:
            labels = sample.labels
            key = (labels["method"], labels["endpoint"], labels.get("status"))
            entry = sets.setdefault(key, {"buckets": [], "count": None, "sum": None})
            if sample.name.endswith("_bucket"):
                entry["buckets"].append(sample.value)
            elif sample.name.endswith("_count"):
                entry["count"] = sample.value
            elif sample.name.endswith("_sum"):
                entry["sum"] = sample.value
        for (method, endpoint, status), entry in sets.items():
            flat.extend([index, method_codes[method], endpoint_codes[endpoint],
                         -1 if status is None else int(status)])
            flat.extend(int(b) for b in entry["buckets"])
            flat.append(int(entry["count"]))
            values.append(entry["sum"])
            offsets.append(len(flat))
    return (np.asarray(flat, dtype=np.int64), np.asarray(offsets, dtype=np.int64),
            np.asarray(values, dtype=np.float64))


class _Clock:
    def __init__(self):
        self.now = 0.0

    def time(self):
        return self.now


class RequestRecorder:
    """``GraphMemoryMetricsCollector``'s internal request analytics."""

    def __init__(self, clock) -> None:
        self.time = clock
        self.request_times: deque = deque(maxlen=1000)
        self.error_counts: Dict[str, int] = defaultdict(int)

    def record_http_request(self, method, endpoint, status_code, duration):
        self.request_times.append((self.time.time(), duration))

    def _calculate_average_response_time(self) -> float:
        if not self.request_times:
            return 0.0
        recent_times = [duration for timestamp, duration in self.request_times
                        if self.time.time() - timestamp < 300]
        return sum(recent_times) / len(recent_times) if recent_times else 0.0

    def _calculate_error_rate(self) -> float:
        total_requests = sum(self.error_counts.values())
        error_requests = sum(count for status, count in self.error_counts.items()
                             if status.startswith('5') or status.startswith('4'))
        return (error_requests / total_requests * 100) if total_requests > 0 else 0.0


SCRAPE_EVERY = 100


def request_metrics_summary_prepare(columns):
    return _rows(columns)[0]


def request_metrics_summary(rows):
    clock = _Clock()
    recorder = RequestRecorder(clock)
    scrapes = []
    for k, (method, endpoint, status, duration, _, _, micros) in enumerate(rows, 1):
        clock.now = micros / 1_000_000
        recorder.record_http_request(method, endpoint, status, duration)
        recorder.error_counts[str(status)] += 1
        if k % SCRAPE_EVERY == 0:
            scrapes.append((recorder._calculate_average_response_time(),
                            recorder._calculate_error_rate()))
    return scrapes


def request_metrics_summary_output(scrapes, rows):
    """``[number of scrapes]``; values: per scrape the average response
    time, then the error rate."""
    values = [v for scrape in scrapes for v in scrape]
    return (np.asarray([len(scrapes)], dtype=np.int64), np.asarray([0, 1], dtype=np.int64),
            np.asarray(values, dtype=np.float64))
