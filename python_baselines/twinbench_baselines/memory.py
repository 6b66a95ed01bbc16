"""Peak and retained Python memory of one baseline call, for the report's
memory figures (runs separate from timing: tracing slows Python down).

``tracemalloc`` sees every allocation through Python's allocators, numpy's
array buffers included (numpy reports them to tracemalloc). It does not see
what C, C++ or Cython code takes from ``malloc`` directly: scikit-learn's
tree nodes and splitter buffers, for instance. So the call also runs once
untraced, and the C heap (glibc ``mallinfo2``: bytes in use from
``malloc``) is read with its result alive and after the result is dropped:
the difference is what the result holds on the C heap, visible or not to
tracemalloc (large Python objects and numpy buffers come from ``malloc``
too, so the figures overlap and are never added). What native code
allocates and frees within the call (libsvm's kernel cache) shows in
neither, so the untraced call also records how far the process's peak
resident size (Linux ``VmHWM``, reset just before) rose above its resident
size: page-grained, blind to memory reused without growing, and so a lower
bound too, like the others.

The prepared input is built before either run, so only what the call
itself allocates is counted.
"""

import gc
import tracemalloc

from .c_heap import malloc_in_use, peak_resident, reset_peak_resident


def untraced_call(function, prepared):
    """The untraced call, first half: ``function(prepared)`` with the peak
    resident size reset before it. Returns ``([result], resident before,
    peak resident)``; the result travels in a list so that
    ``untraced_release`` can drop the last reference to it.

    Between the halves the caller may read the result (the report takes the
    baseline's answer from this call rather than calling it once more):
    what that reading keeps alive is held at both of ``untraced_release``'s
    readings and so cancels out of the C-heap figure."""
    gc.collect()
    resident = reset_peak_resident()
    result = function(prepared)
    peak = peak_resident()
    return [result], resident, peak


def untraced_release(holder, resident, peak):
    """The untraced call, second half: (bytes its result holds on the C
    heap, how far the resident size peaked above where it started); -1 for
    either where it cannot be measured. Empties ``holder``."""
    gc.collect()
    alive = malloc_in_use()
    holder.clear()
    gc.collect()
    dropped = malloc_in_use()
    c_heap = -1 if alive is None or dropped is None else max(alive - dropped, 0)
    growth = -1 if resident is None or peak is None else max(peak - resident, 0)
    return c_heap, growth


def traced(function, prepared):
    """(peak bytes allocated during ``function(prepared)``, bytes still
    held after its result is released), both under tracemalloc."""
    gc.collect()
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        base, _ = tracemalloc.get_traced_memory()
        result = function(prepared)
        _, peak = tracemalloc.get_traced_memory()
        del result
        gc.collect()
        retained, _ = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak - base, retained - base
