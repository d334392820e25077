"""Every source of the `files` dataset, by stage name. Registering a source = one line in `SOURCES`.

The generic ingest job: `source = get_source(name)`; its settings come from `source.settings`
(`pipeline.stage`); on the driver `tasks = source.plan(job.input, settings)`; a DataFrame of one string
column `TASK_COLUMN` holding the tasks goes through `map_tasks` (partial over `source=name, settings=...`)
with `source_schema(source, settings)` (FILES_SCHEMA unless the source declares its own) as the output schema.
A source with `group_by` (ingest-issues) yields task rows (`task_schema`) there; the job repartitions them by
`group_by`, sorts within partitions and runs `map_groups`.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pyarrow as pa

from pipeline.config import UsageError
from pipeline.sources import dataset, github, issues, swh
from pipeline.sources.contract import Source, task_batches

TASK_COLUMN = "task"  # the one column of the DataFrame of tasks the driver hands to the executors

SOURCES: dict[str, Source] = {
    source.name: source
    for source in (
        github.GITHUB,
        swh.SWH,
        dataset.DATASET,
        issues.ISSUES,
    )
}


def get_source(name: str) -> Source:
    try:
        return SOURCES[name]
    except KeyError:
        raise UsageError(f"unknown source {name!r}; known: {', '.join(SOURCES)}") from None


def map_tasks(batches: Iterator[pa.RecordBatch], source: str, settings: Any) -> Iterator[pa.RecordBatch]:
    """mapInArrow body: batches of task descriptors (column `task`) in, the source's batches out."""
    found = get_source(source)
    for batch in batches:
        yield from task_batches(found, batch.column(TASK_COLUMN).to_pylist(), settings)


def map_groups(batches: Iterator[pa.RecordBatch], source: str, settings: Any) -> Iterator[pa.RecordBatch]:
    """mapInArrow body of a grouping source's second step: its task rows, repartitioned by `group_by`
    and sorted within partitions by `group_by` + `order_by`, in; its output batches out."""
    yield from get_source(source).group_batches(batches, settings)
