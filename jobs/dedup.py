"""Exact + MinHash-LSH near-deduplication on Spark (`spark-submit jobs/dedup.py` / `corpus dedup`).

The wiring only: arguments, Spark settings, reading, caching, writing the output and the index.
The steps (features, exact, --against, near, decisions) are pipeline.dedup.spark; the same
decisions in one process are pipeline.dedup.reference (the test oracle).
"""

from __future__ import annotations

import sys

from jobs.common import read_dataset, write_dataset, write_with_rejects
from jobs.runner import Stage
from pipeline.dedup import spark as dedup
from pipeline.dedup.index import check_index, write_index_meta
from pipeline.dedup.params import DedupOptions, DedupParams
from pipeline.dedup.policy import parse_policy
from pipeline.io import manifest
from pipeline.measure import phase

SHUFFLE_BYTES = 64 << 20


def run(spark, job) -> dict:
    from pyspark import StorageLevel

    options: DedupOptions = job.settings
    params = options.params
    for index in options.against:
        check_index(index, params.index_signature())
    batch_conf, partitions_conf = "spark.sql.execution.arrow.maxRecordsPerBatch", "spark.sql.shuffle.partitions"
    previous = {key: spark.conf.get(key) for key in (batch_conf, partitions_conf)}
    if options.level == "repo":  # a repository sample can be megabytes: fewer rows per Arrow batch
        spark.conf.set(batch_conf, "16")
    # The clustering runs a few small shuffles: on a small input, fewer partitions than
    # configured (one per SHUFFLE_BYTES of input) save most of the per-task overhead.
    input_bytes = sum(manifest.parquet_stats(uri)["bytes"] for uri in job.input)
    partitions = min(int(previous[partitions_conf]), max(2, input_bytes // SHUFFLE_BYTES + 1))
    spark.conf.set(partitions_conf, str(partitions))
    features = survivors = None
    try:
        rows_df = read_dataset(spark, job.input).drop("reason", "cluster_id")
        keys = parse_policy(params.keep_policy, rows_df.columns)
        order = dedup.keep_order(keys)
        features = dedup.row_features(rows_df, keys, params, signatures=bool(options.against or options.index_out))
        with phase("read_and_signatures"):
            features = features.persist(StorageLevel.MEMORY_AND_DISK)
            features.count()

        with phase("exact"):
            exact_rejects, exact_kept, survivors = dedup.exact_dedup(features, order)
            survivors = survivors.persist(StorageLevel.MEMORY_AND_DISK)
            survivors.count()
        index_rejects = None
        if options.against:
            index_rejects = dedup.against_index(survivors, read_dataset(spark, list(options.against)), params)
            with phase("index_match"):
                index_rejects = index_rejects.localCheckpoint()
            survivors = survivors.join(index_rejects.select("id"), "id", "left_anti")
        near, stats = dedup.near_dedup(survivors, rows_df.select("id", "content"), order, params)

        with phase("decisions"):
            out = dedup.decided_rows(rows_df, exact_kept, exact_rejects, near, index_rejects)
        reasons = write_with_rejects(out, job.output, persist=False)  # a rerun is a scan and a hash join
        if options.index_out:
            with phase("write_index"):
                write_index(spark, features, job.output, options.index_out, params)
    finally:
        for key, value in previous.items():
            spark.conf.set(key, value)
        for cached in (features, survivors):
            if cached is not None:
                cached.unpersist()
    bands, rows = params.banding()
    return {"level": options.level, "bands": bands, "rows_per_band": rows, "removed": reasons, **stats}


def write_index(spark, features, output: str, index: str, params: DedupParams) -> None:
    """Signatures and band hashes of the rows kept in `output`."""
    from pyspark.sql import functions as F

    kept_ids = read_dataset(spark, [output]).select("id")
    kept = features.where(F.col("band_hashes").isNotNull()).join(kept_ids, "id", "left_semi")
    write_dataset(kept.select("id", "signature", "band_hashes"), index)
    rows = read_dataset(spark, [index]).count()
    write_index_meta(index, params.index_signature(), rows)


STAGE = Stage("dedup", "exact and MinHash near-deduplication (file or repository level)", DedupOptions, run)
main = STAGE.main

if __name__ == "__main__":
    sys.exit(main())
