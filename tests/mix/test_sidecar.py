"""The tokenize stage's per-document sidecar: one row per document in .idx order, and the .bin/.idx
bytes exactly what the shard writer alone writes."""

import json

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from pipeline.tokenize.encode import FimSettings, encode_documents
from pipeline.tokenize.mmidx import TokenShard, shard_prefixes, write_shard
from pipeline.tokenize.partition import DOCUMENTS_SUFFIX, TokenizeSettings, tokenize_partition
from pipeline.tokenize.tokenizer import load_tokenizer

ROWS = [
    {"id": "a", "source": "github", "language": "Python", "content": "print(1)\n"},
    {"id": "b", "source": "commoncrawl", "nl_language": "de", "recall_label": "math", "content": "Satz 1: a+b"},
    {"id": "c", "source": None, "language": None, "content": "   "},  # rejected: no row in the sidecar
    {"id": "d", "source": "web", "nl_language": "zh", "content": "列表排序"},
    {"id": "e", "source": "github", "language": "Go", "recall_label": None, "content": "package main\n"},
]
COLUMNS = ["id", "source", "language", "nl_language", "recall_label", "content"]
ROWS = [{name: row.get(name) for name in COLUMNS} for row in ROWS]  # from_pylist reads the first row's keys


def test_sidecar_rows_follow_the_index(tmp_path):
    settings = TokenizeSettings(fim=FimSettings(fim_rate=0.0), shard_tokens=10**9)
    outcomes = list(tokenize_partition([pa.RecordBatch.from_pylist(ROWS)], 0, str(tmp_path), settings))
    (prefix,) = shard_prefixes(str(tmp_path))
    table = pq.read_table(prefix + DOCUMENTS_SUFFIX).to_pylist()
    assert table == [
        {"language": "Python", "nl_language": None, "source": "github", "recall_label": None},
        {"language": "unknown", "nl_language": "de", "source": "commoncrawl", "recall_label": "math"},
        {"language": "unknown", "nl_language": "zh", "source": "web", "recall_label": None},
        {"language": "Go", "nl_language": None, "source": "github", "recall_label": None},
    ]
    assert len(TokenShard(prefix)) == len(table)
    (shard,) = [row for batch in outcomes for row in batch.to_pylist() if row["kind"] == "shard"]
    assert set(json.loads(shard["tokens_by_source"])) == {"github", "commoncrawl", "web"}

    # the token files are byte for byte what the writer makes of the same documents without a sidecar
    kept = [r for r in ROWS if r["content"].strip()]
    encoded = encode_documents([r["content"] for r in kept], [r["id"] for r in kept], load_tokenizer(), settings.fim)
    starts = np.concatenate([[0], np.cumsum(encoded.lengths)])
    alone = tmp_path / "alone"
    alone.mkdir()
    write_shard(
        str(alone / "x"), [encoded.tokens[a:b] for a, b in zip(starts, starts[1:], strict=False)], encoded.tokens.dtype
    )
    for suffix in (".bin", ".idx"):
        assert open(prefix + suffix, "rb").read() == open(str(alone / "x") + suffix, "rb").read()
