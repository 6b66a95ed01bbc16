"""The performance monitor's kernels (catalog analytics.md K17-K24, K29:
``server/analytics/performance_monitor.py``, ``performance_optimizer.py``
and ``load_tester.py`` at 9455c19), rewritten from the catalog and the
original with the same operations in the same order.

* K23, K24, K19 (``response_time_summary``): ``ResponseTimeOptimizer``
  records every sample (per-endpoint list cut to its last 1,000 by
  slicing, slow records above 2.0 s cut to the last 100), then
  ``get_performance_summary()``; ``get_current_metrics``' concatenation
  of the last 10 times per endpoint, its cache hit ratio and
  ``PerformanceMetrics.get_avg_response_time``.
* K29 (``load_test_stats``): ``run_load_test``'s aggregation of the
  per-request ``(response_time, success, error)`` tuples.
* K22 (``memory_leak_trend``): ``MemoryOptimizer.monitor_memory_leaks``
  once per sample.
* K17, K18, K21 (``monitor_counters``): ``_categorize_graph_size``,
  ``record_cache_hit`` / ``record_cache_miss`` with the hit-rate gauge
  and ``_get_cache_hit_rate``, and ``optimize_connection_pool``'s ratio.

What differs from the original, and why:

* **The clock is injected** (``datetime.utcnow()`` in the original): the
  slow records and leak reports are stamped with their sample's time, so
  a run is reproducible; timestamps are not compared.
* **No psutil, no database, no network.** ``get_memory_usage`` reads the
  sample's RSS (as ``memory_info().rss / 1024 / 1024``, the one field
  the leak check uses); the pool's active and total connection counts
  come from the sample instead of ``pg_stat_activity``; the load test's
  per-request tuples come from the samples (success = status < 400, the
  error text ``f"HTTP {status}"``, as ``_make_request`` builds them, one
  simulated user) and its duration is the span of their timestamps.
* **The cache manager** behind ``get_current_metrics`` is a counter pair
  fed with the samples' hits and misses; the hit-rate gauge is a
  ``prometheus_client.Gauge`` in a fresh registry per call (the
  original's is module-global).
* ``monitor_graph_operation`` is not a context manager (defect D076), so
  the size bucketing is called directly, as its only caller would.
"""

import logging
from datetime import datetime, timedelta
from dataclasses import dataclass
from typing import Any, Dict, List

import numpy as np
from prometheus_client import CollectorRegistry, Gauge

_EPOCH = datetime(1970, 1, 1)

logger = logging.getLogger("twinbench.performance_monitor")
logger.addHandler(logging.NullHandler())
logger.propagate = False


class _Clock:
    """``datetime.utcnow()`` at the current sample's time."""

    def __init__(self):
        self.micros = 0

    def utcnow(self):
        return _EPOCH + timedelta(microseconds=self.micros)


# --- K19, K23, K24 -----------------------------------------------------------


@dataclass
class PerformanceMetrics:
    query_execution_times: List[float]
    memory_usage: float
    connection_pool_size: int
    active_connections: int
    cache_hit_rate: float
    background_task_count: int
    response_times: List[float]

    def get_avg_query_time(self) -> float:
        if self.query_execution_times:
            return sum(self.query_execution_times) / len(self.query_execution_times)
        return 0

    def get_avg_response_time(self) -> float:
        if self.response_times:
            return sum(self.response_times) / len(self.response_times)
        return 0


class ResponseTimeOptimizer:
    def __init__(self, clock) -> None:
        self.clock = clock
        self.response_times: Dict[str, List[float]] = {}
        self.slow_endpoints: List[Dict[str, Any]] = []

    def record_response_time(self, endpoint: str, response_time: float) -> None:
        if endpoint not in self.response_times:
            self.response_times[endpoint] = []
        self.response_times[endpoint].append(response_time)
        if len(self.response_times[endpoint]) > 1000:
            self.response_times[endpoint] = self.response_times[endpoint][-1000:]
        if response_time > 2.0:
            self.slow_endpoints.append({
                "endpoint": endpoint,
                "response_time": response_time,
                "timestamp": self.clock.utcnow().isoformat(),
            })
            if len(self.slow_endpoints) > 100:
                self.slow_endpoints = self.slow_endpoints[-100:]

    def get_performance_summary(self) -> Dict[str, Any]:
        summary = {}
        for endpoint, times in self.response_times.items():
            if times:
                n = len(times)
                summary[endpoint] = {
                    "avg_response_time": round(sum(times) / n, 3),
                    "min_response_time": round(min(times), 3),
                    "max_response_time": round(max(times), 3),
                    "request_count": n,
                    "p95_response_time": (round(sorted(times)[int(n * 0.95)], 3)
                                          if n > 20 else None),
                }
        return {
            "endpoint_performance": summary,
            "slow_endpoints": self.slow_endpoints[-10:],
            "total_endpoints": len(self.response_times),
            "timestamp": self.clock.utcnow().isoformat(),
        }


