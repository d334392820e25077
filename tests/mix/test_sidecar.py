"""The tokenize stage's per-document sidecar: one row per document in .idx order, and the .bin/.idx
bytes exactly what the shard writer alone writes."""

import json

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

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
    none = {"text_share": 0.0, "notebook_share": 0.0}
    assert table == [
        {
            "language": "Python",
            "nl_language": None,
            "source": "github",
            "recall_label": None,
            "category": "code",
            **none,
        },
        {
            "language": "unknown",
            "nl_language": "de",
            "source": "commoncrawl",
            "recall_label": "math",
            "category": "web",
            **none,
        },
        {
            "language": "unknown",
            "nl_language": "zh",
            "source": "web",
            "recall_label": None,
            "category": "text",
            "text_share": 1.0,
            "notebook_share": 0.0,
        },
        {"language": "Go", "nl_language": None, "source": "github", "recall_label": None, "category": "code", **none},
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


def test_sidecar_category_and_shares(tmp_path):
    """Every category from what the input says; a sample's shares from its text_bytes / notebook_bytes
    over its content's bytes. The job hands every kept column over as a string."""
    from collections import Counter

    from pipeline.filters import docs
    from pipeline.sources import issues
    from pipeline.tokenize.partition import DOCUMENT_COLUMNS, SHARE_COLUMNS
    from pipeline.tokenize.summary import summarize

    assert docs.ISSUES_SOURCE == issues.SOURCE
    sample = "# lib.py\ndef f(x):\n    return x\n" * 3  # 96 bytes: 24 of text, 12 of notebook
    rows = [
        {"id": "s", "source": "github", "repo_name": "o/r", "language": "Python", "content": sample},
        {"id": "m", "source": "github", "repo_name": "o/r", "path": "README.md", "language": "Markdown"},
        {"id": "n", "source": "github", "path": "a.ipynb", "language": "Python", "source_format": "notebook:script"},
        {"id": "i", "source": "github-issues", "repo_name": "o/r", "url": "https://github.com/o/r/issues/1"},
        {"id": "w", "source": "commoncrawl", "url": "https://example.org", "nl_language": "en"},
        {"id": "t", "source": "dataset", "nl_language": "en"},
        {"id": "j", "source": "github", "repo_name": "o/r", "path": "a.json", "language": "JSON"},
        {"id": "o", "source": "github", "repo_name": "o/r", "language": "Go", "content": "package main\n"},
    ]
    shares = {"s": ("24", "12")}
    columns = ["id", "source", "repo_name", "path", "url", "language", "nl_language", "source_format"]
    columns += ["text_bytes", "notebook_bytes", "content"]
    batch = [
        {
            **{name: row.get(name) for name in columns},
            "content": row.get("content") or f"content of {row['id']} " * 10,
            "text_bytes": shares.get(row["id"], (None, None))[0],
            "notebook_bytes": shares.get(row["id"], (None, None))[1],
        }
        for row in rows
    ]
    settings = TokenizeSettings(fim=FimSettings(fim_rate=0.0), shard_tokens=10**9)
    outcomes = list(tokenize_partition([pa.RecordBatch.from_pylist(batch)], 0, str(tmp_path), settings))
    (prefix,) = shard_prefixes(str(tmp_path))
    table = pq.read_table(prefix + DOCUMENTS_SUFFIX)
    assert table.schema.field("text_share").type == pa.float32()
    found = {row["id"]: got for row, got in zip(rows, table.to_pylist(), strict=True)}
    assert {k: v["category"] for k, v in found.items()} == {
        "s": "code",
        "m": "text",
        "n": "notebook",
        "i": "issues",
        "w": "web",
        "t": "text",
        "j": "data",
        # path null, a repository and a language: a sample from before the byte columns existed
        "o": "code",
    }
    assert (found["s"]["text_share"], found["s"]["notebook_share"]) == (0.25, 0.125)
    assert (found["m"]["text_share"], found["m"]["notebook_share"]) == (1.0, 0.0)
    assert (found["n"]["text_share"], found["n"]["notebook_share"]) == (0.0, 1.0)
    assert (found["t"]["text_share"], found["t"]["notebook_share"]) == (1.0, 0.0)
    for k in "iwjo":
        assert (found[k]["text_share"], found[k]["notebook_share"]) == (0.0, 0.0)

    (shard,) = [row for b in outcomes for row in b.to_pylist() if row["kind"] == "shard"]
    lengths = TokenShard(prefix).sequence_lengths.astype(float)
    by_category = json.loads(shard["tokens_by_category"])
    assert by_category["code"] == round(lengths[0] * 0.625 + lengths[7])
    assert by_category["text"] == round(lengths[0] * 0.25 + lengths[1] + lengths[5])
    assert by_category["notebook"] == round(lengths[0] * 0.125 + lengths[2])
    assert sum(by_category.values()) == pytest.approx(lengths.sum(), abs=3)
    extra = summarize([shard], Counter(), load_tokenizer(), settings)
    assert extra["document_metadata"]["columns"] == [*DOCUMENT_COLUMNS, *SHARE_COLUMNS]
    assert set(extra["document_metadata"]["columns"]) >= {"category", "text_share", "notebook_share"}
    assert extra["tokens_by_category"] == by_category
