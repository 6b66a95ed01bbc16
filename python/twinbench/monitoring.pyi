from typing import Any, TypedDict

import pandas as pd

class NodeCreationAnomaly(TypedDict):
    type: str
    timestamp: pd.Timestamp
    value: Any  # numpy.float64, as the original's .loc returns
    baseline: Any
    severity: str
    description: str

def detect_node_creation_anomalies(data: pd.DataFrame) -> list[NodeCreationAnomaly]: ...
