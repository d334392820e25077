"""LSH banding: bands x rows from datasketch's optimal-parameter routine, and 8-byte band hashes.

Two rows land in the same bucket of band k when their signatures agree on all `rows` entries of
that band. A band's entries are folded into one 64-bit value (collisions ~2^-64 per pair) and
mixed with the band index, so equal values in different bands never meet.
"""

from __future__ import annotations

import functools

import numpy as np
from datasketch.lsh import _optimal_param

from pipeline.dedup.hashing import fmix64
from pipeline.dedup.minhash import EMPTY

_ROW_BASE = np.uint64(0x9FB21C651E98DF25)


@functools.lru_cache(maxsize=64)  # an integration per candidate: ~0.1 s, once per batch without the cache
def optimal_bands(threshold: float, num_perm: int, false_negative_weight: float = 0.5) -> tuple[int, int]:
    """(bands, rows) minimising the weighted false positive + false negative probability at `threshold`.

    Equal weights give datasketch's MinHashLSH default (25 x 10 for 0.7 / 256); a false-negative
    weight of 0.95 gives 36 x 7, which catches 95% of pairs at exactly the threshold instead of 51%.
    """
    bands, rows = _optimal_param(threshold, num_perm, 1.0 - false_negative_weight, false_negative_weight)
    return int(bands), int(rows)


def band_hashes(signatures: np.ndarray, bands: int, rows: int) -> np.ndarray:
    """int64[n, bands]: one hash per band of each signature (uint32[n, num_perm])."""
    if bands * rows > signatures.shape[1]:
        raise ValueError(
            f"{bands} bands x {rows} rows need {bands * rows} permutations; signatures have {signatures.shape[1]}"
        )
    banded = signatures[:, : bands * rows].reshape(len(signatures), bands, rows).astype(np.uint64)
    folded = np.broadcast_to(np.arange(1, bands + 1, dtype=np.uint64), banded.shape[:2]).copy()
    for j in range(rows):
        folded *= _ROW_BASE
        folded += banded[:, :, j]
    return fmix64(folded).view(np.int64)


def has_shingles(signatures: np.ndarray) -> np.ndarray:
    """Rows whose signature saw at least one shingle (empty documents take part in no bucket)."""
    return (signatures != EMPTY).any(axis=1)
