"""Filter stage: quality rules (DeepSeek-Coder's file rules + code checks), decontamination, and the
quality screening of files (syntax check, readability signals, quality model).

Files (rows without url) get the file rules and the screening, web pages (rows with url) the page
rules, both get decontamination. Signals become columns; rejected rows go to `<output>/_rejects` with their reason.
"""

from __future__ import annotations

import functools
import sys

from jobs.common import map_batches, read_dataset, write_with_rejects
from jobs.runner import Stage
from pipeline.filters import config as filter_config
from pipeline.filters.apply import ADDED_COLUMNS, filter_batches, output_schema
from pipeline.filters.decontaminate import MATCH_COLUMN as MATCH
from pipeline.filters.decontaminate import REASON_PREFIX, load_index
from pipeline.filters.quality import load_model
from pipeline.filters.screening_stats import screening_counts
from pipeline.io import manifest, storage
from pipeline.langs.registry import default_registry
from pipeline.schema import REASON


def read_inputs(spark, inputs: list[str]):
    """All inputs as one DataFrame; columns one input lacks (files have no nl_language) become nulls."""
    frames = [read_dataset(spark, [uri]) for uri in inputs]
    return functools.reduce(lambda a, b: a.unionByName(b, allowMissingColumns=True), frames)


def run(spark, job) -> dict:
    from pyspark.sql.pandas.types import to_arrow_schema

    rows = read_inputs(spark, job.input)
    rows = rows.drop(*[c for c in ADDED_COLUMNS if c in rows.columns])  # a rerun over filtered data
    settings = filter_config.resolve(job.settings, default_registry(), "nl_language" in rows.columns)
    decon = job.settings.decontamination
    index = load_index(
        list(decon.decontaminate),
        list(decon.decontaminate_fields),
        decon.humaneval,
        decon.decontaminate_ngram,
        decon.decontaminate_min_tokens,
    )
    shared_index = spark.sparkContext.broadcast(index)
    model_path = job.settings.screening.quality_model
    shared_model = spark.sparkContext.broadcast(load_model(model_path) if model_path else None)

    def filter_partition(batches):
        return filter_batches(batches, settings, shared_index.value, shared_model.value)

    schema = output_schema(to_arrow_schema(rows.schema))
    rejects = write_with_rejects(map_batches(rows, filter_partition, schema), job.output)
    shared_index.unpersist()
    shared_model.unpersist()
    return {
        "rejects_by_reason": rejects,
        "decontamination": decontamination_counts(spark, job.output) if rejects and index.labels else {},
        "benchmarks": index.stats,
        "nl_language_checked": settings.check_nl_language and bool(settings.nl_languages),
        "screening": screening_job_counts(spark, job.output),
    }


def screening_job_counts(spark, output: str) -> dict:
    """Files parsed clean / with errors / not parsed (and why), and screening rejects, per language
    (`corpus stats --signals` and the report read them)."""
    from pyspark.sql import functions as F

    frames = []
    for folder in (output, storage.join(output, manifest.REJECTS)):
        if not storage.list_parquet_files(folder):
            continue
        frame = read_dataset(spark, [folder])
        if "url" in frame.columns:
            frame = frame.where(F.col("url").isNull())
        kind = F.substring_index(F.col(REASON), ":", 1) if REASON in frame.columns else F.lit(None).cast("string")
        frames.append(frame.select("language", "parsed", "parse_skipped", kind.alias("kind")))
    if not frames:
        return {}
    rows = functools.reduce(lambda a, b: a.unionByName(b), frames)
    groups = rows.groupBy("language", "parsed", "parse_skipped", "kind").count().collect()
    return screening_counts((g["language"], g["parsed"], g["parse_skipped"], g["kind"], g["count"]) for g in groups)


def check_model(job) -> None:
    """A missing or damaged --quality-model is a one-line error before the output is touched."""
    if job.settings.screening.quality_model:
        load_model(job.settings.screening.quality_model)


def decontamination_counts(spark, output: str) -> dict:
    """Per benchmark: rows whose content matched it (every one is rejected, perhaps by an earlier rule),
    how many of them carry the decontamination reason, and matched rows per task."""
    from pyspark.sql import functions as F

    rejects = read_dataset(spark, [storage.join(output, manifest.REJECTS)])
    counted = (
        rejects.where(F.col(MATCH).isNotNull())
        .groupBy(MATCH, F.col(REASON).startswith(REASON_PREFIX + ":").alias("named"))
        .count()
        .collect()
    )
    by_benchmark: dict[str, dict] = {}
    for row in sorted(counted, key=lambda r: (-r["count"], r[MATCH])):
        benchmark, task_id = row[MATCH].split(":", 1)
        entry = by_benchmark.setdefault(benchmark, {"matched_rows": 0, "rows": 0, "tasks": {}})
        entry["matched_rows"] += row["count"]
        entry["rows"] += row["count"] if row["named"] else 0
        entry["tasks"][task_id] = entry["tasks"].get(task_id, 0) + row["count"]
    return by_benchmark


STAGE = Stage(
    "filter",
    "language and quality rules, decontamination, quality screening",
    filter_config.FilterOptions,
    run,
    check=check_model,
)
main = STAGE.main

if __name__ == "__main__":
    sys.exit(main())
