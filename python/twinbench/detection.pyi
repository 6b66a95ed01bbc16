from typing import Any, TypedDict

import pandas as pd

from .monitoring import detect_node_creation_anomalies as detect_node_creation_anomalies

class SearchFlood(TypedDict):
    type: str
    timestamp: pd.Timestamp
    value: Any  # numpy.float64, as the original's .loc returns
    threshold: Any  # numpy.float64, Series.quantile's
    severity: str
    description: str

class MemoryGrowthAnomaly(TypedDict):
    type: str
    timestamp: pd.Timestamp
    growth_rate: Any  # numpy.float64
    severity: str
    description: str

def detect_search_anomalies(data: pd.DataFrame) -> list[SearchFlood]: ...
def detect_memory_growth_anomalies(data: pd.DataFrame) -> list[MemoryGrowthAnomaly]: ...