class _CacheManager:
    def __init__(self):
        self.cache_hits = 0
        self.cache_misses = 0


def _current_metrics(optimizer, cache_manager, memory_mb):
    """``PerformanceOptimizer.get_current_metrics`` on the given parts."""
    cache_hit_rate = 0.0
    if cache_manager:
        total_ops = cache_manager.cache_hits + cache_manager.cache_misses
        if total_ops > 0:
            cache_hit_rate = cache_manager.cache_hits / total_ops
    response_times = []
    for times in optimizer.response_times.values():
        response_times.extend(times[-10:])
    return PerformanceMetrics(
        query_execution_times=[],
        memory_usage=memory_mb,
        connection_pool_size=0,
        active_connections=0,
        cache_hit_rate=cache_hit_rate,
        background_task_count=0,
        response_times=response_times,
    )


def _columns(columns):
    return {k: (v.tolist() if isinstance(v, np.ndarray) else v) for k, v in columns.items()}


def response_time_summary_prepare(columns):
    """Per sample (endpoint name, response time, cache hit, time µs)."""
    c = _columns(columns)
    names = c["endpoints"]
    rows = list(zip([names[e] for e in c["endpoint"]], c["response_time"], c["cache_hit"],
                    c["time"]))
    return rows, {name: k for k, name in enumerate(names)}


def response_time_summary(prepared):
    rows, _ = prepared
    clock = _Clock()
    optimizer = ResponseTimeOptimizer(clock)
    cache = _CacheManager()
    for endpoint, response_time, hit, micros in rows:
        clock.micros = micros
        optimizer.record_response_time(endpoint, response_time)
        if hit:
            cache.cache_hits += 1
        else:
            cache.cache_misses += 1
    summary = optimizer.get_performance_summary()
    metrics = _current_metrics(optimizer, cache, 0.0)
    return summary, metrics, metrics.get_avg_response_time()


def response_time_summary_output(result, prepared):
    """Per endpoint ``[0, code, request_count, has_p95]`` with values
    avg, min, max, p95 (NaN when None); per reported slow record ``[1,
    code]`` with its time; then ``[2, total_endpoints, len(response_times)]``
    with the response times, their mean and the hit ratio."""
    summary, metrics, avg = result
    _, codes = prepared
    flat, offsets, values = [], [0], []
    for endpoint, s in summary["endpoint_performance"].items():
        p95 = s["p95_response_time"]
        flat.extend([0, codes[endpoint], s["request_count"], int(p95 is not None)])
        values.extend([s["avg_response_time"], s["min_response_time"], s["max_response_time"],
                       float("nan") if p95 is None else p95])
        offsets.append(len(flat))
    for record in summary["slow_endpoints"]:
        flat.extend([1, codes[record["endpoint"]]])
        values.append(record["response_time"])
        offsets.append(len(flat))
    flat.extend([2, summary["total_endpoints"], len(metrics.response_times)])
    values.extend(metrics.response_times)
    values.extend([float(avg), metrics.cache_hit_rate])
    offsets.append(len(flat))
    return (np.asarray(flat, dtype=np.int64), np.asarray(offsets, dtype=np.int64),
            np.asarray(values, dtype=np.float64))


# --- K29 ------------------------------------------------------------------------


def load_test_stats_prepare(columns):
    """One simulated user's ``(response_time, success, error)`` results and
    the test's duration (the span of the samples' times, in seconds)."""
    c = _columns(columns)
    results = [(t, status < 400, None if status < 400 else f"HTTP {status}")
               for t, status in zip(c["response_time"], c["status"])]
    times = c["time"]
    duration = (times[-1] - times[0]) / 1_000_000 if times else 0.0
    return [results], duration


