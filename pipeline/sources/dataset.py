"""The `ingest-dataset` source: a published table of code or text (The Stack, StarCoder's data, a web-text
set, any Parquet / JSON Lines / CSV table) -> our `files`, `pages` or `text` rows.

    corpus ingest-dataset --preset stack-v1 --input data/python/ --output out/files
    corpus ingest-dataset --kind text --columns content=text,url=url --input 'web/*.jsonl.zst' --output out/text

`plan` runs on the driver: it lists the files (a file, folder or glob; hive-partitioned folders; local or
s3://), reads each Parquet footer, peeks at the first lines of JSON Lines / CSV files, checks the column
mapping against what is there (a column absent from every file is an error before any work), and cuts
the work into tasks: Parquet by row groups (packed up to `--task-bytes`), plain JSON Lines by byte
ranges, compressed JSON Lines and CSV by file. `read` / `batches` run on an executor and stream one task
in batches of `--batch-rows` rows: row groups and line batches, never whole files.

Rows of kind `files` go through the one ingest rule chain (`contract.candidate_rows`): same rules,
reasons, ids and language detection as every source, plus three columns of their own:
`source_language` (the source's label), `source_id` (the source's own id) and `source_meta` (every
source column no target takes, as text; `--drop-unmapped` leaves it null). Kinds `pages` and `text` get
the same three columns, natural-language ID (`nl_language`, `nl_score`) and the rules below
(`rows_rules`). Input that cannot be read is a counted reject with a reason, never a crash: a
corrupt Parquet file or row group, a malformed JSON line (`bad_row:line 12: ...`), a compressed file cut
short, a CSV row with too many fields, a value of the wrong type (`bad_type:content is int64`).
"""

from __future__ import annotations

import argparse
import csv
import fnmatch
import functools
import glob
import hashlib
import json
import os
import posixpath
import urllib.parse
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.fs as pafs
import pyarrow.parquet as pq

from pipeline.config import UsageError
from pipeline.io import storage
from pipeline.schema import COMMON_FIELDS, FILES_SCHEMA, PAGES_SCHEMA, make_id
from pipeline.sources import contract
from pipeline.sources.contract import BINARY_SNIFF_BYTES, Candidate, decode_text
from pipeline.sources.dataset_presets import FOLDER, KINDS, NAMES, TARGETS, Preset, get_preset, matching_preset
from pipeline.sources.swh import license_text
from pipeline.stage import setting

DEFAULT_SOURCE = "dataset"  # the `source` column when neither a preset, --source-name nor a column gives one
FORMATS = ("parquet", "jsonl", "csv")
SUFFIXES = {
    ".parquet": "parquet",
    ".pq": "parquet",
    ".jsonl": "jsonl",
    ".json": "jsonl",
    ".ndjson": "jsonl",
    ".csv": "csv",
    ".tsv": "csv",
}
COMPRESSIONS = {".gz": "gzip", ".zst": "zstd", ".zstd": "zstd"}
READ_BYTES = 1 << 20  # bytes read from a JSON Lines / CSV stream per step
PEEK_BYTES = 1 << 20  # the first bytes of a JSON Lines file the driver reads to learn its keys
BATCH_BYTES = 64 << 20  # content bytes per batch, whatever --batch-rows says
MAX_TASKS_PER_FILE = 100_000
STREAM_ROW_GROUP_BYTES = 512 << 20  # a Parquet row group larger than this (uncompressed) is read in pieces
STREAM_BUFFER_BYTES = 8 << 20

MAP_TYPE = pa.map_(pa.string(), pa.string())
EXTRA_FIELDS = [
    pa.field("source_language", pa.string()),  # the source's own language label, as it gave it
    pa.field("source_id", pa.string()),  # the source's own id
    pa.field("source_meta", MAP_TYPE),  # every source column no target takes, as text (null: --drop-unmapped)
]
EXTRA_NAMES = tuple(f.name for f in EXTRA_FIELDS)


def _with_extra(schema: pa.Schema) -> pa.Schema:
    """`schema` with EXTRA_FIELDS before its last column (`reason`)."""
    fields = list(schema)
    return pa.schema(fields[:-1] + EXTRA_FIELDS + fields[-1:])


DATASET_FILES_SCHEMA = _with_extra(FILES_SCHEMA)
DATASET_PAGES_SCHEMA = _with_extra(PAGES_SCHEMA)
# `text` rows: natural-language text for the mix (no repository, path or WARC fields); the common columns
# every stage keeps, with `language` null and the natural language in `nl_language`.
TEXT_SCHEMA = pa.schema(
    COMMON_FIELDS
    + [pa.field("nl_language", pa.string()), pa.field("nl_score", pa.float64())]
    + EXTRA_FIELDS
    + [pa.field("reason", pa.string())]
)
SCHEMAS = {"files": DATASET_FILES_SCHEMA, "pages": DATASET_PAGES_SCHEMA, "text": TEXT_SCHEMA}


class ColumnMap(dict):
    """A column mapping, target -> source column: `content=text,path=max_stars_repo_path` on the command
    line, a TOML table (`[ingest_dataset.columns]`) in a --config file. `id=` (no column) unmaps a
    target the preset maps."""

    def __init__(self, value: Any = None):
        if isinstance(value, str):
            pairs = {}
            for item in value.replace(" ", ",").split(","):
                if not item:
                    continue
                target, sep, column = item.partition("=")
                if not sep or not target:
                    raise argparse.ArgumentTypeError(f"expected TARGET=COLUMN[,TARGET=COLUMN...], got {item!r}")
                pairs[target.strip()] = column.strip()
            value = pairs
        super().__init__(value or {})

    def __hash__(self) -> int:  # settings are frozen dataclasses: hashable
        return hash(tuple(sorted(self.items())))


