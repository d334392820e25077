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


def bucket_edges(sorted_ids: list[str], max_bucket: int) -> Iterable[tuple[str, str]]:
    for i in range(1, len(sorted_ids)):
        if i < max_bucket:
            yield sorted_ids[0], sorted_ids[i]
        yield sorted_ids[i - 1], sorted_ids[i]


EDGE_SCHEMA = pa.schema([pa.field("a", pa.string()), pa.field("b", pa.string())])


def bucket_edge_batches(batches: Iterator[pa.RecordBatch], max_bucket: int) -> Iterator[pa.RecordBatch]:
    """`bucket_edges` for every bucket of a partition of (band, band_hash, id) rows, vectorized.

    The partition must hold whole buckets (Spark hash-partitions by band and band hash); its rows
    arrive in any order and are sorted here, so memory follows the partition, not the input.
    """
    batches = [b for b in batches if len(b)]
    if sum(len(b) for b in batches) < 2:
        return
    table = pa.Table.from_batches(batches)
    ids = np.array(table.column("id").to_pylist(), dtype=object)
    bands = table.column("band").to_numpy()
    hashes = table.column("band_hash").to_numpy()
    order = np.lexsort((ids.astype(str), hashes, bands))  # by bucket, then id
    ids, bands, hashes = ids[order], bands[order], hashes[order]
    new_bucket = np.r_[True, (bands[1:] != bands[:-1]) | (hashes[1:] != hashes[:-1])]
    first = np.maximum.accumulate(np.where(new_bucket, np.arange(len(ids)), 0))
    position = np.arange(len(ids)) - first
    star = (position > 0) & (position < max_bucket)
    chain = np.flatnonzero(position > 0)
    a = np.concatenate([ids[first[star]], ids[chain - 1]])
    b = np.concatenate([ids[star], ids[chain]])
    for begin in range(0, len(a), 1 << 16):
        yield pa.RecordBatch.from_arrays([pa.array(a[begin:begin + (1 << 16)], pa.string()),
                                          pa.array(b[begin:begin + (1 << 16)], pa.string())], schema=EDGE_SCHEMA)
