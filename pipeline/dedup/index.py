"""The dedup index: band hashes and signatures of the rows a run kept, for incremental dedup.

`--index-out` writes one Parquet row per kept row (id, signature, band_hashes) plus
`_dedup_index.json` with the settings the hashes depend on; `--against` reads it back and refuses
an index made with other settings (its band hashes would never match).
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import numpy as np
import pyarrow as pa

from pipeline.config import UsageError
from pipeline.dedup.minhash import estimated_jaccard
from pipeline.io import storage

INDEX_META = "_dedup_index.json"

PAIR_ESTIMATE_SCHEMA = pa.schema(
    [
        pa.field("id", pa.string()),
        pa.field("old_id", pa.string()),
        pa.field("estimate", pa.float64()),
    ]
)


def write_index_meta(index: str, settings: dict, rows: int) -> None:
    text = json.dumps({**settings, "indexed_rows": rows}, indent=2)
    storage.write_text_atomic(storage.join(index, INDEX_META), text)


def check_index(index: str, settings: dict) -> None:
    uri = storage.join(index, INDEX_META)
    if not storage.exists(uri):
        raise UsageError(f"--against {index}: no {INDEX_META}; pass a folder written by --index-out")
    found = json.loads(storage.read_text(uri))
    different = {k: (found.get(k), v) for k, v in settings.items() if found.get(k) != v}
    if different:
        detail = ", ".join(f"{k}: index {a!r} vs run {b!r}" for k, (a, b) in sorted(different.items()))
        raise UsageError(f"--against {index} was built with other settings ({detail})")


def pair_estimates(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
    """MinHash Jaccard estimate of (id, old_id) pairs from their two signatures."""
    for batch in batches:
        width = len(batch.column("signature")[0].as_py()) // 4 if len(batch) else 0
        own = _matrix(batch.column("signature"), width)
        old = _matrix(batch.column("old_signature"), width)
        estimates = estimated_jaccard(own, old) if len(batch) else np.zeros(0)
        yield pa.RecordBatch.from_arrays(
            [batch.column("id"), batch.column("old_id"), pa.array(estimates, pa.float64())], schema=PAIR_ESTIMATE_SCHEMA
        )


def _matrix(blobs: pa.Array, width: int) -> np.ndarray:
    data = b"".join(blobs.to_pylist())
    return np.frombuffer(data, dtype="<u4").reshape(len(blobs), width)
