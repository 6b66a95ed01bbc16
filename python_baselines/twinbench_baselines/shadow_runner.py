"""The shadow runner's own cost per call (claim C26): a call the twin
serves through ``twinbench.shadow.Shadow`` with shadowing off (the twin's
whole share once rolled out, or any call not drawn for shadowing), against
the same trivial twin called directly. The difference is what the runner
adds: its two random draws, the lock, two clock reads and the counters.

Not part of the original service; needs the ``twinbench`` wheel.
"""

from twinbench.shadow import Shadow


def _twin(value):
    return value


def _original(value):
    return value


_SHADOW = Shadow(_original, _twin, twin_fraction=1.0, shadow_fraction=0.0, seed=1)


def routed(value):
    """One call the twin answers through the shadow runner."""
    return _SHADOW(value)


def direct(value):
    """The same twin, called directly."""
    return _twin(value)
