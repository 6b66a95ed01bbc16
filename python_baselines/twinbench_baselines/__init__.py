"""Faithful Python baselines of the original service's kernels.

Each domain module mirrors a Rust module in ``kernels/`` and holds, per kernel,
three functions the harness calls through pyo3:

* ``<kernel>_prepare(...)`` turns the seeded input (numpy arrays) into what the
  original receives (a ``networkx.Graph``, a ``pandas.DataFrame``). It runs
  once, outside any timed region.
* ``<kernel>(prepared)`` is the original's computation, with the same library
  call and parameters. This is the timed call.
* ``<kernel>_output(result, prepared)`` converts the original's result (dicts,
  lists of dicts) into numpy arrays for comparison with the Rust twin.

A module whose kernels share a preparation or an output form defines
``prepare`` / ``output`` once; the harness uses them when a kernel has no
``<kernel>_prepare`` / ``<kernel>_output`` of its own.
"""


def noop(prepared):
    """Returns its argument at once: timing it measures the fixed cost of one
    pyo3 call, which every timed baseline call includes."""
    return prepared