def load_test_stats(prepared):
    """``run_load_test``'s aggregation and statistics."""
    all_results, test_duration = prepared
    response_times = []
    successful_requests = 0
    failed_requests = 0
    errors = []
    for user_results in all_results:
        for response_time, success, error in user_results:
            response_times.append(response_time)
            if success:
                successful_requests += 1
            else:
                failed_requests += 1
                if error:
                    errors.append(error)
    total_requests = successful_requests + failed_requests
    if response_times:
        response_times.sort()
        avg_response_time = sum(response_times) / len(response_times)
        min_response_time = min(response_times)
        max_response_time = max(response_times)
        p95_response_time = response_times[int(len(response_times) * 0.95)]
        p99_response_time = response_times[int(len(response_times) * 0.99)]
    else:
        avg_response_time = min_response_time = max_response_time = 0
        p95_response_time = p99_response_time = 0
    requests_per_second = total_requests / test_duration if test_duration > 0 else 0
    error_rate = (failed_requests / total_requests * 100) if total_requests > 0 else 0
    return {
        "total_requests": total_requests,
        "successful_requests": successful_requests,
        "failed_requests": failed_requests,
        "avg_response_time": avg_response_time,
        "min_response_time": min_response_time,
        "max_response_time": max_response_time,
        "p95_response_time": p95_response_time,
        "p99_response_time": p99_response_time,
        "requests_per_second": requests_per_second,
        "error_rate": error_rate,
        "errors": errors[:10],
    }


def load_test_stats_output(result, prepared):
    """``[total, successful, failed]`` with values avg, min, max, p95, p99,
    requests per second, error rate."""
    flat = [result["total_requests"], result["successful_requests"], result["failed_requests"]]
    values = [float(result[k]) for k in (
        "avg_response_time", "min_response_time", "max_response_time", "p95_response_time",
        "p99_response_time", "requests_per_second", "error_rate")]
    return (np.asarray(flat, dtype=np.int64), np.asarray([0, len(flat)], dtype=np.int64),
            np.asarray(values, dtype=np.float64))


# --- K22 ------------------------------------------------------------------------


class _MemoryInfo:
    def __init__(self, rss):
        self.rss = rss


class _Process:
    """The RSS of the current sample, as ``psutil.Process()`` would report."""

    def __init__(self):
        self.rss = 0

    def memory_info(self):
        return _MemoryInfo(self.rss)


class MemoryOptimizer:
    def __init__(self, process, clock) -> None:
        self.process = process
        self.clock = clock
        self.memory_stats: List[float] = []

    def get_memory_usage(self) -> Dict[str, Any]:
        memory_info = self.process.memory_info()
        return {"process_memory_mb": memory_info.rss / 1024 / 1024}

    def monitor_memory_leaks(self) -> List[Dict[str, Any]]:
        current_memory = self.get_memory_usage()
        self.memory_stats.append(current_memory["process_memory_mb"])
        if len(self.memory_stats) > 100:
            self.memory_stats = self.memory_stats[-100:]
        if len(self.memory_stats) >= 10:
            recent_trend = []
            for i in range(1, min(10, len(self.memory_stats))):
                recent_trend.append(self.memory_stats[-i] - self.memory_stats[-i - 1])
            avg_trend = sum(recent_trend) / len(recent_trend)
            return [{
                "memory_trend_mb_per_measurement": round(avg_trend, 2),
                "potential_leak": avg_trend > 1.0,
                "current_memory_mb": current_memory["process_memory_mb"],
                "measurements_count": len(self.memory_stats),
                "timestamp": self.clock.utcnow().isoformat(),
            }]
        return []


def memory_leak_trend_prepare(columns):
    """Per sample (RSS bytes, time µs)."""
    c = _columns(columns)
    return list(zip(c["rss"], c["time"]))


def memory_leak_trend(samples):
    clock = _Clock()
    process = _Process()
    optimizer = MemoryOptimizer(process, clock)
    reports = []
    for rss, micros in samples:
        process.rss = rss
        clock.micros = micros
        reports.append(optimizer.monitor_memory_leaks())
    return reports


def memory_leak_trend_output(reports, samples):
    """One list: a code per call (0 no report, 1 report, 2 report with
    potential_leak), then measurements_count per report; values: per
    report the rounded trend, then its current MB."""
    codes, counts, values = [], [], []
    for report in reports:
        if not report:
            codes.append(0)
            continue
        r = report[0]
        codes.append(2 if r["potential_leak"] else 1)
        counts.append(r["measurements_count"])
        values.extend([r["memory_trend_mb_per_measurement"], r["current_memory_mb"]])
    flat = codes + counts
    return (np.asarray(flat, dtype=np.int64), np.asarray([0, len(flat)], dtype=np.int64),
            np.asarray(values, dtype=np.float64))


