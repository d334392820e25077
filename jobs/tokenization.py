"""`corpus tokenize` / `spark-submit jobs/tokenization.py`: documents (`content` column) -> Megatron
`.bin`/`.idx` token shards with FIM, and a manifest. (Not jobs/tokenize.py: run as a script, that name
would shadow the standard library's `tokenize`.)

Each partition writes its own shards straight into the output folder (pipeline.tokenize.partition);
the driver only collects one small stats row per shard, and the ids of rejected rows go to _rejects/.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import os
import sys
from collections import Counter

from jobs.common import map_batches, read_dataset, write_dataset
from jobs.runner import Stage
from pipeline.config import UsageError
from pipeline.io import manifest, storage
from pipeline.schema import REASON
from pipeline.tokenize.fim import MODE_NAMES
from pipeline.tokenize.partition import OUTCOME_SCHEMA, REJECT_COLUMNS, TokenizeSettings, tokenize_partition_to
from pipeline.tokenize.tokenizer import load_tokenizer

FIM_LAYOUTS = {"psm": "BEGIN prefix HOLE suffix END middle", "spm": "BEGIN HOLE suffix END prefix middle"}


def run(spark, job) -> dict:
    settings: TokenizeSettings = job.settings
    tokenizer = load_tokenizer(
        settings.tokenizer, settings.eos_token, settings.fim_tokens, need_fim=settings.fim.fim_rate > 0
    )
    settings = dataclasses.replace(settings, tokenizer_sha256=tokenizer.sha256)
    # each input on its own, then by column name: samples and pages carry different extra columns
    documents = functools.reduce(
        lambda a, b: a.unionByName(b), [select_columns(read_dataset(spark, [uri]), uri) for uri in job.input]
    )
    if settings.partitions:
        documents = documents.repartition(settings.partitions, "id").sortWithinPartitions("id")

    output = job.output if storage.is_remote(job.output) else os.path.abspath(job.output)
    storage.make_dirs(output)
    endpoint = storage.endpoint()

    def tokenize(batches):
        from pyspark import TaskContext

        yield from tokenize_partition_to(batches, TaskContext.get().partitionId(), output, settings, endpoint)

    from pyspark import StorageLevel
    from pyspark.sql import functions as F

    # persisted: the shards are written once, then rejects and shard stats are read from the cache
    outcomes = map_batches(documents, tokenize, OUTCOME_SCHEMA).persist(StorageLevel.MEMORY_AND_DISK)
    try:
        rejects = outcomes.filter(F.col("kind") == "reject").select(*REJECT_COLUMNS, REASON)
        write_dataset(rejects, storage.join(output, manifest.REJECTS))
        reason_counts = rejects.groupBy(REASON).count().collect()
        reject_reasons = Counter({row[REASON]: row["count"] for row in reason_counts})
        shards = [row.asDict() for row in outcomes.filter(F.col("kind") == "shard").collect()]
    finally:
        outcomes.unpersist()
    if not storage.is_remote(output):
        remove_temporary_files(output)
    return summarize(sorted(shards, key=lambda s: s["shard"]), reject_reasons, tokenizer, settings)


def select_columns(df, uri: str):
    from pyspark.sql import functions as F

    if "content" not in df.columns or "id" not in df.columns:
        raise UsageError(f"input {uri} needs `id` and `content` columns; it has {', '.join(df.columns)}")
    # cast: a column that is all null in a file can come back typed as something other than string
    return df.select(
        *[(F.col(c) if c in df.columns else F.lit(None)).cast("string").alias(c) for c in ["content", *REJECT_COLUMNS]]
    )


def remove_temporary_files(output: str) -> None:
    """Leftovers of failed or speculative task attempts (the winning attempt renamed its own files)."""
    for name in os.listdir(output):
        if ".tmp-" in name:
            os.remove(os.path.join(output, name))


def summarize(shards: list[dict], reject_reasons: Counter, tokenizer, settings: TokenizeSettings) -> dict:
    """The manifest's extra fields: what was written, with which tokenizer and FIM settings."""
    by_language: Counter = Counter()
    by_source: Counter = Counter()
    for shard in shards:
        by_language.update(json.loads(shard["tokens_by_language"]))
        by_source.update(json.loads(shard["tokens_by_source"]))
    documents = sum(s["documents"] for s in shards)
    tokens = sum(s["tokens"] for s in shards)
    print(f"corpus tokenize: {tokens:,} tokens in {documents:,} documents, {len(shards)} shard(s)")
    for language, count in by_language.most_common():
        print(f"  {language:<24} {count:>14,} tokens")
    return {
        # the Parquet-based count of the shared manifest writer sees no rows here: this replaces it
        "output": {
            "rows": documents,
            "bytes": sum(s["bytes"] for s in shards),
            "files": 2 * len(shards),
            "format": "megatron-mmidx",
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
        "documents": documents,
        "tokens": tokens,
        "tokens_by_language": dict(by_language.most_common()),
        "tokens_by_source": dict(by_source.most_common()),
        "shards": [
            {"name": s["shard"], **{k: s[k] for k in ("documents", "tokens", "fim_documents", "bytes")}} for s in shards
        ],
    }


STAGE = Stage(
    "tokenize",
    "token files (Megatron .bin/.idx) with FIM",
    TokenizeSettings,
    run,
)
main = STAGE.main

if __name__ == "__main__":
    sys.exit(main())
