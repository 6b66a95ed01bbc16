"""The rollout controller and its Prometheus metrics from Python
(twinbench.Migration, twinbench.MigrationMetrics), and the shadow runner
routed by the controller and reporting to it.

The periods here are tens of milliseconds of wall time, so the loops run
until the decision they wait for (bounded in calls and seconds); nothing
asserts how long anything took."""

import os
import re
import shutil
import subprocess
import time
import urllib.error
import urllib.request

import pytest

from twinbench import InputError, Migration, MigrationMetrics
from twinbench.shadow import Shadow

SEED_METRICS = (
    "component_migration_success_total",
    "component_migration_failure_total",
    "component_migration_duration_seconds",
    "component_migration_rollback_total",
    "component_performance_degradation_percent",
)


def value(text, metric, component, extra=""):
    """The sample `metric{component="..."<extra>}` of an exposition text."""
    pattern = rf'^{re.escape(metric)}{{component="{re.escape(component)}"{re.escape(extra)}}} (\S+)$'
    found = re.search(pattern, text, re.MULTILINE)
    return None if found is None else float(found.group(1))


def slow_double(x):
    time.sleep(0.0005)
    return 2 * x


def fast_double(x):
    return 2 * x


def drive(shadowed, migration, until, *, max_calls=20_000, max_seconds=20.0):
    """Calls `shadowed` (and the controller's timer) until `until()` holds;
    returns the calls made. Bounded in calls and in seconds."""
    deadline = time.monotonic() + max_seconds
    calls = 0
    while not until() and calls < max_calls and time.monotonic() < deadline:
        shadowed(calls)
        calls += 1
        if calls % 20 == 0:
            migration.tick()
    return calls


def test_routing_follows_the_controllers_percentage():
    metrics = MigrationMetrics()
    for percent in (0, 5, 50, 100):
        m = Migration(f"ENABLE_P{percent}", metrics, initial_percent=percent)
        assert m.percent == percent
        routed = sum(m.route(key) for key in range(10_000))
        if percent in (0, 100):
            assert routed == 100 * percent
        else:
            # One bucket in 100 per percent; a fixed hash of 10,000 keys.
            assert 0.5 * 100 * percent < routed < 1.5 * 100 * percent, (percent, routed)
        assert all(m.route(key) == m.route(key) for key in range(100)), "a key keeps its side"


@pytest.mark.parametrize(
    "kwargs, named",
    [
        ({"period_s": 0.0}, "period_s"),
        ({"period_s": float("nan")}, "period_s"),
        ({"min_performance": 0.0}, "min_performance"),
        ({"max_error_rate": -1.0}, "max_error_rate"),
        ({"step_percent": 0}, "step"),
        ({"initial_percent": 101}, "initial percentage"),
    ],
)
def test_a_bad_policy_is_refused_naming_the_field(kwargs, named):
    with pytest.raises(InputError, match=named):
        Migration("ENABLE_X", MigrationMetrics(), **kwargs)


def test_a_report_names_its_side():
    m = Migration("ENABLE_X", MigrationMetrics())
    with pytest.raises(InputError, match='"twin" or "original"'):
        m.report("both", 10)
    with pytest.raises(InputError, match="error=True is for the twin"):
        m.report("original", 10, error=True)
    with pytest.raises(ValueError, match="not both"):
        Shadow(slow_double, fast_double, twin_fraction=0.5, migration=m)


def test_a_healthy_twin_is_promoted_and_every_call_counted_in_the_metrics():
    metrics = MigrationMetrics()
    m = Migration("ENABLE_CONDON_ANALYTICS", metrics, initial_percent=50, period_s=0.05, min_calls=10)
    shadowed = Shadow(slow_double, fast_double, shadow_fraction=1.0, migration=m, seed=3)
    drive(shadowed, m, lambda: m.percent > 50)
    decisions = m.decisions()
    assert m.percent == 60, decisions
    assert [d["action"] for d in decisions if d["action"] != "held"] == ["promoted"], decisions
    promoted = next(d for d in decisions if d["action"] == "promoted")
    assert (promoted["percent_from"], promoted["percent_to"]) == (50, 60)
    assert promoted["twin_errors"] == 0 and promoted["twin_calls"] >= 10

    s = shadowed.stats
    assert s.mismatches == s.failures == 0
    assert 0 < s.twin_answered < s.calls, "the controller split the calls"
    text = metrics.text()
    component = "ENABLE_CONDON_ANALYTICS"
    assert value(text, "component_migration_success_total", component) == s.twin_runs
    assert value(text, "component_migration_failure_total", component) == 0
    assert value(text, "component_migration_duration_seconds_count", component, ',side="twin"') == s.twin_runs
    assert value(text, "component_migration_duration_seconds_count", component, ',side="original"') == s.original_runs
    assert value(text, "component_migration_rollout_percent", component) == 60
    degradation = value(text, "component_performance_degradation_percent", component)
    assert degradation is not None and degradation < 0, "the twin was faster than a sleeping original"


