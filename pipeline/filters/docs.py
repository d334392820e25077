"""Documentation and other text in repositories: the `text` category and its rules.

A file row is *text* when its language's spec is of kind `prose` (Markdown, reStructuredText, Text, POD,
AsciiDoc, gettext catalogs: `corpus langs list --kind prose`) or it is a structured notebook
(`source_format = notebook:structured`: Markdown, code and outputs after markers). Text rows are judged by
the rules here *instead of* the file rules (DeepSeek's line-length, alphabetic-fraction and size rules
and the code screening are about code: a Markdown paragraph is one long line, a README is not parsed):

| reason | signal | rejects when (defaults) |
|---|---|---|
| `text_too_short` | `nonspace_chars` | < `min_text_chars` (100) non-white-space characters |
| `text_too_long` | `content_chars` | > `max_text_chars` (300,000; 0: no limit) |
| `text_alpha_fraction` | `alpha_fraction` | alphabetic / all characters < `min_text_alpha_fraction` (0.35) |
| `link_density` | `link_density` | characters in URLs and Markdown link targets / all > `max_link_density` (0.6) |
| `auto_generated`, `encoded_data`, `numeric_data` | as for files | the same thresholds, per language |

Defaults from the real corpus (bench/real_corpus.py; 2,980 Markdown, 796 reStructuredText, 5,848 Text
files): 100 non-space characters is Markdown's 8th percentile (one-line stubs), 0.35 alphabetic its
2nd (tables of numbers, ASCII art), link density 0.6 its 99.5th (badge walls; awesome-lists and
changelogs full of commit links sit at 0.5). Every threshold is a `Thresholds` field: per language
or `kind:prose` in `language_overrides`, like the file rules.
"""

from __future__ import annotations

import dataclasses
import functools

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from pipeline.filters import chars, encoded, generated
from pipeline.filters.base import FILE, BatchView, Rule, to_numpy

TEXT = "text"  # the rules' scope: text rows (see the module docstring)
TEXT_KINDS = frozenset({"prose"})
STRUCTURED_NOTEBOOK = "notebook:structured"
# A URL, or the target of a Markdown link or image: `](target)`.
LINK_PATTERN = r"(?:https?|ftp)://[^\s)\]>\"'`]+|\]\([^)\s]*\)"

SIGNALS = [pa.field("link_density", pa.float64())]  # text rows only (null for other rows)


@functools.cache
def text_languages() -> frozenset[str]:
    """Lower-case names and aliases of the languages whose spec is of a text kind."""
    from pipeline.langs.registry import default_registry

    specs = [spec for spec in default_registry().specs if spec.kind in TEXT_KINDS]
    return frozenset(key.lower() for spec in specs for key in (spec.name, *spec.aliases))


def is_text(language: str | None, source_format: str | None = None) -> bool:
    return source_format == STRUCTURED_NOTEBOOK or (language or "").lower() in text_languages()


def text_rows(view: BatchView) -> np.ndarray:
    names = text_languages()
    languages = np.array([(name or "").lower() in names for name in view.languages], dtype=bool)
    formats = pc.equal(view.column("source_format").cast(pa.string()), STRUCTURED_NOTEBOOK)
    notebooks = to_numpy(pc.fill_null(formats, False)).astype(bool)
    return (languages | notebooks) & ~view.is_page


def scopes(view: BatchView) -> dict[str, np.ndarray]:
    """The FILE scope without the text rows, and the TEXT scope: what `apply.filter_batch` judges by."""
    text = text_rows(view)
    return {FILE: ~view.is_page & ~text, TEXT: text}


def compute(view: BatchView) -> dict:
    density: list = [None] * view.num_rows
    rows = np.flatnonzero(text_rows(view))
    if len(rows):
        content = view.content.take(pa.array(rows, pa.int64()))
        lengths = to_numpy(pc.utf8_length(content)).astype(np.int64)
        unlinked = to_numpy(pc.utf8_length(pc.replace_substring_regex(content, LINK_PATTERN, ""))).astype(np.int64)
        for row, value in zip(rows.tolist(), ((lengths - unlinked) / np.maximum(lengths, 1)).tolist(), strict=True):
            density[row] = value
    return {"link_density": density}


def _link_density(view: BatchView, s: dict) -> np.ndarray:
    values = np.array([np.nan if v is None else v for v in s["link_density"]], dtype=np.float64)
    return values > view.limit("max_link_density")


def _too_long(view: BatchView, s: dict) -> np.ndarray:
    limit = view.limit("max_text_chars")
    return (limit > 0) & (s["content_chars"] > limit)


