"""What networkx reads about the backend when it is imported (the
``networkx.backend_info`` entry point).

networkx calls ``get_info`` while it is still importing, so this module
imports neither networkx nor the extension.
"""

#: Every networkx function the backend implements, by networkx's dispatch
#: name; ``twinbench.backend`` defines one function per name (a test holds
#: the two lists equal).
FUNCTIONS = (
    "pagerank",
    "degree_centrality",
    "closeness_centrality",
    "betweenness_centrality",
    "eigenvector_centrality",
    "greedy_modularity_communities",
    "label_propagation_communities",
    "modularity",
    "shortest_path",
    "bidirectional_shortest_path",
    "has_path",
    "all_simple_paths",
    "clustering",
    "average_clustering",
    "connected_components",
    "number_connected_components",
    "is_connected",
    "average_shortest_path_length",
    "diameter",
)

_DOCS = (
    "Rust twin from twinbench-kernels on undirected simple graphs; calls with "
    "parameters the twin does not implement run networkx's own implementation "
    "(through nx.config.backend_priority) or raise NotImplementedError naming "
    "the parameter (backend='twinbench')."
)


def get_info():
    """The backend's description, in the form networkx 3.4 documents."""
    return {
        "backend_name": "twinbench",
        "project": "twinbench",
        "package": "twinbench",
        "url": None,
        "short_summary": "Rust twins of the analytics kernels (verified against networkx 3.4.2).",
        "default_config": {},
        "functions": {name: {"additional_docs": _DOCS} for name in FUNCTIONS},
    }
