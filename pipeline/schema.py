"""The dataset contract: columns every stage keeps, stable row ids, and Arrow schemas."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator

import pyarrow as pa
import pyarrow.compute as pc

# Columns every dataset keeps: the dataset contract every stage reads and writes.
COMMON_FIELDS = [
    pa.field("id", pa.string(), nullable=False),
    pa.field("source", pa.string()),
    pa.field("repo_name", pa.string()),
    pa.field("path", pa.string()),
    pa.field("url", pa.string()),
    pa.field("language", pa.string()),
    pa.field("content", pa.string()),
    pa.field("size_bytes", pa.int64()),
]

# Output of ingest-github: the common columns plus provenance and flags.
FILES_SCHEMA = pa.schema(
    COMMON_FIELDS
    + [
        pa.field("commit", pa.string()),
        pa.field("license", pa.string()),
        pa.field("is_vendored", pa.bool_()),
        pa.field("is_generated", pa.bool_()),
        # null for files kept as they are; `notebook:script` / `notebook:structured` for a converted .ipynb
        pa.field("source_format", pa.string()),
        # what the conversion kept and dropped (cells, outputs, images...); null when not converted
        pa.field("format_counts", pa.map_(pa.string(), pa.int64())),
        pa.field("reason", pa.string()),  # null for kept rows; the reject reason otherwise
    ]
)

REASON = "reason"


def make_id(source: str, *parts: str | None) -> str:
    """Stable id from the source and what locates the item (repo + path, or URL)."""
    key = "\x1f".join([source, *(p or "" for p in parts)])
    return hashlib.blake2b(key.encode("utf-8", "surrogateescape"), digest_size=12).hexdigest()


def rows_to_batches(rows, schema: pa.Schema, batch_rows: int = 512, batch_bytes: int = 64 << 20):
    """Group an iterator of dict rows into record batches bounded by row count and content bytes."""
    pending: list[dict] = []
    pending_bytes = 0
    for row in rows:
        pending.append(row)
        pending_bytes += row.get("size_bytes") or 0
        if len(pending) >= batch_rows or pending_bytes >= batch_bytes:
            yield pa.RecordBatch.from_pylist(pending, schema=schema)
            pending, pending_bytes = [], 0
    if pending:
        yield pa.RecordBatch.from_pylist(pending, schema=schema)


def text_ranges(texts: pa.Array, max_bytes: int) -> Iterator[tuple[int, int]]:
    """(begin, end) row ranges of `texts` holding at most `max_bytes` of text each (a longer row is
    a range of its own): work over a range then costs memory in proportion to its text, whatever
    the batch's row count (a batch of 512 repository samples can hold 200 MB)."""
    sizes = pc.binary_length(texts).fill_null(0).to_numpy(zero_copy_only=False)
    begin, pending = 0, 0
    for i, size in enumerate(sizes.tolist()):
        if pending and pending + size > max_bytes:
            yield begin, i
            begin, pending = i, 0
        pending += size
    if begin < len(sizes):
        yield begin, len(sizes)


# Output of ingest-cc: the common columns plus where and when the page was captured.
PAGES_SCHEMA = pa.schema(
    COMMON_FIELDS
    + [
        pa.field("domain", pa.string()),
        pa.field("warc_date", pa.string()),
        pa.field("warc_record_id", pa.string()),
        pa.field("html_bytes", pa.int64()),
        pa.field("nl_language", pa.string()),
        pa.field("nl_score", pa.float64()),
        pa.field("reason", pa.string()),
    ]
)
