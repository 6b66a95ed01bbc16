"""One shadowed call of a campaign: which function, both sides, how to compare, the arguments."""
from typing import Any, Callable, NamedTuple, Optional

class Case(NamedTuple):
    function: str
    original: Callable[..., Any]
    twin: Callable[..., Any]
    compare: Callable[[Any, Any], Optional[str]]
    args: tuple
    kwargs: dict
