"""Megatron-LM's indexed dataset ("MMIDIDX"): a `.bin` of token ids and an `.idx` that locates them.

The `.idx` layout, as megatron/core/datasets/indexed_dataset.py reads it (all little-endian):
  b"MMIDIDX\\x00\\x00" | version <Q = 1 | dtype code <B | sequence count <Q | document count <Q |
  sequence lengths int32[sequences] | sequence byte offsets int64[sequences] |
  document indices int64[documents]  (sequence index where each document starts, plus the total)
We write one sequence per document, so the document indices are 0, 1, ..., n. Both writer and reader
are our own; tests/tokenize checks them against Megatron's reader when megatron-core is installed.
"""

from __future__ import annotations

import os
import struct
import uuid
from dataclasses import dataclass

import numpy as np

INDEX_HEADER = b"MMIDIDX\x00\x00"
INDEX_VERSION = 1
# Megatron's DType codes (numpy dtype -> code); it knows no unsigned type wider than 16 bits.
DTYPE_CODES = {"uint8": 1, "int8": 2, "int16": 3, "int32": 4, "int64": 5, "float64": 6, "float32": 7, "uint16": 8}
CODE_DTYPES = {code: np.dtype(name) for name, code in DTYPE_CODES.items()}
_FIXED = struct.Struct("<9sQBQQ")  # header, version, dtype code, sequence count, document count


class IndexFormatError(ValueError):
    """A `.idx`/`.bin` pair that is not a valid, complete MMIDIDX dataset."""


@dataclass(frozen=True)
class ShardFiles:
    prefix: str
    documents: int
    tokens: int
    bytes: int  # .bin + .idx


class ShardWriter:
    """Streams documents into `<prefix>.bin`, then writes `<prefix>.idx`.

    Both files are written under attempt-unique temporary names and renamed into place by `finish`,
    so a crashed or retried task never leaves a half-written shard under the final name.
    """

    def __init__(self, prefix: str, dtype: np.dtype):
        self.prefix = prefix
        self.dtype = np.dtype(dtype)
        if self.dtype.name not in DTYPE_CODES:
            raise ValueError(f"Megatron has no code for dtype {self.dtype.name}")
        self._tmp_suffix = f".tmp-{uuid.uuid4().hex[:12]}"
        self._bin = open(f"{prefix}.bin{self._tmp_suffix}", "wb")
        self._lengths: list[np.ndarray] = []
        self.tokens = 0
        self.documents = 0

    def add(self, tokens: np.ndarray, lengths: np.ndarray) -> None:
        """Append documents: `tokens` holds them concatenated, `lengths` says where each ends."""
        if int(lengths.sum()) != len(tokens):
            raise ValueError("lengths do not add up to the number of tokens")
        self._bin.write(np.ascontiguousarray(tokens, dtype=self.dtype).tobytes())
        self._lengths.append(np.asarray(lengths, dtype=np.int64))
        self.tokens += len(tokens)
        self.documents += len(lengths)

    def finish(self) -> ShardFiles:
        self._bin.close()
        lengths = np.concatenate(self._lengths) if self._lengths else np.zeros(0, np.int64)
        if lengths.size and lengths.max() > np.iinfo(np.int32).max:
            raise ValueError("a document has more tokens than the int32 length field can hold")
        pointers = np.zeros(len(lengths), np.int64)
        np.cumsum(lengths[:-1] * self.dtype.itemsize, out=pointers[1:])
        document_indices = np.arange(len(lengths) + 1, dtype=np.int64)
        idx_tmp = f"{self.prefix}.idx{self._tmp_suffix}"
        with open(idx_tmp, "wb") as handle:
            handle.write(
                _FIXED.pack(
                    INDEX_HEADER, INDEX_VERSION, DTYPE_CODES[self.dtype.name], len(lengths), len(document_indices)
                )
            )
            handle.write(lengths.astype("<i4").tobytes())
            handle.write(pointers.astype("<i8").tobytes())
            handle.write(document_indices.astype("<i8").tobytes())
        # .bin first: an .idx under its final name always has its data beside it
        os.replace(f"{self.prefix}.bin{self._tmp_suffix}", f"{self.prefix}.bin")
        os.replace(idx_tmp, f"{self.prefix}.idx")
        size = os.path.getsize(f"{self.prefix}.bin") + os.path.getsize(f"{self.prefix}.idx")
        return ShardFiles(prefix=self.prefix, documents=self.documents, tokens=self.tokens, bytes=size)

    def abort(self) -> None:
        self._bin.close()
        for name in (f"{self.prefix}.bin{self._tmp_suffix}", f"{self.prefix}.idx{self._tmp_suffix}"):
            if os.path.exists(name):
                os.remove(name)


