"""Graph nodes. A node keeps its outgoing and incoming edges."""

from __future__ import annotations

from typing import TYPE_CHECKING, Hashable, List

from graphs import edge

if TYPE_CHECKING:
    from graphs.edge import Edge


class Node:
    __slots__ = ("key", "data", "out_edges", "in_edges")

    def __init__(self, key: Hashable, data=None):
        self.key = key
        self.data = data
        self.out_edges: List["Edge"] = []
        self.in_edges: List["Edge"] = []

    def connect(self, other: "Node", weight: float = 1.0) -> "Edge":
        link = edge.Edge(self, other, weight)
        self.out_edges.append(link)
        other.in_edges.append(link)
        return link

    def successors(self) -> List["Node"]:
        return [e.target for e in self.out_edges]

    def predecessors(self) -> List["Node"]:
        return [e.source for e in self.in_edges]

    @property
    def degree(self) -> int:
        return len(self.out_edges) + len(self.in_edges)

    def __repr__(self) -> str:
        return f"Node({self.key!r})"
