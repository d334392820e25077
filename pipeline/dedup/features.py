"""Per-row dedup features of a batch: exact key, MinHash signature and LSH band hashes.

Runs on Arrow record batches (Spark executors or the reference run alike). Work is done in
sub-batches of bounded text size, so memory follows the batch size, not the input size.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pyarrow as pa

from pipeline.dedup.exact import content_key
from pipeline.dedup.lsh import band_hashes, has_shingles
from pipeline.dedup.minhash import signatures
from pipeline.dedup.params import DedupParams
from pipeline.dedup.shingles import shingle_lists, text_buffer
from pipeline.schema import text_ranges

SUB_BATCH_BYTES = 4 << 20

FEATURE_FIELDS = [
    pa.field("exact_key", pa.binary()),  # null when content is null
    pa.field("signature", pa.binary()),  # uint32[num_perm] little-endian; null without shingles
    pa.field("band_hashes", pa.list_(pa.int64())),  # null without shingles
]


def feature_schema(input_schema: pa.Schema) -> pa.Schema:
    """The input columns (minus content) followed by the feature columns."""
    kept = [f for f in input_schema if f.name != "content"]
    return pa.schema(kept + FEATURE_FIELDS)


def signature_matrix(texts: pa.Array, params: DedupParams) -> np.ndarray:
    """uint32[len(texts), num_perm] signatures, computed in sub-batches of bounded text size."""
    result = np.empty((len(texts), params.num_perm), dtype=np.uint32)
    for begin, end in text_ranges(texts, SUB_BATCH_BYTES):
        data, offsets = text_buffer(texts.slice(begin, end - begin))
        sets = shingle_lists(data, offsets, params.ngram)
        result[begin:end] = signatures(sets.values, sets.bounds, params.num_perm, params.seed)
    return result


def features_of_batch(batch: pa.RecordBatch, params: DedupParams) -> pa.RecordBatch:
    texts = batch.column("content")
    bands, rows = params.banding()
    sigs = signature_matrix(texts, params)
    hashes = band_hashes(sigs, bands, rows)
    usable = has_shingles(sigs) & texts.is_valid().to_numpy(zero_copy_only=False)
    exact_keys = [None if t is None else content_key(t) for t in texts.to_pylist()]
    signature_bytes = [s.tobytes() if ok else None for s, ok in zip(sigs.astype("<u4"), usable, strict=True)]
    band_lists = pa.ListArray.from_arrays(
        pa.array(np.arange(0, (len(batch) + 1) * bands, bands, dtype=np.int32)),
        pa.array(hashes.ravel()),
        mask=pa.array(~usable),
    )
    columns = {name: batch.column(name) for name in batch.schema.names if name != "content"}
    columns.update(
        exact_key=pa.array(exact_keys, pa.binary()),
        signature=pa.array(signature_bytes, pa.binary()),
        band_hashes=band_lists,
    )
    schema = feature_schema(batch.schema)
    return pa.RecordBatch.from_arrays([columns[f.name] for f in schema], schema=schema)


def feature_batches(batches: Iterator[pa.RecordBatch], params: DedupParams) -> Iterator[pa.RecordBatch]:
    for batch in batches:
        if len(batch):
            yield features_of_batch(batch, params)


def signature_array(blob: bytes) -> np.ndarray:
    return np.frombuffer(blob, dtype="<u4")