def write_shard(prefix: str, documents: list, dtype) -> ShardFiles:
    """Write a list of token-id sequences as one shard (small outputs and tests)."""
    writer = ShardWriter(prefix, dtype)
    arrays = [np.asarray(doc) for doc in documents]
    writer.add(
        np.concatenate(arrays) if arrays else np.zeros(0, dtype), np.array([len(a) for a in arrays], dtype=np.int64)
    )
    return writer.finish()


class TokenShard:
    """Reads one `.bin`/`.idx` pair (memory-mapped); `shard[i]` is document i's token ids."""

    def __init__(self, prefix: str):
        self.prefix = prefix
        idx_path, bin_path = f"{prefix}.idx", f"{prefix}.bin"
        with open(idx_path, "rb") as handle:
            fixed = handle.read(_FIXED.size)
        if len(fixed) < _FIXED.size:
            raise IndexFormatError(f"{idx_path}: too short for an MMIDIDX header")
        header, version, code, sequences, documents = _FIXED.unpack(fixed)
        if header != INDEX_HEADER:
            raise IndexFormatError(f"{idx_path}: not an MMIDIDX index (header {header!r})")
        if version != INDEX_VERSION:
            raise IndexFormatError(f"{idx_path}: unsupported version {version}")
        if code not in CODE_DTYPES:
            raise IndexFormatError(f"{idx_path}: unknown dtype code {code}")
        self.dtype = CODE_DTYPES[code]
        expected = _FIXED.size + sequences * (4 + 8) + documents * 8
        actual = os.path.getsize(idx_path)
        if actual != expected:
            raise IndexFormatError(f"{idx_path}: {actual} bytes, the header implies {expected}")
        index = np.memmap(idx_path, mode="r", dtype=np.uint8)
        offset = _FIXED.size
        self.sequence_lengths = np.frombuffer(index, "<i4", sequences, offset)
        offset += 4 * sequences
        self.sequence_pointers = np.frombuffer(index, "<i8", sequences, offset)
        offset += 8 * sequences
        self.document_indices = np.frombuffer(index, "<i8", documents, offset)
        data_bytes = int(self.sequence_lengths.sum(dtype=np.int64)) * self.dtype.itemsize
        if os.path.getsize(bin_path) != data_bytes:
            raise IndexFormatError(f"{bin_path}: {os.path.getsize(bin_path)} bytes, the index implies {data_bytes}")
        # numpy cannot memory-map an empty file
        self._data = np.memmap(bin_path, mode="r", dtype=self.dtype) if data_bytes else np.zeros(0, self.dtype)

    def __len__(self) -> int:
        return len(self.sequence_lengths)

    @property
    def tokens(self) -> int:
        return int(self.sequence_lengths.sum(dtype=np.int64))

    def __getitem__(self, i: int) -> np.ndarray:
        start = int(self.sequence_pointers[i]) // self.dtype.itemsize
        return np.asarray(self._data[start : start + int(self.sequence_lengths[i])])


def shard_prefixes(folder: str) -> list[str]:
    """Prefixes of the finished shards in a token folder, in name order."""
    return sorted(
        os.path.join(folder, name[:-4])
        for name in os.listdir(folder)
        if name.endswith(".idx") and not name.startswith(("_", "."))
    )
