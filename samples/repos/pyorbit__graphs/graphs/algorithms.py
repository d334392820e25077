"""Breadth-first search, topological order and Dijkstra shortest paths over a Graph."""

from __future__ import annotations

import heapq
from collections import deque
from typing import Dict, Hashable, List, Optional

from .graph import Graph


def bfs(graph: Graph, start: Hashable) -> List[Hashable]:
    seen = {start}
    order = []
    queue = deque([graph.node(start)])
    while queue:
        node = queue.popleft()
        order.append(node.key)
        for nxt in node.successors():
            if nxt.key not in seen:
                seen.add(nxt.key)
                queue.append(nxt)
    return order


def topological_order(graph: Graph) -> List[Hashable]:
    indegree = {node.key: len(node.in_edges) for node in graph}
    ready = deque(sorted(k for k, d in indegree.items() if d == 0))
    order = []
    while ready:
        key = ready.popleft()
        order.append(key)
        for nxt in graph.node(key).successors():
            indegree[nxt.key] -= 1
            if indegree[nxt.key] == 0:
                ready.append(nxt.key)
    if len(order) != len(graph):
        raise ValueError("graph has a cycle")
    return order


def shortest_path(graph: Graph, start: Hashable, goal: Hashable) -> Optional[List[Hashable]]:
    dist: Dict[Hashable, float] = {start: 0.0}
    prev: Dict[Hashable, Hashable] = {}
    heap = [(0.0, 0, start)]
    counter = 1
    while heap:
        d, _, key = heapq.heappop(heap)
        if key == goal:
            path = [key]
            while key in prev:
                key = prev[key]
                path.append(key)
            return path[::-1]
        if d > dist.get(key, float("inf")):
            continue
        for e in graph.node(key).out_edges:
            nd = d + e.weight
            if nd < dist.get(e.target.key, float("inf")):
                dist[e.target.key] = nd
                prev[e.target.key] = key
                heapq.heappush(heap, (nd, counter, e.target.key))
                counter += 1
    return None
