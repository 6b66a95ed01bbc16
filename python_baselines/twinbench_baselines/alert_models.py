"""The dashboard's alert model (``server/dashboard/models/alert_models.py``
at 9455c19), as the alert correlator (§8) and the rule-driven correlation
engine (§6) read it, and the harness's conversion from generator columns.

The original's ``Alert`` is a pydantic model whose ``category``,
``severity`` and ``status`` are ``str`` enums; here they are the enums'
string values (a ``str`` enum member compares equal to its value, so every
comparison the originals make gives the same answer). pydantic validates at
construction, outside any timed region; attribute reads cost the same.
"""

import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Dict, Optional

_EPOCH = datetime(1970, 1, 1)

#: ``AlertStatus`` values the engines read.
ACTIVE = "active"
RESOLVED = "resolved"


@dataclass
class Alert:
    id: uuid.UUID
    title: str
    description: str
    category: str
    severity: str
    source_host: Optional[str]
    source_component: Optional[str]
    triggered_at: datetime
    tags: Dict[str, str] = field(default_factory=dict)
    metric_values: Optional[Dict[str, float]] = None
    status: str = ACTIVE


def alerts_from_columns(columns):
    """The generator's columns as Alert objects: ids as UUIDs (a re-sent
    alert keeps its id), stamps as naive UTC datetimes."""
    alerts = []
    for i in range(len(columns["id"])):
        alerts.append(Alert(
            id=uuid.UUID(int=int(columns["id"][i])),
            title=columns["title"][i],
            description=columns["description"][i],
            category=columns["category"][i],
            severity=columns["severity"][i],
            source_host=columns["source_host"][i],
            source_component=columns["source_component"][i],
            triggered_at=_EPOCH + timedelta(microseconds=int(columns["triggered_at"][i])),
            tags=columns["tags"][i],
            metric_values=columns["metric_values"][i],
            status=RESOLVED if columns["resolved"][i] else ACTIVE,
        ))
    return alerts
