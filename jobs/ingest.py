"""Every registered source of the `files` dataset as a stage (`corpus ingest-github`, `corpus ingest-swh`).

    spark-submit jobs/ingest.py ingest-github --input samples/repos --output out/files
    spark-submit jobs/ingest.py ingest-swh --input s3://bucket/stack-v2/ --output out/files
    spark-submit jobs/ingest.py ingest-dataset --preset stack-v1 --input data/python/ --output out/files

The source plans tasks on the driver (repositories, manifest chunks); each Spark task reads its
candidates and runs the one ingest rule chain (pipeline.sources.contract). Adding a source is a module
and a line in pipeline.sources.registry: no change here.
"""

from __future__ import annotations

import functools
import sys

from jobs.common import map_batches, write_with_rejects
from jobs.runner import Stage
from pipeline.config import UsageError
from pipeline.sources.contract import source_schema, task_schema
from pipeline.sources.registry import SOURCES, TASK_COLUMN, map_groups, map_tasks


def run_source(spark, job, name: str) -> dict:
    source = SOURCES[name]
    tasks = source.plan(job.input, job.settings)
    if not tasks:
        raise UsageError(f"no input found in {' '.join(job.input)}")
    # A few tasks per core: one repository or manifest chunk is read by one executor.
    partitions = min(len(tasks), spark.sparkContext.defaultParallelism * 4)
    listing = spark.createDataFrame(
        spark.sparkContext.parallelize([(task,) for task in tasks], partitions), f"{TASK_COLUMN} string"
    )
    schema = task_schema(source, job.settings)  # FILES_SCHEMA, the source's own (ingest-dataset), or its task rows
    files = map_batches(listing, functools.partial(map_tasks, source=name, settings=job.settings), schema)
    keys = getattr(source, "group_by", None)
    if keys:  # a group's rows (an issue thread's events) come from many tasks: bring them together, in order
        ordered = files.repartition(*keys).sortWithinPartitions(*keys, *source.order_by)
        groups = functools.partial(map_groups, source=name, settings=job.settings)
        files = map_batches(ordered, groups, source_schema(source, job.settings))
    print(f"corpus {name}: {len(tasks):,} task(s) from {len(job.input)} input(s)")
    return {"tasks": len(tasks), "rejects_by_reason": write_with_rejects(files, job.output)}


STAGES = [
    Stage(
        name,
        source.help,
        source.settings,
        functools.partial(run_source, name=name),
        inputs="sources",
        input_help=source.input_help,
    )
    for name, source in SOURCES.items()
]


def stage_for(name: str) -> Stage:
    return next(stage for stage in STAGES if stage.name == name)


if __name__ == "__main__":  # spark-submit jobs/ingest.py SOURCE ARGS...
    if len(sys.argv) < 2 or sys.argv[1] not in SOURCES:
        sys.exit(f"usage: spark-submit jobs/ingest.py {{{','.join(SOURCES)}}} ARGS...")
    sys.exit(stage_for(sys.argv[1]).main(sys.argv[2:]))
