from typing import Any

import pandas as pd

def _detect_seasonality(series: pd.Series) -> dict[str, Any]: ...
