"""The C14 campaign's families (python/tools/campaign/families): each honours the
module contract the campaign runner reads, yields varied cheap cases, and
its twins agree with the originals on them; the shared comparison
(campaign/compare.py) tells a wrong answer from a right one."""

import importlib
import random
import time
import warnings
from enum import Enum

import numpy as np
import pandas as pd
import pytest
from campaign.case import Case
from campaign.compare import TOLERANCES, comparer, differences

FAMILIES = ["alerting", "detection", "error_handling", "forecasting", "optimizer", "performance_monitor"]
NAMES = {"analytics", "detection", "forecasting", "alerting", "error_handling", "monitoring", "optimizer"}


@pytest.fixture(params=FAMILIES)
def family(request):
    return importlib.import_module(f"campaign.families.{request.param}")


def test_the_module_contract(family):
    assert family.FAMILY in NAMES
    assert family.PINS in {"main", "monitoring"}
    cases = list(family.cases(random.Random(1), 50))
    assert len(cases) == 50
    assert all(isinstance(c, Case) and callable(c.original) and callable(c.twin) for c in cases)
    # Varied inputs: not one argument repeated.
    assert len({repr(c.args)[:2_000] for c in cases}) > 25


def test_the_cases_agree_and_are_cheap(family):
    started = time.perf_counter()
    count = 150
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for case in family.cases(random.Random(11), count):
            original = case.original(*case.args, **case.kwargs)
            found = case.compare(case.twin(*case.args, **case.kwargs), original)
            assert found is None, f"{case.function}: {found}"
    # Both sides together, well under the ~5 ms per original call asked.
    assert (time.perf_counter() - started) / count < 0.02


def test_the_same_seed_gives_the_same_cases(family):
    first = [repr(c.args)[:500] for c in family.cases(random.Random(3), 20)]
    assert first == [repr(c.args)[:500] for c in family.cases(random.Random(3), 20)]


def test_every_tolerance_names_a_pair():
    for pair, (rtol, atol) in TOLERANCES.items():
        assert rtol >= 0 and atol >= 0, pair
        assert callable(comparer(pair))


class Colour(Enum):
    RED = "red"


class Color(Enum):
    RED = "red"
    BLUE = "blue"


@pytest.mark.parametrize(
    "twin, original, tolerance",
    [
        (1.0 + 2e-9, 1.0, (1e-9, 0.0)),
        (np.float64(1.0), 1.0, (0.0, 0.0)),  # numpy float64 where the original has a float
        (True, np.True_, (0.0, 0.0)),
        (float("nan"), 1.0, (1.0, 1.0)),
        ({"a": 1, "b": 2}, {"b": 2, "a": 1}, (0.0, 0.0)),  # key order
        ([1, 2], [1, 2, 3], (0.0, 0.0)),
        ("Search flood detected: 3", "Search flood detected: 4", (0.0, 0.0)),
        (pd.Timestamp("2026-01-01"), pd.Timestamp("2026-01-01 00:05"), (0.0, 0.0)),
        (Color.BLUE, Colour.RED, (0.0, 0.0)),
        ([{"value": np.float64(2.0)}], [{"value": np.float64(2.0 + 1e-6)}], (1e-9, 1e-9)),
    ],
)
def test_the_comparison_finds_each_difference(twin, original, tolerance):
    assert differences(twin, original, *tolerance) is not None


@pytest.mark.parametrize(
    "twin, original, tolerance",
    [
        (1.0 + 5e-10, 1.0, (1e-9, 0.0)),
        (float("nan"), float("nan"), (0.0, 0.0)),
        (np.float64("nan"), np.float64("nan"), (0.0, 0.0)),
        (float("inf"), float("inf"), (0.0, 0.0)),
        (Color.RED, Colour.RED, (0.0, 0.0)),  # the twin's enum stands for the service's
        ([{"t": pd.Timestamp("2026-01-01"), "v": np.float64(3.0)}], [{"t": pd.Timestamp("2026-01-01"), "v": np.float64(3.0)}], (0.0, 0.0)),
    ],
)
def test_the_comparison_accepts_agreement(twin, original, tolerance):
    assert differences(twin, original, *tolerance) is None
