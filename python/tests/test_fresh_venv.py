"""The built wheel installs into a fresh venv and serves networkx there.

`make setup` builds the wheel into python/target/wheels (TWINBENCH_WHEEL
names another). The new venv gets the wheel plus the pins the project runs
(networkx 3.4.2, numpy 2.2.6), from pip's cache when warm; no scipy,
which networkx's own pagerank needs and the twin does not, so networkx's
answer is computed here, in the project's venv.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import networkx as nx

WHEELS = Path(__file__).resolve().parents[1] / "target" / "wheels"

SCRIPT = """
import json, sys
import networkx as nx
import twinbench
G = nx.les_miserables_graph()
twin = nx.pagerank(G, backend="twinbench")
nx.config.backend_priority.algos = ["twinbench"]
communities = nx.community.greedy_modularity_communities(G)
json.dump({
    "module": twinbench.__file__,
    "backends": sorted(nx.pagerank.backends),
    "pagerank": list(twin.items()),
    "communities": [sorted(c) for c in communities],
}, sys.stdout)
"""


def built_wheel():
    if named := os.environ.get("TWINBENCH_WHEEL"):
        return Path(named)
    wheels = sorted(WHEELS.glob("twinbench-*-abi3-*.whl"), key=lambda p: p.stat().st_mtime)
    assert wheels, f"no wheel in {WHEELS}: run `make setup`, which builds it"
    return wheels[-1]


def test_the_wheel_serves_networkx_in_a_fresh_venv(tmp_path):
    wheel = built_wheel()
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    python = venv / "bin" / "python"
    subprocess.run(
        [
            str(python),
            "-m",
            "pip",
            "install",
            "--disable-pip-version-check",
            "--quiet",
            str(wheel),
            "networkx==3.4.2",
            "numpy==2.2.6",
        ],
        check=True,
    )
    run = subprocess.run([str(python), "-c", SCRIPT], capture_output=True, text=True, cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    report = json.loads(run.stdout)
    assert report["module"].startswith(str(venv)), "imported from the fresh venv, not the project's"
    assert "twinbench" in report["backends"]
    G = nx.les_miserables_graph()
    expected = nx.pagerank(G)
    twin = dict(report["pagerank"])
    assert list(twin) == list(expected)
    for v, rank in expected.items():
        assert abs(twin[v] - rank) <= 1e-12 + 1e-9 * rank, "the pagerank pair's tolerance"
    assert report["communities"] == [sorted(c) for c in nx.community.greedy_modularity_communities(G)]
