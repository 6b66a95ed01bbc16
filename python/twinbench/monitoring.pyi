from typing import Any, TypedDict

import pandas as pd

class NodeCreationAnomaly(TypedDict):
    type: str
    timestamp: pd.Timestamp
    value: Any  # a scalar of the column's dtype (numpy float64 or int64), as the original's .loc returns
    baseline: Any
    severity: str
    description: str

def detect_node_creation_anomalies(data: pd.DataFrame) -> list[NodeCreationAnomaly]: ...
