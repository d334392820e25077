"""Parquet datasets read and written by the executors themselves, through pyarrow filesystems.

Spark reaches `s3://` only through Hadoop's s3a connector, whose jars many installs lack. These
functions run inside `mapInArrow` tasks instead: each read task streams whole files, each write task
writes one part file. Part names depend only on the write's token and the partition index, so a
retried task replaces its own part instead of adding a second one; object stores make each PUT
atomic, so a reader never sees half a part.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import pyarrow as pa
import pyarrow.parquet as pq

from pipeline.io import storage
from pipeline.io.fetch import transient_in_pyarrow
from pipeline.io.retry import RetryPolicy

WRITTEN_SCHEMA = pa.schema([("path", pa.string()), ("rows", pa.int64())])


def dataset_schema(files: list[str]) -> pa.Schema:
    """The schema all `files` can be read as: their schemas unified (a column missing in one is null there)."""
    return pa.unify_schemas(
        [storage.retrying(lambda uri=uri: read_schema(uri)) for uri in files], promote_options="permissive"
    )


def read_schema(uri: str) -> pa.Schema:
    fs, path = storage.filesystem(uri)
    with fs.open_input_file(path) as handle:
        return pq.ParquetFile(handle).schema_arrow


def read_parts(
    paths: Iterator[pa.RecordBatch], schema: pa.Schema, endpoint: str | None, batch_rows: int = 512
) -> Iterator[pa.RecordBatch]:
    """Stream the rows of the Parquet files named in the `path` column, cast to `schema`."""
    storage.use_endpoint(endpoint)
    for batch in paths:
        for uri in batch.column("path").to_pylist():
            yield from _read_file(uri, schema, batch_rows)


def _read_file(uri: str, schema: pa.Schema, batch_rows: int) -> Iterator[pa.RecordBatch]:
    """A file's batches; after a transient error the file is reopened and the batches sent already skipped."""
    fs, path = storage.filesystem(uri)
    policy = RetryPolicy()
    sent = 0
    for attempt in range(1, policy.attempts + 1):
        try:
            with fs.open_input_file(path) as handle:
                for index, part in enumerate(pq.ParquetFile(handle).iter_batches(batch_size=batch_rows)):
                    if index >= sent:
                        yield _conform(part, schema)
                        sent += 1
            return
        except OSError as error:
            if attempt == policy.attempts or not transient_in_pyarrow(error):
                raise
            time.sleep(policy.delay(attempt))


def _conform(batch: pa.RecordBatch, schema: pa.Schema) -> pa.RecordBatch:
    columns = [
        batch.column(field.name).cast(field.type)
        if field.name in batch.schema.names
        else pa.nulls(batch.num_rows, field.type)
        for field in schema
    ]
    return pa.RecordBatch.from_arrays(columns, schema=schema)


def part_name(token: str, partition_index: int) -> str:
    return f"part-{partition_index:05d}-{token}.zstd.parquet"


def write_part(
    batches: Iterator[pa.RecordBatch], output: str, name: str, schema: pa.Schema, endpoint: str | None
) -> Iterator[pa.RecordBatch]:
    """Write a partition's rows to one Parquet file `output/name`; yields one WRITTEN_SCHEMA row.

    An empty partition writes nothing (the driver adds one empty part if the whole dataset is empty).
    """
    storage.use_endpoint(endpoint)
    fs, path = storage.filesystem(storage.join(output, name))
    writer = None
    rows = 0
    for batch in batches:
        if batch.num_rows == 0:
            continue
        if writer is None:
            writer = pq.ParquetWriter(path, schema, filesystem=fs, compression="zstd")
        writer.write_table(pa.Table.from_batches([batch]).cast(schema))  # Spark's batches may differ in nullability
        rows += batch.num_rows
    # no close on error: the task fails, and its retry (or the stage's rerun) replaces this part
    if writer is not None:
        writer.close()
        yield pa.RecordBatch.from_pylist([{"path": name, "rows": rows}], schema=WRITTEN_SCHEMA)


def write_empty(output: str, name: str, schema: pa.Schema) -> None:
    """An empty part that keeps the dataset's schema (readers need at least one file)."""
    fs, path = storage.filesystem(storage.join(output, name))
    with fs.open_output_stream(path) as stream:
        pq.write_table(schema.empty_table(), stream, compression="zstd")
