"""The campaign's families: one module per component family, each with
``FAMILY`` (its domain's name in results.json), ``PINS`` (the venv its
originals run under: ``main`` for .venv, ``monitoring`` for
.venv-monitoring) and ``cases(rng, count)``, which yields ``count``
:class:`campaign.case.Case` calls on generated inputs.

A venv imports only its own families (the monitoring venv has no
networkx), so which venv a module belongs to is listed here too;
python/tests/test_campaign.py checks the list against the modules.
"""

import importlib

#: module name -> the venv it runs in.
PINS_OF = {
    "alerting": "main",
    "detection": "main",
    "error_handling": "main",
    "forecasting": "monitoring",
    "graph": "main",
    "optimizer": "main",
    "performance_monitor": "main",
}


def modules(pins=None):
    """The family modules of ``pins`` (every one when None), in name order."""
    return [
        importlib.import_module(f"{__name__}.{name}")
        for name in sorted(PINS_OF)
        if pins is None or PINS_OF[name] == pins
    ]