@dataclass(frozen=True)
class DatasetSettings:
    preset: str | None = setting(
        None, "a known layout: its column mapping, kind and source name", choices=tuple(sorted(NAMES))
    )
    kind: str | None = setting(None, "rows to make (default: the preset's kind, else files)", choices=KINDS)
    format: str = setting(
        "auto",
        "input format; auto: by file name (.parquet, .jsonl/.json/.ndjson, .csv/.tsv; .gz/.zst)",
        choices=("auto", *FORMATS),
    )
    columns: ColumnMap = setting(
        help="target=source column pairs, over the preset's (targets: " + ", ".join(TARGETS["files"]) + ", "
        "warc_date, warc_record_id, html_bytes; @folder names the file's folder)",
        default_factory=ColumnMap,
        metavar="TARGET=COLUMN,...",
    )
    drop_unmapped: bool = setting(False, "drop source columns no target takes instead of keeping them in source_meta")
    source_name: str | None = setting(None, "the `source` column (default: the preset's, else 'dataset')")
    langid_model: str | None = setting(None, "fastText language-ID model for kinds pages/text (default: lid.176)")
    batch_rows: int = setting(256, "rows per batch read from the input", minimum=1, fingerprint=False)
    task_bytes: int = setting(
        256 << 20,
        "Parquet row groups (uncompressed) and plain JSON Lines bytes per task",
        minimum=1 << 10,
        fingerprint=False,
    )
    ingest: contract.IngestOptions = field(default_factory=contract.IngestOptions)

    def __post_init__(self):
        if not isinstance(self.columns, ColumnMap):  # a TOML table arrives as a plain dict
            object.__setattr__(self, "columns", ColumnMap(self.columns))

    def problems(self) -> list[str]:
        kind = self.kind or (get_preset(self.preset).kind if self.preset else "files")
        wrong = [t for t in self.columns if t not in TARGETS[kind]]
        if wrong:
            return [f"--columns: {', '.join(wrong)} not a target of kind {kind} (targets: {', '.join(TARGETS[kind])})"]
        return []


# ---- the layout: what each target reads -------------------------------------------------------------


@dataclass(frozen=True)
class Layout:
    kind: str
    source: str
    given: dict[str, str]  # target -> column the user named: checked against the files
    defaults: dict[str, str]  # target -> column of the preset (or our own names): used where present
    recomputed: frozenset[str]
    drop_unmapped: bool
    preset: Preset | None

    @functools.cached_property
    def mapping(self) -> dict[str, str]:
        return {t: c for t, c in {**self.defaults, **self.given}.items() if c}  # `target=`: unmapped

    @functools.cached_property
    def not_kept(self) -> frozenset[str]:
        """Source columns that do not go to source_meta: the mapped ones and ours recomputed."""
        return frozenset(self.mapping.values()) | self.recomputed

    def mapped_columns(self) -> frozenset[str]:
        return frozenset(c for c in self.mapping.values() if c != FOLDER)

    def kept(self, name: str) -> bool:
        """Whether an unmapped source column goes to source_meta."""
        return not self.drop_unmapped and name not in self.not_kept


# Without a preset, a target reads the column of its own name where there is one (`repo`: repo_name).
OWN_NAMES = {"repo": "repo_name"}


def layout(settings: DatasetSettings) -> Layout:
    preset = get_preset(settings.preset) if settings.preset else None
    kind = settings.kind or (preset.kind if preset else "files")
    if preset is not None:
        defaults = {t: c for t, c in preset.columns.items() if t in TARGETS[kind]}
    else:
        defaults = {t: OWN_NAMES.get(t, t) for t in TARGETS[kind]}
    source = settings.source_name or (preset.source if preset and preset.source else DEFAULT_SOURCE)
    return Layout(
        kind=kind,
        source=source,
        given=dict(settings.columns),
        defaults=defaults,
        recomputed=frozenset(preset.recomputed if preset else ()),
        drop_unmapped=settings.drop_unmapped,
        preset=preset,
    )


# ---- the source -----------------------------------------------------------------------------------


class DatasetSource:
    name = "ingest-dataset"
    help = (
        "Read a published dataset (The Stack, StarCoder data, web text, any Parquet / JSON Lines / CSV table) "
        "into files, pages or text rows."
    )
    input_help = (
        "Parquet (file, folder, glob; hive-partitioned folders), JSON Lines (plain, .gz, .zst) or CSV; local or s3://"
    )
    settings = DatasetSettings

    def schema(self, settings: DatasetSettings) -> pa.Schema:
        return SCHEMAS[layout(settings).kind]

    def plan(self, inputs: list[str], settings: DatasetSettings) -> list[str]:
        found = layout(settings)
        files = list_inputs(inputs, settings.format)
        described = list(
            contract.bounded_map(describe, files, 8 if any(storage.is_remote(f.uri) for f in files) else 1)
        )
        check_layout(found, described)
        endpoint = storage.endpoint()
        tasks = []
        for item in described:
            tasks += [json.dumps({**task, "s3_endpoint_url": endpoint}) for task in file_tasks(item, settings)]
        return tasks

    def read(self, task: str, settings: DatasetSettings) -> Iterator[Candidate]:
        """The candidates of one task (kind files): what `batches` runs the chain over, without the
        source's own columns."""
        found = layout(settings)
        if found.kind != "files":
            raise ValueError(f"kind {found.kind} rows are not files: use batches()")
        for chunk in task_chunks(json.loads(task), found, settings):
            yield from file_candidates(chunk, found)

    def batches(self, task: str, settings: DatasetSettings) -> Iterator[pa.RecordBatch]:
        found = layout(settings)
        described = json.loads(task)
        storage.use_endpoint(described.get("s3_endpoint_url"))
        build = files_batch if found.kind == "files" else text_batch
        for chunk in task_chunks(described, found, settings):
            yield build(chunk, found, settings)

    def threads(self, settings: DatasetSettings) -> int:
        return 1