# --- K17, K18, K21 ------------------------------------------------------------


class PerformanceMonitor:
    def __init__(self, registry) -> None:
        self.cache_stats = {"hits": 0, "misses": 0}
        self.cache_hit_rate = Gauge("analytics_cache_hit_rate", "Cache hit rate percentage",
                                    registry=registry)

    def _categorize_graph_size(self, graph_size: str) -> str:
        try:
            size_int = int(graph_size)
            if size_int < 100:
                return "small"
            elif size_int < 1000:
                return "medium"
            elif size_int < 10000:
                return "large"
            else:
                return "extra_large"
        except (ValueError, TypeError):
            return "unknown"

    def record_cache_hit(self) -> None:
        self.cache_stats["hits"] += 1
        self._update_cache_hit_rate()

    def record_cache_miss(self) -> None:
        self.cache_stats["misses"] += 1
        if self.cache_stats["hits"] + self.cache_stats["misses"] > 0:
            self._update_cache_hit_rate()

    def _update_cache_hit_rate(self) -> None:
        total = self.cache_stats["hits"] + self.cache_stats["misses"]
        if total > 0:
            hit_rate = self.cache_stats["hits"] / total
            self.cache_hit_rate.set(hit_rate)
            if hit_rate < 0.8:
                logger.warning(f"Cache hit rate low: {hit_rate:.2%}")
        else:
            self.cache_hit_rate.set(0)

    def _get_cache_hit_rate(self) -> float:
        total = self.cache_stats["hits"] + self.cache_stats["misses"]
        if total == 0:
            return 0.0
        return (self.cache_stats["hits"] / total) * 100


def pool_usage(active_connections, total_connections):
    """``optimize_connection_pool``'s ratio and recommendations."""
    usage_ratio = active_connections / max(total_connections, 1)
    recommendations = []
    if usage_ratio > 0.8:
        recommendations.append("Consider increasing max pool size")
    elif usage_ratio < 0.3:
        recommendations.append("Consider decreasing max pool size")
    return {"usage_ratio": round(usage_ratio, 2), "recommendations": recommendations}


def monitor_counters_prepare(columns):
    """Per sample (graph size as int or str, cache hit, pool active, pool
    total)."""
    c = _columns(columns)
    texts = c["graph_size_texts"]
    sizes = [v if form == 0 else (str(v) if form == 1 else texts[form - 2])
             for v, form in zip(c["graph_size"], c["graph_size_form"])]
    return list(zip(sizes, c["cache_hit"], c["pool_active"], c["pool_total"]))


def monitor_counters(samples):
    registry = CollectorRegistry()
    monitor = PerformanceMonitor(registry)
    categories, percents, pools = [], [], []
    for graph_size, hit, active, total in samples:
        categories.append(monitor._categorize_graph_size(graph_size))
        if hit:
            monitor.record_cache_hit()
        else:
            monitor.record_cache_miss()
        percents.append(monitor._get_cache_hit_rate())
        pools.append(pool_usage(active, total))
    gauge = registry.get_sample_value("analytics_cache_hit_rate")
    return categories, percents, pools, gauge


_CATEGORY_CODES = {"small": 0, "medium": 1, "large": 2, "extra_large": 3, "unknown": 4}
_ADVICE_CODES = {"Consider increasing max pool size": 1, "Consider decreasing max pool size": 2}


def monitor_counters_output(result, samples):
    """One list: the category code per sample, then the pool advice per
    sample (0 keep, 1 increase, 2 decrease); values: the hit-rate percent after each
    sample, the rounded pool ratio of each sample, then the gauge's final
    value (absent with no samples)."""
    categories, percents, pools, gauge = result
    cats = [_CATEGORY_CODES[c] for c in categories]
    advice = [_ADVICE_CODES[p["recommendations"][0]] if p["recommendations"] else 0
              for p in pools]
    values = percents + [p["usage_ratio"] for p in pools]
    if samples:
        values.append(gauge)
    return (np.asarray(cats + advice, dtype=np.int64),
            np.asarray([0, len(cats) + len(advice)], dtype=np.int64),
            np.asarray(values, dtype=np.float64))
