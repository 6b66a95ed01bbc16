"""How a twin's answer is compared with the original's: one place, used by
the campaign's families and by the package's tests (python/tests).

The rule is the harness's (harness/src/compare/mod.rs): a float agrees when
``|twin - original| <= atol + rtol * |original|``, NaN agrees only with NaN,
and everything else must be equal. On top of the harness, which compares
numbers extracted from both sides, a drop-in replacement must return the
same *types*: a numpy float64 where the original returns one, a Python
float where it returns one, the same dict keys in the same order.
"""

from enum import Enum
from functools import partial
import math

import numpy as np

#: (rtol, atol) per harness pair, copied from the pair's registry row
#: (harness/src/pairs/*.rs; ``super::EXACT`` is (0, 0)).
TOLERANCES = {
    "spike_detector": (1e-9, 1e-9),  # detect.rs SPIKE_DETECTOR
    "search_flood": (0.0, 0.0),  # detect.rs SEARCH_FLOOD: EXACT
    "memory_growth": (0.0, 0.0),  # detect.rs MEMORY_GROWTH: EXACT
    "two_sigma": (0.0, 0.0),  # detect.rs TWO_SIGMA: EXACT
    "error_classification": (0.0, 0.0),  # errors.rs ERROR_CLASSIFICATION: EXACT
    "error_normalization": (0.0, 0.0),  # errors.rs ERROR_NORMALIZATION: EXACT
    "forecast_seasonality": (0.0, 1e-10),  # forecast.rs SEASONALITY: PEARSON_ROUNDING
    "monitor_counters": (0.0, 0.0),  # monitoring.rs MONITOR_COUNTERS: EXACT
    "optimizer_summary": (0.0, 0.0),  # optimizer.rs SUMMARY: EXACT
}


def _float_differs(twin, original, rtol, atol):
    if math.isnan(original) or math.isnan(twin):
        return not (math.isnan(original) and math.isnan(twin))
    if math.isinf(original) or math.isinf(twin):
        return twin != original
    return abs(twin - original) > atol + rtol * abs(original)


def differences(twin, original, rtol=0.0, atol=0.0, path="result"):
    """The first difference between ``twin`` and ``original`` as one line,
    or None when they agree: the same type at every level (an ``Enum``
    member agrees with any member of the same name and value, so the twin's
    enum can stand for the service's), dicts with the same keys in the same
    order, sequences of the same length, floats within the tolerance,
    everything else equal."""
    if isinstance(original, Enum) or isinstance(twin, Enum):
        same = (
            isinstance(original, Enum)
            and isinstance(twin, Enum)
            and (twin.name, twin.value) == (original.name, original.value)
        )
        return None if same else f"{path}: twin {twin!r}, original {original!r}"
    if type(twin) is not type(original):
        return f"{path}: twin is {type(twin).__name__} {twin!r}, original {type(original).__name__} {original!r}"
    if isinstance(original, dict):
        if list(twin) != list(original):
            return f"{path}: twin keys {list(twin)}, original keys {list(original)}"
        for key in original:
            found = differences(twin[key], original[key], rtol, atol, f"{path}[{key!r}]")
            if found:
                return found
        return None
    if isinstance(original, (list, tuple)):
        if len(twin) != len(original):
            return f"{path}: twin has {len(twin)} items, original {len(original)}"
        for i, (t, o) in enumerate(zip(twin, original)):
            found = differences(t, o, rtol, atol, f"{path}[{i}]")
            if found:
                return found
        return None
    if isinstance(original, (float, np.floating)):
        if _float_differs(float(twin), float(original), rtol, atol):
            return f"{path}: twin {twin!r}, original {original!r} (rtol {rtol}, atol {atol})"
        return None
    if twin != original:
        return f"{path}: twin {twin!r}, original {original!r}"
    return None


def comparer(pair):
    """``compare(twin_result, original_result)`` under the tolerance the
    harness registers for ``pair`` (a key of ``TOLERANCES``)."""
    rtol, atol = TOLERANCES[pair]
    return partial(differences, rtol=rtol, atol=atol)