DATASET = DatasetSource()


# ---- driver side: the files, their columns, the tasks ------------------------------------------------


@dataclass(frozen=True)
class InputFile:
    uri: str
    format: str
    compression: str | None
    size: int
    partition: dict[str, str]  # hive partition values from the folders between the input root and the file
    folder: str  # the name of the folder holding the file


def file_format(name: str, given: str = "auto") -> tuple[str | None, str | None]:
    """(format, compression) of a file name; format None when the name says nothing we read."""
    lower = name.lower()
    stem, ext = posixpath.splitext(lower)
    compression = COMPRESSIONS.get(ext)
    if compression:
        stem, ext = posixpath.splitext(stem)
    found = SUFFIXES.get(ext)
    if found == "parquet" and compression:
        return None, None  # Parquet compresses inside
    if given != "auto":
        return (given, compression) if found in (given, None) else (None, None)
    return found, compression


def list_inputs(inputs: list[str], given_format: str = "auto") -> list[InputFile]:
    """Every input file, sorted per input: a file (any name when --format is given), a folder
    (recursively, skipping `_`/`.` entries, only names of a known format) or a glob; local or s3://."""
    if not inputs:
        raise UsageError("no --input given")
    found: list[InputFile] = []
    for uri in inputs:
        listed = _listing(uri)
        if not listed:
            raise UsageError(f"input not found: {uri}")
        single = len(listed) == 1 and listed[0][2] is None
        matched = 0
        for path, size, root in listed:
            fmt, compression = file_format(path, given_format)
            if fmt is None and single and given_format != "auto":
                fmt, compression = given_format, None
            if fmt is None:
                if single:
                    raise UsageError(
                        f"{uri}: not a file we read (.parquet, .jsonl/.json/.ndjson, .csv/.tsv, .gz/.zst); "
                        "give --format"
                    )
                continue
            matched += 1
            relative = path[len(root) :].lstrip("/") if root else ""
            partition = {}
            for part in relative.split("/")[:-1]:
                key, sep, value = part.partition("=")
                if sep and key:
                    partition[key] = urllib.parse.unquote(value)
            folder = posixpath.basename(posixpath.dirname(path.split("://", 1)[-1]))
            found.append(InputFile(path, fmt, compression, size, partition, folder))
        if not matched:
            raise UsageError(f"no Parquet, JSON Lines or CSV files found at {uri}")
    return found


def _listing(uri: str) -> list[tuple[str, int, str | None]]:
    """(file, size, root) of what `uri` names; root (the folder partitions are read from) is None for a
    file named directly."""
    pattern = any(ch in uri for ch in "*?[")
    if not storage.is_remote(uri):
        path = uri[len("file://") :] if uri.startswith("file://") else uri
        if pattern:
            root = path[: min(path.find(ch) for ch in "*?[" if ch in path)].rsplit("/", 1)[0]
            names = sorted(p for p in glob.glob(path, recursive=True) if os.path.isfile(p))
            return [(p, os.path.getsize(p), root) for p in names if not _hidden(p[len(root) :])]
        if os.path.isfile(path):
            return [(path, os.path.getsize(path), None)]
        if not os.path.isdir(path):
            return []
        return [(p, s, path) for p, s in _walk(pafs.LocalFileSystem(), os.path.abspath(path), path)]
    fs, path = storage.filesystem(uri)
    scheme = uri.split("://", 1)[0]
    try:
        if pattern:
            prefix = path[: min(path.find(ch) for ch in "*?[" if ch in path)]
            root = prefix.rsplit("/", 1)[0]
            entries = _walk(fs, root, root)
            return [(f"{scheme}://{p}", s, f"{scheme}://{root}") for p, s in entries if fnmatch.fnmatchcase(p, path)]
        info = storage.retrying(lambda: fs.get_file_info(path))
        if info.type == pafs.FileType.File:
            return [(uri, info.size, None)]
        if info.type == pafs.FileType.NotFound:
            return []
        return [(f"{scheme}://{p}", s, uri.rstrip("/")) for p, s in _walk(fs, path.rstrip("/"), path.rstrip("/"))]
    except OSError as error:
        raise UsageError(f"cannot list {uri}: {error}") from None


def _walk(fs: pafs.FileSystem, path: str, shown_root: str) -> list[tuple[str, int]]:
    entries = storage.retrying(lambda: fs.get_file_info(pafs.FileSelector(path, recursive=True)))
    found = []
    for entry in entries:
        relative = entry.path[len(path) :]
        if entry.type == pafs.FileType.File and not _hidden(relative):
            shown = shown_root.rstrip("/") + "/" + relative.lstrip("/") if shown_root != path else entry.path
            found.append((shown, entry.size))
    return sorted(found)


def _hidden(relative: str) -> bool:
    """Spark's `_SUCCESS`, `_temporary/`, our `_rejects/` and `_manifest.json`, dot files."""
    return any(part.startswith(("_", ".")) for part in relative.strip("/").split("/") if part)


