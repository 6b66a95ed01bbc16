"""The error-handling twins under the original's names and return types,
so the service can call them in place of the originals.

* ``ErrorClassifier.classify_error(error)`` (K10.1, a classmethod of a
  class with no state but its pattern table): the same class and method,
  returning a member of ``ErrorClassifier.error_types``, an ``ErrorType``
  enum with the circuit breaker's members, names and values in its
  declaration order. The service points it at its own enum
  (``ErrorClassifier.error_types = enhanced_circuit_breaker.ErrorType``, or
  a subclass setting it) to get its own members back.
* ``ErrorAggregator._normalize_error_message(message)`` (K10.2): a method
  that reads none of the aggregator's state; here ``_normalize_error_message``
  is a function of the message alone (and ``ErrorAggregator`` a stateless
  class holding it, so ``ErrorAggregator()._normalize_error_message(m)``
  reads as the original's call).

The exception's class name and ``str(error)`` are computed here, in Python,
as the original does (an exception's ``__str__`` may be its own code).

Outside the twins' domain: text holding a lone surrogate (e.g. a path
decoded with ``surrogateescape`` in an OSError's message) cannot cross into
Rust as UTF-8; both functions raise UnicodeEncodeError on it where the
original answers.
"""

from enum import Enum

from . import _twinbench as _tb

__all__ = ["ErrorAggregator", "ErrorClassifier", "ErrorType", "_normalize_error_message"]


class ErrorType(Enum):
    """The circuit breaker's ``ErrorType`` (enhanced_circuit_breaker.py),
    members in its declaration order."""

    TRANSIENT = "transient"
    PERMANENT = "permanent"
    RATE_LIMIT = "rate_limit"
    AUTHENTICATION = "authentication"
    DATA_VALIDATION = "data_validation"
    UNKNOWN = "unknown"


class ErrorClassifier:
    """K10.1: the first pattern (type-major) found in the exception's class
    name or message, both lower-cased; ``UNKNOWN`` when none is."""

    #: The enum whose members ``classify_error`` returns, looked up by
    #: value: any enum with the six values above.
    error_types = ErrorType

    @classmethod
    def classify_error(cls, error):
        return cls.error_types(_tb.classify_error(type(error).__name__, str(error)))


def _normalize_error_message(message):
    """K10.2: UUIDs (lower-case hex, 8-4-4-4-12), then whole numbers
    (``\\b\\d+\\b``, Unicode digits), then paths (``/`` to the next
    whitespace) replaced by ``<UUID>``, ``<NUMBER>``, ``<PATH>``, in that
    order, then ``message.lower().strip()``. ``message`` must be a ``str``
    (TypeError otherwise, as ``re.sub`` raises)."""
    return _tb.normalize_error_message(message)


class ErrorAggregator:
    """Only the aggregator's stateless normaliser: the window, the patterns
    and the analytics stay the service's."""

    def _normalize_error_message(self, message):
        return _tb.normalize_error_message(message)
