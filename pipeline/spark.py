"""The one place that builds the SparkSession, and the two DataFrame helpers every Spark module
shares (jobs/, and the Spark twins in pipeline: dedup.spark, recall.spark_store, web.url_dedup).

Local mode with all cores unless `spark-submit --master ...` (or CORPUS_SPARK_MASTER) chose a master.
"""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pyarrow as pa

BROADCAST_ROWS = 2_000_000  # a decision or id list up to this size is shipped to every task


class JavaMissing(RuntimeError):
    pass


def get_spark(app_name: str = "corpus"):
    from pyspark.sql import SparkSession

    launched_by_spark_submit = "PYSPARK_GATEWAY_PORT" in os.environ
    builder = SparkSession.builder.appName(app_name)
    if not launched_by_spark_submit:
        if not (os.environ.get("JAVA_HOME") or shutil.which("java")):
            raise JavaMissing(
                "Java was not found: Spark needs a Java 17+ runtime. Install one "
                "(Debian/Ubuntu: apt-get install openjdk-17-jre-headless; macOS: brew install openjdk@17) "
                "or set JAVA_HOME."
            )
        # Executors run the same interpreter (and so the same venv) as the driver.
        os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
        os.environ.setdefault("PYSPARK_DRIVER_PYTHON", sys.executable)
        builder = (
            # up to 4 attempts per task, as on a cluster: a crashed (e.g. OOM-killed) Python worker is retried
            builder.master(os.environ.get("CORPUS_SPARK_MASTER", "local[*,4]"))
            .config("spark.driver.memory", os.environ.get("CORPUS_DRIVER_MEMORY", "4g"))
            .config("spark.ui.enabled", "false")
            .config("spark.sql.shuffle.partitions", "8")
        )
    spark = (
        builder.config("spark.sql.execution.arrow.pyspark.enabled", "true")
        .config("spark.sql.parquet.compression.codec", "zstd")
        .config("spark.sql.sources.partitionOverwriteMode", "static")
        # Spark's progress bar on a terminal; none in logs, where it would print thousands of frames.
        .config("spark.ui.showConsoleProgress", "true" if sys.stderr.isatty() else "false")
        # Keep Python batches small: a batch holds whole file contents.
        .config("spark.sql.execution.arrow.maxRecordsPerBatch", "512")
        .getOrCreate()
    )
    spark.sparkContext.setLogLevel(os.environ.get("CORPUS_SPARK_LOG_LEVEL", "ERROR"))
    return spark


def map_batches(df, fn: Callable[[Iterator[pa.RecordBatch]], Iterator[pa.RecordBatch]], schema: pa.Schema):
    """Run a pure-Python function over a DataFrame's Arrow batches on the executors."""
    from pyspark.sql.pandas.types import from_arrow_schema

    return df.mapInArrow(fn, from_arrow_schema(schema))


def broadcast_if_small(df, rows: int):
    """`df` marked for a broadcast join when it has few enough rows to ship to every task (a join
    that then moves only the other side's rows, not a shuffle of both). BROADCAST_ROWS is read at
    call time (tests set it to 0 to force shuffle joins)."""
    from pyspark.sql import functions as F

    return F.broadcast(df) if rows <= BROADCAST_ROWS else df