@dataclass
class Described:
    file: InputFile
    columns: list[str] | None = None  # None: the file could not be read (error says why)
    row_groups: list[tuple[int, int]] | None = None  # Parquet: (rows, uncompressed bytes) per row group
    error: str | None = None


def describe(file: InputFile) -> Described:
    """What the driver learns of one file: its columns (Parquet: the footer; JSON Lines: the keys of its
    first lines; CSV: the header) and its row groups."""
    try:
        if file.format == "parquet":
            with open_input(file.uri) as handle:
                metadata = pq.ParquetFile(handle).metadata
                groups = [
                    (metadata.row_group(g).num_rows, metadata.row_group(g).total_byte_size)
                    for g in range(metadata.num_row_groups)
                ]
                names = metadata.schema.to_arrow_schema().names
            return Described(file, names, groups)
        if file.format == "csv":
            return Described(file, csv_header(file))
        return Described(file, jsonl_keys(file))
    except (OSError, pa.ArrowException, ValueError, csv.Error) as error:
        return Described(file, error=_short(error))


def open_input(uri: str):
    """A random-access file (Parquet, ranged JSON Lines reads)."""
    fs, path = storage.filesystem(uri)
    return storage.retrying(lambda: fs.open_input_file(path))


def open_stream(uri: str, compression: str | None):
    """A sequential stream of the file's bytes, decompressed."""
    fs, path = storage.filesystem(uri)
    raw = storage.retrying(lambda: fs.open_input_stream(path, compression=None))
    return pa.CompressedInputStream(raw, compression) if compression else raw


def jsonl_keys(file: InputFile) -> list[str]:
    keys: dict[str, None] = {}
    with open_stream(file.uri, file.compression) as stream:
        head = stream.read(PEEK_BYTES)
        while b"\n" not in head and len(head) < 64 * PEEK_BYTES:  # a first line longer than the peek
            more = stream.read(PEEK_BYTES)
            if not more:
                break
            head += more
    lines = head.split(b"\n")
    if len(lines) > 1:
        lines = lines[:-1]  # the last one may be cut
    for line in lines:
        try:
            item = json.loads(line)
        except ValueError:
            continue
        if isinstance(item, dict):
            keys.update(dict.fromkeys(item))
    return list(keys)


def _delimiter(uri: str) -> str:
    name = uri.lower()
    for ext in COMPRESSIONS:
        name = name.removesuffix(ext)
    return "\t" if name.endswith(".tsv") else ","


def csv_header(file: InputFile) -> list[str]:
    with open_stream(file.uri, file.compression) as stream:
        head = stream.read(PEEK_BYTES)
    first = head.split(b"\n", 1)[0].rstrip(b"\r").decode("utf-8-sig")
    return next(csv.reader([first], delimiter=_delimiter(file.uri)), [])


def check_layout(found: Layout, described: list[Described]) -> None:
    """A column the user named that no file has, or no content (or path, for files) anywhere: a one-line
    error listing the columns that are there, before any work."""
    readable = [d for d in described if d.columns is not None]
    if not readable:
        return  # every file is unreadable: each becomes a reject with its reason
    present: dict[str, None] = {}
    for item in readable:
        present.update(dict.fromkeys(item.columns))
        present.update(dict.fromkeys(item.file.partition))
    shown = ", ".join(list(present)[:40]) + (", ..." if len(present) > 40 else "")
    hint = ""
    suggested = matching_preset(present)
    if suggested is not None and suggested is not found.preset:
        hint = f"; its columns match --preset {suggested.name}"
    for target, column in found.given.items():
        if column and column != FOLDER and column not in present:
            raise UsageError(
                f"--columns {target}={column}: no column {column!r} in the input; columns there: {shown}{hint}"
            )
    needed = ["content"] + (["path"] if found.kind == "files" else []) + (["url"] if found.kind == "pages" else [])
    for target in needed:
        column = found.mapping.get(target)
        if column is None or (column != FOLDER and column not in present):
            where = f"preset {found.preset.name} reads {column!r}" if found.preset else f"looked for {column!r}"
            raise UsageError(
                f"no {target} column for kind {found.kind} ({where}); columns there: {shown}{hint}; "
                f"name it with --columns {target}=COLUMN"
            )


