"""What every job shares: argument parsing, rerun semantics, Arrow mapping, kept/rejects split.

A stage is `run(spark, args) -> dict` (extra manifest fields). `run_stage` wraps it: it skips an
output that already holds this exact result, redoes an incomplete one, and writes the manifest last.
"""

from __future__ import annotations

import hashlib
import os
import sys
import time
from collections.abc import Callable, Iterator

import pyarrow as pa

from pipeline.config import UsageError, parse_stage_args, stage_settings
from pipeline.io import manifest, storage
from pipeline.schema import REASON
from pipeline.spark import JavaMissing, get_spark

USER_ERRORS = (UsageError, manifest.OutputConflict, JavaMissing)


def run_stage(stage: str, parser, run: Callable, argv: list[str] | None = None,
              inputs_are_datasets: bool = True, spark=None) -> int:
    args = None
    try:
        args = parse_stage_args(parser, argv, stage)
        if inputs_are_datasets:
            check_dataset_inputs(args.input)
        identity = {**stage_settings(args), **file_digests(args)}
        if inputs_are_datasets:  # an upstream stage redone with other settings makes this result stale
            identity["upstream"] = [(manifest.read_manifest(i) or {}).get("fingerprint") for i in args.input]
        print_id = manifest.fingerprint(stage, args.input, identity)
        if not manifest.prepare_output(args.output, print_id, args.overwrite):
            print(f"corpus {stage}: {args.output} is already complete (same inputs and settings); nothing to do")
            return 0
        started = time.time()
        extra = run(spark or get_spark(f"corpus-{stage}"), args) or {}
        if inputs_are_datasets:
            extra.setdefault("input_rows", sum(manifest.parquet_stats(i)["rows"] for i in args.input))
        extra["seconds"] = round(time.time() - started, 2)
        written = manifest.write_manifest(args.output, stage, print_id, args.input, stage_settings(args), extra)
        print(f"corpus {stage}: wrote {written['output']['rows']:,} rows to {args.output}"
              + (f" ({written['rejects']['rows']:,} rejected)" if "rejects" in written else ""))
        return 0
    except USER_ERRORS as error:
        if args is not None and args.debug:
            raise
        print(f"corpus {stage}: error: {error}", file=sys.stderr)
        return 2


def file_digests(args) -> dict[str, str]:
    """Digests of local files named by settings (seeds, benchmarks...): editing one means a new result."""
    digests = {}
    for key, value in stage_settings(args).items():
        for path in value if isinstance(value, list) else [value]:
            if isinstance(path, str) and os.path.isfile(path):
                with open(path, "rb") as handle:
                    digests[f"{key}:{path}"] = hashlib.sha256(handle.read()).hexdigest()
    return digests


def check_dataset_inputs(inputs: list[str]) -> None:
    for uri in inputs:
        if not storage.list_parquet_files(uri):
            raise UsageError(f"input {uri} holds no Parquet files; check the path")
        if not any(ch in uri for ch in "*?[") and manifest.read_manifest(uri) is None:
            raise UsageError(f"input {uri} has no {manifest.MANIFEST}: the stage that writes it did not "
                             "finish; rerun that stage first")


def read_dataset(spark, inputs: list[str]):
    files = [f for uri in inputs for f in storage.list_parquet_files(uri)]
    return spark.read.parquet(*[spark_path(f) for f in files])


def spark_path(uri: str) -> str:
    return uri.replace("s3://", "s3a://", 1) if uri.startswith("s3://") else uri


def map_batches(df, fn: Callable[[Iterator[pa.RecordBatch]], Iterator[pa.RecordBatch]], schema: pa.Schema):
    """Run a pure-Python function over a DataFrame's Arrow batches on the executors."""
    from pyspark.sql.pandas.types import from_arrow_schema

    return df.mapInArrow(fn, from_arrow_schema(schema))


def write_dataset(df, output: str) -> None:
    df.write.mode("overwrite").option("compression", "zstd").parquet(spark_path(output))


def write_with_rejects(df, output: str) -> dict[str, int]:
    """Write rows whose `reason` is null to `output` and the others to `output/_rejects`.

    The DataFrame is computed once (persisted). Returns reject counts per reason kind (the text
    before the first ':', e.g. `near_duplicate_of`).
    """
    from pyspark import StorageLevel
    from pyspark.sql import functions as F

    df = df.persist(StorageLevel.MEMORY_AND_DISK)
    try:
        write_dataset(df.filter(F.col(REASON).isNull()).drop(REASON), output)
        rejects = df.filter(F.col(REASON).isNotNull())
        write_dataset(rejects, storage.join(output, manifest.REJECTS))
        kinds = rejects.groupBy(F.substring_index(REASON, ":", 1).alias("kind")).count().collect()
        return {row["kind"]: row["count"] for row in sorted(kinds, key=lambda r: -r["count"])}
    finally:
        df.unpersist()


def main_for(stage: str, build_parser: Callable, run: Callable, **kwargs) -> Callable:
    """The `main(argv)` of a job module: used by spark-submit and by `corpus <stage>`."""

    def main(argv: list[str] | None = None, spark=None) -> int:
        return run_stage(stage, build_parser(), run, argv, spark=spark, **kwargs)

    return main
