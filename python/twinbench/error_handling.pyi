from enum import Enum

class ErrorType(Enum):
    TRANSIENT = "transient"
    PERMANENT = "permanent"
    RATE_LIMIT = "rate_limit"
    AUTHENTICATION = "authentication"
    DATA_VALIDATION = "data_validation"
    UNKNOWN = "unknown"

class ErrorClassifier:
    error_types: type[Enum]
    @classmethod
    def classify_error(cls, error: BaseException) -> Enum: ...

def _normalize_error_message(message: str) -> str: ...

class ErrorAggregator:
    def _normalize_error_message(self, message: str) -> str: ...
