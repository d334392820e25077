"""The Graph container: nodes by key, edges between them."""

from __future__ import annotations

from typing import Dict, Hashable, Iterator

from ._compat import removeprefix
from .edge import Edge
from .node import Node


class Graph:
    def __init__(self, name: str = "graph"):
        self.name = removeprefix(name, "graph:")
        self._nodes: Dict[Hashable, Node] = {}

    def node(self, key: Hashable) -> Node:
        if key not in self._nodes:
            self._nodes[key] = Node(key)
        return self._nodes[key]

    def add_edge(self, a: Hashable, b: Hashable, weight: float = 1.0) -> Edge:
        return self.node(a).connect(self.node(b), weight)

    def edges(self) -> Iterator[Edge]:
        for node in self._nodes.values():
            yield from node.out_edges

    def __contains__(self, key: Hashable) -> bool:
        return key in self._nodes

    def __iter__(self) -> Iterator[Node]:
        return iter(self._nodes.values())

    def __len__(self) -> int:
        return len(self._nodes)
