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
from pipeline.schema import text_ranges


def jaccard(first: np.ndarray, second: np.ndarray) -> float:
    """Jaccard similarity of two sorted unique arrays (two empty sets count as identical), by binary
    search of the shorter in the longer."""
    if first.size > second.size:
        first, second = second, first
    if second.size == 0:
        return 1.0
    found = np.searchsorted(second, first)
    common = int(np.count_nonzero(second[np.minimum(found, second.size - 1)] == first))
    return common / (first.size + second.size - common)


PAIR_JACCARD_SCHEMA = pa.schema(
    [
        pa.field("a", pa.string()),
        pa.field("b", pa.string()),
        pa.field("jaccard", pa.float64()),
    ]
)
SHINGLE_SET_SCHEMA = pa.schema([pa.field("id", pa.string()), pa.field("shingles", pa.binary())])
SET_BATCH_BYTES = 4 << 20


def shingle_set_batches(batches, ngram: int):
    """Arrow batches (id, content) -> (id, shingles): each row's sorted unique shingle hashes as
    little-endian uint32 bytes. Computed once per row, so verifying a row's many candidate pairs
    does not shingle its text again for each pair."""
    for batch in batches:
        texts = batch.column("content")
        for begin, end in text_ranges(texts, SET_BATCH_BYTES):
            sets = texts_to_shingle_sets(texts.slice(begin, end - begin), ngram)
            offsets = pa.py_buffer((sets.bounds * 4).astype(np.int32))
            shingles = pa.Array.from_buffers(
                pa.binary(), end - begin, [None, offsets, pa.py_buffer(sets.values.astype("<u4"))]
            )
            yield pa.RecordBatch.from_arrays(
                [batch.column("id").slice(begin, end - begin), shingles], schema=SHINGLE_SET_SCHEMA
            )


def set_pair_jaccard_batches(batches):
    """Arrow batches (a, b, shingles_a, shingles_b) -> (a, b, jaccard), from the rows' shingle sets."""
    for batch in batches:
        left, right = batch.column("shingles_a"), batch.column("shingles_b")
        values = np.array(
            [
                jaccard(np.frombuffer(x, "<u4"), np.frombuffer(y, "<u4"))
                for x, y in zip(left.to_pylist(), right.to_pylist(), strict=True)
            ],
            dtype=np.float64,
        )
        yield pa.RecordBatch.from_arrays(
            [batch.column("a"), batch.column("b"), pa.array(values, pa.float64())], schema=PAIR_JACCARD_SCHEMA
        )
