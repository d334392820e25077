"""Synthetic code documents with controlled edits, and dataset folders the dedup job accepts."""

from __future__ import annotations

import random

import pyarrow as pa
import pyarrow.parquet as pq

from pipeline.io.manifest import write_manifest
from pipeline.io.storage import list_parquet_files
from pipeline.schema import make_id

WORDS = [
    f"{a}{b}"
    for a in ("get", "set", "make", "run", "load", "save", "read", "send", "find", "parse")
    for b in ("Item", "User", "Data", "Value", "Node", "Path", "Key", "Index", "Size", "Name", "Buffer")
]


def random_code(seed: int, segments: int = 10, tokens_per_segment: int = 40) -> list[list[str]]:
    """A document as segments of tokens (a line per 8 tokens when rendered)."""
    rng = random.Random(seed)
    return [[rng.choice(WORDS) + str(rng.randrange(50)) for _ in range(tokens_per_segment)] for _ in range(segments)]


def render(segments: list[list[str]]) -> str:
    lines = []
    for segment in segments:
        for i in range(0, len(segment), 8):
            lines.append("    " + "(".join(segment[i : i + 8]) + ");")
    return "\n".join(lines) + "\n"


def replace_segments(segments, which: list[int], seed: int):
    fresh = random_code(seed, len(segments), len(segments[0]))
    return [fresh[i] if i in which else s for i, s in enumerate(segments)]


def row(name: str, content: str | None, **extra) -> dict:
    return {
        "id": make_id("github", "org/repo", name),
        "source": "github",
        "repo_name": "org/repo",
        "path": name,
        "url": None,
        "language": "Python",
        "content": content,
        "size_bytes": None if content is None else len(content.encode()),
        **extra,
    }


def write_input(folder, rows: list[dict]) -> str:
    folder.mkdir(parents=True, exist_ok=True)
    pq.write_table(pa.Table.from_pylist(rows), folder / "part-00000.parquet")
    write_manifest(str(folder), "filter", "test", [], {})
    return str(folder)


def read_rows(folder) -> list[dict]:
    files = list_parquet_files(str(folder))
    return pa.concat_tables([pq.read_table(f) for f in files]).to_pylist() if files else []


def read_output(folder) -> tuple[list[dict], list[dict]]:
    """(kept rows, rejected rows) of a dedup output folder."""
    return read_rows(folder), read_rows(folder / "_rejects")