TEXT_TOO_SHORT = Rule("text_too_short", TEXT, lambda v, s: s["nonspace_chars"] < v.limit("min_text_chars"))
TEXT_TOO_LONG = Rule("text_too_long", TEXT, _too_long)
TEXT_ALPHA_FRACTION = Rule(
    "text_alpha_fraction", TEXT, lambda v, s: s["alpha_fraction"] < v.limit("min_text_alpha_fraction")
)
LINK_DENSITY = Rule("link_density", TEXT, _link_density)
RULES = (
    TEXT_TOO_SHORT,
    TEXT_TOO_LONG,
    TEXT_ALPHA_FRACTION,
    LINK_DENSITY,
    dataclasses.replace(generated.AUTO_GENERATED, scope=TEXT),
    dataclasses.replace(encoded.ENCODED_DATA, scope=TEXT),
    dataclasses.replace(chars.NUMERIC_DATA, scope=TEXT),
)


# ---- categories, for `corpus stats` ------------------------------------------------------------


def category(language: str | None, source_format: str | None, url: str | None = None) -> str:
    """`notebook`, `text` (documentation, and rows without a language but with a url: an imported
    natural-language dataset, as the mix counts them), the spec's kind (`code`, `data`, `markup`), else
    `(unknown)`."""
    if source_format and source_format.startswith("notebook"):
        return "notebook"
    if language:
        if language.lower() in text_languages():
            return TEXT
        from pipeline.langs.registry import default_registry

        spec = default_registry().get(language)
        return spec.kind if spec else "(unknown)"
    return TEXT if url else "(unknown)"


# ---- a document's category, for the tokenize sidecar and `corpus mix` ----------------------------

ISSUES_SOURCE = "github-issues"  # pipeline/sources/issues.py SOURCE (not imported: it pulls in the ingest)
WEB_SOURCE = "commoncrawl"  # pipeline/web/pages.py SOURCE: pages of the Common Crawl ingest
NOTEBOOK = "notebook"
CODE = "code"
ISSUES = "issues"
WEB = "web"
UNKNOWN_CATEGORY = "unknown"


def is_notebook(source_format: str | None, path: str | None = None) -> bool:
    """A notebook row: its `source_format` says so; without one, a `.ipynb` path (rows read without
    the column, e.g. by `corpus repo-samples`)."""
    if source_format:
        return source_format.startswith(NOTEBOOK)
    return bool(path) and path.lower().endswith(".ipynb")


@functools.lru_cache(maxsize=4096)
def document_category(
    source: str | None,
    language: str | None,
    source_format: str | None = None,
    sample: bool = False,
) -> str:
    """What a document is, as the tokenize sidecar's `category` column says and `[mix.groups]` clauses
    match it: `notebook` (source_format notebook:*), `issues` (GitHub issue threads), `web` (Common Crawl
    pages), `code` (repository samples, whatever is inside them, and files of a code language), `text`
    (documentation files, and rows without a programming language: an imported natural-language
    dataset), the spec's kind for other files (`data`, `markup`), `unknown` for a language no spec has.
    The same rules as `category` for file rows."""
    if source_format and source_format.startswith(NOTEBOOK):
        return NOTEBOOK
    if source == ISSUES_SOURCE:
        return ISSUES
    if source == WEB_SOURCE:
        return WEB
    if sample:
        return CODE
    if not language:
        return TEXT
    found = category(language, source_format)
    return UNKNOWN_CATEGORY if found == "(unknown)" else found


def category_breakdown(dataset) -> list[dict] | None:
    """Rows and bytes per category of a files-like dataset (a `pyarrow.dataset.Dataset`; None without
    a `language` column); issue threads and Common Crawl pages are `issues` and `web`, as in the mix."""
    names = dataset.schema.names
    if "language" not in names:
        return None
    keys = [c for c in ("language", "source_format", "url", "source") if c in names]
    table = dataset.to_table(columns=keys + (["size_bytes"] if "size_bytes" in names else []))
    if "url" in names:  # only whether there is one
        table = table.set_column(table.schema.get_field_index("url"), "url", pc.is_valid(table.column("url")))
    if "size_bytes" not in names:
        table = table.append_column("size_bytes", pa.array(np.zeros(len(table), np.int64)))
    grouped = table.group_by(keys).aggregate(
        [("size_bytes", "count", pc.CountOptions(mode="all")), ("size_bytes", "sum")]
    )
    totals: dict[str, list[int]] = {}
    for group in grouped.to_pylist():
        name = category(group["language"], group.get("source_format"), "url" if group.get("url") else None)
        if group.get("source") in (ISSUES_SOURCE, WEB_SOURCE):  # named as the sidecar and the mix name them
            name = document_category(group["source"], group["language"], group.get("source_format"))
        entry = totals.setdefault(name, [0, 0])
        entry[0] += group["size_bytes_count"]
        entry[1] += group["size_bytes_sum"] or 0
    total_bytes = sum(b for _, b in totals.values()) or 1
    rows = [{"key": k, "rows": n, "bytes": b, "share": b / total_bytes} for k, (n, b) in totals.items()]
    return sorted(rows, key=lambda r: (-r["bytes"], -r["rows"], r["key"]))
