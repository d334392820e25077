"""URL dedup of `pages`: among the kept rows (null reason) of one normalized `url`, the latest capture
stays and the others get `duplicate_url`; rejected rows keep their reason and take no part.

"Latest" is the largest `warc_date`, then the largest `warc_record_id`, a null one losing to any
value (Spark's desc_nulls_last). Rows equal in url, date and record id (the same record read twice)
are a full tie: one of them stays, Spark's pick is arbitrary, the single-process twin keeps the first.
All null urls form one group, as in Spark's Window.

`dedup_urls` is the Spark version (jobs/ingest_commoncrawl.py), `dedup_urls_table` its single-process
twin over Arrow (tests, small inputs); both make the same decisions.
"""

from __future__ import annotations

import pyarrow as pa

from pipeline.schema import REASON

DUPLICATE_URL = "duplicate_url"


def dedup_urls(pages):
    """`pages` (a DataFrame with url, warc_date, warc_record_id, reason) with `duplicate_url` set."""
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    latest_first = Window.partitionBy("url", F.col(REASON).isNull()).orderBy(
        F.col("warc_date").desc_nulls_last(), F.col("warc_record_id").desc_nulls_last()
    )
    capture_rank = F.row_number().over(latest_first)
    return pages.withColumn(
        REASON,
        F.when(F.col(REASON).isNull() & (capture_rank > 1), F.lit(DUPLICATE_URL)).otherwise(F.col(REASON)),
    )


def dedup_urls_table(pages: pa.Table | pa.RecordBatch) -> pa.Table:
    """The same rule in one process: `pages` (a table, or one batch) with `duplicate_url` set."""
    table = pa.Table.from_batches([pages]) if isinstance(pages, pa.RecordBatch) else pages
    urls, dates, records, reasons = (
        table.column(name).to_pylist() for name in ("url", "warc_date", "warc_record_id", REASON)
    )
    latest: dict[str | None, int] = {}  # url -> row of its latest kept capture so far
    for row, reason in enumerate(reasons):
        if reason is not None:
            continue
        best = latest.get(urls[row])
        if best is None or _capture_key(dates[row], records[row]) > _capture_key(dates[best], records[best]):
            latest[urls[row]] = row
    stays = set(latest.values())
    decided = [DUPLICATE_URL if reason is None and row not in stays else reason for row, reason in enumerate(reasons)]
    position = table.schema.get_field_index(REASON)
    return table.set_column(position, table.schema.field(position), pa.array(decided, pa.string()))


def _capture_key(date: str | None, record_id: str | None) -> tuple:
    """Larger is later: a value beats null, then values compare as strings (code points = UTF-8 bytes)."""
    return (date is not None, date or "", record_id is not None, record_id or "")
