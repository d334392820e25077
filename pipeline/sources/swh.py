"""Software Heritage blobs named by a manifest in The Stack v2's shape -> `files` rows (FILES_SCHEMA).

GitHub code at scale without cloning: each manifest row names a blob (`blob_id`, the SWH sha1_git) and
where it lives (`repo_name`, `path`); the blob is read from `s3://softwareheritage/content/<blob_id>`
(gzip). Rows get the same ids, columns and path/size/binary/decoding rules as the folder ingest
(`pipeline.sources.github`); a row that cannot become a file is a reject with a reason, never a crash.

The driver reads the manifest (`read_manifest`) and cuts it into chunks of Arrow IPC bytes
(`manifest_chunks`); each Spark task fetches one chunk with a bounded thread pool (`read_chunk_batches`).
"""

from __future__ import annotations

import ast
import codecs
import fnmatch
import glob
import gzip
import os
import socket
import zlib
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from pipeline.config import UsageError
from pipeline.langs.detect import detect_language
from pipeline.schema import FILES_SCHEMA, rows_to_batches
from pipeline.sources.github import BINARY_EXTENSIONS, BINARY_SNIFF_BYTES, RepoSource, decode_text, files_row
from pipeline.sources.vendored import generated_rule, vendored_rule
from pipeline.web.fetch import FetchError, FetchSettings, is_local, list_s3, local_path, open_stream, read_bytes
from pipeline.web.fetch import s3_client as build_s3_client

SWH_BUCKET = "s3://softwareheritage/content"
CHUNK_COLUMN = "chunk"  # the one column of the DataFrame the driver hands to the tasks
READ_BYTES = 64 << 10  # compressed bytes read per step; decompression output is capped separately

# The manifest columns we use (The Stack v2 metadata names), normalized to these types. Its `language`
# is not among them: our own detection decides, as for every other source.
REQUIRED_COLUMNS = ("blob_id", "repo_name", "path")
MANIFEST_SCHEMA = pa.schema(
    [
        pa.field("manifest_row", pa.int64()),  # position in the manifest: names a row whose path is missing
        pa.field("blob_id", pa.string()),
        pa.field("repo_name", pa.string()),
        pa.field("path", pa.string()),
        pa.field("src_encoding", pa.string()),
        pa.field("length_bytes", pa.int64()),
        pa.field("detected_licenses", pa.string()),
        pa.field("revision_id", pa.string()),
    ]
)
MANIFEST_SUFFIXES = (".parquet", ".csv", ".csv.gz")


@dataclass(frozen=True)
class SwhOptions:
    bucket: str = SWH_BUCKET  # s3://bucket/prefix (or a local folder holding the same layout)
    max_file_bytes: int = 1 << 20
    concurrency: int = 16  # fetching threads per task
    fetch: FetchSettings = field(default_factory=FetchSettings)


class BlobTooLarge(Exception):
    pass


class CorruptGzip(Exception):
    pass


# ---- driver side: the manifest -------------------------------------------------------------------


def manifest_files(uri: str, fetch: FetchSettings) -> list[str]:
    """Manifest files named by `uri`: a file, a folder or prefix (recursively), or a glob; local or s3://."""
    if is_local(uri):
        found = _local_manifest_files(local_path(uri))
    elif uri.startswith("s3://"):
        found = _s3_manifest_files(uri, fetch)
    else:
        raise UsageError(f"manifest {uri}: unsupported scheme (use a local path or s3://)")
    if not found:
        raise UsageError(f"no manifest files ({', '.join(MANIFEST_SUFFIXES)}) found at {uri}")
    return found


def _local_manifest_files(path: str) -> list[str]:
    if any(ch in path for ch in "*?["):
        return sorted(p for p in glob.glob(path, recursive=True) if p.endswith(MANIFEST_SUFFIXES))
    if os.path.isfile(path):
        return [path]
    if not os.path.isdir(path):
        raise UsageError(f"manifest not found: {path}")
    found = []
    for root, dirs, names in os.walk(path):
        dirs[:] = sorted(d for d in dirs if not d.startswith(("_", ".")))  # Spark/_rejects/hidden folders
        found += [os.path.join(root, n) for n in names if n.endswith(MANIFEST_SUFFIXES) and not n.startswith(".")]
    return sorted(found)


