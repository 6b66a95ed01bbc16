from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

MINIMUM: int

def _detect_anomaly(values: npt.NDArray[np.float64] | Sequence[float], current_value: float) -> bool: ...
