"""One shadowed call of a campaign: which function, both sides, how to compare, the arguments."""
from typing import Any, Callable, NamedTuple, Optional


class Case(NamedTuple):
    function: str
    original: Callable[..., Any]
    twin: Callable[..., Any]
    compare: Callable[[Any, Any], Optional[str]]
    args: tuple
    kwargs: dict
    #: What the input is, in a few words: kept with a mismatch, so the
    #: report says on what the twin disagreed.
    describe: str = ""
