"""The forecasting twin (twinbench.forecasting._detect_seasonality) against
the faithful baseline (python_baselines/twinbench_baselines/forecasting.py),
under the harness's tolerance for the pair: forecast.rs SEASONALITY,
PEARSON_ROUNDING (rtol 0, atol 1e-10).

The harness runs this baseline under the monitoring pins (.venv-monitoring:
numpy 1.26.3, pandas 2.2.0); these tests run it in .venv (numpy 2.2.6,
pandas 2.2.3), where Series.autocorr differs by an ulp or so, well inside
the tolerance. The campaign family runs it under the pins."""

import random

import numpy as np
import pandas as pd
import pytest
from campaign.compare import comparer
from campaign.families.forecasting import hourly_series
from twinbench_baselines import forecasting as baseline

import twinbench
from twinbench.forecasting import _detect_seasonality

ORIGINAL = baseline.TimeSeriesForecaster()._detect_seasonality
SAME = comparer("forecast_seasonality")


def check(series):
    expected = ORIGINAL(series)
    found = SAME(_detect_seasonality(series), expected)
    assert found is None, found
    return expected


@pytest.mark.parametrize("seed", range(15))
def test_generated_series_match_the_original(seed):
    rng = random.Random(seed)
    gen = np.random.default_rng(seed)
    verdicts = [check(hourly_series(rng, gen, n))["seasonal"] for n in (100, 168, 200, 335, 336, 700, 2_000)]
    assert len(verdicts) == 7


def test_both_branches_and_both_periods_occur():
    t = np.arange(1_000.0)
    noise = np.random.default_rng(2).normal(0, 1, 1_000)
    # A daily cycle correlates at a week's lag too: under two weeks the
    # weekly lag is not measured, so the period is the day's.
    daily = check(pd.Series(10 * np.sin(2 * np.pi * t[:300] / 24) + noise[:300]))
    weekly = check(pd.Series(10 * np.sin(2 * np.pi * t / 168) + noise))
    flat = check(pd.Series(noise))
    assert (daily["seasonal"], daily["period"]) == (True, 24)
    assert (weekly["seasonal"], weekly["period"]) == (True, 168)
    assert flat["seasonal"] is False and type(flat["strength"]) is np.float64


def test_the_weekly_lag_before_two_weeks_is_the_python_zero():
    t = np.arange(300.0)
    expected = check(pd.Series(np.sin(2 * np.pi * t / 24)))
    assert expected["weekly_autocorr"] == 0.0 and type(expected["weekly_autocorr"]) is float


@pytest.mark.parametrize(
    "values",
    [
        [],
        [1.0] * 50,
        [3.0] * 400,  # constant: autocorr NaN, strength NaN
        [np.nan] * 400,  # no pair at either lag: pandas' Python-float NaN
        list(np.r_[np.arange(180.0), np.full(220, np.nan)]),  # pairs at lag 24, none at 168
        list(np.r_[np.sin(np.arange(340.0) * np.pi / 12), np.full(60, np.nan)]),  # seasonal, weekly from few pairs
        list(np.r_[np.full(200, np.nan), np.arange(200.0)]),
        list(range(400)),  # ints
        [True, False] * 200,
    ],
)
def test_edge_series_match_the_original(values):
    check(pd.Series(values))


def test_text_takes_the_originals_fallback():
    series = pd.Series(["busy"] * 400)
    assert _detect_seasonality(series) == ORIGINAL(series) == {"seasonal": False, "period": None, "strength": 0.0}


def test_bad_arrays_are_input_errors():
    with pytest.raises(twinbench.InputError, match="contiguous"):
        twinbench._twinbench.detect_seasonality(np.ones(400)[::2])
