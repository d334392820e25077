"""Dependency ordering: SCC condensation, the minimal-in-degree rule inside cycles, determinism."""

import random

from pipeline.repo.order import (
    connected_subgraphs,
    dependency_order,
    paper_order,
    strongly_connected_components,
)


def order_of(paths, named_edges):
    index = {p: i for i, p in enumerate(paths)}
    edges = {(index[a], index[b]) for a, b in named_edges}
    sequences, component = dependency_order(paths, edges)
    return [[paths[i] for i in seq] for seq in sequences], component


def test_chain_and_tie_break_by_path():
    sequences, _ = order_of(["c.py", "b.py", "a.py", "z.py"], [("c.py", "b.py"), ("b.py", "a.py")])
    assert sequences == [["a.py", "b.py", "c.py"], ["z.py"]]
    sequences, _ = order_of(["main", "x", "y"], [("main", "y"), ("main", "x")])
    assert sequences == [["x", "y", "main"]]


def test_cycle_is_condensed_and_ordered_by_fewest_unplaced_imports():
    # a <-> b <-> c cycle where c imports only b, a imports b and c; d imports a; e is imported by c.
    edges = [("a", "b"), ("a", "c"), ("b", "a"), ("b", "c"), ("c", "b"), ("d", "a"), ("c", "e")]
    sequences, component = order_of(["a", "b", "c", "d", "e"], edges)
    # c has one unplaced import in the cycle (b), a and b two; after c, a and b tie at one: path.
    assert sequences == [["e", "c", "a", "b", "d"]]
    assert component[0] == component[1] == component[2] != component[3]


def test_condensation_respects_edges_the_paper_rule_breaks():
    # Two cycles, a<->b and x<->y, and a imports x. Every file has one unplaced import once the
    # rule stalls, so the paper's rule takes `a`/`b` (by path) before `x`: the edge a -> x breaks.
    paths = ["a", "b", "x", "y"]
    named = [("a", "b"), ("b", "a"), ("x", "y"), ("y", "x"), ("a", "x")]
    index = {p: i for i, p in enumerate(paths)}
    edges = {(index[a], index[b]) for a, b in named}
    plain = [paths[i] for i in paper_order(paths, edges)]
    assert plain.index("a") < plain.index("x")
    sequences, _ = order_of(paths, named)
    assert sequences == [["x", "y", "a", "b"]]


def test_deep_chain_needs_no_recursion():
    n = 20_000
    paths = [f"f{i:06d}" for i in range(n)]
    deps = [[i - 1] if i else [n - 1] for i in range(n)]  # one cycle through every file
    assert len(set(strongly_connected_components(n, deps))) == 1
    chain = {(i, i - 1) for i in range(1, n)}  # no cycle: f0 must come first, then f1...
    sequences, _ = dependency_order(paths, chain)
    assert sequences == [list(range(n))]


def test_random_graphs_respect_every_edge_outside_cycles():
    rng = random.Random(7)
    for _ in range(200):
        n = rng.randint(1, 30)
        paths = [f"m{i:02d}" for i in range(n)]
        edges = {(rng.randrange(n), rng.randrange(n)) for _ in range(rng.randint(0, 3 * n))}
        edges = {(a, b) for a, b in edges if a != b}
        sequences, component = dependency_order(paths, edges)
        flat = [x for seq in sequences for x in seq]
        assert sorted(flat) == list(range(n))  # every file exactly once
        position = {x: k for k, x in enumerate(flat)}
        for a, b in edges:
            if component[a] != component[b]:
                assert position[b] < position[a]
        assert dependency_order(list(paths), set(edges))[0] == sequences  # deterministic


def test_connected_subgraphs():
    groups = sorted(sorted(g) for g in connected_subgraphs(5, {(0, 1), (3, 4)}))
    assert groups == [[0, 1], [2], [3, 4]]