def file_tasks(item: Described, settings: DatasetSettings) -> list[dict]:
    """One file's tasks: Parquet row groups packed up to --task-bytes (a row group alone when larger),
    a plain JSON Lines file in byte ranges of --task-bytes, anything else whole."""
    file = item.file
    base = {
        "file": file.uri,
        "format": file.format,
        "compression": file.compression,
        "partition": file.partition,
        "folder": file.folder,
    }
    if item.error is not None:
        return [{**base, "error": item.error}]
    if file.format == "parquet":
        tasks, pending, pending_bytes, first_row = [], [], 0, 0
        for number, (rows, size) in enumerate(item.row_groups or []):
            if pending and pending_bytes + size > settings.task_bytes:
                tasks.append({**base, "row_groups": pending})
                pending, pending_bytes = [], 0
            pending.append([number, first_row, rows, size])
            pending_bytes += size
            first_row += rows
        if pending:
            tasks.append({**base, "row_groups": pending})
        return tasks
    if file.format == "jsonl" and file.compression is None and file.size > settings.task_bytes:
        step = max(settings.task_bytes, -(-file.size // MAX_TASKS_PER_FILE))
        return [{**base, "start": start, "end": min(start + step, file.size)} for start in range(0, file.size, step)]
    return [base]


# ---- executor side: a task's rows, in chunks ---------------------------------------------------------


@dataclass
class Chunk:
    """Rows read from the input, mapped to targets: `values[target][i]` (content: str, bytes or None),
    `problems[i]` a reason when the row could not be read, `locations[i]` names the row (file and
    row, line or byte), `meta` the source_meta map array (or None)."""

    values: dict[str, list]
    sizes: list  # UTF-8 bytes of each str content (None otherwise)
    problems: list
    locations: list
    meta: pa.Array | None

    def __len__(self) -> int:
        return len(self.locations)


def task_chunks(task: dict, found: Layout, settings: DatasetSettings) -> Iterator[Chunk]:
    uri = task["file"]
    if task.get("error"):
        yield _problem_chunk(uri, f"unreadable_file: {task['error']}")
        return
    constants = dict(task.get("partition") or {})
    constants[FOLDER] = task.get("folder") or ""
    if task["format"] == "parquet":
        yield from parquet_chunks(uri, task["row_groups"], constants, found, settings)
    elif task["format"] == "csv":
        yield from _python_chunks(csv_rows(uri, task.get("compression"), settings), constants, found, settings)
    else:
        rows = jsonl_rows(uri, task.get("compression"), task.get("start", 0), task.get("end"), settings)
        yield from _python_chunks(rows, constants, found, settings)


def _problem_chunk(location: str, reason: str) -> Chunk:
    return Chunk({}, [None], [reason], [location], None)


def _short(error: BaseException) -> str:
    text = " ".join(str(error).split()) or type(error).__name__
    return text[:300]


# Parquet ------------------------------------------------------------------------------------------------


def parquet_chunks(
    uri: str, row_groups: list, constants: dict, found: Layout, settings: DatasetSettings
) -> Iterator[Chunk]:
    try:
        handle = open_input(uri)
        # A row group's column chunks are read whole (fastest) unless one is large: then in buffered pieces.
        large = any(size > STREAM_ROW_GROUP_BYTES for *_, size in row_groups)
        parquet = pq.ParquetFile(handle, buffer_size=STREAM_BUFFER_BYTES if large else 0, pre_buffer=False)
        names = parquet.schema_arrow.names
    except (OSError, pa.ArrowException) as error:
        yield _problem_chunk(uri, f"unreadable_file: {_short(error)}")
        return
    mapped = found.mapped_columns()
    # No column of interest (--drop-unmapped, nothing mapped here): one column still counts the rows.
    wanted = [n for n in names if n in mapped or found.kept(n)] or names[:1]
    with handle:
        for number, first_row, rows, _ in row_groups:
            done = 0
            try:
                for batch in parquet.iter_batches(
                    batch_size=settings.batch_rows, row_groups=[number], columns=wanted, use_threads=False
                ):
                    locations = [f"{uri}#row {first_row + done + i}" for i in range(batch.num_rows)]
                    done += batch.num_rows
                    yield arrow_chunk(batch, constants, locations, found)
            except (OSError, pa.ArrowException) as error:
                lost = rows - done
                yield _problem_chunk(
                    f"{uri}#row group {number}",
                    f"unreadable_row_group: row group {number}, {lost} of its {rows} rows lost: {_short(error)}",
                )


def arrow_chunk(batch: pa.RecordBatch, constants: dict, locations: list[str], found: Layout) -> Chunk:
    n = batch.num_rows
    names = batch.schema.names
    values: dict[str, list] = {}
    problems: list = [None] * n
    sizes: list = [None] * n
    for target, column in found.mapping.items():
        if column in names:
            array = _plain(batch.column(names.index(column)))
        elif column in constants:
            values[target] = [constants[column]] * n
            continue
        else:
            continue
        if target == "content":
            kind = array.type
            if pa.types.is_string(kind) or pa.types.is_large_string(kind):
                values[target] = array.to_pylist()
                sizes = pc.binary_length(array).to_pylist()
            elif pa.types.is_binary(kind) or pa.types.is_large_binary(kind) or pa.types.is_null(kind):
                values[target] = array.to_pylist()
            else:
                values[target] = [None] * n
                nulls = array.is_null().to_pylist()
                problems = [None if null else f"bad_type:content is {kind}" for null in nulls]
        elif target == "html_bytes":
            values[target] = _integers(array)
        elif target == "license" and (pa.types.is_string(array.type) or pa.types.is_large_string(array.type)):
            values[target] = [license_text(v) for v in array.to_pylist()]  # `['MIT', 'X']` as text too
        else:
            values[target] = _texts(array, surrogates=target == "path")
    meta = None
    if not found.drop_unmapped:
        kept = [(name, batch.column(i)) for i, name in enumerate(names) if found.kept(name)]
        kept += [
            (k, pa.array([v] * n, pa.string()))
            for k, v in constants.items()
            if k != FOLDER and k not in names and found.kept(k)
        ]
        meta = _meta_array([k for k, _ in kept], [_text_array(a) for _, a in kept], n)
    return Chunk(values, sizes, problems, locations, meta)


def _plain(array):
    array = array.combine_chunks() if isinstance(array, pa.ChunkedArray) else array
    if pa.types.is_dictionary(array.type):
        array = array.dictionary_decode()
    return array


def _texts(array: pa.Array, surrogates: bool = False) -> list:
    """A column as Python strings: lists joined with ` AND ` (licences), bytes decoded (undecodable
    bytes as surrogate escapes for a path, which the chain names; as `\\xff` escapes otherwise)."""
    kind = array.type
    if pa.types.is_string(kind) or pa.types.is_large_string(kind):
        return array.to_pylist()
    if pa.types.is_list(kind) or pa.types.is_large_list(kind):
        try:
            joined = pc.binary_join(array.cast(pa.list_(pa.string())), " AND ")
            return [v or None for v in joined.to_pylist()]
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            pass
    if pa.types.is_binary(kind) or pa.types.is_large_binary(kind):
        errors = "surrogateescape" if surrogates else "backslashreplace"
        return [v.decode("utf-8", errors) if v is not None else None for v in array.to_pylist()]
    return _text_array(array).to_pylist()


def _integers(array: pa.Array) -> list:
    try:
        return array.cast(pa.int64()).to_pylist()
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return [None] * len(array)


def _text_array(array) -> pa.Array:
    """Any column as a string array: strings as they are, numbers / booleans / dates by Arrow's cast,
    binary decoded (`\\xff` escapes), anything nested as JSON."""
    array = _plain(array)
    kind = array.type
    if pa.types.is_string(kind):
        return array
    if pa.types.is_large_string(kind):
        return array.cast(pa.string())
    if pa.types.is_binary(kind) or pa.types.is_large_binary(kind):
        return pa.array([_py_text(v) for v in array.to_pylist()], pa.string())
    if pa.types.is_nested(kind):
        return pa.array([_py_text(v) for v in array.to_pylist()], pa.string())
    try:
        return array.cast(pa.string())
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return pa.array([_py_text(v) for v in array.to_pylist()], pa.string())


def _meta_array(keys: list[str], columns: list[pa.Array], n: int) -> pa.Array:
    """A map<string,string> array of n rows, row i holding keys[j] -> columns[j][i] (nulls kept)."""
    k = len(keys)
    offsets = pa.array(np.arange(n + 1, dtype=np.int32) * k)
    if not k or not n:
        return pa.MapArray.from_arrays(offsets, pa.array([], pa.string()), pa.array([], pa.string()))
    order = (np.arange(n)[:, None] + np.arange(k)[None, :] * n).ravel()
    items = pa.concat_arrays(columns).take(pa.array(order))
    names = pa.array(keys, pa.string()).take(pa.array(np.tile(np.arange(k), n)))
    return pa.MapArray.from_arrays(offsets, names, items)


# JSON Lines and CSV: rows as Python dicts --------------------------------------------------------------


@dataclass
class RawRow:
    location: str
    item: dict | None  # the row's values by source column; None with a problem
    problem: str | None = None
    size: int = 0  # bytes of the row in the input (batches are bounded by them)


def jsonl_rows(uri: str, compression: str | None, start: int, end: int | None, settings) -> Iterator[RawRow]:
    """The rows of a JSON Lines file (or of the byte range [start, end) of a plain one: the lines that
    begin in it). A malformed line is a `bad_row` naming it; a stream that breaks (a truncated .gz or
    .zst) ends with one `unreadable_file` row saying where."""
    line_cap = 4 * settings.ingest.max_file_bytes + (1 << 20)  # JSON escapes can triple a text
    number, offset = 1, start  # the line under way: its number (whole files) and its first byte

    def where() -> str:
        return f"line {number}" if start == 0 else f"byte {offset}"

    try:
        stream = open_stream(uri, compression) if start == 0 else open_input(uri)
        with stream:
            buffer = b""
            if start > 0:  # the line under way at `start` belongs to the range before: skip past its end
                stream.seek(start - 1)
                offset = start - 1
                buffer = stream.read(READ_BYTES)
                while buffer and b"\n" not in buffer:
                    offset += len(buffer)
                    buffer = stream.read(READ_BYTES)
                cut = buffer.find(b"\n")
                if cut < 0:
                    return
                offset += cut + 1
                buffer = buffer[cut + 1 :]
            skipping = False  # inside a line too long to hold, already reported
            pos = 0  # where the line under way starts in `buffer` (no copy of the buffer per line)
            while end is None or offset < end:
                cut = buffer.find(b"\n", pos)
                if cut < 0:
                    more = stream.read(READ_BYTES)
                    if more:
                        buffer, pos = buffer[pos:], 0
                        if len(buffer) > line_cap:
                            if not skipping:
                                yield RawRow(
                                    f"{uri}:{where()}", None, f"bad_row:{where()}: longer than {line_cap} bytes"
                                )
                            skipping = True
                            offset += len(buffer)
                            buffer = b""
                        buffer += more
                        continue
                    if pos >= len(buffer):
                        return
                    cut = len(buffer)  # the last line, without a newline
                line, pos = buffer[pos:cut], cut + 1
                if not skipping:
                    row = _json_row(uri, line, where())
                    if row is not None:
                        yield row
                skipping = False
                offset += len(line) + 1
                number += 1
    except (OSError, pa.ArrowException) as error:
        yield RawRow(f"{uri}:{where()}", None, f"unreadable_file: {_short(error)} (at {where()})")


def _json_row(uri: str, line: bytes, where: str) -> RawRow | None:
    if not line or line.isspace():
        return None  # a blank line holds no row
    location = f"{uri}:{where}"
    try:
        item = json.loads(line)
    except ValueError as error:  # JSONDecodeError, UnicodeDecodeError
        return RawRow(location, None, f"bad_row:{where}: {_short(error)}", len(line))
    if not isinstance(item, dict):
        return RawRow(location, None, f"bad_row:{where}: a JSON {type(item).__name__}, not an object", len(line))
    return RawRow(location, item, None, len(line))


def csv_rows(uri: str, compression: str | None, settings) -> Iterator[RawRow]:
    """The records of a CSV/TSV file (header first), every field read as bytes (decoded per row, so an
    undecodable field is that row's reject); a record with the wrong number of fields is a `bad_row`."""
    invalid: list[RawRow] = []

    def handler(row) -> str:
        number = row.number if row.number is not None and row.number >= 0 else "?"
        invalid.append(
            RawRow(
                f"{uri}:line {number}",
                None,
                f"bad_row:line {number}: {row.actual_columns} fields, expected {row.expected_columns}",
            )
        )
        return "skip"

    block = max(16 << 20, 4 * settings.ingest.max_file_bytes)
    record = 0
    try:
        names = csv_header(InputFile(uri, "csv", compression, 0, {}, ""))
        reader = pacsv.open_csv(
            open_stream(uri, compression),
            read_options=pacsv.ReadOptions(use_threads=False, block_size=block),
            parse_options=pacsv.ParseOptions(
                delimiter=_delimiter(uri), newlines_in_values=True, invalid_row_handler=handler
            ),
            convert_options=pacsv.ConvertOptions(column_types={n: pa.binary() for n in names}),
        )
        for batch in reader:
            yield from invalid
            invalid.clear()
            columns = {n: batch.column(i).to_pylist() for i, n in enumerate(batch.schema.names)}
            for i in range(batch.num_rows):
                record += 1
                item = {n: values[i] for n, values in columns.items()}
                yield RawRow(f"{uri}#record {record}", item, None, sum(len(v) for v in item.values() if v))
    except (OSError, pa.ArrowException, ValueError, csv.Error) as error:
        yield from invalid
        yield RawRow(uri, None, f"unreadable_file: {_short(error)} after record {record}")
        return
    yield from invalid


def _python_chunks(rows: Iterable[RawRow], constants: dict, found: Layout, settings) -> Iterator[Chunk]:
    pending: list[RawRow] = []
    pending_bytes = 0
    for row in rows:
        pending.append(row)
        pending_bytes += row.size
        if len(pending) >= settings.batch_rows or pending_bytes >= BATCH_BYTES:
            yield python_chunk(pending, constants, found)
            pending, pending_bytes = [], 0
    if pending:
        yield python_chunk(pending, constants, found)


def python_chunk(rows: list[RawRow], constants: dict, found: Layout) -> Chunk:
    n = len(rows)
    values: dict[str, list] = {}
    problems = [row.problem for row in rows]
    sizes: list = [None] * n
    for target, column in found.mapping.items():
        if column in constants and not any(row.item and column in row.item for row in rows):
            values[target] = [constants[column]] * n
            continue
        raw = [row.item.get(column) if row.item is not None else None for row in rows]
        if target == "content":
            for i, value in enumerate(raw):
                if isinstance(value, str):
                    sizes[i] = _utf8_length(value)
                elif value is not None and not isinstance(value, bytes) and problems[i] is None:
                    problems[i] = f"bad_type:content is {type(value).__name__}"
                    raw[i] = None
            values[target] = raw
        elif target == "html_bytes":
            values[target] = [v if isinstance(v, int) and not isinstance(v, bool) else None for v in raw]
        elif target == "license":
            values[target] = [license_text(v) if isinstance(v, str) else _py_license(v) for v in raw]
        else:
            values[target] = [_py_text(v, surrogates=target == "path") for v in raw]
    meta = None
    if not found.drop_unmapped:
        entries = []
        for row in rows:
            if row.item is None:
                entries.append(None)
                continue
            entry = {k: _py_text(v) for k, v in row.item.items() if k not in found.not_kept}
            entry.update(
                {k: v for k, v in constants.items() if k != FOLDER and k not in found.not_kept and k not in row.item}
            )
            entries.append(entry)
        meta = pa.array(entries, MAP_TYPE)
    return Chunk(values, sizes, problems, [row.location for row in rows], meta)


def _utf8_length(text: str) -> int:
    return len(text) if text.isascii() else len(text.encode("utf-8", "surrogatepass"))


def _py_text(value, surrogates: bool = False) -> str | None:
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bytes):
        return value.decode("utf-8", "surrogateescape" if surrogates else "backslashreplace")
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)  # what JSON wrote
    return json.dumps(value, ensure_ascii=False, default=str)


