"""Datasets on Spark, for every job: read (Spark's reader, or pyarrow on the executors where Spark
cannot reach the store), write (one part file per task), and the kept/rejects split."""

from __future__ import annotations

import functools
import uuid

from pipeline import measure
from pipeline.io import manifest, parquet_parts, storage
from pipeline.schema import REASON
from pipeline.spark import map_batches


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
