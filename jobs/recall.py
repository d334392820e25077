"""Spark job: fastText recall of code- and math-related pages (DeepSeekMath's loop, for both targets).

Training runs on the driver from a bounded sample; models travel to the executors as bytes; the
domain rule reads a per-(site, path prefix) table aggregated on Spark. The loop itself is
pipeline.recall.loop.run_loop and the pages live in pipeline.recall.spark_store; this file wires them.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile

from jobs.common import read_dataset, write_with_rejects
from jobs.runner import Stage
from pipeline.config import UsageError
from pipeline.io import storage
from pipeline.recall import TARGETS
from pipeline.recall.loop import RecallSettings, run_loop
from pipeline.recall.seeds import load_seeds
from pipeline.recall.spark_store import SparkPageStore
from pipeline.schema import REASON

NOT_RECALLED = "not_recalled"
REPORT = "_recall_report.json"
MODELS = "_models"


def run(spark, job) -> dict:
    from pyspark.sql import functions as F

    from pipeline.recall.seeds import SeedRule

    settings = job.settings.for_run()
    rules = load_seeds(settings.seeds)
    pages = read_dataset(spark, job.input)
    if REASON in pages.columns:
        pages = pages.drop(REASON)
    missing = {"id", "content"} - set(pages.columns)
    if missing:
        raise UsageError(f"input lacks column(s) {sorted(missing)}")

    store = SparkPageStore(spark, pages, settings.tokenizer, settings.max_chars)
    negatives_store = None
    if settings.negatives_dataset:
        negatives = read_dataset(spark, [settings.negatives_dataset])
        if "content" not in negatives.columns:
            raise UsageError(f"--negatives-dataset {settings.negatives_dataset} lacks a `content` column")
        if "id" not in negatives.columns:
            negatives = negatives.withColumn("id", F.monotonically_increasing_id().cast("string"))
        negatives_store = SparkPageStore(spark, negatives, settings.tokenizer, settings.max_chars)
    models_dir = tempfile.mkdtemp(prefix="recall-models-")

    def keep_models(iteration, models):
        for _index, model in enumerate(models):
            suffix = "" if len(models) == 1 else f"-{'-'.join(model.labels)}"
            with open(os.path.join(models_dir, f"iter{iteration}{suffix}.bin"), "wb") as handle:
                handle.write(model.data)

    try:
        report = run_loop(store, rules, settings, on_model=keep_models, negatives_store=negatives_store)
        final_rules = [SeedRule(**rule) for rule in report["final_seed_rules"]]
        recalled = store.recalled(final_rules).dropDuplicates(["id"])
        out = pages.join(recalled, "id", "left").withColumn(
            REASON, F.when(F.col("recall_label").isNull(), F.lit(NOT_RECALLED))
        )
        rejects = write_with_rejects(out, job.output)
    finally:
        store.close()
        if negatives_store is not None:
            negatives_store.close()
    # written after the data: Spark's overwrite clears the output folder
    for name in sorted(os.listdir(models_dir)):
        with open(os.path.join(models_dir, name), "rb") as handle:
            _write_bytes(storage.join(job.output, MODELS, name), handle.read())
        os.remove(os.path.join(models_dir, name))
    os.rmdir(models_dir)
    storage.write_text_atomic(storage.join(job.output, REPORT), json.dumps(report, indent=2, default=str))
    last = report["iterations"][-1]["targets"]
    return {
        "rejects": rejects,
        "recall": {
            t: {"pages_collected": last[t]["pages_collected"], "seed_pages": report["final_seed_pages"][t]}
            for t in TARGETS
        },
    }


def _write_bytes(uri: str, data: bytes) -> None:
    fs, path = storage.filesystem(uri)
    fs.create_dir(path.rsplit("/", 1)[0], recursive=True)
    with fs.open_output_stream(path) as stream:
        stream.write(data)


def require_seeds(job) -> None:
    if not job.settings.seeds:
        raise UsageError("--seeds is required (a TOML file of seed domains)")


STAGE = Stage("recall", "fastText recall of code and math pages", RecallSettings, run, check=require_seeds)
main = STAGE.main

if __name__ == "__main__":
    sys.exit(main())
