"""Token folders for the mix tests, written by the real tokenize path (partition writer, summary,
manifest) without Spark: what `corpus tokenize` writes, documents in the order given."""

from __future__ import annotations

from collections import Counter

import pyarrow as pa
import pytest

from pipeline import stage
from pipeline.io import manifest
from pipeline.tokenize.encode import FimSettings
from pipeline.tokenize.partition import OUTCOME_SCHEMA, TokenizeSettings, tokenize_partition
from pipeline.tokenize.summary import summarize
from pipeline.tokenize.tokenizer import load_tokenizer


def write_tokens(folder, rows: list[dict], shard_tokens: int = 10**9, partitions: int = 1, tokenizer="deepseek"):
    """`rows` (id, content, language, source, recall_label, nl_language; repo_name, path, url,
    source_format, text_bytes, notebook_bytes) -> a finished token folder."""
    folder.mkdir(parents=True)
    columns = ["id", "content", "source", "language", "nl_language", "recall_label", "repo_name", "path", "url"]
    columns += ["source_format", "text_bytes", "notebook_bytes"]
    rows = [{name: row.get(name) for name in columns} for row in rows]  # from_pylist reads the first row's keys
    settings = TokenizeSettings(tokenizer=tokenizer, fim=FimSettings(fim_rate=0.0), shard_tokens=shard_tokens)
    shards = []
    for index in range(partitions):
        part = rows[index::partitions]
        outcomes = pa.Table.from_batches(
            list(tokenize_partition([pa.RecordBatch.from_pylist(part)], index, str(folder), settings)),
            schema=OUTCOME_SCHEMA,
        ).to_pylist()
        shards += [o for o in outcomes if o["kind"] == "shard"]
    extra = summarize(sorted(shards, key=lambda s: s["shard"]), Counter(), load_tokenizer(tokenizer), settings)
    config = stage.fingerprint(settings)
    manifest.write_manifest(str(folder), "tokenize", f"fp-{folder.name}", [], config, extra)
    return str(folder)


def code_rows(prefix: str, count: int, language: str = "Python", source: str = "github", **extra) -> list[dict]:
    return [
        {
            "id": f"{prefix}{i}",
            "source": source,
            "language": language,
            "content": f"def {prefix}_{i}(x):\n    return x * {i} + {len(prefix)}\n" * (1 + i % 4),
            **extra,
        }
        for i in range(count)
    ]


def page_rows(prefix: str, count: int, label: str | None, nl_language: str = "en") -> list[dict]:
    return [
        {
            "id": f"{prefix}{i}",
            "source": "commoncrawl",
            "language": None,
            "nl_language": nl_language,
            "recall_label": label,
            "content": f"Page {i} about {label or 'nothing'}: the integral of x^{i} is x^{i + 1}/{i + 1}. "
            * (1 + i % 3),
        }
        for i in range(count)
    ]


@pytest.fixture(scope="module")
def token_folders(tmp_path_factory):
    """Four inputs of different sizes: GitHub code (two shards), recalled code+math pages, a text
    dataset, and more code in another language."""
    base = tmp_path_factory.mktemp("mix-inputs")
    return {
        "code": write_tokens(
            base / "code", code_rows("py", 120) + code_rows("rs", 40, "Rust"), shard_tokens=2000, partitions=1
        ),
        "pages": write_tokens(base / "pages", page_rows("c", 30, "code") + page_rows("m", 50, "math")),
        "text": write_tokens(
            base / "text",
            [
                {"id": f"t{i}", "source": "web", "nl_language": "en" if i % 3 else "zh", "content": f"Text {i}. " * 20}
                for i in range(60)
            ],
        ),
        "go": write_tokens(base / "go", code_rows("go", 25, "Go"), partitions=2),
    }