def _s3_manifest_files(uri: str, fetch: FetchSettings) -> list[str]:
    try:
        if any(ch in uri for ch in "*?["):
            prefix = uri[: min(uri.find(ch) for ch in "*?[" if ch in uri)]
            return sorted(u for u in list_s3(prefix, fetch) if fnmatch.fnmatchcase(u, uri))
        if uri.endswith(MANIFEST_SUFFIXES):
            return [uri]
        prefix = uri.rstrip("/") + "/"
        keys = list_s3(prefix, fetch)
    except Exception as error:  # listing errors come straight from botocore
        raise UsageError(f"cannot list manifest {uri}: {error}") from None
    return sorted(
        u
        for u in keys
        if u.endswith(MANIFEST_SUFFIXES)  # Spark's _temporary, our _rejects: skipped
        and not any(part.startswith(("_", ".")) for part in u[len(prefix) :].split("/"))
    )


def read_manifest(uri: str, fetch: FetchSettings) -> tuple[pa.Table, int]:
    """The manifest's rows as one MANIFEST_SCHEMA table, and how many files it came from."""
    files = manifest_files(uri, fetch)
    tables = [_read_manifest_file(f, fetch) for f in files]
    table = pa.concat_tables(tables) if tables else MANIFEST_SCHEMA.empty_table()
    rows = pa.array(range(table.num_rows), pa.int64())
    return table.set_column(0, "manifest_row", rows), len(files)


def _read_manifest_file(uri: str, fetch: FetchSettings) -> pa.Table:
    try:
        source = local_path(uri) if is_local(uri) else pa.BufferReader(read_bytes(uri, fetch))
        if uri.endswith(".parquet"):
            table = pq.read_table(source, columns=_present(pq.read_schema(source).names))
        else:
            table = _read_csv(source, gzipped=uri.endswith(".gz"))
    except FetchError as error:
        raise UsageError(f"cannot read manifest {uri}: {error}") from None
    except (OSError, pa.ArrowInvalid) as error:
        raise UsageError(
            f"manifest {uri} is not a readable {'Parquet' if uri.endswith('.parquet') else 'CSV'} file: {error}"
        ) from None
    missing = [c for c in REQUIRED_COLUMNS if c not in table.column_names]
    if missing:
        raise UsageError(
            f"manifest {uri} has no column(s) {', '.join(missing)} (expected The Stack v2 "
            f"metadata columns: {', '.join(MANIFEST_SCHEMA.names[1:])})"
        )
    return _normalize(table, uri)


def _present(names: list[str]) -> list[str]:
    return [n for n in MANIFEST_SCHEMA.names if n in names]


def _read_csv(source, gzipped: bool) -> pa.Table:
    if gzipped:
        with open(source, "rb") if isinstance(source, str) else source as raw:
            source = pa.BufferReader(gzip.decompress(raw.read()))
    types = {f.name: f.type for f in MANIFEST_SCHEMA if f.name != "length_bytes"}  # text stays text
    convert = pacsv.ConvertOptions(column_types=types, strings_can_be_null=True, quoted_strings_can_be_null=True)
    table = pacsv.read_csv(source, convert_options=convert)
    return table.select(_present(table.column_names))


def _normalize(table: pa.Table, uri: str) -> pa.Table:
    columns = []
    for target in MANIFEST_SCHEMA:
        if target.name not in table.column_names:
            columns.append(pa.nulls(table.num_rows, target.type))
            continue
        column = table.column(target.name)
        try:
            if pa.types.is_list(column.type) or pa.types.is_large_list(column.type):  # detected_licenses
                column = pc.binary_join(column.cast(pa.list_(pa.string())), " AND ")
            columns.append(column.cast(target.type))
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as error:
            raise UsageError(
                f"manifest {uri}: column {target.name} ({column.type}) is not {target.type}: {error}"
            ) from None
    return pa.Table.from_arrays(columns, schema=MANIFEST_SCHEMA)