def _py_license(value) -> str | None:
    if isinstance(value, list | tuple):
        return " AND ".join(str(v) for v in value) or None
    return _py_text(value)


# ---- rows ------------------------------------------------------------------------------------------


def _column(chunk: Chunk, target: str) -> list:
    return chunk.values.get(target) or [None] * len(chunk)


def _digest(content) -> str:
    data = content.encode("utf-8", "surrogatepass") if isinstance(content, str) else (content or b"")
    return hashlib.blake2b(data, digest_size=12).hexdigest()


def file_candidates(chunk: Chunk, found: Layout) -> Iterator[Candidate]:
    """One candidate per row, for the rule chain. Ids: from the source's own id when mapped; else from
    repo and path (the id every source gives that file); else from the path and the content."""
    contents, sizes, problems = _column(chunk, "content"), chunk.sizes, chunk.problems
    paths, repos, sources = _column(chunk, "path"), _column(chunk, "repo"), _column(chunk, "source")
    ids, licenses, commits = _column(chunk, "id"), _column(chunk, "license"), _column(chunk, "commit")
    encodings = _column(chunk, "encoding")
    for i, location in enumerate(chunk.locations):
        source = sources[i] or found.source
        path, repo, content = paths[i], repos[i] or None, contents[i]
        if path:
            path = path.lstrip("/") or None  # The Stack v2 paths start with "/"
        reject = problems[i]
        if reject is None and content is None:
            reject = "missing_field:content"
        if reject is None and not path:
            reject = "missing_field:path"
        own_id = None
        if ids[i]:
            own_id = make_id(source, ids[i])
        elif reject is None and repo is None:
            own_id = make_id(source, "", path, _digest(content))
        text = content if isinstance(content, str) and reject is None else None
        data = content if isinstance(content, bytes) and reject is None else None
        yield Candidate(
            source,
            repo,
            path if reject is None or path else None,
            location,
            size=sizes[i] if text is not None else (len(data) if data is not None else None),
            read=(lambda limit, data=data: data[:limit]) if data is not None else None,
            reject=reject,
            commit=commits[i],
            license=licenses[i],
            encoding=encodings[i],
            text=text,
            id=own_id,
        )


