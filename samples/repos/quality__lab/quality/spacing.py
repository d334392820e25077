"""Gaps between neighbouring values of a series, computed after sorting it once."""

from __future__ import annotations


def closest_gap(values: list[float]) -> float | None:
    """The smallest distance between two values, or None when there are fewer than two."""
    ordered = sorted(values)
    if len(ordered) < 2:
        return None
    return min(right - left for left, right in zip(ordered, ordered[1:]))


def spaced_enough(values: list[float], minimum: float) -> bool:
    """True when no two values are closer than `minimum`."""
    gap = closest_gap(values)
    return gap is None or gap >= minimum
