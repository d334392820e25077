"""Candidate pairs from LSH buckets, the same rule for the Spark job and the reference run.

In each bucket (rows sharing one band hash), members m0 < m1 < ... sorted by id are linked
- to m0, the smallest id (a star), but only the first `max_bucket` members: a giant bucket
  (stub files, licence texts) does not fan out one row's content to thousands of verifications;
- to the member just before them (a chain, so two members both unlike m0 still meet, and the
  members past the cap stay connected).
Edges are pairs (smaller id, larger id). A bucket of s members yields fewer than 2s edges.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc


def bucket_edges(sorted_ids: list[str], max_bucket: int) -> Iterable[tuple[str, str]]:
    for i in range(1, len(sorted_ids)):
        if i < max_bucket:
            yield sorted_ids[0], sorted_ids[i]
        yield sorted_ids[i - 1], sorted_ids[i]


EDGE_SCHEMA = pa.schema([pa.field("a", pa.string()), pa.field("b", pa.string())])
EDGE_BATCH_ROWS = 1 << 16


def bucket_edge_batches(batches: Iterator[pa.RecordBatch], max_bucket: int) -> Iterator[pa.RecordBatch]:
    """`bucket_edges` for every bucket of a partition of (band, band_hash, id) rows, vectorized.

    The partition must hold whole buckets (Spark hash-partitions by band and band hash); its rows
    arrive in any order and are sorted here (Arrow's sort: no Python string per row), so memory
    follows the partition, not the input.
    """
    batches = [b for b in batches if len(b)]
    if sum(len(b) for b in batches) < 2:
        return
    table = pa.Table.from_batches(batches)
    order = pc.sort_indices(table, sort_keys=[("band", "ascending"), ("band_hash", "ascending"), ("id", "ascending")])
    table = table.take(order)
    bands = table.column("band").to_numpy()
    hashes = table.column("band_hash").to_numpy()
    ids = table.column("id").combine_chunks().cast(pa.string())
    rows = np.arange(len(ids))
    new_bucket = np.r_[True, (bands[1:] != bands[:-1]) | (hashes[1:] != hashes[:-1])]
    first = np.maximum.accumulate(np.where(new_bucket, rows, 0))
    position = rows - first
    star = np.flatnonzero((position > 0) & (position < max_bucket))
    chain = np.flatnonzero(position > 0)
    a = np.concatenate([first[star], chain - 1])
    b = np.concatenate([star, chain])
    for begin in range(0, len(a), EDGE_BATCH_ROWS):
        end = begin + EDGE_BATCH_ROWS
        yield pa.RecordBatch.from_arrays([ids.take(a[begin:end]), ids.take(b[begin:end])], schema=EDGE_SCHEMA)
