"""`corpus redact` / `spark-submit jobs/redact.py`: e-mails, IP addresses, keys and passwords replaced by
placeholders (pipeline.redact). Rows are kept (a file holding a private key is rejected only with
--drop-if-key); the audit table `<output>/_redactions/` lists row id, kind, byte offsets and a salted
hash of each finding, never the text.
"""

from __future__ import annotations

import dataclasses
import functools
import os
import sys

from jobs.common import map_batches, read_dataset, write_dataset, write_with_rejects
from jobs.runner import Stage
from pipeline.io import storage
from pipeline.measure import phase
from pipeline.redact.batches import ADDED_COLUMNS, REDACTIONS, output_schema, redact_batches
from pipeline.redact.settings import KINDS, SALT_ENV, RedactSettings

AUDIT = "_redactions"


def run(spark, job) -> dict:
    from pyspark import StorageLevel
    from pyspark.sql import functions as F
    from pyspark.sql.pandas.types import to_arrow_schema

    # the salt is resolved here: executors of a cluster need not share the driver's environment
    settings = dataclasses.replace(job.settings, salt=job.settings.salt or os.environ.get(SALT_ENV, ""))
    rows = read_dataset(spark, job.input)
    rows = rows.drop(*[c for c in ADDED_COLUMNS if c in rows.columns])  # a rerun over redacted data
    schema = output_schema(to_arrow_schema(rows.schema))
    redacted = map_batches(rows, functools.partial(redact_batches, settings=settings), schema)
    redacted = redacted.persist(StorageLevel.MEMORY_AND_DISK)  # rows, audit and counts from one scan
    try:
        rejects = write_with_rejects(redacted.drop(REDACTIONS), job.output, persist=False)
        with phase("write_audit"):
            audit = redacted.select("id", F.explode(REDACTIONS).alias("finding")).select("id", "finding.*")
            write_dataset(audit, storage.join(job.output, AUDIT))
        with phase("count_findings"):
            language = F.coalesce(*[F.col(c) for c in ("language", "nl_language") if c in rows.columns], F.lit(None))
            sums = [F.sum(f"redacted_{kind}").alias(kind) for kind in KINDS]
            by_language = redacted.groupBy(language.alias("language")).agg(*sums).collect()
    finally:
        redacted.unpersist()
    found = {kind: sum(row[kind] or 0 for row in by_language) for kind in KINDS}
    print(f"corpus redact: findings replaced: {', '.join(f'{k} {v:,}' for k, v in found.items())}")
    return {
        "rejects_by_reason": rejects,
        "redacted": found,
        "redacted_by_language": {
            row["language"] or "unknown": {kind: row[kind] or 0 for kind in KINDS}
            for row in sorted(by_language, key=lambda r: -sum(r[k] or 0 for k in KINDS))
            if any(row[kind] for kind in KINDS)
        },
    }


STAGE = Stage("redact", "replace e-mails, IP addresses, keys and passwords by placeholders", RedactSettings, run)
main = STAGE.main

if __name__ == "__main__":
    sys.exit(main())
