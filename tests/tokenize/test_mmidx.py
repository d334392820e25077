"""The MMIDIDX writer byte for byte, and our reader reading it back."""

import os
import struct

import numpy as np
import pytest

from pipeline.tokenize.mmidx import IndexFormatError, ShardWriter, TokenShard, shard_prefixes, write_shard

DOCS = [[5, 6, 7], [70000, 1], [2], [9, 9, 9, 9]]


def test_index_layout_byte_for_byte(tmp_path):
    prefix = str(tmp_path / "part-00000-0000")
    files = write_shard(prefix, DOCS, np.int32)
    idx = open(prefix + ".idx", "rb").read()
    assert idx[:9] == b"MMIDIDX\x00\x00"
    version, code, sequences, documents = struct.unpack("<QBQQ", idx[9:34])
    assert (version, code, sequences, documents) == (1, 4, 4, 5)  # int32 is Megatron code 4
    lengths = np.frombuffer(idx, "<i4", 4, 34)
    pointers = np.frombuffer(idx, "<i8", 4, 34 + 16)
    document_indices = np.frombuffer(idx, "<i8", 5, 34 + 16 + 32)
    assert lengths.tolist() == [3, 2, 1, 4]
    assert pointers.tolist() == [0, 12, 20, 24]  # byte offsets
    assert document_indices.tolist() == [0, 1, 2, 3, 4]
    assert len(idx) == 34 + 16 + 32 + 40
    data = np.fromfile(prefix + ".bin", "<i4")
    assert data.tolist() == [t for doc in DOCS for t in doc]
    assert (files.documents, files.tokens) == (4, 10)
    assert files.bytes == len(idx) + 40


@pytest.mark.parametrize("dtype, code", [(np.uint16, 8), (np.int32, 4)])
def test_reader_reads_back_what_was_written(tmp_path, dtype, code):
    rng = np.random.default_rng(0)
    high = 65000 if dtype == np.uint16 else 129280
    docs = [rng.integers(0, high, rng.integers(1, 300)) for _ in range(200)]
    prefix = str(tmp_path / "shard")
    writer = ShardWriter(prefix, dtype)
    for chunk in (docs[:50], docs[50:51], docs[51:]):  # several add() calls make one shard
        writer.add(np.concatenate(chunk), np.array([len(d) for d in chunk]))
    writer.finish()
    assert open(prefix + ".idx", "rb").read()[17] == code
    shard = TokenShard(prefix)
    assert len(shard) == 200 and shard.dtype == dtype
    assert shard.tokens == sum(len(d) for d in docs)
    for i in (0, 1, 50, 51, 199):
        assert shard[i].tolist() == docs[i].tolist()


def test_only_final_names_remain_and_abort_cleans_up(tmp_path):
    write_shard(str(tmp_path / "a"), DOCS, np.uint16)
    writer = ShardWriter(str(tmp_path / "b"), np.uint16)
    writer.add(np.array([1, 2], np.uint16), np.array([2]))
    assert any(".tmp-" in name for name in os.listdir(tmp_path))  # not visible under the final name yet
    writer.abort()
    assert sorted(os.listdir(tmp_path)) == ["a.bin", "a.idx"]
    assert shard_prefixes(str(tmp_path)) == [str(tmp_path / "a")]


def test_empty_shard_is_valid(tmp_path):
    write_shard(str(tmp_path / "e"), [], np.int32)
    shard = TokenShard(str(tmp_path / "e"))
    assert len(shard) == 0 and shard.tokens == 0


def test_reader_rejects_damaged_files(tmp_path):
    prefix = str(tmp_path / "s")
    write_shard(prefix, DOCS, np.int32)
    with open(prefix + ".bin", "ab") as handle:
        handle.write(b"\x00\x00")
    with pytest.raises(IndexFormatError, match="implies"):
        TokenShard(prefix)
    with open(prefix + ".idx", "r+b") as handle:
        handle.write(b"NOTIDX")
    with pytest.raises(IndexFormatError, match="not an MMIDIDX"):
        TokenShard(prefix)
