"""Repository samples stage: each repository's files, in dependency order, concatenated into samples.

Rows are grouped by `repo_name` (one repository's files are processed together on one executor);
`pipeline.repo.samples` extracts imports, resolves them, orders the files and packs the samples.
"""

from __future__ import annotations

import os
import sys

if __name__ == "__main__":  # spark-submit: import from the repo root, not jobs/ (jobs/tokenize.py shadows stdlib)
    sys.path[0] = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

from jobs.common import broadcast_if_small, main_for, read_dataset, write_dataset
from pipeline.config import UsageError, stage_parser
from pipeline.io import storage
from pipeline.measure import phase
from pipeline.repo.extract import Budget
from pipeline.repo.headers import HEADER_STYLES
from pipeline.repo.samples import DEFAULT_MAX_SAMPLE_BYTES, SAMPLES_SCHEMA, SampleOptions, samples_table

# Input columns the samples are built from (others are per-file and cannot survive concatenation).
NEEDED = ["id", "source", "repo_name", "path", "language", "content", "size_bytes", "license"]


def build_parser():
    parser = stage_parser("repo-samples", "repository samples in dependency order")
    parser.add_argument(
        "--max-sample-bytes",
        type=int,
        default=DEFAULT_MAX_SAMPLE_BYTES,
        help="pack a repository's small samples up to this size; split longer ones at file "
        "boundaries (default: about 128K tokens)",
    )
    parser.add_argument(
        "--header",
        choices=HEADER_STYLES,
        default="comment",
        help="how each file is introduced: a path comment in its own syntax, or the "
        "tokenizer's file-name special tokens",
    )
    parser.add_argument(
        "--parse-max-bytes",
        type=int,
        default=Budget.max_bytes,
        help="files larger than this are not parsed for imports (still included)",
    )
    parser.add_argument(
        "--parse-max-seconds", type=float, default=Budget.max_seconds, help="parsing time budget per file"
    )
    parser.add_argument(
        "--max-repo-bytes",
        type=int,
        default=SampleOptions.max_repo_bytes,
        help="split a larger repository into consecutive ranges of its files (by path) of about "
        "this size (a range starts below it), each processed alone: bounds a worker's "
        "memory; imports between ranges are lost",
    )
    parser.add_argument(
        "--max-repo-files",
        type=int,
        default=SampleOptions.max_repo_files,
        help="split a repository with more files the same way",
    )
    return parser


def run(spark, args) -> dict:
    from pyspark.sql import functions as F
    from pyspark.sql.pandas.types import from_arrow_schema

    if (
        min(args.max_sample_bytes, args.parse_max_seconds, args.max_repo_bytes, args.max_repo_files) <= 0
        or args.parse_max_bytes < 0
    ):
        raise UsageError(
            "--max-sample-bytes, --parse-max-seconds, --max-repo-bytes and --max-repo-files must "
            "be > 0, --parse-max-bytes >= 0"
        )
    files = read_dataset(spark, args.input)
    for column in NEEDED:
        if column not in files.columns:
            files = files.withColumn(column, F.lit(None).cast("string"))
    options = SampleOptions(
        max_sample_bytes=args.max_sample_bytes,
        header=args.header,
        budget=Budget(args.parse_max_bytes, args.parse_max_seconds),
        max_repo_bytes=args.max_repo_bytes,
        max_repo_files=args.max_repo_files,
    )

    def build_samples(table):
        return samples_table(table, options)

    with phase("split_large_repositories"):
        files, split = with_repo_parts(files.select(*NEEDED), options)
    with phase("samples_and_write"):
        samples = files.groupBy("repo_name", "repo_part").applyInArrow(build_samples, from_arrow_schema(SAMPLES_SCHEMA))
        write_dataset(samples, args.output)
    totals = sample_totals(args.output)
    totals["repositories_split"] = split
    print(
        f"corpus repo-samples: {totals['n_files']:,} files from {totals['repositories']:,} repositories "
        f"-> {totals['samples']:,} samples; {totals['n_resolved_edges']:,} import edges resolved, "
        f"{totals['n_cycle_edges']:,} in cycles, {totals['n_backward_edges']:,} pointing forward; "
        f"{split} repositories split into ranges, {totals['n_capped_files']:,} files' dependencies capped"
    )
    return {"totals": totals}


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


main = main_for("repo-samples", build_parser, run)

if __name__ == "__main__":
    sys.exit(main())
