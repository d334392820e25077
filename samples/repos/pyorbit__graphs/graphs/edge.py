"""Graph edges. Edges refer to their end nodes, and nodes to their edges: the two modules
import each other."""

from __future__ import annotations

from dataclasses import dataclass

from graphs.node import Node


@dataclass(eq=False)
class Edge:
    source: Node
    target: Node
    weight: float = 1.0

    def reversed(self) -> "Edge":
        return Edge(self.target, self.source, self.weight)

    def other(self, node: Node) -> Node:
        if node is self.source:
            return self.target
        if node is self.target:
            return self.source
        raise ValueError(f"{node!r} is not an end of {self!r}")

    def __repr__(self) -> str:
        return f"Edge({self.source.key!r} -> {self.target.key!r}, w={self.weight})"
