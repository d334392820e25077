"""`corpus tokenize` / `spark-submit jobs/tokenization.py`: documents (`content` column) -> Megatron
`.bin`/`.idx` token shards with FIM, and a manifest. (Not jobs/tokenize.py: run as a script, that name
would shadow the standard library's `tokenize`.)

Each partition writes its own shards straight into the output folder (pipeline.tokenize.partition);
the driver only collects one small stats row per shard, and the ids of rejected rows go to _rejects/.
"""

from __future__ import annotations

import dataclasses
import functools
import os
import sys
from collections import Counter

from jobs.common import map_batches, read_dataset, write_dataset
from jobs.runner import Stage
from pipeline.config import UsageError
from pipeline.io import manifest, storage
from pipeline.schema import REASON
from pipeline.tokenize.partition import OUTCOME_SCHEMA, REJECT_COLUMNS, TokenizeSettings, tokenize_partition_to
from pipeline.tokenize.summary import summarize
from pipeline.tokenize.tokenizer import load_tokenizer


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


STAGE = Stage("tokenize", "token files (Megatron .bin/.idx) with FIM", TokenizeSettings, run)
main = STAGE.main

if __name__ == "__main__":
    sys.exit(main())
