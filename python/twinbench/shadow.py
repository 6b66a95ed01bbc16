"""Shadow mode: run a twin beside the original on live calls, compare.

``Shadow(original, twin, compare=...)`` wraps a function of the service.
On each call it decides two things:

* **who answers**: the twin with probability ``twin_fraction`` (the rollout
  percentage ÷ 100), the original otherwise;
* **whether to shadow**: with probability ``shadow_fraction`` the other side
  runs too, on the same arguments, and the two answers are compared with
  ``compare`` (the pair's registered tolerance: :func:`scores_close`,
  :func:`exact`, ...).

The caller always gets the answering side's result, or its exception. A
twin that *declines* a call (raises one of ``declines``, by default
``NotImplementedError``: how a NetworkX backend says "not this call", see
``twinbench.backend``) did not serve it: the original answers, the call is
counted as declined and compared with nothing, neither a failure nor a
shadowed call. A twin that raises anything else where the original answers
is a *failure*, recorded with its exception; where the twin was to answer
and raised, the original is called instead (the caller never sees a twin's
failure), and both raising is agreement (a null graph, no path, ...). A
disagreement is a *mismatch*. Both keep the call's arguments (deep-copied before the call,
so a function that mutates its input cannot change what is replayed), at
most ``max_kept`` of them, oldest dropped first: :meth:`Shadow.replay` runs
them through both sides again.

Latencies of both sides are kept per call, the newest ``max_latencies`` of
each, with exact totals: :attr:`Shadow.stats`. All of it is thread-safe: a
lock guards the counters and the kept calls (never held while a side runs).

**Under the rollout controller.** Given ``migration=`` (a
:class:`twinbench.Migration`, seed 000's gradual-rollout controller in Rust
with its Prometheus metrics), the controller decides who answers instead of
``twin_fraction`` (each call draws a random key; the controller's
percentage picks the side), and every side that ran is reported to it: the
twin's time with ``error`` set when it failed or disagreed with the
original, the original's time. The controller promotes or rolls back at
each period's end from those reports, and the metrics
(``component_migration_success_total``, ``…_failure_total``,
``…_duration_seconds``, ``…_rollback_total``,
``component_performance_degradation_percent``) count them, served on
127.0.0.1 by :meth:`twinbench.MigrationMetrics.serve`. A declined call is
not the twin's: only the original's time is reported.
"""

from __future__ import annotations

import collections
import copy
import math
import random
import threading
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, Deque, List, Optional, Tuple

if TYPE_CHECKING:
    from ._twinbench import Migration


def exact(twin: Any, original: Any) -> Optional[str]:
    """Equal answers, or a description of how they differ."""
    return None if twin == original else f"twin {twin!r} != original {original!r}"


def scores_close(rtol: float, atol: float) -> Callable[[Any, Any], Optional[str]]:
    """Numbers, or dicts of numbers (scores keyed by node), equal within
    ``|twin - original| <= atol + rtol * |original|``, as the harness
    compares (harness/src/compare/mod.rs); NaN equals NaN."""

    def close(a: float, b: float) -> bool:
        if math.isnan(a) or math.isnan(b):
            return math.isnan(a) and math.isnan(b)
        return abs(a - b) <= atol + rtol * abs(b)

    def compare(twin: Any, original: Any) -> Optional[str]:
        if isinstance(original, dict):
            if not isinstance(twin, dict) or twin.keys() != original.keys():
                return "the answers have different keys"
            for key, expected in original.items():
                if not close(float(twin[key]), float(expected)):
                    return f"at {key!r}: twin {twin[key]!r}, original {expected!r} (rtol {rtol}, atol {atol})"
            return None
        if not close(float(twin), float(original)):
            return f"twin {twin!r}, original {original!r} (rtol {rtol}, atol {atol})"
        return None

    return compare


@dataclass(frozen=True)
class Kept:
    """A call kept for replay: its arguments and what went wrong."""

    args: Tuple[Any, ...]
    kwargs: dict
    #: ``"mismatch"`` or ``"failure"``.
    kind: str
    detail: str


