"""Row builders shared by the filter tests: a healthy file that every rule keeps, and pages."""

from __future__ import annotations

import pyarrow as pa

from pipeline.filters.apply import filter_batch
from pipeline.filters.config import FilterSettings, Thresholds, resolve_languages
from pipeline.langs.registry import Registry, default_registry
from pipeline.schema import FILES_SCHEMA, PAGES_SCHEMA, make_id

INPUT_FILES_SCHEMA = pa.schema([f for f in FILES_SCHEMA if f.name != "reason"])
INPUT_PAGES_SCHEMA = pa.schema([f for f in PAGES_SCHEMA if f.name != "reason"])
# What the stage sees when run over files and pages at once.
INPUT_UNION_SCHEMA = pa.unify_schemas([INPUT_FILES_SCHEMA, INPUT_PAGES_SCHEMA])

HEALTHY_PYTHON = (
    "import os\n\n\n"
    "def list_names(folder):\n"
    '    """Names of the entries of a folder, sorted."""\n'
    "    return sorted(os.listdir(folder))\n"
)


def file_row(content: str | None, language: str | None = "Python", path: str = "src/example.py", **extra) -> dict:
    row = {
        "id": make_id("github", "owner/repo", path),
        "source": "github",
        "repo_name": "owner/repo",
        "path": path,
        "url": None,
        "language": language,
        "content": content,
        "size_bytes": len(content.encode()) if content is not None else None,
    }
    return {**row, **extra}


def page_row(content: str, nl_language: str | None = "en", url: str = "https://example.org/a") -> dict:
    return {
        "id": make_id("commoncrawl", url),
        "source": "commoncrawl",
        "repo_name": None,
        "path": None,
        "url": url,
        "language": None,
        "content": content,
        "size_bytes": len(content.encode()),
        "nl_language": nl_language,
        "nl_score": 0.9,
    }


def settings(registry: Registry | None = None, overrides: dict | None = None, **fields) -> FilterSettings:
    base_fields = {k: v for k, v in fields.items() if k in Thresholds.__dataclass_fields__}
    other = {k: v for k, v in fields.items() if k not in base_fields}
    base = Thresholds(**base_fields)
    return FilterSettings(
        base=base, by_language=resolve_languages(base, registry or default_registry(), overrides), **other
    )


def run_rows(
    rows: list[dict], filter_settings: FilterSettings | None = None, index=None, schema: pa.Schema = INPUT_UNION_SCHEMA
) -> list[dict]:
    """Filter rows (as one batch with the columns of both files and pages) and return them."""
    batch = pa.RecordBatch.from_pylist(rows, schema=schema)
    return filter_batch(batch, filter_settings or settings(), index).to_pylist()


def reasons(rows: list[dict], filter_settings: FilterSettings | None = None, index=None) -> list[str | None]:
    return [row["reason"] for row in run_rows(rows, filter_settings, index)]