def _extra_arrays(chunk: Chunk) -> list[pa.Array]:
    n = len(chunk)
    meta = chunk.meta if chunk.meta is not None else pa.nulls(n, MAP_TYPE)
    return [pa.array(_column(chunk, "language"), pa.string()), pa.array(_column(chunk, "id"), pa.string()), meta]


def files_batch(chunk: Chunk, found: Layout, settings: DatasetSettings) -> pa.RecordBatch:
    """The chunk's rows through the one rule chain (`contract.candidate_rows`), with the source's columns."""
    per_candidate = list(contract.candidate_row_lists(file_candidates(chunk, found), settings.ingest))
    rows = [row for rows in per_candidate for row in rows]
    base = pa.RecordBatch.from_pylist(rows, FILES_SCHEMA)
    columns = base.columns
    extra = _extra_arrays(chunk)
    if len(rows) != len(chunk):  # --notebooks both: a notebook's two rows share its source columns
        take = pa.array([i for i, rows in enumerate(per_candidate) for _ in rows], pa.int64())
        extra = [array.take(take) for array in extra]
    return pa.RecordBatch.from_arrays(columns[:-1] + extra + columns[-1:], schema=DATASET_FILES_SCHEMA)


def rows_rules(content, size: int | None, url: str | None, kind: str, limit: int) -> tuple[str | None, str | None]:
    """(text, None) or (None, reason) for a pages/text row: missing content, missing url (pages: the later
    stages tell a page from a file by its url), over --max-file-bytes, undecodable bytes, a NUL byte in
    the first 8000 bytes, empty."""
    if content is None:
        return None, "missing_field:content"
    if kind == "pages" and not url:
        return None, "missing_field:url"
    if isinstance(content, bytes):
        if len(content) > limit:
            return None, f"too_large: {len(content)} bytes > {limit}"
        return _nonempty(*decode_text(content))
    if size is not None and size > limit:
        return None, f"too_large: {size} bytes > {limit}"
    nul = content.find("\0", 0, BINARY_SNIFF_BYTES)
    if nul >= 0 and len(content[:nul].encode("utf-8")) < BINARY_SNIFF_BYTES:
        return None, "binary: NUL byte"
    return _nonempty(content.removeprefix("\ufeff"), None)


