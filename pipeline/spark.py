"""The one place that builds the SparkSession (the only Spark-aware module of `pipeline`).

Local mode with all cores unless `spark-submit --master ...` (or CORPUS_SPARK_MASTER) chose a master.
"""

from __future__ import annotations

import os
import shutil
import sys


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
