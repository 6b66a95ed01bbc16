"""The dashboard's error-processing path (catalog error_handling.md K10.1-K10.9:
``server/dashboard/error_handler.py`` and the ``ErrorClassifier`` of
``server/dashboard/enhanced_circuit_breaker.py`` at 9455c19), rewritten from
the catalog and the source with the same library calls and semantics.

Import mode: **package mode** (catalog section 0). The original, imported as
``server.dashboard.error_handler`` with pydantic installed, replaces its
local fallbacks with the circuit breaker's ``ErrorType`` (declaration order
TRANSIENT, PERMANENT, RATE_LIMIT, AUTHENTICATION, DATA_VALIDATION, UNKNOWN),
``models/error_models.py``'s ``str``-mixin ``ErrorSeverity`` and its
``generate_error_id`` (``"ERR_"`` + 8 upper-case hex digits of a uuid4).
Those definitions are reproduced here, so this module behaves as the
package-mode original; ``IMPORT_MODE`` records it.

Kept as written, slow by accident (the fixed alternative,
``error_processing_fixed``, removes these): ``import re`` inside the
normaliser and ``re.sub`` with string patterns (a compile-cache lookup per
call); the message normalised twice for a new pattern and ``str(error)``
evaluated up to three times; the classifier lower-casing the pattern and the
class name inside its loop; the lazy classifier import in ``handle_error``
(here a relative import of this module, which holds the classifier, where
the original imports its sibling ``enhanced_circuit_breaker``: the same
import-machinery lookup of an already loaded module).

What differs from the original, and why:

* **The clock is injected.** ``datetime.now()`` and ``time.time()`` read a
  clock the pair sets to each error's timestamp (the module-level names
  ``datetime`` and ``time`` are a ``datetime`` subclass and a namespace
  whose ``now()``/``time()`` return it), so first/last seen, the records'
  timestamps and the analytics' window are reproducible.
  ``execution_time_ms`` is therefore 0 and is not compared.
* **The retry's sleeps are virtual.** ``asyncio.sleep`` is replaced, for the
  duration of a pair call, by a coroutine that records the delay, and the
  global ``random`` is seeded once per call (``RETRY_SEED``): the retry
  (K10.8) is the original's placeholder, so its answer is the attempt count,
  the recorded delays and the draws.
* **Error ids** are uuid4-based as in the original and not compared (their
  format is checked by a test); the JSON event pair (K10.9) injects
  ``ERR_%08X`` of the event's position instead.
* **Fallbacks and recovery handlers** are a fixed table
  (``_register_fixed_table``) chosen so every branch runs: a cached value, a
  falsy cached value, a cached ``None``; sync and async default fallbacks
  returning a value, ``None``, or raising; recovery handlers sync and async,
  returning ``True``/``False``/an int/``None`` or raising, and one action
  with no handler.
* No network, no printing (the ``print`` of the guard is unreachable with
  this table: every registered callable's exception is caught before it).
"""

import asyncio
import builtins
import json
import random
import re
import time as _real_time
import uuid
from collections import defaultdict, deque
from dataclasses import dataclass, field
from datetime import datetime as _real_datetime, timedelta
from enum import Enum
from typing import Any, Callable, Deque, Dict, List, Optional

import numpy as np

IMPORT_MODE = "package"
RETRY_SEED = 20261204
# error_analytics reads the aggregator this long after the last error.
ANALYTICS_LAG = timedelta(seconds=20)
# error_processing_latencies handles this many errors untimed first.
LATENCY_HISTORY = 3000
_EPOCH = _real_datetime(1970, 1, 1)
_MICRO = timedelta(microseconds=1)


class _Clock:
    """The injected instant ``datetime.now()`` and ``time.time()`` return."""

    current = _EPOCH


class datetime(_real_datetime):  # noqa: N801 - shadows the name the original calls
    """``datetime`` whose ``now()`` is the injected clock."""

    @classmethod
    def now(cls, tz=None):
        return _Clock.current


class _Time:
    """``time`` whose ``time()`` is the injected clock, in seconds."""

    @staticmethod
    def time():
        return (_Clock.current - _EPOCH) / timedelta(seconds=1)


