"""Candidate pairs from LSH buckets, the same rule for the Spark job and the reference run.

In each bucket (rows sharing one band hash), members m0 < m1 < ... sorted by id are linked
- to m0, the smallest id (a star), but only the first `max_bucket` members: a giant bucket
  (stub files, licence texts) does not fan out one row's content to thousands of verifications;
- to the member just before them (a chain, so two members both unlike m0 still meet, and the
  members past the cap stay connected).
Edges are pairs (smaller id, larger id). A bucket of s members yields fewer than 2s edges.
"""

from __future__ import annotations

from collections.abc import Iterable


def bucket_edges(sorted_ids: list[str], max_bucket: int) -> Iterable[tuple[str, str]]:
    for i in range(1, len(sorted_ids)):
        if i < max_bucket:
            yield sorted_ids[0], sorted_ids[i]
        yield sorted_ids[i - 1], sorted_ids[i]
