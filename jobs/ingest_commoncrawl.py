"""Common Crawl WARCs -> `pages`: one Spark task per WARC file streams its records, extracts the main
text (code and TeX kept) and its language; the latest capture of each URL is kept (duplicate_url).

    spark-submit jobs/ingest_commoncrawl.py --input SRC... --output PAGES [--limit-records N]
"""

from __future__ import annotations

import dataclasses
import functools
import sys

from jobs.common import map_batches, read_dataset, write_with_rejects
from jobs.runner import Stage
from pipeline.io import storage
from pipeline.io.fetch import FetchSettings
from pipeline.io.retry import RetryPolicy
from pipeline.schema import PAGES_SCHEMA
from pipeline.web.listing import expand_inputs
from pipeline.web.pages import URI_COLUMN, IngestSettings, warc_uris_to_pages
from pipeline.web.url_dedup import dedup_urls

WARC_INPUTS = (
    "WARC files (.warc, .warc.gz), folders or globs of them, s3:// or https:// WARC URIs, "
    "s3://bucket/prefix/, or warc.paths(.gz) listings"
)


def run(spark, job) -> dict:
    # resolved here, on the driver: executors of a cluster need not share the driver's environment
    fetch = FetchSettings(
        s3_endpoint_url=storage.endpoint(),
        s3_anonymous=job.settings.s3_anonymous,
        retry=RetryPolicy(attempts=job.settings.retries),
    )
    settings = dataclasses.replace(job.settings, fetch=fetch)
    warc_uris = expand_inputs(job.input, fetch, settings.base)
    # One partition per WARC file, so the files spread over the executors.
    uris = spark.sparkContext.parallelize([(uri,) for uri in warc_uris], len(warc_uris))
    pages = map_batches(
        spark.createDataFrame(uris, f"{URI_COLUMN} string"),
        functools.partial(warc_uris_to_pages, settings=settings),
        PAGES_SCHEMA,
    )

    pages = dedup_urls(pages)  # duplicate_url: among kept rows of one normalized URL, the latest capture stays

    rejects = write_with_rejects(pages, job.output)
    by_language = read_dataset(spark, [job.output]).groupBy("nl_language").count().collect()
    pages_by_nl = {row["nl_language"] or "none": row["count"] for row in sorted(by_language, key=lambda r: -r["count"])}
    kept = sum(pages_by_nl.values())
    print(
        f"corpus ingest-cc: {len(warc_uris)} WARC file(s); pages by natural language: "
        + ", ".join(f"{lang} {count:,}" for lang, count in pages_by_nl.items())
    )
    return {
        "warc_files": len(warc_uris),
        "input_rows": kept + sum(rejects.values()),
        "pages_by_nl_language": pages_by_nl,
        "rejects_by_reason": rejects,
    }


STAGE = Stage(
    "ingest-cc",
    "read Common Crawl WARCs into pages",
    IngestSettings,
    run,
    inputs="sources",
    input_help=WARC_INPUTS,
)
main = STAGE.main

if __name__ == "__main__":
    sys.exit(main())