time = _Time()


# ---- package-mode definitions (enhanced_circuit_breaker, models.error_models)


class ErrorType(Enum):
    TRANSIENT = "transient"
    PERMANENT = "permanent"
    RATE_LIMIT = "rate_limit"
    AUTHENTICATION = "authentication"
    DATA_VALIDATION = "data_validation"
    UNKNOWN = "unknown"


class ErrorSeverity(str, Enum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"


def generate_error_id() -> str:
    return f"ERR_{uuid.uuid4().hex[:8].upper()}"


class ErrorClassifier:
    """K10.1: the first pattern (type-major) in the class name or message."""

    ERROR_PATTERNS = {
        ErrorType.TRANSIENT: ["ConnectionError", "TimeoutError", "TemporaryFailure",
                              "NetworkError", "ServiceUnavailable", "RequestTimeout"],
        ErrorType.RATE_LIMIT: ["RateLimitError", "TooManyRequests", "QuotaExceeded"],
        ErrorType.AUTHENTICATION: ["AuthenticationError", "PermissionError", "Unauthorized",
                                   "Forbidden"],
        ErrorType.DATA_VALIDATION: ["ValidationError", "DataError", "FormatError", "ParseError"],
        ErrorType.PERMANENT: ["NotImplementedError", "ConfigurationError", "ImportError"],
    }

    @classmethod
    def classify_error(cls, error: Exception) -> ErrorType:
        name = type(error).__name__
        message = str(error).lower()
        for error_type, patterns in cls.ERROR_PATTERNS.items():
            for pattern in patterns:
                # As written: both lower-cased again for every pattern.
                if pattern.lower() in name.lower() or pattern.lower() in message:
                    return error_type
        return ErrorType.UNKNOWN


# ---- error_handler.py


class ErrorHandlingStrategy(Enum):
    IMMEDIATE_FAIL = "immediate_fail"
    RETRY_WITH_BACKOFF = "retry_with_backoff"
    FALLBACK_TO_CACHE = "fallback_to_cache"
    FALLBACK_TO_DEFAULT = "fallback_to_default"
    CIRCUIT_BREAKER = "circuit_breaker"
    GRACEFUL_DEGRADATION = "graceful_degradation"


class RecoveryAction(Enum):
    NONE = "none"
    RESTART_SERVICE = "restart_service"
    CLEAR_CACHE = "clear_cache"
    RESET_CONNECTION = "reset_connection"
    SWITCH_ENDPOINT = "switch_endpoint"
    REDUCE_LOAD = "reduce_load"
    ALERT_ADMIN = "alert_admin"


class SSEEventType(Enum):
    ERROR = "error"


@dataclass
class ErrorPattern:
    error_type: ErrorType
    error_message_pattern: str
    component: str
    severity: ErrorSeverity
    count: int = 0
    first_seen: _real_datetime = field(default_factory=datetime.now)
    last_seen: _real_datetime = field(default_factory=datetime.now)
    handling_strategy: ErrorHandlingStrategy = ErrorHandlingStrategy.RETRY_WITH_BACKOFF
    recovery_action: RecoveryAction = RecoveryAction.NONE


@dataclass
class ErrorContext:
    component: str
    operation: str
    timestamp: _real_datetime
    request_id: str
    user_id: Optional[str] = None
    additional_data: Dict[str, Any] = field(default_factory=dict)


@dataclass
class ErrorHandlingResult:
    success: bool
    recovery_attempted: bool
    fallback_used: bool
    error_id: str
    handling_strategy: ErrorHandlingStrategy
    recovery_action: RecoveryAction
    execution_time_ms: float
    retry_count: int = 0


@dataclass
class ErrorAnalytics:
    total_errors: int = 0
    errors_by_type: Dict[ErrorType, int] = field(default_factory=dict)
    errors_by_component: Dict[str, int] = field(default_factory=dict)
    errors_by_severity: Dict[ErrorSeverity, int] = field(default_factory=dict)
    error_rate_per_minute: float = 0.0
    top_error_patterns: List[ErrorPattern] = field(default_factory=list)
    recovery_success_rate: float = 0.0
    avg_recovery_time_ms: float = 0.0


class ErrorAggregator:
    """K10.3-K10.6."""

    def __init__(self, window_size: int = 1000) -> None:
        self.window_size = window_size
        self.error_patterns: Dict[str, ErrorPattern] = {}
        self.recent_errors: Deque[Dict[str, Any]] = deque(maxlen=window_size)
        self.error_history: Deque[Dict[str, Any]] = deque(maxlen=10000)

    def add_error(self, error: Exception, context: ErrorContext, error_type: ErrorType) -> None:
        pattern_key = self._create_pattern_key(error, context, error_type)
        now = datetime.now()
        if pattern_key in self.error_patterns:
            pattern = self.error_patterns[pattern_key]
            pattern.count += 1
            pattern.last_seen = now
        else:
            # As written: normalised a second time, strategy/action left at
            # the dataclass defaults.
            self.error_patterns[pattern_key] = ErrorPattern(
                error_type=error_type,
                error_message_pattern=self._normalize_error_message(str(error)),
                component=context.component,
                severity=self._determine_severity(error, error_type),
                count=1,
                first_seen=now,
                last_seen=now,
            )
        record = {"error": error, "context": context, "error_type": error_type,
                  "pattern_key": pattern_key, "timestamp": now}
        self.recent_errors.append(record)
        self.error_history.append(record)

    def get_analytics(self) -> ErrorAnalytics:
        now = datetime.now()
        one_minute_ago = now - timedelta(minutes=1)
        recent = sum(1 for e in self.recent_errors if e["timestamp"] >= one_minute_ago)
        by_type: Dict[ErrorType, int] = defaultdict(int)
        by_component: Dict[str, int] = defaultdict(int)
        by_severity: Dict[ErrorSeverity, int] = defaultdict(int)
        for pattern in self.error_patterns.values():
            by_type[pattern.error_type] += pattern.count
            by_component[pattern.component] += pattern.count
            by_severity[pattern.severity] += pattern.count
        top = sorted(self.error_patterns.values(), key=lambda p: p.count, reverse=True)[:10]
        return ErrorAnalytics(
            total_errors=len(self.error_history),
            errors_by_type=dict(by_type),
            errors_by_component=dict(by_component),
            errors_by_severity=dict(by_severity),
            error_rate_per_minute=recent,
            top_error_patterns=top,
            recovery_success_rate=0.0,
            avg_recovery_time_ms=0.0,
        )

    def _create_pattern_key(self, error, context, error_type) -> str:
        error_class = type(error).__name__
        normalized = self._normalize_error_message(str(error))
        return f"{context.component}:{error_class}:{normalized}:{error_type.value}"

    def _normalize_error_message(self, message: str) -> str:
        import re  # noqa: F811 - as written, on every call

        message = re.sub(r'[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}',
                         '<UUID>', message)
        message = re.sub(r'\b\d+\b', '<NUMBER>', message)
        message = re.sub(r'/[^\s]*', '<PATH>', message)
        return message.lower().strip()

    def _determine_severity(self, error, error_type) -> ErrorSeverity:
        if error_type == ErrorType.PERMANENT:
            return ErrorSeverity.CRITICAL
        elif error_type == ErrorType.AUTHENTICATION:
            return ErrorSeverity.HIGH
        elif error_type == ErrorType.DATA_VALIDATION:
            return ErrorSeverity.MEDIUM
        elif error_type == ErrorType.RATE_LIMIT:
            return ErrorSeverity.LOW
        elif error_type == ErrorType.TRANSIENT:
            return ErrorSeverity.LOW
        return ErrorSeverity.MEDIUM


class FallbackManager:
    def __init__(self) -> None:
        self.cache_fallbacks: Dict[str, Any] = {}
        self.default_fallbacks: Dict[str, Callable[[], Any]] = {}

    def register_cache_fallback(self, component: str, data: Any) -> None:
        self.cache_fallbacks[component] = data

    def register_default_fallback(self, component: str, fallback_func) -> None:
        self.default_fallbacks[component] = fallback_func

    async def get_fallback_data(self, component, strategy):
        if strategy == ErrorHandlingStrategy.FALLBACK_TO_CACHE:
            return self.cache_fallbacks.get(component)
        elif strategy == ErrorHandlingStrategy.FALLBACK_TO_DEFAULT:
            if component in self.default_fallbacks:
                func = self.default_fallbacks[component]
                try:
                    if asyncio.iscoroutinefunction(func):
                        return await func()
                    return func()
                except Exception:
                    return None
        return None


class RecoveryManager:
    def __init__(self) -> None:
        self.recovery_handlers: Dict[RecoveryAction, Callable] = {}

    def register_recovery_handler(self, action, handler) -> None:
        self.recovery_handlers[action] = handler

    async def execute_recovery(self, action, context) -> bool:
        if action == RecoveryAction.NONE:
            return True
        if action not in self.recovery_handlers:
            return False
        handler = self.recovery_handlers[action]
        try:
            if asyncio.iscoroutinefunction(handler):
                result = await handler(context)
            else:
                result = handler(context)
            return bool(result) if result is not None else False
        except Exception:
            return False


class EnhancedErrorHandler:
    """K10.7-K10.9."""

    def __init__(self) -> None:
        self.error_aggregator = ErrorAggregator()
        self.fallback_manager = FallbackManager()
        self.recovery_manager = RecoveryManager()
        self.error_strategies = {
            ErrorType.TRANSIENT: ErrorHandlingStrategy.RETRY_WITH_BACKOFF,
            ErrorType.RATE_LIMIT: ErrorHandlingStrategy.RETRY_WITH_BACKOFF,
            ErrorType.AUTHENTICATION: ErrorHandlingStrategy.IMMEDIATE_FAIL,
            ErrorType.DATA_VALIDATION: ErrorHandlingStrategy.FALLBACK_TO_DEFAULT,
            ErrorType.PERMANENT: ErrorHandlingStrategy.IMMEDIATE_FAIL,
            ErrorType.UNKNOWN: ErrorHandlingStrategy.FALLBACK_TO_CACHE,
        }
        self.recovery_actions = {
            ErrorType.TRANSIENT: RecoveryAction.NONE,
            ErrorType.RATE_LIMIT: RecoveryAction.REDUCE_LOAD,
            ErrorType.AUTHENTICATION: RecoveryAction.ALERT_ADMIN,
            ErrorType.DATA_VALIDATION: RecoveryAction.CLEAR_CACHE,
            ErrorType.PERMANENT: RecoveryAction.ALERT_ADMIN,
            ErrorType.UNKNOWN: RecoveryAction.NONE,
        }
        self.max_retries = 3
        self.base_retry_delay = 1.0
        self.max_retry_delay = 30.0
        self.retry_multiplier = 2.0

    async def handle_error(self, error, context, error_type=None) -> ErrorHandlingResult:
        start_time = time.time()
        error_id = generate_error_id()
        if error_type is None:
            from .error_handler import ErrorClassifier as _Classifier  # lazy, as written
            error_type = _Classifier.classify_error(error)
        self.error_aggregator.add_error(error, context, error_type)
        strategy = self.error_strategies.get(error_type, ErrorHandlingStrategy.FALLBACK_TO_CACHE)
        recovery_action = self.recovery_actions.get(error_type, RecoveryAction.NONE)
        result = ErrorHandlingResult(success=False, recovery_attempted=False, fallback_used=False,
                                     error_id=error_id, handling_strategy=strategy,
                                     recovery_action=recovery_action, execution_time_ms=0.0)
        try:
            if strategy == ErrorHandlingStrategy.IMMEDIATE_FAIL:
                result.success = False
            elif strategy == ErrorHandlingStrategy.RETRY_WITH_BACKOFF:
                result.success = await self._handle_retry_with_backoff(error, context, result)
            elif strategy == ErrorHandlingStrategy.FALLBACK_TO_CACHE:
                data = await self.fallback_manager.get_fallback_data(context.component, strategy)
                result.fallback_used = data is not None
                result.success = result.fallback_used
            elif strategy == ErrorHandlingStrategy.FALLBACK_TO_DEFAULT:
                data = await self.fallback_manager.get_fallback_data(context.component, strategy)
                result.fallback_used = data is not None
                result.success = result.fallback_used
            elif strategy == ErrorHandlingStrategy.GRACEFUL_DEGRADATION:
                result.success = True
            if recovery_action != RecoveryAction.NONE:
                result.recovery_attempted = True
                recovered = await self.recovery_manager.execute_recovery(recovery_action, context)
                if recovered and not result.success:
                    result.success = True
        except Exception as handling_error:
            result.success = False
            print(f"Error in error handling: {handling_error}")
        result.execution_time_ms = (time.time() - start_time) * 1000
        return result

    async def _handle_retry_with_backoff(self, error, context, result) -> bool:
        retry_count = 0
        delay = self.base_retry_delay
        while retry_count < self.max_retries:
            retry_count += 1
            await asyncio.sleep(delay)
            try:
                if context.operation and "test" not in context.operation.lower():
                    import random  # noqa: F811 - as written, inside the loop

                    if random.random() > 0.7:
                        result.retry_count = retry_count
                        return True
            except Exception:
                pass
            delay = min(delay * self.retry_multiplier, self.max_retry_delay)
        result.retry_count = retry_count
        return False

    def get_error_analytics(self) -> ErrorAnalytics:
        return self.error_aggregator.get_analytics()

    def create_error_sse_event(self, error, context) -> str:
        try:
            data = {
                "error_id": generate_error_id(),
                "component": context.component,
                "operation": context.operation,
                "error_type": type(error).__name__,
                "error_message": str(error),
                "timestamp": context.timestamp.isoformat(),
                "request_id": context.request_id,
            }
            return json.dumps({"event": SSEEventType.ERROR.value, "data": data})
        except Exception:
            return json.dumps({"event": "error", "data": {
                "error_id": str(uuid.uuid4()), "error_type": "unknown",
                "error_message": "Error processing failed"}})

    def configure_error_strategy(self, error_type, strategy) -> None:
        self.error_strategies[error_type] = strategy

    def configure_recovery_action(self, error_type, action) -> None:
        self.recovery_actions[error_type] = action


# ---- the pairs: inputs, the fixed registrations, outputs

STRATEGY_CODES = {s: k for k, s in enumerate(ErrorHandlingStrategy)}
ACTION_CODES = {a: k for k, a in enumerate(RecoveryAction)}
TYPE_CODES = {t: k for k, t in enumerate(ErrorType)}
SEVERITY_CODES = {s: k for k, s in enumerate(ErrorSeverity)}

_CLASSES: Dict[str, type] = {}


def _exception_class(name):
    """The builtin exception of that name, else ``type(name, (Exception,),
    {})``, one class per name."""
    cls = _CLASSES.get(name)
    if cls is None:
        found = getattr(builtins, name, None)
        if isinstance(found, type) and issubclass(found, BaseException):
            cls = found
        else:
            cls = type(name, (Exception,), {})
        _CLASSES[name] = cls
    return cls


def _micros(stamp):
    return (stamp - _EPOCH) // _MICRO


def errors_prepare(columns):
    """Per error (exception instance, ErrorContext at its timestamp)."""
    return [
        (_exception_class(columns["class_name"][i])(columns["message"][i]),
         ErrorContext(component=columns["component"][i], operation=columns["operation"][i],
                      timestamp=_EPOCH + timedelta(microseconds=int(columns["time"][i])),
                      request_id=columns["request_id"][i]))
        for i in range(len(columns["time"]))
    ]


def _cached_list():
    return []


async def _async_none():
    return None


def _raising_fallback():
    raise RuntimeError("fallback store down")


async def _async_value():
    return {"ok": 1}


async def _alert_admin(context):
    if context.operation == "sync":
        raise RuntimeError("pager unreachable")
    return context.component.startswith("auth")


def _clear_cache(context):
    if context.request_id.endswith("0"):
        return None
    return len(context.operation) % 2


def register_fixed_table(handler):
    """The registrations every pair handler gets (mirrored by the Rust
    pair's ``registry``): cache values for cache-svc (a dict), empty-cache
    (0: falsy, still used) and none-cache (None: not used); default
    fallbacks for api (sync, a list), db (async, None), parser (raises),
    worker (async, a dict); recovery handlers for ALERT_ADMIN (async;
    raises on operation "sync", else whether the component starts with
    "auth") and CLEAR_CACHE (sync; None for request ids ending in "0", else
    len(operation) % 2); REDUCE_LOAD has none."""
    fallbacks = handler.fallback_manager
    fallbacks.register_cache_fallback("cache-svc", {"rows": [1, 2]})
    fallbacks.register_cache_fallback("empty-cache", 0)
    fallbacks.register_cache_fallback("none-cache", None)
    fallbacks.register_default_fallback("api", _cached_list)
    fallbacks.register_default_fallback("db", _async_none)
    fallbacks.register_default_fallback("parser", _raising_fallback)
    fallbacks.register_default_fallback("worker", _async_value)
    handler.recovery_manager.register_recovery_handler(RecoveryAction.ALERT_ADMIN, _alert_admin)
    handler.recovery_manager.register_recovery_handler(RecoveryAction.CLEAR_CACHE, _clear_cache)
    return handler


class _VirtualTime:
    """``asyncio.sleep`` recording its delays instead of sleeping, and the
    global ``random`` seeded, for the duration of one pair call."""

    def __init__(self):
        self.sleeps = []

    async def _sleep(self, delay, result=None):
        self.sleeps.append(delay)
        return result

    def __enter__(self):
        self._saved = asyncio.sleep
        asyncio.sleep = self._sleep
        random.seed(RETRY_SEED)
        return self

    def __exit__(self, *exc):
        asyncio.sleep = self._saved
        return False


def _handle_all(handler, events):
    """``await handler.handle_error(error, context)`` per error, the clock
    at its timestamp: (result, recorded sleeps) per error."""
    outcomes = []
    with _VirtualTime() as virtual:
        async def run():
            for error, context in events:
                _Clock.current = context.timestamp
                virtual.sleeps = []
                result = await handler.handle_error(error, context)
                outcomes.append((result, virtual.sleeps))
        asyncio.run(run())
    return outcomes


def error_processing_prepare(columns):
    return errors_prepare(columns)


def error_processing(events):
    """K10.1 -> K10.2 -> K10.3 -> K10.4/K10.5 -> K10.7 (K10.8 virtual) for
    every error, through one handler with the fixed registrations."""
    handler = register_fixed_table(EnhancedErrorHandler())
    return _handle_all(handler, events), handler.error_aggregator


def error_processing_output(result, events):
    """Per error ``[0, success, recovery_attempted, fallback_used,
    strategy, action, retry_count, sleeps in ms...]`` (value: the sleeps'
    sum in s); per pattern in insertion order ``[1, type, severity, count,
    first_seen us, last_seen us, strategy, action, key as UTF-8...]``
    (value: count); then ``[2, len(recent), len(history)]``."""
    outcomes, aggregator = result
    flat, offsets, values = [], [0], []
    for r, sleeps in outcomes:
        flat.extend([0, int(r.success), int(r.recovery_attempted), int(r.fallback_used),
                     STRATEGY_CODES[r.handling_strategy], ACTION_CODES[r.recovery_action],
                     r.retry_count])
        flat.extend(int(d * 1000) for d in sleeps)
        values.append(float(sum(sleeps)))
        offsets.append(len(flat))
    for key, p in aggregator.error_patterns.items():
        flat.extend([1, TYPE_CODES[p.error_type], SEVERITY_CODES[p.severity], p.count,
                     _micros(p.first_seen), _micros(p.last_seen),
                     STRATEGY_CODES[p.handling_strategy], ACTION_CODES[p.recovery_action]])
        flat.extend(key.encode())
        values.append(float(p.count))
        offsets.append(len(flat))
    flat.extend([2, len(aggregator.recent_errors), len(aggregator.error_history)])
    values.append(float(len(aggregator.error_history)))
    offsets.append(len(flat))
    return (np.asarray(flat, dtype=np.int64), np.asarray(offsets, dtype=np.int64),
            np.asarray(values, dtype=np.float64))


def error_processing_latencies_prepare(columns):
    return errors_prepare(columns)


def error_processing_latencies(events, calls):
    """The first ``LATENCY_HISTORY`` errors handled untimed (half of them
    on a shorter stream), then each of the next ``calls`` handle_error
    awaits timed on its own with ``perf_counter_ns``."""
    window = LATENCY_HISTORY if len(events) > LATENCY_HISTORY else len(events) // 2
    handler = register_fixed_table(EnhancedErrorHandler())
    _handle_all(handler, events[:window])
    times = []
    with _VirtualTime():
        async def run():
            for error, context in events[window:window + int(calls)]:
                _Clock.current = context.timestamp
                started = _real_time.perf_counter_ns()
                await handler.handle_error(error, context)
                times.append(_real_time.perf_counter_ns() - started)
        asyncio.run(run())
    return times


def error_classification_prepare(columns):
    return errors_prepare(columns)


def error_classification(events):
    """K10.1 per error."""
    return [ErrorClassifier.classify_error(error) for error, _ in events]


def error_classification_output(types, events):
    """The breaker ErrorType's declaration position per error."""
    return np.asarray([TYPE_CODES[t] for t in types], dtype=np.float64)


def error_normalization_prepare(columns):
    return errors_prepare(columns)


def error_normalization(events):
    """K10.2 on ``str(error)`` per error."""
    aggregator = ErrorAggregator()
    return [aggregator._normalize_error_message(str(error)) for error, _ in events]


def error_normalization_output(texts, events):
    """The normalised messages, as they are."""
    return list(texts)




def error_analytics_prepare(columns):
    """An aggregator filled with every error (classified, at its timestamp)
    and the clock for the call: the last error's time + 20 s."""
    events = errors_prepare(columns)
    aggregator = ErrorAggregator()
    for error, context in events:
        _Clock.current = context.timestamp
        aggregator.add_error(error, context, ErrorClassifier.classify_error(error))
    now = events[-1][1].timestamp + ANALYTICS_LAG if events else _EPOCH
    return aggregator, now


def error_analytics(prepared):
    """K10.6 ``get_analytics`` at the fixed clock."""
    aggregator, now = prepared
    _Clock.current = now
    return aggregator.get_analytics()


def error_analytics_output(analytics, prepared):
    """``[0, total_errors, rate]``; ``[1, (type, total)...]``;
    ``[3, (severity, total)...]``; ``[4, top pattern positions...]``; then
    per component ``[2, total, name as UTF-8...]``, all in the dicts'
    order. Values: the first list's rate, then each list's first total
    (NaN for the top list)."""
    aggregator, _ = prepared
    position = {id(p): k for k, p in enumerate(aggregator.error_patterns.values())}
    lists, values = [], []
    lists.append([0, analytics.total_errors, analytics.error_rate_per_minute])
    values.append(float(analytics.error_rate_per_minute))
    row = [1]
    for t, n in analytics.errors_by_type.items():
        row.extend([TYPE_CODES[t], n])
    lists.append(row)
    values.append(float(len(analytics.errors_by_type)))
    row = [3]
    for s, n in analytics.errors_by_severity.items():
        row.extend([SEVERITY_CODES[s], n])
    lists.append(row)
    values.append(float(len(analytics.errors_by_severity)))
    lists.append([4] + [position[id(p)] for p in analytics.top_error_patterns])
    values.append(float("nan"))
    for name, n in analytics.errors_by_component.items():
        lists.append([2, n] + list(name.encode()))
        values.append(float(n))
    flat, offsets = [], [0]
    for row in lists:
        flat.extend(row)
        offsets.append(len(flat))
    return (np.asarray(flat, dtype=np.int64), np.asarray(offsets, dtype=np.int64),
            np.asarray(values, dtype=np.float64))


def error_event_json_prepare(columns):
    return errors_prepare(columns)


def error_event_json(events):
    """K10.9 per error, ``generate_error_id`` injected as ``ERR_%08X`` of
    the error's position."""
    global generate_error_id
    handler = EnhancedErrorHandler()
    counter = iter(range(len(events)))
    saved = generate_error_id
    generate_error_id = lambda: f"ERR_{next(counter):08X}"  # noqa: E731
    try:
        return [handler.create_error_sse_event(error, context) for error, context in events]
    finally:
        generate_error_id = saved


def error_event_json_output(texts, events):
    """The JSON documents, as they are."""
    return list(texts)


# ---- the fixed alternative: the same answers without the accidental costs

_UUID = re.compile(r'[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}')
_NUMBER = re.compile(r'\b\d+\b')
_PATH = re.compile(r'/[^\s]*')
_LOWER_PATTERNS = [(t, p.lower()) for t, ps in ErrorClassifier.ERROR_PATTERNS.items() for p in ps]


def _normalize_fixed(message):
    message = _UUID.sub('<UUID>', message)
    message = _NUMBER.sub('<NUMBER>', message)
    return _PATH.sub('<PATH>', message).lower().strip()


def _classify_fixed(name, text):
    name = name.lower()
    text = text.lower()
    for error_type, pattern in _LOWER_PATTERNS:
        if pattern in name or pattern in text:
            return error_type
    return ErrorType.UNKNOWN


class FixedErrorHandler(EnhancedErrorHandler):
    """``handle_error`` with one ``str(error)``, one normalisation,
    precompiled regexes, the classifier's lower-casing done once and no
    lazy import; dispatch, retry and the aggregator's state unchanged."""

    async def handle_error(self, error, context, error_type=None):
        start_time = time.time()
        error_id = generate_error_id()
        name = type(error).__name__
        text = str(error)
        if error_type is None:
            error_type = _classify_fixed(name, text)
        aggregator = self.error_aggregator
        normalized = _normalize_fixed(text)
        key = f"{context.component}:{name}:{normalized}:{error_type.value}"
        now = datetime.now()
        pattern = aggregator.error_patterns.get(key)
        if pattern is not None:
            pattern.count += 1
            pattern.last_seen = now
        else:
            aggregator.error_patterns[key] = ErrorPattern(
                error_type=error_type, error_message_pattern=normalized,
                component=context.component, severity=aggregator._determine_severity(error, error_type),
                count=1, first_seen=now, last_seen=now)
        record = {"error": error, "context": context, "error_type": error_type,
                  "pattern_key": key, "timestamp": now}
        aggregator.recent_errors.append(record)
        aggregator.error_history.append(record)
        strategy = self.error_strategies.get(error_type, ErrorHandlingStrategy.FALLBACK_TO_CACHE)
        action = self.recovery_actions.get(error_type, RecoveryAction.NONE)
        result = ErrorHandlingResult(success=False, recovery_attempted=False, fallback_used=False,
                                     error_id=error_id, handling_strategy=strategy,
                                     recovery_action=action, execution_time_ms=0.0)
        try:
            if strategy == ErrorHandlingStrategy.RETRY_WITH_BACKOFF:
                result.success = await self._handle_retry_with_backoff(error, context, result)
            elif strategy in (ErrorHandlingStrategy.FALLBACK_TO_CACHE,
                              ErrorHandlingStrategy.FALLBACK_TO_DEFAULT):
                data = await self.fallback_manager.get_fallback_data(context.component, strategy)
                result.fallback_used = data is not None
                result.success = result.fallback_used
            elif strategy == ErrorHandlingStrategy.GRACEFUL_DEGRADATION:
                result.success = True
            if action != RecoveryAction.NONE:
                result.recovery_attempted = True
                if await self.recovery_manager.execute_recovery(action, context):
                    result.success = True
        except Exception as handling_error:
            result.success = False
            print(f"Error in error handling: {handling_error}")
        result.execution_time_ms = (time.time() - start_time) * 1000
        return result


def error_processing_fixed_prepare(columns):
    return errors_prepare(columns)


def error_processing_fixed(events):
    """``error_processing`` through ``FixedErrorHandler``: the same
    answers."""
    handler = register_fixed_table(FixedErrorHandler())
    return _handle_all(handler, events), handler.error_aggregator


def error_processing_fixed_output(result, events):
    return error_processing_output(result, events)
