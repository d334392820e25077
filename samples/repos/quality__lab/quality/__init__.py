"""Small helpers for measuring how close values in a series are to each other."""

from quality.spacing import closest_gap, spaced_enough

__all__ = ["closest_gap", "spaced_enough"]
