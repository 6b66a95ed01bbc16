from collections.abc import Sequence
from typing import Any, Protocol

class _Entry(Protocol):
    metric_name: str
    value: Any

SUMMARY_WINDOW: int

def get_performance_summary(metrics_history: Sequence[_Entry]) -> dict[str, Any]: ...
