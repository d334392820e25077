"""The second token format: `corpus tokenize --format parquet` writes `<prefix>.tokens.parquet`, one row per
document with an `input_ids` column (list<int32>), the layout Hugging Face `datasets` loads
(`load_dataset("parquet", data_files=...)`) and trainers built on it (HF Trainer, TRL, nanotron's and
torchtitan's HF loaders) read without torch-only writers such as MosaicML's MDSWriter. The document
sidecar beside it is the same as Megatron's; the writer has the interface of `mmidx.ShardWriter`.
"""

from __future__ import annotations

import os
import uuid

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from pipeline.tokenize.mmidx import ShardFiles

SUFFIX = ".tokens.parquet"
SCHEMA = pa.schema([pa.field("input_ids", pa.list_(pa.int32()))])


class ParquetShardWriter:
    """Streams documents into `<prefix>.tokens.parquet` (a row group per `add`), written under an
    attempt-unique temporary name and renamed into place by `finish`."""

    def __init__(self, prefix: str, dtype: np.dtype):
        self.prefix = prefix
        self._temporary = f"{prefix}{SUFFIX}.tmp-{uuid.uuid4().hex[:12]}"
        self._writer = pq.ParquetWriter(self._temporary, SCHEMA, compression="zstd")
        self.tokens = 0
        self.documents = 0

    def add(self, tokens: np.ndarray, lengths: np.ndarray) -> None:
        if int(lengths.sum()) != len(tokens):
            raise ValueError("lengths do not add up to the number of tokens")
        offsets = np.zeros(len(lengths) + 1, np.int32)
        np.cumsum(lengths, out=offsets[1:])
        ids = pa.ListArray.from_arrays(pa.array(offsets), pa.array(np.asarray(tokens, np.int32)))
        self._writer.write_table(pa.table([ids], schema=SCHEMA))
        self.tokens += len(tokens)
        self.documents += len(lengths)

    def finish(self) -> ShardFiles:
        self._writer.close()
        final = self.prefix + SUFFIX
        os.replace(self._temporary, final)
        return ShardFiles(
            prefix=self.prefix, documents=self.documents, tokens=self.tokens, bytes=os.path.getsize(final)
        )

    def abort(self) -> None:
        self._writer.close()
        if os.path.exists(self._temporary):
            os.remove(self._temporary)
