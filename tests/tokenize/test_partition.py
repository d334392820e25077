"""A partition to shards: splitting by --shard-tokens, rejects with reasons, same files on a rerun."""

import json
import os

import numpy as np
import pyarrow as pa
import pytest

from pipeline.tokenize.encode import FimSettings, decode_document
from pipeline.tokenize.mmidx import TokenShard, shard_prefixes
from pipeline.tokenize.partition import OUTCOME_SCHEMA, TokenizeSettings, tokenize_partition
from pipeline.tokenize.tokenizer import load_tokenizer

ROWS = [
    {"id": "a", "source": "github", "language": "Python", "content": "import os\nprint(os.getcwd())\n"},
    {"id": "b", "source": "github", "language": "Python", "content": ""},
    {"id": "c", "source": "commoncrawl", "language": None, "content": "Grüße, 世界! How do I sort a list?"},
    {"id": "d", "source": "github", "language": "C", "content": "   \n\t"},
    {"id": "e", "source": "github", "language": "C", "content": "int main(void) { return 0; }\n"},
    {"id": None, "source": "github", "language": "C", "content": "int x;"},
    {"id": "f", "source": "github", "language": "Go", "content": None},
]


def run_partition(rows, output, index=0, **settings):
    batches = [pa.RecordBatch.from_pylist(rows[:3]), pa.RecordBatch.from_pylist(rows[3:])]
    settings.setdefault("fim", FimSettings(fim_rate=0.5, seed=5))
    outcomes = pa.Table.from_batches(
        list(tokenize_partition(batches, index, str(output), TokenizeSettings(**settings))), schema=OUTCOME_SCHEMA
    ).to_pylist()
    return ([o for o in outcomes if o["kind"] == "shard"], [o for o in outcomes if o["kind"] == "reject"])


def test_rejects_carry_reasons_and_are_not_written(tmp_path):
    shards, rejects = run_partition(ROWS, tmp_path)
    assert sorted((r["id"], r["reason"]) for r in rejects if r["id"]) == [
        ("b", "empty_content"),
        ("d", "empty_content"),
        ("f", "empty_content"),
    ]
    assert [r["reason"] for r in rejects if r["id"] is None] == ["missing_id"]
    assert sum(s["documents"] for s in shards) == 3  # rows in = written + rejected
    assert len(rejects) == 4


def test_documents_decode_back_in_order(tmp_path):
    shards, _ = run_partition(ROWS, tmp_path)
    tokenizer = load_tokenizer()
    decoded = [
        decode_document(shard[i], tokenizer)[1]
        for shard in map(TokenShard, shard_prefixes(str(tmp_path)))
        for i in range(len(shard))
    ]
    assert decoded == [ROWS[0]["content"], ROWS[2]["content"], ROWS[4]["content"]]


def test_stats_per_language_and_source(tmp_path):
    shards, _ = run_partition(ROWS, tmp_path)
    (shard,) = shards
    by_language = json.loads(shard["tokens_by_language"])
    assert set(by_language) == {"Python", "C", "unknown"}
    assert sum(by_language.values()) == shard["tokens"] == TokenShard(str(tmp_path / shard["shard"])).tokens
    assert set(json.loads(shard["tokens_by_source"])) == {"github", "commoncrawl"}


def test_shards_split_at_about_shard_tokens(tmp_path):
    rows = [
        {"id": f"r{i}", "language": "Python", "content": f"value_{i} = {i} * 2  # {i}\n" * (1 + i % 4)}
        for i in range(60)
    ]
    shards, _ = run_partition(rows, tmp_path, index=7, shard_tokens=100)
    names = [s["shard"] for s in shards]
    assert names == [f"part-00007-{k:04d}" for k in range(len(shards))] and len(shards) > 5
    assert sum(s["documents"] for s in shards) == 60
    lengths = []
    for shard in shards:
        reader = TokenShard(str(tmp_path / shard["shard"]))
        lengths.append(reader.tokens)
        assert reader.tokens == shard["tokens"] and len(reader) == shard["documents"]
    # every shard but the last reaches the budget, and only its last document crosses it
    for shard in shards[:-1]:
        reader = TokenShard(str(tmp_path / shard["shard"]))
        assert reader.tokens >= 100 and reader.tokens - int(reader.sequence_lengths[-1]) < 100
    assert sorted(os.listdir(tmp_path)) == sorted(f"{n}.{e}" for n in names for e in ("bin", "idx", "docs.parquet"))


def test_rerun_writes_identical_files(tmp_path):
    rows = [{"id": f"r{i}", "language": "Go", "content": f"package main // {i}\n" * 5} for i in range(40)]
    for name in ("one", "two"):
        (tmp_path / name).mkdir()
        run_partition(rows, tmp_path / name, shard_tokens=200)
    one, two = sorted(os.listdir(tmp_path / "one")), sorted(os.listdir(tmp_path / "two"))
    assert one == two and len(one) > 2
    for name in one:
        assert (tmp_path / "one" / name).read_bytes() == (tmp_path / "two" / name).read_bytes()


def test_empty_partition_writes_nothing(tmp_path):
    shards, rejects = run_partition([ROWS[1], ROWS[3]], tmp_path)
    assert shards == [] and len(rejects) == 2 and os.listdir(tmp_path) == []


def test_tokenizer_file_changed_under_the_driver(tmp_path):
    settings = TokenizeSettings(tokenizer_sha256="0" * 64)
    with pytest.raises(RuntimeError, match="differs"):
        list(tokenize_partition([pa.RecordBatch.from_pylist(ROWS[:1])], 0, str(tmp_path), settings))
    assert np.all([".tmp-" not in n for n in os.listdir(tmp_path)])
