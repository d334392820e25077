"""Repository samples on Spark: the driver-side steps around `samples_table` (which runs per group).

`with_repo_parts` splits repositories over the size limits into ranges of files, so that one group
fits a worker; `sample_totals` sums the written samples' count columns for the manifest.
"""

from __future__ import annotations

from pipeline.io import storage
from pipeline.repo.samples import SampleOptions
from pipeline.spark import broadcast_if_small


def with_repo_parts(files, options: SampleOptions):
    """`files` with a `repo_part` column: null for a repository within the limits, else the number of
    its consecutive range of files (by path): a range starts below max_repo_bytes (so it ends within
    one file of it) and holds at most max_repo_files files. Returns the
    DataFrame and how many repositories were split."""
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    totals = files.groupBy("repo_name").agg(F.sum("size_bytes").alias("bytes"), F.count(F.lit(1)).alias("files"))
    large = [
        row["repo_name"]
        for row in totals.where((F.col("bytes") > options.max_repo_bytes) | (F.col("files") > options.max_repo_files))
        .select("repo_name")
        .collect()
        if row["repo_name"] is not None
    ]
    if not large:
        return files.withColumn("repo_part", F.lit(None).cast("long")), 0
    by_path = Window.partitionBy("repo_name").orderBy("path", "id")
    by_bytes = F.floor((F.sum("size_bytes").over(by_path) - F.col("size_bytes")) / options.max_repo_bytes)
    by_files = F.floor((F.row_number().over(by_path) - 1) / options.max_repo_files)
    parts = (
        files.where(F.col("repo_name").isin(large))
        .select("id", F.greatest(by_bytes, by_files).cast("long").alias("repo_part"))
        .localCheckpoint()
    )
    return files.join(broadcast_if_small(parts, parts.count()), "id", "left"), len(large)


def sample_totals(output: str) -> dict:
    """Sums of the count columns, read from the written shards on the driver (no extra Spark job)."""
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    counts = [
        "n_files",
        "n_import_edges",
        "n_resolved_edges",
        "n_cycle_edges",
        "n_backward_edges",
        "n_unparsed_files",
        "n_capped_files",
        "size_bytes",
        "text_bytes",
        "notebook_bytes",
    ]
    totals = dict.fromkeys(["samples", *counts], 0)
    repositories = set()
    for uri in storage.list_parquet_files(output):
        fs, path = storage.filesystem(uri)
        with fs.open_input_file(path) as handle:
            table = pq.read_table(handle, columns=["repo_name", *counts])
        totals["samples"] += table.num_rows
        for column in counts:
            totals[column] += int(pc.sum(table.column(column)).as_py() or 0)
        repositories.update(table.column("repo_name").to_pylist())
    repositories.discard(None)
    totals["repositories"] = len(repositories)
    return totals
