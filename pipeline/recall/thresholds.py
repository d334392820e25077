"""Score thresholds from the score distribution (a histogram), instead of a fixed 0.5.

Default: Otsu's split of the histogram of a target's scores over all pages (the valley between the
"not this target" and "this target" modes). Alternatives: keep the top fraction, or a fixed score.
"""

from __future__ import annotations

import numpy as np

BINS = 1000


def histogram(scores: np.ndarray, bins: int = BINS) -> np.ndarray:
    index = np.clip((np.asarray(scores, dtype=np.float64) * bins).astype(np.int64), 0, bins - 1)
    return np.bincount(index, minlength=bins)


def otsu(counts: np.ndarray) -> float:
    """The score splitting the histogram into two classes of least within-class variance."""
    counts = np.asarray(counts, dtype=np.float64)
    bins = len(counts)
    centers = (np.arange(bins) + 0.5) / bins
    total = counts.sum()
    if total == 0:
        return 0.5
    below = np.cumsum(counts)[:-1]
    above = total - below
    sum_below = np.cumsum(counts * centers)[:-1]
    mean_below = np.divide(sum_below, below, out=np.zeros_like(sum_below), where=below > 0)
    mean_above = np.divide(
        sum_below[-1] + counts[-1] * centers[-1] - sum_below,
        above,
        out=np.zeros_like(sum_below),
        where=above > 0,
    )
    between = below * above * (mean_below - mean_above) ** 2
    cut = int(np.argmax(between)) + 1  # scores in bins >= cut are above the threshold
    return cut / bins


def upper_mean(counts: np.ndarray, cut: float) -> float:
    """Mean score of the pages at or above `cut`."""
    counts = np.asarray(counts, dtype=np.float64)
    bins = len(counts)
    first = min(int(cut * bins), bins - 1)
    centers = (np.arange(bins) + 0.5) / bins
    mass = counts[first:].sum()
    return float((counts[first:] * centers[first:]).sum() / mass) if mass else cut


def firm(counts: np.ndarray, cut: float) -> float:
    """A firm call: half way from the threshold to the mean score of the pages above it. On a
    confident model that is ~0.7, on a model trained on a few pages ~0.4: the domain rule counts
    the pages the model is sure of, whatever its scale."""
    return (cut + upper_mean(counts, cut)) / 2


def keep_top(counts: np.ndarray, fraction: float) -> float:
    """The lowest score that keeps at most `fraction` of all pages."""
    counts = np.asarray(counts, dtype=np.float64)
    bins = len(counts)
    kept_from = np.cumsum(counts[::-1])[::-1]  # pages with a score in bin >= i
    allowed = fraction * counts.sum()
    ok = np.nonzero(kept_from <= allowed)[0]
    return (ok[0] / bins) if len(ok) else 1.0


def choose(
    counts: np.ndarray,
    method: str = "otsu",
    value: float | None = None,
    floor: float = 0.2,
    ceiling: float = 0.9,
) -> float:
    """`otsu` (clamped to [floor, ceiling] so a one-mode histogram cannot collect everything),
    `keep_top` (value = fraction) or `min_score` (value = the score)."""
    if method == "min_score":
        return float(value)
    if method == "keep_top":
        return keep_top(counts, float(value))
    return float(min(ceiling, max(floor, otsu(counts))))
