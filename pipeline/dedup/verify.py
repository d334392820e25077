"""Verification of candidate pairs: exact Jaccard similarity of the two rows' shingle sets.

LSH buckets hold false positives (pairs that share one band by chance); merging them transitively
chains unrelated files into giant clusters. A candidate edge is kept only when its Jaccard is at
least the threshold. The shingle sets are the same 32-bit shingle hashes the signatures are
built from (a hash collision can only merge two distinct shingles, ~n^2/2^33 of them per set).
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from pipeline.dedup.shingles import texts_to_shingle_sets


def jaccard(first: np.ndarray, second: np.ndarray) -> float:
    """Jaccard similarity of two sorted unique arrays (two empty sets count as identical)."""
    if first.size == 0 and second.size == 0:
        return 1.0
    common = np.intersect1d(first, second, assume_unique=True).size
    return common / (first.size + second.size - common)


def pair_jaccards(left: pa.Array, right: pa.Array, ngram: int) -> np.ndarray:
    """Jaccard of the shingle sets of left[i] and right[i] for every i."""
    left_sets = texts_to_shingle_sets(left, ngram)
    right_sets = texts_to_shingle_sets(right, ngram)
    return np.array([jaccard(left_sets.of(i), right_sets.of(i)) for i in range(len(left))], dtype=np.float64)


PAIR_JACCARD_SCHEMA = pa.schema([
    pa.field("a", pa.string()), pa.field("b", pa.string()), pa.field("jaccard", pa.float64()),
])


def pair_jaccard_batches(batches, ngram: int):
    """Arrow batches (a, b, content_a, content_b) -> (a, b, jaccard)."""
    for batch in batches:
        values = pair_jaccards(batch.column("content_a"), batch.column("content_b"), ngram)
        yield pa.RecordBatch.from_arrays([batch.column("a"), batch.column("b"), pa.array(values)],
                                         schema=PAIR_JACCARD_SCHEMA)
