"""The ML analytics of the analytics engine (catalog analytics.md K6, K7:
``MLAnalytics.cluster_nodes`` and ``MLAnalytics.detect_anomalies`` in
server/analytics/algorithms.py at 9455c19), called as the original calls
scikit-learn.

Both original methods start with ``self.scalers[...]``, a dict nothing ever
fills, so they raise KeyError before any model runs (defect D026); these
baselines run the evident intent: a fresh ``StandardScaler().fit_transform``
and then exactly the original's model calls and parameters.

Inputs arrive as ``(data, rows, cols)`` (row-major, flat): ``prepare`` makes
the float64 feature matrix the original receives.
"""

import numpy as np
from sklearn.cluster import AgglomerativeClustering, KMeans, SpectralClustering
from sklearn.ensemble import IsolationForest
from sklearn.metrics import silhouette_score
from sklearn.preprocessing import StandardScaler


def prepare(data, rows, cols):
    """The node feature matrix, ``(rows, cols)`` float64."""
    return np.asarray(data, dtype=np.float64).reshape(rows, cols)


def auto_clusters(n_samples):
    """The original's k when ``n_clusters`` is None."""
    return min(10, max(2, int(np.sqrt(n_samples / 2))))


def _cluster_nodes(features, clustering_type):
    """K6 ``cluster_nodes(features, clustering_type)`` with ``n_clusters=None``:
    scale, cluster with the original's constructor call, silhouette over the
    scaled features when there is more than one label, else 0.0. Returns the
    original's ``(labels, silhouette, centers)``."""
    scaler = StandardScaler()
    features_scaled = scaler.fit_transform(features)

    n_clusters = auto_clusters(len(features))

    centers = None
    if clustering_type == "spectral":
        clusterer = SpectralClustering(n_clusters=n_clusters, random_state=42, affinity="nearest_neighbors")
        labels = clusterer.fit_predict(features_scaled)
    elif clustering_type == "kmeans":
        clusterer = KMeans(n_clusters=n_clusters, random_state=42)
        labels = clusterer.fit_predict(features_scaled)
        centers = clusterer.cluster_centers_
    elif clustering_type == "hierarchical":
        clusterer = AgglomerativeClustering(n_clusters=n_clusters)
        labels = clusterer.fit_predict(features_scaled)
    else:
        raise ValueError(f"Unsupported clustering type: {clustering_type}")

    silhouette = silhouette_score(features_scaled, labels) if len(set(labels)) > 1 else 0.0

    return labels, silhouette, centers


def cluster_kmeans(features):
    return _cluster_nodes(features, "kmeans")


def cluster_spectral(features):
    return _cluster_nodes(features, "spectral")


def cluster_ward(features):
    return _cluster_nodes(features, "hierarchical")


def _partition(labels):
    """Clusters as member lists, each increasing, ordered by smallest member:
    the canonical layout both sides produce, so equal partitions are equal
    lists whatever numbers the labels carry."""
    order = np.argsort(labels, kind="stable")
    groups = np.split(order, np.flatnonzero(np.diff(labels[order])) + 1) if len(labels) else []
    groups = sorted((np.sort(g) for g in groups), key=lambda g: g[0])
    flat = np.concatenate(groups).astype(np.int64) if groups else np.zeros(0, dtype=np.int64)
    offsets = np.zeros(len(groups) + 1, dtype=np.int64)
    np.cumsum([len(g) for g in groups], out=offsets[1:])
    return flat, offsets


def output(result, features):
    """(flat, offsets, [silhouette, inertia]): the partition, the original's
    silhouette, and (k-means, whose centres the original returns) the sum of
    squared distances of the scaled rows to their centres, NaN otherwise.
    Computed here, outside the timed call."""
    labels, silhouette, centers = result
    labels = np.asarray(labels)
    flat, offsets = _partition(labels)
    inertia = np.nan
    if centers is not None:
        scaled = StandardScaler().fit_transform(features)
        inertia = float(((scaled - centers[labels]) ** 2).sum())
    return flat, offsets, np.array([float(silhouette), inertia])


def node_anomaly_scores(features, contamination=0.1):
    """K7 ``detect_anomalies(features, contamination=0.1)``: scale, then
    ``IsolationForest(contamination=contamination, random_state=42)``,
    ``fit_predict`` for the ±1 labels and ``score_samples`` for the scores
    (lower = more anomalous), as the original returns them."""
    scaler = StandardScaler()
    features_scaled = scaler.fit_transform(features)

    iso_forest = IsolationForest(contamination=contamination, random_state=42)
    anomaly_labels = iso_forest.fit_predict(features_scaled)
    anomaly_scores = iso_forest.score_samples(features_scaled)

    return anomaly_labels, anomaly_scores


def node_anomaly_scores_output(result, features):
    """Anomaly scores, higher = more anomalous (the negated ``score_samples``),
    the convention of the harness's anomaly-scores comparison."""
    _, scores = result
    return -np.asarray(scores, dtype=np.float64)


QUALITY_STATES = range(8)


def kmeans_inertias(features):
    """The inertia of the original's k-means call under eight random
    states (0-7): the spread one k-means++ start has, which the differential
    tests hold the twin's spread to. Not a baseline of the original."""
    scaled = StandardScaler().fit_transform(features)
    n_clusters = auto_clusters(len(features))
    return [KMeans(n_clusters=n_clusters, random_state=s).fit(scaled).inertia_ for s in QUALITY_STATES]


def kmeans_inertias_output(result, features):
    return np.asarray(result, dtype=np.float64)


def forest_scores(features):
    """K7's anomaly scores (negated ``score_samples``) under four random
    states (0-3), concatenated: the forest-to-forest spread the differential
    tests compare the twin's with. Not a baseline of the original."""
    scaled = StandardScaler().fit_transform(features)
    return [
        -IsolationForest(contamination=0.1, random_state=s).fit(scaled).score_samples(scaled)
        for s in range(4)
    ]


def forest_scores_output(result, features):
    return np.concatenate(result).astype(np.float64)
