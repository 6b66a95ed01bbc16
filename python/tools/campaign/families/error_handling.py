"""The error-handling family: ``ErrorClassifier.classify_error`` (K10.1) and
``ErrorAggregator._normalize_error_message`` (K10.2) on generated
exceptions and messages like the service's: the classifier's own pattern
names in the class name or the text in any case, request ids (UUIDs),
numbers, paths, URLs, non-ASCII text.

The originals are the faithful baselines (python_baselines/
twinbench_baselines/error_handler.py), on the server's pins.
"""

import random
import uuid
from typing import Iterator

from twinbench_baselines import error_handler as original

from campaign.case import Case
from campaign.compare import comparer
from twinbench import error_handling as twin

FAMILY = "error_handling"
PINS = "main"

_PATTERNS = [p for patterns in original.ErrorClassifier.ERROR_PATTERNS.values() for p in patterns]
_CLASS_NAMES = _PATTERNS + [
    "ValueError", "KeyError", "RuntimeError", "OSError", "TimeoutError", "ConnectionResetError",
    "HTTPError", "Neo4jError", "KuzuQueryError", "GraphMemoryError", "ClientConnectorError",
]
_WORDS = [
    "failed", "to", "connect", "query", "node", "edge", "timeout", "after", "retry", "the", "graph",
    "rate", "limit", "exceeded", "invalid", "token", "for", "user", "Ünïcödé", "naïve", "ΣΊΣΥΦΟΣ",
    "İstanbul", "straße", "数据", "错误", "x_1", "v2", "abc123", "123abc", "12_000", "3.14", "-7",
    "0x1F", "١٢٣", "²", "DEADBEEF", "e.g.", "(HTTP", "503)", "\t", " ",
]


def message(rng):
    """A message of a few words, with the pieces the normaliser rewrites."""
    parts = [rng.choice(_WORDS) for _ in range(rng.randint(0, 12))]
    for _ in range(rng.randint(0, 3)):
        piece = rng.choice([
            lambda: str(uuid.UUID(int=rng.getrandbits(128))),
            lambda: str(uuid.UUID(int=rng.getrandbits(128))).upper(),
            lambda: str(rng.randint(0, 10**rng.randint(1, 12))),
            lambda: f"/api/v1/graphs/{rng.randint(1, 999)}/nodes?limit={rng.randint(1, 99)}",
            lambda: f"http://10.0.{rng.randint(0, 255)}.{rng.randint(0, 255)}:{rng.randint(1, 65535)}/health",
            lambda: rng.choice(_PATTERNS).swapcase() if rng.random() < 0.3 else rng.choice(_PATTERNS).lower(),
            lambda: f"request_id={uuid.UUID(int=rng.getrandbits(128))}",
        ])
        parts.insert(rng.randint(0, len(parts)), piece())
    text = " ".join(parts)
    if rng.random() < 0.2:
        text = rng.choice(["  ", "\n", "\u3000", "\x1c"]) + text + rng.choice(["  ", "\n", "\u2028", ""])
    return text


def exception(rng):
    """An exception of a builtin or service class (one class per name)."""
    return original._exception_class(rng.choice(_CLASS_NAMES))(message(rng))


_aggregator = original.ErrorAggregator()
_twin_aggregator = twin.ErrorAggregator()


def cases(rng: random.Random, count: int) -> Iterator[Case]:
    """``count`` calls, alternating classification and normalisation."""
    classify = comparer("error_classification")
    normalize = comparer("error_normalization")
    for i in range(count):
        if i % 2 == 0:
            yield Case("ErrorClassifier.classify_error", original.ErrorClassifier.classify_error,
                       twin.ErrorClassifier.classify_error, classify, (exception(rng),), {})
        else:
            yield Case("ErrorAggregator._normalize_error_message", _aggregator._normalize_error_message,
                       _twin_aggregator._normalize_error_message, normalize, (message(rng),), {})
