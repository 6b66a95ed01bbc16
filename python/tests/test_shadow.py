"""Shadow mode (twinbench.shadow): the answering side, the comparison under
the pair's tolerance, failures never reaching the caller, the bounded
replay buffer, thread safety."""

import threading

import networkx as nx
import pytest

from conftest import TOLERANCES, shuffled_copy
from twinbench.shadow import Shadow, exact, scores_close, shadow


def pagerank_twin(G):
    return nx.pagerank(G, backend="twinbench")


def graphs(count):
    for seed in range(count):
        yield shuffled_copy(nx.barabasi_albert_graph(60 + seed, 3, seed=seed), seed)


def test_the_twin_agrees_with_networkx_on_every_shadowed_call():
    shadowed = Shadow(nx.pagerank, pagerank_twin, compare=scores_close(*TOLERANCES["pagerank"]), seed=1)
    for G in graphs(40):
        assert shadowed(G) == nx.pagerank(G), "shadowing serves the original's answer"
    s = shadowed.stats
    assert (s.calls, s.shadowed, s.mismatches, s.failures, s.twin_answered) == (40, 40, 0, 0, 0)
    assert s.error_rate == 0.0
    assert s.original_runs == s.twin_runs == 40
    assert len(s.original_ns) == len(s.twin_ns) == 40 and min(s.twin_ns) > 0


def test_a_wrong_twin_is_caught_its_inputs_kept_bounded_and_replayable():
    def wrong(G):
        scores = pagerank_twin(G)
        first = next(iter(scores))
        scores[first] += 1e-6
        return scores

    shadowed = Shadow(nx.pagerank, wrong, compare=scores_close(*TOLERANCES["pagerank"]), max_kept=3, seed=2)
    inputs = list(graphs(5))
    for G in inputs:
        shadowed(G)
    s = shadowed.stats
    assert (s.shadowed, s.mismatches, s.failures) == (5, 5, 0)
    kept = shadowed.kept
    assert len(kept) == 3, "bounded: the oldest are dropped"
    assert all(k.kind == "mismatch" and "rtol" in k.detail for k in kept)
    assert nx.utils.graphs_equal(kept[-1].args[0], inputs[-1])
    assert all(detail is not None for _, detail in shadowed.replay()), "the mismatch reproduces"


def test_a_failing_twin_never_reaches_the_caller():
    def broken(_):
        raise RuntimeError("boom")

    for twin_fraction in (0.0, 1.0):
        shadowed = Shadow(lambda x: x * 2, broken, twin_fraction=twin_fraction, seed=3)
        assert [shadowed(i) for i in range(10)] == [i * 2 for i in range(10)]
        s = shadowed.stats
        assert (s.failures, s.mismatches, s.twin_answered) == (10, 0, 0)
        assert all(k.kind == "failure" and "RuntimeError: boom" in k.detail for k in shadowed.kept)


def test_a_declined_call_is_neither_shadowed_nor_a_failure():
    def declines_odd(x):
        if x % 2:
            raise NotImplementedError("not this call")
        return x * 2

    for twin_fraction in (0.0, 1.0):
        shadowed = Shadow(lambda x: x * 2, declines_odd, twin_fraction=twin_fraction, seed=7)
        assert [shadowed(i) for i in range(10)] == [i * 2 for i in range(10)]
        s = shadowed.stats
        assert (s.calls, s.declined, s.shadowed, s.failures, s.mismatches) == (10, 5, 5, 0, 0)
        assert s.twin_answered == (5 if twin_fraction else 0)
        assert shadowed.kept == []

    # Declining is a choice of exception types: with none, it is a failure.
    strict = Shadow(lambda x: x * 2, declines_odd, declines=(), seed=8)
    [strict(i) for i in range(4)]
    assert (strict.stats.declined, strict.stats.failures) == (0, 2)


def test_the_original_raising_is_raised_and_a_twin_raising_too_agrees():
    def original(x):
        if x < 0:
            raise ValueError("negative")
        return x

    agreeing = Shadow(original, original, seed=4)
    with pytest.raises(ValueError, match="negative"):
        agreeing(-1)
    assert (agreeing.stats.mismatches, agreeing.stats.failures) == (0, 0)

    answering = Shadow(original, lambda x: x, seed=4)
    with pytest.raises(ValueError):
        answering(-1)
    assert answering.stats.mismatches == 1, "the twin answered where the original raised"


def test_the_twin_answers_its_fraction_and_shadowing_can_be_off():
    shadowed = Shadow(lambda x: ("original", x), lambda x: ("twin", x), twin_fraction=0.25, shadow_fraction=0.0, seed=5)
    answers = [shadowed(i)[0] for i in range(4000)]
    assert 800 < answers.count("twin") < 1200
    s = shadowed.stats
    assert s.shadowed == 0 and s.twin_runs == s.twin_answered == answers.count("twin")
    assert s.original_runs == answers.count("original")


def test_every_side_answering_alone_counts_once():
    shadowed = Shadow(lambda x: x, lambda x: x, twin_fraction=1.0, shadow_fraction=0.5, compare=exact, seed=6)
    for i in range(200):
        assert shadowed(i) == i
    s = shadowed.stats
    assert s.calls == s.twin_answered == s.twin_runs == 200
    assert s.original_runs == s.shadowed and 60 < s.shadowed < 140


def test_concurrent_callers_are_all_counted():
    shadowed = Shadow(lambda x: x + 1, lambda x: x + 1, twin_fraction=0.5, seed=7)
    threads = [threading.Thread(target=lambda: [shadowed(i) for i in range(500)]) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    s = shadowed.stats
    assert (s.calls, s.shadowed, s.mismatches) == (2000, 2000, 0)
    assert s.twin_runs == s.original_runs == 2000


def test_the_decorator_and_bad_fractions():
    @shadow(lambda x: x, seed=8)
    def original(x):
        return x

    assert original(3) == 3 and original.stats.calls == 1
    with pytest.raises(ValueError, match="twin_fraction"):
        Shadow(len, len, twin_fraction=1.5)
