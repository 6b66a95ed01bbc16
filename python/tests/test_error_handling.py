"""The error-handling twins (twinbench.error_handling) against the faithful
baselines (python_baselines/twinbench_baselines/error_handler.py), under
the harness's tolerances: errors.rs ERROR_CLASSIFICATION and
ERROR_NORMALIZATION, both EXACT."""

import random
from enum import Enum

import pytest
from campaign.compare import comparer
from campaign.families.error_handling import _CLASS_NAMES, _PATTERNS, exception, message
from twinbench_baselines import error_handler as baseline

from twinbench.error_handling import ErrorAggregator, ErrorClassifier, ErrorType, _normalize_error_message

NORMALIZER = baseline.ErrorAggregator()
SAME_TYPE = comparer("error_classification")


@pytest.mark.parametrize("seed", range(10))
def test_generated_errors_classify_as_the_original(seed):
    rng = random.Random(seed)
    seen = set()
    for _ in range(500):
        error = exception(rng)
        expected = baseline.ErrorClassifier.classify_error(error)
        got = ErrorClassifier.classify_error(error)
        assert SAME_TYPE(got, expected) is None, (type(error).__name__, str(error), got, expected)
        assert type(got) is ErrorType
        seen.add(expected.value)
    assert len(seen) >= 5


@pytest.mark.parametrize("seed", range(10))
def test_generated_messages_normalise_as_the_original(seed):
    rng = random.Random(seed)
    for _ in range(500):
        text = message(rng)
        assert _normalize_error_message(text) == NORMALIZER._normalize_error_message(text), text


def test_every_pattern_and_class_name():
    for name in _CLASS_NAMES + [p.upper() for p in _PATTERNS] + ["Exception", "", "X" * 500]:
        error = type(name or "E", (Exception,), {})("")
        assert SAME_TYPE(ErrorClassifier.classify_error(error), baseline.ErrorClassifier.classify_error(error)) is None
        for text in (name, f"upstream said: {name.lower()}!", name.swapcase()):
            error = RuntimeError(text)
            expected = baseline.ErrorClassifier.classify_error(error)
            assert SAME_TYPE(ErrorClassifier.classify_error(error), expected) is None, text


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "Node 123e4567-e89b-12d3-a456-426614174000 not found",
        "Node 123E4567-E89B-12D3-A456-426614174000 not found",  # upper case: no UUID
        "retry 3 of 10 after 2.5s at /var/log/app.log:42",
        "x1 1x 1_000 _1 ١٢٣ ² 12",
        "İSTANBUL ΣΊΣΥΦΟΣ Straße",
        "a/b/c d /e",
        "\u3000 padded \x1c",
    ],
)
def test_edge_messages_normalise_as_the_original(text):
    assert _normalize_error_message(text) == NORMALIZER._normalize_error_message(text)
    assert ErrorAggregator()._normalize_error_message(text) == NORMALIZER._normalize_error_message(text)


def test_a_message_that_is_not_text_is_a_type_error_like_the_original():
    for bad in (None, 42, b"bytes"):
        with pytest.raises(TypeError):
            NORMALIZER._normalize_error_message(bad)
        with pytest.raises(TypeError):
            _normalize_error_message(bad)


def test_the_service_can_receive_its_own_enum():
    class ServiceErrorType(Enum):
        TRANSIENT = "transient"
        PERMANENT = "permanent"
        RATE_LIMIT = "rate_limit"
        AUTHENTICATION = "authentication"
        DATA_VALIDATION = "data_validation"
        UNKNOWN = "unknown"

    class ServiceClassifier(ErrorClassifier):
        error_types = ServiceErrorType

    assert ServiceClassifier.classify_error(TimeoutError("slow")) is ServiceErrorType.TRANSIENT
    assert ErrorClassifier.classify_error(TimeoutError("slow")) is ErrorType.TRANSIENT
    assert [m.value for m in ErrorType] == [m.value for m in baseline.ErrorType]


def test_the_comparison_tells_members_apart():
    assert SAME_TYPE(ErrorType.UNKNOWN, baseline.ErrorType.UNKNOWN) is None
    assert SAME_TYPE(ErrorType.TRANSIENT, baseline.ErrorType.UNKNOWN) is not None


def test_a_lone_surrogate_is_outside_the_domain():
    """The original normalises it; the twin refuses it loudly (documented
    in twinbench.error_handling), never answering differently."""
    assert NORMALIZER._normalize_error_message("bad \udc80 1") == "bad \udc80 <number>"
    with pytest.raises(UnicodeEncodeError):
        _normalize_error_message("bad \udc80 1")
