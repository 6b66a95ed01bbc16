"""Peak and retained Python memory of one baseline call, for the report's
memory figures (runs separate from timing: tracing slows Python down).

``tracemalloc`` sees every allocation through Python's allocators, numpy's
array buffers included (numpy reports them to tracemalloc). The prepared
input is built before tracing starts, so only what the call itself allocates
is counted.
"""

import gc
import tracemalloc


def peak_bytes(function, prepared):
    """(peak bytes allocated during ``function(prepared)``, bytes still held
    after its result is released)."""
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
