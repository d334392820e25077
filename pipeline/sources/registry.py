"""Every source of the `files` dataset, by stage name. Registering a source = one line in `SOURCES`.

The generic ingest job: `source = get_source(name)`; its settings come from `source.settings`
(`pipeline.stage`); on the driver `tasks = source.plan(job.input, settings)`; a DataFrame of one string
column `TASK_COLUMN` holding the tasks goes through `map_tasks` (partial over `source=name, settings=...`)
with `source_schema(source, settings)` (FILES_SCHEMA unless the source declares its own) as the output schema.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pyarrow as pa

from pipeline.config import UsageError
from pipeline.sources import dataset, github, swh
from pipeline.sources.contract import Source, ingest_batches

TASK_COLUMN = "task"  # the one column of the DataFrame of tasks the driver hands to the executors

SOURCES: dict[str, Source] = {
    source.name: source
    for source in (
        github.GITHUB,
        swh.SWH,
        dataset.DATASET,
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
        yield from ingest_batches(found, batch.column(TASK_COLUMN).to_pylist(), settings)
