"""The forecasting family: ``TimeSeriesForecaster._detect_seasonality``
(catalog ml_monitoring K2.2) on generated hourly metric series, as training
hands it each metric column: daily and weekly cycles of varied strength,
trends, noise, gaps (NaN), constant stretches.

The original is the faithful baseline (python_baselines/
twinbench_baselines/forecasting.py), which runs under the monitoring
package's pins (``pins: PinSet::Monitoring`` in harness/src/pairs/
forecast.rs): numpy 1.26.3, pandas 2.2.0, scikit-learn 1.4.0, in
.venv-monitoring, where the twinbench wheel (abi3) must be installed too.
"""

import random
from typing import Iterator

import numpy as np
import pandas as pd
from twinbench_baselines import forecasting as original

from campaign.case import Case
from campaign.compare import comparer
from twinbench import forecasting as twin

FAMILY = "forecasting"
PINS = "monitoring"


def hourly_series(rng, gen, n):
    """One metric, one row per hour: level, trend, a daily and a weekly
    cycle of random strength, noise; sometimes NaN gaps, whole numbers or
    a constant series (whose autocorrelation is NaN)."""
    t = np.arange(n, dtype=np.float64)
    if rng.random() < 0.03:
        values = np.full(n, rng.uniform(0, 100))
    else:
        values = (
            rng.uniform(0, 1_000)
            + rng.uniform(-0.5, 0.5) * t
            + rng.choice([0.0, rng.uniform(0, 50)]) * np.sin(2 * np.pi * t / 24 + rng.uniform(0, 6.3))
            + rng.choice([0.0, rng.uniform(0, 50)]) * np.sin(2 * np.pi * t / 168 + rng.uniform(0, 6.3))
            + gen.normal(0, rng.uniform(0.1, 60), n)
        )
    if rng.random() < 0.15:
        values = np.rint(values)
    if n and rng.random() < 0.2:
        values[gen.choice(n, size=max(1, n // rng.randint(5, 100)), replace=False)] = np.nan
    index = pd.date_range("2026-01-01", periods=n, freq="h") if rng.random() < 0.5 else None
    return pd.Series(values, index=index, name=rng.choice(["cpu_usage", "memory_usage", "request_rate"]))


def cases(rng: random.Random, count: int) -> Iterator[Case]:
    """``count`` calls on series of 0 to ~1,000 hours (a sixth under a
    week, where the original answers without measuring)."""
    forecaster = original.TimeSeriesForecaster()
    compare = comparer("forecast_seasonality")
    for _ in range(count):
        gen = np.random.default_rng(rng.getrandbits(64))
        n = rng.choice([rng.randint(0, 167), 168, 335, 336, rng.randint(169, 335), rng.randint(337, 1_000)])
        yield Case("TimeSeriesForecaster._detect_seasonality", forecaster._detect_seasonality,
                   twin._detect_seasonality, compare, (hourly_series(rng, gen, n),), {})
