"""graphs: a tiny directed-graph library."""

from graphs.algorithms import bfs, shortest_path, topological_order
from graphs.graph import Graph

__all__ = ["Graph", "bfs", "shortest_path", "topological_order"]
