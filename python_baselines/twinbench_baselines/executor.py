"""The original's thread-pool hop, timed on its own so that small-size
speedups can be read against it.

``server/analytics/algorithms.py`` at 9455c19 runs every analytics kernel as
``await loop.run_in_executor(self.executor, _fn)`` on GraphAlgorithms'
``ThreadPoolExecutor(max_workers=4)`` (L32; the hops are at L85 centrality,
L138 and L212 communities, L289 paths, L352 graph metrics, L512 node
features). The baselines call each kernel directly, so their times leave the
hop out; the harness times ``through_executor`` and ``direct`` and reports
the difference as the fixed cost the original adds to every call (twice for
community detection).
"""

import asyncio
from concurrent.futures import ThreadPoolExecutor

# One loop and one pool for the whole process, as the service has: the pool
# is GraphAlgorithms' (max_workers=4), created once, its threads reused.
_LOOP = asyncio.new_event_loop()
_EXECUTOR = ThreadPoolExecutor(max_workers=4)


def _work(prepared):
    return prepared


async def _hop(prepared):
    loop = asyncio.get_event_loop()
    return await loop.run_in_executor(_EXECUTOR, _work, prepared)


async def _inline(prepared):
    return _work(prepared)


def through_executor(prepared):
    """One request's hop: the coroutine awaits the work on the pool."""
    return _LOOP.run_until_complete(_hop(prepared))


def direct(prepared):
    """The same coroutine with the work called inline: what
    ``through_executor`` costs beyond it is the hop."""
    return _LOOP.run_until_complete(_inline(prepared))
