"""What every job shares: argument parsing, rerun semantics, Arrow mapping, kept/rejects split.

A stage is `run(spark, args) -> dict` (extra manifest fields). `run_stage` wraps it: it skips an
output that already holds this exact result, redoes an incomplete one, and writes the manifest last.
"""

from __future__ import annotations

import functools
import hashlib
import os
import sys
import time
import uuid
from collections.abc import Callable, Iterator

import pyarrow as pa

from pipeline import measure
from pipeline.config import UsageError, parse_stage_args, stage_settings
from pipeline.io import manifest, parquet_parts, storage
from pipeline.schema import REASON
from pipeline.spark import JavaMissing, get_spark

USER_ERRORS = (UsageError, manifest.OutputConflict, JavaMissing)
BROADCAST_ROWS = 2_000_000  # a decision or id list up to this size is shipped to every task


def run_stage(
    stage: str,
    parser,
    run: Callable,
    argv: list[str] | None = None,
    inputs_are_datasets: bool = True,
    spark=None,
    check: Callable | None = None,
) -> int:
    """`check(args)`, if given, raises UsageError for a mistake before the output folder is touched."""
    args = None
    try:
        args = parse_stage_args(parser, argv, stage)
        storage.use_endpoint(args.s3_endpoint_url)
        if check is not None:
            check(args)
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
        phases = measure.start_run(stage)
        with measure.PeakMemory() as memory:
            if spark is None:
                with measure.phase("spark_start"):
                    spark = get_spark(f"corpus-{stage}")
            extra = run(spark, args) or {}
        if inputs_are_datasets:
            extra.setdefault("input_rows", sum(manifest.parquet_stats(i)["rows"] for i in args.input))
        extra["seconds"] = round(time.time() - started, 2)
        extra["phases"] = phases.as_dict()
        extra["peak_rss_mb"] = memory.summary()
        print(f"corpus {stage}: {extra['seconds']:.1f} s; peak RSS MB {extra['peak_rss_mb']}")
        written = manifest.write_manifest(args.output, stage, print_id, args.input, stage_settings(args), extra)
        print(
            f"corpus {stage}: wrote {written['output']['rows']:,} rows to {args.output}"
            + (f" ({written['rejects']['rows']:,} rejected)" if "rejects" in written else "")
        )
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
        if any(ch in uri for ch in "*?["):
            continue
        written = manifest.read_manifest(uri)
        if written is None:
            raise UsageError(
                f"input {uri} has no {manifest.MANIFEST}: the stage that writes it did not "
                "finish; rerun that stage first"
            )
        problem = manifest.damage(uri, written)
        if problem:
            raise UsageError(f"input {problem}")


def read_dataset(spark, inputs: list[str]):
    files_by_input = [storage.list_parquet_files(uri) for uri in inputs]
    files = [f for listed in files_by_input for f in listed]
    if spark_reaches_all(spark, files):
        return spark.read.parquet(*[spark_path(f) for f in files])
    # the executors read the files themselves (pyarrow); the parts of one dataset share its schema
    schema = parquet_parts.dataset_schema([listed[0] for listed in files_by_input if listed])
    tasks = min(len(files), spark.sparkContext.defaultParallelism * 8)
    paths = spark.createDataFrame([(f,) for f in files], "path string").repartition(tasks)
    read = functools.partial(parquet_parts.read_parts, schema=schema, endpoint=storage.endpoint())
    return map_batches(paths, read, schema)


def spark_reaches_all(spark, uris: list[str]) -> bool:
    """Whether Spark's own Parquet reader and writer can reach these URIs (s3:// needs Hadoop's s3a)."""
    return not any(storage.is_remote(uri) for uri in uris) or has_s3a(spark)


def has_s3a(spark) -> bool:
    try:
        spark.sparkContext._jvm.java.lang.Class.forName("org.apache.hadoop.fs.s3a.S3AFileSystem")
        return True
    except Exception:  # the class is missing, or no JVM at hand (Spark Connect)
        return False


def spark_path(uri: str) -> str:
    return uri.replace("s3://", "s3a://", 1) if uri.startswith("s3://") else uri


def map_batches(df, fn: Callable[[Iterator[pa.RecordBatch]], Iterator[pa.RecordBatch]], schema: pa.Schema):
    """Run a pure-Python function over a DataFrame's Arrow batches on the executors."""
    from pyspark.sql.pandas.types import from_arrow_schema

    return df.mapInArrow(fn, from_arrow_schema(schema))


def broadcast_if_small(df, rows: int):
    """`df` marked for a broadcast join when it has few enough rows to ship to every task (a join
    that then moves only the other side's rows, not a shuffle of both)."""
    from pyspark.sql import functions as F

    return F.broadcast(df) if rows <= BROADCAST_ROWS else df


def write_dataset(df, output: str) -> None:
    if spark_reaches_all(df.sparkSession, [output]):
        df.write.mode("overwrite").option("compression", "zstd").parquet(spark_path(output))
        return
    # each task writes its own part file (pyarrow); a retried task replaces its part
    from pyspark.sql.pandas.types import to_arrow_schema

    schema = to_arrow_schema(df.schema)
    token = uuid.uuid4().hex[:12]

    def write(batches):
        from pyspark import TaskContext

        name = parquet_parts.part_name(token, TaskContext.get().partitionId())
        yield from parquet_parts.write_part(batches, output, name, schema, endpoint)

    endpoint = storage.endpoint()
    storage.remove_tree(output)
    written = map_batches(df, write, parquet_parts.WRITTEN_SCHEMA).collect()
    if not written:
        parquet_parts.write_empty(output, parquet_parts.part_name(token, 0), schema)


def write_with_rejects(df, output: str, persist: bool = True) -> dict[str, int]:
    """Write rows whose `reason` is null to `output` and the others to `output/_rejects`.

    The DataFrame is computed once (persisted) unless `persist` is false, for a plan that is cheaper
    to run twice than to cache (a scan and a broadcast join). Returns reject counts per reason kind
    (the text before the first ':', e.g. `near_duplicate_of`).
    """
    from pyspark import StorageLevel
    from pyspark.sql import functions as F

    if persist:
        df = df.persist(StorageLevel.MEMORY_AND_DISK)
    try:
        with measure.phase("compute_and_write"):
            write_dataset(df.filter(F.col(REASON).isNull()).drop(REASON), output)
        rejects = df.filter(F.col(REASON).isNotNull())
        with measure.phase("write_rejects"):
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
