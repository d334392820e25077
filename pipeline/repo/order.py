"""Dependency order of a repository's files: each file after the files it imports.

Strongly connected components (import cycles) are condensed first (iterative Tarjan, so deep
graphs hit no recursion limit); components are emitted in topological order, and only inside a
cycle does DeepSeek-Coder's rule apply (take the file with the fewest imports not yet placed).
Every tie is broken by path, so the order is deterministic. Each connected subgraph is one
sequence.
"""

from __future__ import annotations

import heapq
from collections import defaultdict


def strongly_connected_components(n: int, deps: list[list[int]]) -> list[int]:
    """Component id of each node (iterative Tarjan); ids are in reverse topological order."""
    index_of = [-1] * n
    low = [0] * n
    on_stack = [False] * n
    component = [-1] * n
    stack: list[int] = []
    next_index = 0
    next_component = 0
    for root in range(n):
        if index_of[root] != -1:
            continue
        work = [(root, 0)]  # (node, position of the next neighbour to visit)
        while work:
            node, pos = work[-1]
            if pos == 0:
                index_of[node] = low[node] = next_index
                next_index += 1
                stack.append(node)
                on_stack[node] = True
            neighbours = deps[node]
            if pos < len(neighbours):
                work[-1] = (node, pos + 1)
                nxt = neighbours[pos]
                if index_of[nxt] == -1:
                    work.append((nxt, 0))
                elif on_stack[nxt]:
                    low[node] = min(low[node], index_of[nxt])
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index_of[node]:
                while True:
                    member = stack.pop()
                    on_stack[member] = False
                    component[member] = next_component
                    if member == node:
                        break
                next_component += 1
    return component


def connected_subgraphs(n: int, edges: set[tuple[int, int]]) -> list[list[int]]:
    """Weakly connected components (union-find), each a list of nodes."""
    parent = list(range(n))

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b in edges:
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    groups: dict[int, list[int]] = defaultdict(list)
    for node in range(n):
        groups[find(node)].append(node)
    return list(groups.values())


def dependency_order(paths: list[str], edges: set[tuple[int, int]]) -> tuple[list[list[int]], list[int]]:
    """Sequences of node indexes (one per connected subgraph, ordered by their first path) and the
    component id of each node (nodes sharing an id form an import cycle)."""
    n = len(paths)
    deps: list[list[int]] = [[] for _ in range(n)]
    for a, b in edges:
        deps[a].append(b)
    for d in deps:
        d.sort(key=lambda x: paths[x])
    component = strongly_connected_components(n, deps)
    sequences = [_order_subgraph(nodes, deps, component, paths) for nodes in connected_subgraphs(n, edges)]
    sequences.sort(key=lambda seq: min(paths[x] for x in seq))
    return sequences, component


def _order_subgraph(nodes: list[int], deps: list[list[int]], component: list[int], paths: list[str]) -> list[int]:
    members: dict[int, list[int]] = defaultdict(list)
    for node in nodes:
        members[component[node]].append(node)
    # Condensed graph: component c waits for the distinct components it imports from.
    waits_for = {c: set() for c in members}
    dependents: dict[int, set[int]] = defaultdict(set)
    for node in nodes:
        for dep in deps[node]:
            if component[dep] != component[node]:
                waits_for[component[node]].add(component[dep])
                dependents[component[dep]].add(component[node])
    remaining = {c: len(w) for c, w in waits_for.items()}
    first_path = {c: min(paths[x] for x in m) for c, m in members.items()}
    ready = [(first_path[c], c) for c, count in remaining.items() if count == 0]
    heapq.heapify(ready)
    order: list[int] = []
    while ready:
        _, c = heapq.heappop(ready)
        order += _order_cycle(members[c], deps, component, paths) if len(members[c]) > 1 else members[c]
        for d in dependents[c]:
            remaining[d] -= 1
            if remaining[d] == 0:
                heapq.heappush(ready, (first_path[d], d))
    return order


def _order_cycle(cycle: list[int], deps: list[list[int]], component: list[int], paths: list[str]) -> list[int]:
    """DeepSeek-Coder's rule inside one cycle: repeatedly take the file with the fewest unplaced imports
    from the cycle (ties by path)."""
    cid = component[cycle[0]]
    unplaced_deps = {x: sum(1 for d in deps[x] if component[d] == cid) for x in cycle}
    importers: dict[int, list[int]] = defaultdict(list)
    for x in cycle:
        for d in deps[x]:
            if component[d] == cid:
                importers[d].append(x)
    heap = [(count, paths[x], x) for x, count in unplaced_deps.items()]
    heapq.heapify(heap)
    placed: set[int] = set()
    order = []
    while heap:
        count, _, x = heapq.heappop(heap)
        if x in placed or count != unplaced_deps[x]:
            continue  # a stale heap entry: the count went down since it was pushed
        placed.add(x)
        order.append(x)
        for importer in importers[x]:
            if importer not in placed:
                unplaced_deps[importer] -= 1
                heapq.heappush(heap, (unplaced_deps[importer], paths[importer], importer))
    return order


def paper_order(paths: list[str], edges: set[tuple[int, int]]) -> list[int]:
    """DeepSeek-Coder's rule over a whole graph, without condensing cycles (kept to measure against)."""
    unplaced = [0] * len(paths)
    importers: dict[int, list[int]] = defaultdict(list)
    for a, b in edges:
        unplaced[a] += 1
        importers[b].append(a)
    heap = [(count, paths[x], x) for x, count in enumerate(unplaced)]
    heapq.heapify(heap)
    placed = [False] * len(paths)
    order = []
    while heap:
        count, _, x = heapq.heappop(heap)
        if placed[x] or count != unplaced[x]:
            continue
        placed[x] = True
        order.append(x)
        for importer in importers[x]:
            if not placed[importer]:
                unplaced[importer] -= 1
                heapq.heappush(heap, (unplaced[importer], paths[importer], importer))
    return order