def manifest_chunks(table: pa.Table, rows_per_chunk: int) -> list[bytes]:
    """The manifest cut into Arrow IPC streams of at most `rows_per_chunk` rows: one Spark task each."""
    chunks = []
    for start in range(0, table.num_rows, max(1, rows_per_chunk)):
        sink = pa.BufferOutputStream()
        with pa.ipc.new_stream(sink, table.schema) as writer:
            writer.write_table(table.slice(start, rows_per_chunk))
        chunks.append(sink.getvalue().to_pybytes())
    return chunks


# ---- executor side: manifest rows -> files rows --------------------------------------------------


def read_chunk_batches(batches: Iterator[pa.RecordBatch], options: SwhOptions) -> Iterator[pa.RecordBatch]:
    """mapInArrow body: batches of manifest chunks (IPC bytes) in, batches of FILES_SCHEMA rows out."""
    for batch in batches:
        for chunk in batch.column(CHUNK_COLUMN).to_pylist():
            entries = pa.ipc.open_stream(chunk).read_all().to_pylist()
            yield from rows_to_batches(manifest_rows(entries, options), FILES_SCHEMA)


def manifest_rows(entries: Iterable[dict], options: SwhOptions) -> Iterator[dict]:
    """One FILES_SCHEMA row per manifest entry, in order; blobs are fetched `options.concurrency` at a time."""
    if options.bucket.startswith("s3://"):  # build the shared client once, before the threads need it
        build_s3_client(options.fetch.s3_endpoint_url, options.fetch.s3_anonymous, options.fetch.timeout_seconds)
    yield from bounded_map(lambda entry: entry_row(entry, options), entries, options.concurrency)


def bounded_map(fn: Callable, items: Iterable, workers: int) -> Iterator:
    """`map(fn, items)` in order on `workers` threads, with at most 2 x workers results held at once."""
    if workers <= 1:
        yield from map(fn, items)
        return
    with ThreadPoolExecutor(max_workers=workers) as pool:
        pending: deque = deque()
        for item in items:
            pending.append(pool.submit(fn, item))
            if len(pending) >= 2 * workers:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()


def entry_row(entry: dict, options: SwhOptions) -> dict:
    """The folder ingest's rules, in its order; cheap path and size rules come before any fetch."""
    blob_id, path = entry.get("blob_id"), entry.get("path")
    source = RepoSource("swh", f"manifest row {entry.get('manifest_row')}", entry.get("repo_name"))
    common = {"commit": entry.get("revision_id"), "license": license_text(entry.get("detected_licenses"))}
    missing = [name for name in ("blob_id", "path", "repo_name") if not entry.get(name)]
    if missing:
        return files_row(source, path or None, None, reason=f"missing_field:{','.join(missing)}", **common)
    declared = entry.get("length_bytes")
    vendored, generated = vendored_rule(path), generated_rule(path)
    flags = {"is_vendored": vendored is not None, "is_generated": generated is not None}
    if vendored or generated:
        return files_row(source, path, None, reason=vendored or generated, size=declared, **flags, **common)
    if declared is not None and declared > options.max_file_bytes:
        return files_row(
            source,
            path,
            None,
            reason=f"too_large: {declared} bytes > {options.max_file_bytes}",
            size=declared,
            **flags,
            **common,
        )
    if os.path.splitext(path)[1].lower() in BINARY_EXTENSIONS:
        return files_row(source, path, None, reason="binary: extension", size=declared, **flags, **common)
    try:
        data = fetch_blob(blob_id, options)
    except BlobTooLarge:
        return files_row(
            source,
            path,
            None,
            reason=f"too_large: over {options.max_file_bytes} bytes",
            size=declared,
            **flags,
            **common,
        )
    except CorruptGzip as error:
        return files_row(source, path, None, reason=f"corrupt_gzip: {error}", size=declared, **flags, **common)
    except Exception as error:  # FetchError, or a client error that escaped the retry loop
        return files_row(
            source, path, None, reason=f"fetch_failed:{failure_kind(error)}", size=declared, **flags, **common
        )
    text, problem = decode_blob(data, entry.get("src_encoding"))
    if problem:
        return files_row(source, path, None, reason=problem, size=len(data), **flags, **common)
    if not text:
        return files_row(source, path, None, reason="empty", size=0, **flags, **common)
    return files_row(source, path, text, language=detect_language(path, text), **flags, **common)


