"""Repository samples stage: each repository's files, in dependency order, concatenated into samples.

Rows are grouped by `repo_name` (one repository's files are processed together on one executor);
`pipeline.repo.samples` extracts imports, resolves them, orders the files and packs the samples.
"""

from __future__ import annotations

import os
import sys

if __name__ == "__main__":  # spark-submit: import from the repo root, not jobs/ (jobs/tokenize.py shadows stdlib)
    sys.path[0] = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

from jobs.common import main_for, read_dataset, write_dataset
from pipeline.config import UsageError, stage_parser
from pipeline.io import storage
from pipeline.repo.extract import Budget
from pipeline.repo.headers import HEADER_STYLES
from pipeline.repo.samples import DEFAULT_MAX_SAMPLE_BYTES, SAMPLES_SCHEMA, SampleOptions, samples_table

# Input columns the samples are built from (others are per-file and cannot survive concatenation).
NEEDED = ["id", "source", "repo_name", "path", "language", "content", "size_bytes", "license"]


def build_parser():
    parser = stage_parser("repo-samples", "repository samples in dependency order")
    parser.add_argument("--max-sample-bytes", type=int, default=DEFAULT_MAX_SAMPLE_BYTES,
                        help="pack a repository's small samples up to this size; split longer ones at file "
                             "boundaries (default: about 128K tokens)")
    parser.add_argument("--header", choices=HEADER_STYLES, default="comment",
                        help="how each file is introduced: a path comment in its own syntax, or the "
                             "tokenizer's file-name special tokens")
    parser.add_argument("--parse-max-bytes", type=int, default=Budget.max_bytes,
                        help="files larger than this are not parsed for imports (still included)")
    parser.add_argument("--parse-max-seconds", type=float, default=Budget.max_seconds,
                        help="parsing time budget per file")
    return parser


def run(spark, args) -> dict:
    from pyspark.sql import functions as F
    from pyspark.sql.pandas.types import from_arrow_schema

    if args.max_sample_bytes <= 0 or args.parse_max_bytes < 0 or args.parse_max_seconds <= 0:
        raise UsageError("--max-sample-bytes and --parse-max-seconds must be > 0, --parse-max-bytes >= 0")
    files = read_dataset(spark, args.input)
    for column in NEEDED:
        if column not in files.columns:
            files = files.withColumn(column, F.lit(None).cast("string"))
    options = SampleOptions(max_sample_bytes=args.max_sample_bytes, header=args.header,
                            budget=Budget(args.parse_max_bytes, args.parse_max_seconds))

    def build_samples(table):
        return samples_table(table, options)

    samples = files.select(*NEEDED).groupBy("repo_name").applyInArrow(build_samples,
                                                                       from_arrow_schema(SAMPLES_SCHEMA))
    write_dataset(samples, args.output)
    totals = sample_totals(args.output)
    print(f"corpus repo-samples: {totals['n_files']:,} files from {totals['repositories']:,} repositories "
          f"-> {totals['samples']:,} samples; {totals['n_resolved_edges']:,} import edges resolved, "
          f"{totals['n_cycle_edges']:,} in cycles, {totals['n_backward_edges']:,} pointing forward")
    return {"totals": totals}


def sample_totals(output: str) -> dict:
    """Sums of the count columns, read from the written shards on the driver (no extra Spark job)."""
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    counts = ["n_files", "n_import_edges", "n_resolved_edges", "n_cycle_edges", "n_backward_edges",
              "n_unparsed_files", "n_capped_files", "size_bytes"]
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
