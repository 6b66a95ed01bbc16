"""The campaign's families: one module per component family, each with
``FAMILY`` (its name in results.json), ``PINS`` (the venv its originals run
under: ``main`` for .venv, ``monitoring`` for .venv-monitoring) and
``cases(rng, count)``, which yields ``count`` :class:`campaign.case.Case`
calls on generated inputs."""

import importlib
import pkgutil


def modules():
    """Every family module, in name order."""
    return [
        importlib.import_module(f"{__name__}.{info.name}")
        for info in sorted(pkgutil.iter_modules(__path__), key=lambda i: i.name)
    ]