@dataclass
class ShadowStats:
    """Counters and latencies of a :class:`Shadow` (a consistent copy)."""

    calls: int = 0
    #: Calls the twin answered.
    twin_answered: int = 0
    #: Calls where both sides ran and were compared (or the twin failed).
    shadowed: int = 0
    #: Calls the twin declined (raised one of ``declines``): the original
    #: answered them and nothing was compared.
    declined: int = 0
    mismatches: int = 0
    failures: int = 0
    original_ns_total: int = 0
    original_runs: int = 0
    twin_ns_total: int = 0
    twin_runs: int = 0
    original_ns: List[int] = field(default_factory=list)
    twin_ns: List[int] = field(default_factory=list)

    @property
    def error_rate(self) -> Optional[float]:
        """Mismatches and failures per shadowed call."""
        if self.shadowed == 0:
            return None
        return (self.mismatches + self.failures) / self.shadowed


class Shadow:
    """``original`` with ``twin`` run beside it (see the module doc)."""

    def __init__(
        self,
        original: Callable[..., Any],
        twin: Callable[..., Any],
        *,
        compare: Callable[[Any, Any], Optional[str]] = exact,
        twin_fraction: float = 0.0,
        shadow_fraction: float = 1.0,
        max_kept: int = 100,
        max_latencies: int = 10_000,
        seed: Optional[int] = None,
        declines: Tuple[type, ...] = (NotImplementedError,),
        migration: Optional["Migration"] = None,
    ) -> None:
        for name, value in (("twin_fraction", twin_fraction), ("shadow_fraction", shadow_fraction)):
            if not 0.0 <= value <= 1.0:
                raise ValueError(f"Shadow: {name} must be within [0, 1], got {value!r}")
        if migration is not None and twin_fraction != 0.0:
            raise ValueError(
                "Shadow: give twin_fraction or migration, not both (the migration's rollout "
                "percentage decides who answers)"
            )
        if max_kept < 0 or max_latencies < 0:
            raise ValueError("Shadow: max_kept and max_latencies must be >= 0")
        self.original = original
        self.twin = twin
        self.compare = compare
        self.twin_fraction = twin_fraction
        self.shadow_fraction = shadow_fraction
        self.declines = declines
        self.migration = migration
        self._rng = random.Random(seed)
        self._lock = threading.Lock()
        self._stats = ShadowStats()
        self._original_ns: Deque[int] = collections.deque(maxlen=max_latencies)
        self._twin_ns: Deque[int] = collections.deque(maxlen=max_latencies)
        self._kept: Deque[Kept] = collections.deque(maxlen=max_kept)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        with self._lock:
            if self.migration is None:
                twin_answers = self._rng.random() < self.twin_fraction
            else:
                twin_answers = self.migration.route(self._rng.getrandbits(64))
            shadowed = self._rng.random() < self.shadow_fraction
        saved = (copy.deepcopy(args), copy.deepcopy(kwargs)) if shadowed else None
        twin_outcome = original_outcome = None
        kind: Optional[str] = None
        try:
            if twin_answers:
                twin_outcome = self._run(self.twin, args, kwargs, twin=True)
                if twin_outcome[0] is None:
                    # The twin declined or raised: the original answers. A
                    # raise is judged against the original's outcome (both
                    # raising agree: a null graph, no path, ...), shadowed or
                    # not, since both sides have run.
                    original_outcome = self._run(self.original, args, kwargs, twin=False)
                    if self._declined(twin_outcome):
                        kind = "declined"
                        self._note(shadowed=False, twin_answered=False, declined=True)
                    else:
                        kind = self._judge(saved, twin_outcome, original_outcome, twin_answered=False)
                    return self._answer(original_outcome)
                if not shadowed:
                    self._note(shadowed=False, twin_answered=True)
                    return twin_outcome[1]
                original_outcome = self._run(self.original, args, kwargs, twin=False)
                kind = self._judge(saved, twin_outcome, original_outcome, twin_answered=True)
                return twin_outcome[1]
            original_outcome = self._run(self.original, args, kwargs, twin=False)
            if shadowed:
                twin_outcome = self._run(self.twin, args, kwargs, twin=True)
                if self._declined(twin_outcome):
                    kind = "declined"
                    self._note(shadowed=False, twin_answered=False, declined=True)
                else:
                    kind = self._judge(saved, twin_outcome, original_outcome, twin_answered=False)
            else:
                self._note(shadowed=False, twin_answered=False)
            return self._answer(original_outcome)
        finally:
            if self.migration is not None:
                self._report(twin_outcome, original_outcome, kind)

    @property
    def stats(self) -> ShadowStats:
        with self._lock:
            s = copy.copy(self._stats)
            s.original_ns = list(self._original_ns)
            s.twin_ns = list(self._twin_ns)
            return s

    @property
    def kept(self) -> List[Kept]:
        """The calls kept for replay, oldest first."""
        with self._lock:
            return list(self._kept)

    def replay(self) -> List[Tuple[Kept, Optional[str]]]:
        """Each kept call run through both sides again: ``(kept, what the
        comparison says now)``, ``None`` when they agree now."""
        out = []
        for kept in self.kept:
            twin = self._run(self.twin, kept.args, kept.kwargs, twin=True, timed=False)
            original = self._run(self.original, kept.args, kept.kwargs, twin=False, timed=False)
            out.append((kept, self._difference(twin, original)))
        return out

    # -- internals -----------------------------------------------------

    def _run(self, fn, args, kwargs, *, twin: bool, timed: bool = True):
        """``(ok, value, error)``, and the elapsed nanoseconds when timed:
        ``ok`` is None when ``fn`` raised."""
        start = time.perf_counter_ns()
        try:
            value = fn(*args, **kwargs)
            outcome = (True, value, None)
        except Exception as error:  # noqa: BLE001 - recorded, never swallowed for the original
            outcome = (None, error, f"{type(error).__name__}: {error}")
        if timed:
            elapsed = time.perf_counter_ns() - start
            outcome = (*outcome, elapsed)
            with self._lock:
                if twin:
                    self._stats.twin_ns_total += elapsed
                    self._stats.twin_runs += 1
                    self._twin_ns.append(elapsed)
                else:
                    self._stats.original_ns_total += elapsed
                    self._stats.original_runs += 1
                    self._original_ns.append(elapsed)
        return outcome

    def _declined(self, outcome) -> bool:
        return outcome[0] is None and isinstance(outcome[1], self.declines)

    @staticmethod
    def _answer(outcome):
        if outcome[0] is None:
            raise outcome[1]
        return outcome[1]

    def _difference(self, twin, original) -> Optional[str]:
        if original[0] is None:
            # The original raised: the twin agrees only by raising too.
            return None if twin[0] is None else f"original raised {original[2]}, twin answered"
        if twin[0] is None:
            return f"twin raised {twin[2]}"
        return self.compare(twin[1], original[1])

    def _judge(self, saved, twin, original, *, twin_answered: bool) -> Optional[str]:
        if twin[0] is None and original[0] is not None:
            self._note(shadowed=True, twin_answered=twin_answered, saved=saved, kind="failure", detail=twin[2])
            return "failure"
        detail = self._difference(twin, original)
        kind = None if detail is None else "mismatch"
        self._note(shadowed=True, twin_answered=twin_answered, saved=saved, kind=kind, detail=detail)
        return kind

    def _report(self, twin, original, kind: Optional[str]) -> None:
        """Reports the sides that ran to the migration (see the module doc);
        a declined call is not the twin's."""
        assert self.migration is not None
        if twin is not None and kind != "declined":
            self.migration.report("twin", twin[3], error=kind in ("mismatch", "failure"))
        if original is not None:
            self.migration.report("original", original[3])

    def _note(
        self, *, shadowed: bool, twin_answered: bool, saved=None, kind=None, detail=None, declined: bool = False
    ) -> None:
        with self._lock:
            s = self._stats
            s.calls += 1
            s.twin_answered += twin_answered
            s.shadowed += shadowed
            s.declined += declined
            if kind == "mismatch":
                s.mismatches += 1
            elif kind == "failure":
                s.failures += 1
            if kind is not None and saved is not None:
                self._kept.append(Kept(saved[0], saved[1], kind, detail or ""))


def shadow(twin: Callable[..., Any], **options: Any) -> Callable[[Callable[..., Any]], Shadow]:
    """Decorator form: ``@shadow(twin, compare=scores_close(1e-9, 1e-12))``
    on the original function."""

    def wrap(original: Callable[..., Any]) -> Shadow:
        return Shadow(original, twin, **options)

    return wrap
