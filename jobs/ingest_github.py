"""Spark job: repositories (folders, git repos, archives, URL lists) -> `files` dataset.

    spark-submit jobs/ingest_github.py --input samples/repos --output out/files
"""

from __future__ import annotations

import os
import sys

if __name__ == "__main__":  # spark-submit: import from the repo root, not jobs/ (jobs/tokenize.py shadows stdlib)
    sys.path[0] = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

import functools

from jobs.common import main_for, map_batches, write_with_rejects
from pipeline.config import UsageError, stage_parser
from pipeline.schema import FILES_SCHEMA
from pipeline.sources.github import IngestOptions, list_sources, read_source_batches


def build_parser():
    parser = stage_parser("ingest-github", "Read repositories into the files dataset.")
    parser.add_argument("--max-file-bytes", type=int, default=IngestOptions.max_file_bytes,
                        help="files larger than this are rejected as too_large (default 1 MiB)")
    parser.add_argument("--clone-cache", default=IngestOptions.clone_cache,
                        help="where git URLs are cloned (shallow); reused by reruns")
    return parser


def run(spark, args) -> dict:
    sources = list_sources(args.input)
    if not sources:
        raise UsageError(f"no repositories found in {' '.join(args.input)}")
    options = IngestOptions(max_file_bytes=args.max_file_bytes, clone_cache=args.clone_cache)
    # One task per repository (up to a few per core): a repository is read by one executor.
    partitions = min(len(sources), spark.sparkContext.defaultParallelism * 4)
    listing = spark.createDataFrame([(s.to_json(),) for s in sources], "source string").repartition(partitions)
    files = map_batches(listing, functools.partial(read_source_batches, options=options), FILES_SCHEMA)
    return {"repositories": len(sources), "rejects_by_reason": write_with_rejects(files, args.output)}


main = main_for("ingest-github", build_parser, run, inputs_are_datasets=False)

if __name__ == "__main__":
    sys.exit(main())