def test_a_wrong_twin_is_rolled_back_and_its_failures_counted():
    metrics = MigrationMetrics()
    m = Migration("ENABLE_CONDON_AI_DETECTION", metrics, initial_percent=50, period_s=0.05, min_calls=10)

    def wrong(x):
        return 2 * x + 1

    shadowed = Shadow(fast_double, wrong, shadow_fraction=1.0, migration=m, seed=4)
    drive(shadowed, m, lambda: any(d["action"] == "rolled_back" for d in m.decisions()))
    rollbacks = [d for d in m.decisions() if d["action"] == "rolled_back"]
    assert len(rollbacks) == 1 and rollbacks[0]["breach"] == "error_rate", m.decisions()
    assert m.percent == 0
    # Rolled back, the twin answers nothing more; shadowing goes on.
    before = shadowed.stats.twin_answered
    for x in range(50):
        assert shadowed(x) == 2 * x
    s = shadowed.stats
    assert s.twin_answered == before
    assert s.mismatches == s.twin_runs, "every twin run disagreed"
    text = metrics.text()
    component = "ENABLE_CONDON_AI_DETECTION"
    assert value(text, "component_migration_failure_total", component) == s.twin_runs
    assert value(text, "component_migration_success_total", component) == 0
    assert value(text, "component_migration_rollback_total", component) == 1
    assert value(text, "component_migration_rollout_percent", component) == 0


def test_a_declined_call_reports_only_the_original():
    metrics = MigrationMetrics()
    m = Migration("ENABLE_DECLINED", metrics, initial_percent=100)

    def declines(x):
        raise NotImplementedError("not this call")

    shadowed = Shadow(fast_double, declines, migration=m, seed=5)
    for x in range(30):
        assert shadowed(x) == 2 * x
    assert shadowed.stats.declined == 30
    text = metrics.text()
    assert value(text, "component_migration_duration_seconds_count", "ENABLE_DECLINED", ',side="original"') == 30
    assert value(text, "component_migration_success_total", "ENABLE_DECLINED") in (None, 0)
    assert value(text, "component_migration_failure_total", "ENABLE_DECLINED") in (None, 0)


def test_the_endpoint_serves_the_seeds_metrics_on_loopback_and_promtool_accepts_them():
    metrics = MigrationMetrics()
    m = Migration("ENABLE_CONDON_MONITORING", metrics, initial_percent=50, period_s=0.05, min_calls=10)
    shadowed = Shadow(slow_double, fast_double, shadow_fraction=1.0, migration=m, seed=6)
    drive(shadowed, m, lambda: m.percent > 50)
    port = metrics.serve(0)
    try:
        with pytest.raises(InputError, match="already serving"):
            metrics.serve(0)
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10) as response:
            assert response.status == 200
            assert response.headers["Content-Type"].startswith("text/plain; version=0.0.4")
            body = response.read().decode()
    finally:
        metrics.stop()
    for name in SEED_METRICS:
        assert f"# TYPE {name} " in body, f"{name} missing:\n{body}"
    assert value(body, "component_migration_rollout_percent", "ENABLE_CONDON_MONITORING") == 60
    with pytest.raises(urllib.error.URLError):
        urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=2)

    promtool = shutil.which("promtool")
    if promtool is None:
        assert not os.environ.get("TWINBENCH_REQUIRE_PROMTOOL"), (
            "TWINBENCH_REQUIRE_PROMTOOL is set but promtool is not on PATH (Debian package prometheus)"
        )
        pytest.skip("!! promtool check metrics NOT RUN: promtool not found (install the Debian package prometheus)")
    checked = subprocess.run(
        [promtool, "check", "metrics"], input=body, capture_output=True, text=True, timeout=60, check=False
    )
    assert checked.returncode == 0, f"promtool refused the exposition text:\n{checked.stdout}{checked.stderr}\n---\n{body}"
