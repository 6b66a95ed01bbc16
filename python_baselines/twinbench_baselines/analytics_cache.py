"""The analytics cache's key (catalog analytics.md K25:
``server/analytics/cache.py`` ``AnalyticsCache._generate_cache_key``
L52-57 at 9455c19): ``json.dumps(parameters, sort_keys=True)`` with the
default separators and ``ensure_ascii``, MD5 of its UTF-8 bytes,
``f"analytics:{analytics_type}:{hexdigest}"``.

The parameter dicts are built from the request samples outside the timed
region (``cache_key_prepare``), shaped to exercise what the bytes depend
on: keys out of order, non-ASCII keys (one astral, which ``sorted()``
places after U+FF01 by code point), nested dicts and lists, strings with
escapes and non-ASCII characters, ints of 20+ digits and negative ones,
floats whose ``repr`` takes the exponent form, infinities and NaN (as
``Infinity``/``NaN``), booleans and None. The analytics type follows the
method and includes a non-ASCII one.

What differs from the original: nothing in the key; the cache's Redis or
memory store around it is not involved (only the key is computed).
"""

import hashlib
import json

import numpy as np

ANALYTICS_TYPES = ["centrality", "community", "clustering", "paths", "métriques"]
TAG_TEXT = "ü\"\\\n\t\x01"


class AnalyticsCache:
    def _generate_cache_key(self, analytics_type, parameters):
        param_str = json.dumps(parameters, sort_keys=True)
        param_hash = hashlib.md5(param_str.encode()).hexdigest()
        return f"analytics:{analytics_type}:{param_hash}"


def cache_key_prepare(columns):
    """Per sample (analytics type, parameter dict)."""
    c = {k: (v.tolist() if isinstance(v, np.ndarray) else v) for k, v in columns.items()}
    rows = []
    for i in range(len(c["time"])):
        graph_size = c["graph_size"][i]
        rt, rss = c["response_time"][i], c["rss"][i]
        params = {
            "endpoint": c["endpoints"][c["endpoint"][i]],
            "method": c["methods"][c["method"][i]],
            "threshold": rt,
            "limit": graph_size,
            "huge": int(str(graph_size) + "0" * 20) if graph_size != 0 else 0,
            "filters": {"status": c["status"][i], "cached": c["cache_hit"][i], "rss": rss,
                        "note": None,
                        "tags": [c["request_size"][i], c["response_size"][i], TAG_TEXT]},
            "ключ": c["pool_active"][i],
            "😀": c["pool_total"][i],
            "\uff01": rt * 1e-7,
            "big": rss * 1e10,
        }
        rows.append((ANALYTICS_TYPES[c["method"][i] % len(ANALYTICS_TYPES)], params))
    return rows


def cache_key(rows):
    cache = AnalyticsCache()
    return [cache._generate_cache_key(kind, params) for kind, params in rows]


def cache_key_output(keys, rows):
    """The keys, one per sample."""
    return list(keys)
