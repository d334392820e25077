"""Spark job: repositories (folders, git repos, archives, URL lists) -> `files` dataset; or, with
`--swh-manifest`, blobs listed by a Stack-v2-style manifest, read from Software Heritage's S3 bucket.

    spark-submit jobs/ingest_github.py --input samples/repos --output out/files
    spark-submit jobs/ingest_github.py --swh-manifest s3://bucket/stack-v2/ --output out/files
"""

from __future__ import annotations

import os
import sys

if __name__ == "__main__":  # spark-submit: import from the repo root, not jobs/ (jobs/tokenize.py shadows stdlib)
    sys.path[0] = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

import functools

from jobs.common import main_for, map_batches, write_with_rejects
from pipeline.config import UsageError, stage_parser
from pipeline.io import storage
from pipeline.schema import FILES_SCHEMA
from pipeline.sources.github import IngestOptions, list_sources, read_source_batches
from pipeline.sources.swh import (
    CHUNK_COLUMN,
    SWH_BUCKET,
    SwhOptions,
    manifest_chunks,
    read_chunk_batches,
    read_manifest,
)
from pipeline.web.fetch import FetchSettings
from pipeline.web.retry import RetryPolicy


def build_parser():
    parser = stage_parser(
        "ingest-github", "Read repositories, or Software Heritage blobs, into the files dataset.", input_required=False
    )  # --swh-manifest is the alternative
    parser.add_argument(
        "--max-file-bytes",
        type=int,
        default=IngestOptions.max_file_bytes,
        help="files larger than this are rejected as too_large (default 1 MiB)",
    )
    parser.add_argument(
        "--clone-cache", default=IngestOptions.clone_cache, help="where git URLs are cloned (shallow); reused by reruns"
    )
    swh = parser.add_argument_group("Software Heritage blobs (instead of --input)")
    swh.add_argument(
        "--swh-manifest",
        default=None,
        help="table in The Stack v2 metadata shape (blob_id, repo_name, path, src_encoding, ...): "
        "Parquet or CSV; a file, folder or glob; local or s3://",
    )
    swh.add_argument(
        "--swh-bucket", default=SWH_BUCKET, help=f"where blobs are, as <bucket>/<blob_id> (gzip; default {SWH_BUCKET})"
    )
    swh.add_argument(
        "--swh-concurrency", type=int, default=SwhOptions.concurrency, help="blobs fetched at once per task (threads)"
    )
    swh.add_argument("--swh-rows-per-task", type=int, default=2000, help="manifest rows per Spark task")
    swh.add_argument(
        "--s3-anonymous",
        choices=["auto", "yes", "no"],
        default="auto",
        help="unsigned S3 requests: auto = only when no AWS credentials are configured",
    )
    swh.add_argument("--retries", type=int, default=5, help="attempts per S3 request (jittered backoff)")
    swh.add_argument("--fetch-timeout", type=float, default=30.0, help="seconds to connect / between reads")
    return parser


def check_source_args(args) -> None:
    if bool(args.input) == bool(args.swh_manifest):
        raise UsageError(
            "give either --input (repositories) or --swh-manifest (Software Heritage blobs)"
            + (", not both" if args.input else "")
        )


def run(spark, args) -> dict:
    if args.swh_manifest:
        return run_swh(spark, args)
    sources = list_sources(args.input)
    if not sources:
        raise UsageError(f"no repositories found in {' '.join(args.input)}")
    options = IngestOptions(max_file_bytes=args.max_file_bytes, clone_cache=args.clone_cache)
    # One task per repository (up to a few per core): a repository is read by one executor.
    partitions = min(len(sources), spark.sparkContext.defaultParallelism * 4)
    listing = spark.createDataFrame([(s.to_json(),) for s in sources], "source string").repartition(partitions)
    files = map_batches(listing, functools.partial(read_source_batches, options=options), FILES_SCHEMA)
    return {"repositories": len(sources), "rejects_by_reason": write_with_rejects(files, args.output)}


def run_swh(spark, args) -> dict:
    # Resolved here, on the driver: executors of a cluster need not share the driver's environment.
    fetch = FetchSettings(
        s3_endpoint_url=storage.endpoint(),
        s3_anonymous=args.s3_anonymous,
        retry=RetryPolicy(attempts=max(1, args.retries)),
        timeout_seconds=args.fetch_timeout,
    )
    options = SwhOptions(
        bucket=args.swh_bucket,
        max_file_bytes=args.max_file_bytes,
        concurrency=max(1, args.swh_concurrency),
        fetch=fetch,
    )
    manifest, files = read_manifest(args.swh_manifest, fetch)
    if manifest.num_rows == 0:
        raise UsageError(f"manifest {args.swh_manifest} lists no blobs")
    # One task per chunk of manifest rows; each task fetches its chunk with a thread pool.
    chunks = manifest_chunks(manifest, max(1, args.swh_rows_per_task))
    listing = spark.createDataFrame(
        spark.sparkContext.parallelize([(c,) for c in chunks], len(chunks)), f"{CHUNK_COLUMN} binary"
    )
    rows = map_batches(listing, functools.partial(read_chunk_batches, options=options), FILES_SCHEMA)
    print(
        f"corpus ingest-github: {manifest.num_rows:,} blobs listed in {files} manifest file(s), {len(chunks)} task(s)"
    )
    return {
        "blobs_listed": manifest.num_rows,
        "manifest_files": files,
        "tasks": len(chunks),
        "rejects_by_reason": write_with_rejects(rows, args.output),
    }


main = main_for("ingest-github", build_parser, run, inputs_are_datasets=False, check=check_source_args)

if __name__ == "__main__":
    sys.exit(main())