def _nonempty(text: str | None, problem: str | None) -> tuple[str | None, str | None]:
    if problem is None and not (text or "").strip():
        return None, "empty"
    return text, problem


def text_batch(chunk: Chunk, found: Layout, settings: DatasetSettings) -> pa.RecordBatch:
    """Kinds pages and text: the rules of `rows_rules`, natural-language ID on the kept rows."""
    from pipeline.web import langid
    from pipeline.web.urls import url_domain

    limit, kind = settings.ingest.max_file_bytes, found.kind
    contents, urls, sources, ids = (_column(chunk, t) for t in ("content", "url", "source", "id"))
    rows = []
    for i, location in enumerate(chunk.locations):
        source, url = sources[i] or found.source, urls[i] or None
        text, reason = (
            (None, chunk.problems[i])
            if chunk.problems[i]
            else rows_rules(contents[i], chunk.sizes[i], url, kind, limit)
        )
        if ids[i]:
            row_id = make_id(source, ids[i])
        elif url:
            row_id = make_id(source, url)
        elif text is not None:
            row_id = make_id(source, "", _digest(text))
        else:
            row_id = make_id(source, f"<{location}>")
        size = None
        if text is not None:
            known = text is contents[i] and chunk.sizes[i] is not None
            size = chunk.sizes[i] if known else _utf8_length(text)
        row = {"id": row_id, "source": source, "url": url, "content": text, "size_bytes": size, "reason": reason}
        if kind == "pages":
            row.update(
                domain=url_domain(url),
                warc_date=_column(chunk, "warc_date")[i],
                warc_record_id=_column(chunk, "warc_record_id")[i],
                html_bytes=_column(chunk, "html_bytes")[i],
            )
        rows.append(row)
    kept = [i for i, row in enumerate(rows) if row["reason"] is None]
    if kept:
        model = langid.load_model(settings.langid_model)
        for i, (language, score) in zip(kept, langid.identify([rows[i]["content"] for i in kept], model), strict=True):
            rows[i]["nl_language"], rows[i]["nl_score"] = language, score
    schema = SCHEMAS[kind]
    base = pa.RecordBatch.from_pylist(rows, pa.schema([f for f in schema if f.name not in EXTRA_NAMES]))
    columns = base.columns
    return pa.RecordBatch.from_arrays(columns[:-1] + _extra_arrays(chunk) + columns[-1:], schema=schema)


def read_rows(inputs: list[str], settings: DatasetSettings) -> Iterator[pa.RecordBatch]:
    """Every row of `inputs` in one process (plan, then each task's batches): tests and the benchmark."""
    for task in DATASET.plan(inputs, settings):
        yield from DATASET.batches(task, settings)
