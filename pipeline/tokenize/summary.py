"""The tokenize stage's manifest fields, from the one stats row each shard writer returns."""

from __future__ import annotations

import json
from collections import Counter

from pipeline.tokenize.fim import MODE_NAMES
from pipeline.tokenize.partition import DOCUMENT_COLUMNS, DOCUMENTS_SUFFIX, SHARE_COLUMNS, TokenizeSettings

FIM_LAYOUTS = {"psm": "BEGIN prefix HOLE suffix END middle", "spm": "BEGIN HOLE suffix END prefix middle"}


def summarize(shards: list[dict], reject_reasons: Counter, tokenizer, settings: TokenizeSettings) -> dict:
    """The manifest's extra fields: what was written, with which tokenizer and FIM settings."""
    by_language: Counter = Counter()
    by_source: Counter = Counter()
    by_category: Counter = Counter()
    for shard in shards:
        by_language.update(json.loads(shard["tokens_by_language"]))
        by_source.update(json.loads(shard["tokens_by_source"]))
        by_category.update(json.loads(shard.get("tokens_by_category") or "{}"))
    documents = sum(s["documents"] for s in shards)
    tokens = sum(s["tokens"] for s in shards)
    print(f"corpus tokenize: {tokens:,} tokens in {documents:,} documents, {len(shards)} shard(s)")
    for language, count in by_language.most_common():
        print(f"  {language:<24} {count:>14,} tokens")
    if by_category:
        shown = ", ".join(f"{name} {count:,}" for name, count in by_category.most_common())
        print(f"  by category (inside repository samples estimated from bytes): {shown}")
    return {
        # the Parquet-based count of the shared manifest writer sees no rows here: this replaces it
        "output": {
            "rows": documents,
            "bytes": sum(s["bytes"] for s in shards),
            # .bin, .idx and the document sidecar; or .tokens.parquet and the sidecar
            "files": (2 if settings.format == "parquet" else 3) * len(shards),
            "format": "parquet-input-ids" if settings.format == "parquet" else "megatron-mmidx",
            "tokens": tokens,
            "shards": len(shards),
        },
        "rejects": {"by_reason": dict(reject_reasons.most_common())},
        "tokenizer": tokenizer.describe(),
        "fim": {
            "rate": settings.fim.fim_rate,
            "spm_rate": settings.fim.fim_spm_rate,
            "seed": settings.fim.seed,
            "layouts": {MODE_NAMES[m]: FIM_LAYOUTS[MODE_NAMES[m]] for m in (1, 2)},
            "split": "two cut points uniform over character positions 0..n, sorted; draws from "
            "xxh3_64(document id, seed) through SplitMix64",
            "documents": sum(s["fim_documents"] for s in shards),
        },
        "append_eos": settings.append_eos,
        # per shard, `<name>.docs.parquet`: one row per document in .idx order (what `corpus mix` selects by)
        # (kind columns: dictionary-encoded; share columns: float32 per document)
        "document_metadata": {
            "suffix": DOCUMENTS_SUFFIX,
            "columns": [*DOCUMENT_COLUMNS, *SHARE_COLUMNS],
            "kind_columns": list(DOCUMENT_COLUMNS),
            "share_columns": list(SHARE_COLUMNS),
        },
        "documents": documents,
        "tokens": tokens,
        "tokens_by_language": dict(by_language.most_common()),
        "tokens_by_source": dict(by_source.most_common()),
        # a document's text / notebook shares counted as `text` / `notebook`: estimated from bytes
        "tokens_by_category": dict(by_category.most_common()),
        "shards": [
            {"name": s["shard"], **{k: s[k] for k in ("documents", "tokens", "fim_documents", "bytes")}} for s in shards
        ],
    }