def fetch_blob(blob_id: str, options: SwhOptions) -> bytes:
    """The blob's decompressed bytes; never more than max_file_bytes are held (a gzip bomb stops early)."""
    with open_stream(f"{options.bucket.rstrip('/')}/{blob_id}", options.fetch) as stream:
        return gunzip_capped(stream, options.max_file_bytes)


def gunzip_capped(stream, cap: int) -> bytes:
    """Decompress a gzip stream (members concatenated, as gzip allows), raising BlobTooLarge past `cap` bytes."""
    out = bytearray()
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
    received = in_member = False
    try:
        while chunk := stream.read(READ_BYTES):
            received = True
            while chunk:
                in_member = True
                out += inflater.decompress(chunk, cap + 1 - len(out))  # max_length >= 1: 0 means unbounded
                if len(out) > cap:
                    raise BlobTooLarge
                chunk = inflater.unconsumed_tail
                if inflater.eof:  # a member ended: what follows is another member (or nothing)
                    chunk = inflater.unused_data
                    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
                    in_member = False
    except zlib.error as error:
        raise CorruptGzip(str(error)) from None
    if not received:
        raise CorruptGzip("empty object")
    if in_member:
        raise CorruptGzip("truncated")
    return bytes(out)


def decode_blob(data: bytes, src_encoding: str | None) -> tuple[str | None, str | None]:
    """Decode with the manifest's `src_encoding`; without one (or if it fails), the folder ingest's rules."""
    codec = _codec_name(src_encoding)
    if codec is None or codec in ("utf-8", "utf-8-sig", "ascii"):
        return decode_text(data)
    wide = codec.startswith(("utf-16", "utf-32"))  # NUL bytes are normal there; NUL characters are not
    if not wide and b"\0" in data[:BINARY_SNIFF_BYTES]:
        return None, "binary: NUL byte"
    try:
        text = data.decode(codec).removeprefix("\ufeff")
    except UnicodeDecodeError:
        return decode_text(data)  # the declared encoding was wrong: our own rules decide
    if wide and "\0" in text[:BINARY_SNIFF_BYTES]:
        return None, "binary: NUL character"
    return text, None


def _codec_name(encoding: str | None) -> str | None:
    if not encoding:
        return None
    try:
        return codecs.lookup(encoding.strip()).name
    except LookupError:
        return None


def license_text(value: str | None) -> str | None:
    """`detected_licenses` as one string: a list (or its text, `['MIT', 'X']`) joined by ` AND `."""
    if not value:
        return None
    if value.startswith("["):
        try:
            items = ast.literal_eval(value)
            if isinstance(items, list | tuple):
                return " AND ".join(str(i) for i in items) or None
        except (ValueError, SyntaxError):
            pass
    return value


TIMEOUT_ERRORS: tuple[type[BaseException], ...] = (socket.timeout, TimeoutError)
try:
    from botocore.exceptions import ConnectTimeoutError, ReadTimeoutError

    TIMEOUT_ERRORS += (ConnectTimeoutError, ReadTimeoutError)
except ImportError:  # boto3 is only needed for s3:// buckets
    pass


def failure_kind(error: BaseException) -> str:
    """A short name for why a fetch failed: the S3 error code, `timeout`, `connection`, or the error type."""
    seen = error
    while seen is not None:
        response = getattr(seen, "response", None)
        if isinstance(response, dict) and "Error" in response:
            code = str(response["Error"].get("Code"))
            return f"http_{code}" if code.isdigit() else code
        if isinstance(seen, TIMEOUT_ERRORS):
            return "timeout"
        if isinstance(seen, ConnectionError) or "Connection" in type(seen).__name__:
            return "connection"
        seen = seen.__cause__ or seen.__context__
    if isinstance(error, FetchError):  # `uri: NoSuchKey` from the S3 opener, `path: No such file...` locally
        detail = str(error).rsplit(": ", 1)[-1]
        return detail if detail.isidentifier() else detail.replace(" ", "_")
    return type(error).__name__
