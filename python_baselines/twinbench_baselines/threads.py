"""The native thread pools the baselines run on (OpenBLAS, OpenMP), as
threadpoolctl sees them, and a way to pin them to one thread.

scikit-learn's k-means runs OpenMP threads and silhouette_score's distances
go through a threaded BLAS, so a baseline timed "as the original runs it"
uses every core while the Rust twin's headline figure uses one. The bench
times such baselines twice, as the original runs them and pinned to one
thread, and records which pools were loaded (and which OpenBLAS kernel they
run: it depends on OPENBLAS_CORETYPE, which the benchmark command unsets).
"""

import threadpoolctl


def pools():
    """Every native thread pool loaded once numpy, scipy and scikit-learn
    are: ``(user_api, internal_api, version, num_threads, architecture,
    threading_layer, filepath)`` tuples, with "" where a pool says nothing."""
    import numpy  # noqa: F401  (loads OpenBLAS)
    import scipy.linalg  # noqa: F401  (scipy's own OpenBLAS)
    import sklearn.cluster  # noqa: F401  (scikit-learn's OpenMP runtime)

    return [
        (
            str(info.get("user_api", "")),
            str(info.get("internal_api", "")),
            str(info.get("version") or ""),
            int(info.get("num_threads", 0)),
            str(info.get("architecture") or ""),
            str(info.get("threading_layer") or ""),
            str(info.get("filepath", "")),
        )
        for info in threadpoolctl.threadpool_info()
    ]


def limit_to_one():
    """Every pool pinned to one thread until the returned controller's
    ``restore_original_limits()`` is called."""
    return threadpoolctl.threadpool_limits(limits=1)
