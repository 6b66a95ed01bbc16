"""The shadow runner's own cost per call (claim C26): a call the twin
serves through ``twinbench.shadow.Shadow`` with shadowing off (the twin's
whole share once rolled out, or any call not drawn for shadowing), routed by
seed 000's rollout controller and reported to it and to the Prometheus
metrics (``twinbench.Migration`` at 100%), against the same trivial twin
called directly. The difference is what the runner and the metrics add:
the random key and the controller's routing, the lock, two clock reads, the
counters, and the sample reported to the controller and the metrics.

Not part of the original service; needs the ``twinbench`` wheel.
"""

from twinbench import Migration, MigrationMetrics
from twinbench.shadow import Shadow


def _twin(value):
    return value


def _original(value):
    return value


# Rolled out to 100% over a 24-hour period: every call goes to the twin and
# is reported; no period closes during a bench.
_MIGRATION = Migration("ENABLE_SHADOW_RUNNER_BENCH", MigrationMetrics(), initial_percent=100)
_SHADOW = Shadow(_original, _twin, shadow_fraction=0.0, migration=_MIGRATION, seed=1)


def routed(value):
    """One call the twin answers through the shadow runner."""
    return _SHADOW(value)


def direct(value):
    """The same twin, called directly."""
    return _twin(value)
