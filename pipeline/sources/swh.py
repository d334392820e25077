"""The `ingest-swh` source: Software Heritage blobs named by a manifest in The Stack v2's shape ->
candidate files for the rule chain of `pipeline.sources.contract`.

GitHub code at scale without cloning: each manifest row names a blob (`blob_id`, the SWH sha1_git) and
where it lives (`repo_name`, `path`); the blob is read from `s3://softwareheritage/content/<blob_id>`
(gzip). Rows get the same ids, columns and rules as the repository ingest (`pipeline.sources.github`);
a row that cannot become a file is a reject with a reason, never a crash.

`plan` reads the manifest on the driver and cuts it into tasks of `rows_per_task` rows (Arrow IPC,
base64, in JSON); `read` lists a task's blobs, which the chain fetches `concurrency` at a time.
"""

from __future__ import annotations

import ast
import base64
import fnmatch
import glob
import gzip
import json
import os
import socket
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from pipeline.config import UsageError
from pipeline.io import storage
from pipeline.io.fetch import FetchError, FetchSettings, is_local, list_s3, local_path, open_stream, read_bytes
from pipeline.io.fetch import s3_client as build_s3_client
from pipeline.io.retry import RetryPolicy
from pipeline.sources import contract
from pipeline.sources.contract import Candidate, Reject, TooLarge
from pipeline.stage import setting

SOURCE = "github"  # the `source` column: these are GitHub files, with the ids the repository ingest gives them
SWH_BUCKET = "s3://softwareheritage/content"
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
class SwhSettings:
    bucket: str = setting(
        SWH_BUCKET, "where blobs are, as <bucket>/<blob_id> (gzip); s3:// or a local folder of the same layout"
    )
    concurrency: int = setting(16, "blobs fetched at once per task (threads)", minimum=1, fingerprint=False)
    rows_per_task: int = setting(2000, "manifest rows per Spark task", minimum=1, fingerprint=False)
    s3_anonymous: str = setting(
        "auto",
        "unsigned S3 requests: auto = only when no AWS credentials are configured",
        choices=("auto", "yes", "no"),
        fingerprint=False,
    )
    fetch_timeout: float = setting(30.0, "seconds to connect / between reads", minimum=0.001, fingerprint=False)
    ingest: contract.IngestOptions = field(default_factory=contract.IngestOptions)


class SwhSource:
    name = "ingest-swh"
    help = "Read Software Heritage blobs listed by a Stack-v2-style manifest into the files dataset."
    input_help = (
        "manifest(s) in The Stack v2 metadata shape (blob_id, repo_name, path, src_encoding, ...): "
        "Parquet or CSV; a file, folder or glob; local or s3://"
    )
    settings = SwhSettings

    def plan(self, inputs: list[str], settings: SwhSettings) -> list[str]:
        # The endpoint is resolved here, on the driver, and travels in the tasks: executors of a cluster
        # need not share the driver's environment.
        endpoint = storage.endpoint()
        fetch = fetch_settings(settings, endpoint)
        tables = [read_manifest(uri, fetch)[0] for uri in inputs]
        manifest = pa.concat_tables(tables) if tables else MANIFEST_SCHEMA.empty_table()
        if manifest.num_rows == 0:
            raise UsageError(f"manifest {' '.join(inputs)} lists no blobs")
        manifest = manifest.set_column(0, "manifest_row", pa.array(range(manifest.num_rows), pa.int64()))
        return manifest_tasks(manifest, settings.rows_per_task, endpoint)

    def read(self, task: str, settings: SwhSettings) -> Iterator[Candidate]:
        described = json.loads(task)
        entries = pa.ipc.open_stream(base64.b64decode(described["rows"])).read_all().to_pylist()
        yield from blob_candidates(entries, settings.bucket, fetch_settings(settings, described.get("s3_endpoint_url")))

    def threads(self, settings: SwhSettings) -> int:
        return settings.concurrency


SWH = SwhSource()


def fetch_settings(settings: SwhSettings, s3_endpoint_url: str | None) -> FetchSettings:
    return FetchSettings(
        s3_endpoint_url=s3_endpoint_url,
        s3_anonymous=settings.s3_anonymous,
        retry=RetryPolicy(attempts=settings.ingest.retries),
        timeout_seconds=settings.fetch_timeout,
    )


def manifest_tasks(table: pa.Table, rows_per_task: int, s3_endpoint_url: str | None = None) -> list[str]:
    """A MANIFEST_SCHEMA table cut into tasks of at most `rows_per_task` rows: JSON holding the rows
    (an Arrow IPC stream, base64) and the S3 endpoint the blobs are read from."""
    return [
        json.dumps({"rows": base64.b64encode(chunk).decode("ascii"), "s3_endpoint_url": s3_endpoint_url})
        for chunk in _ipc_chunks(table, rows_per_task)
    ]


def _ipc_chunks(table: pa.Table, rows_per_chunk: int) -> list[bytes]:
    chunks = []
    for start in range(0, table.num_rows, max(1, rows_per_chunk)):
        sink = pa.BufferOutputStream()
        with pa.ipc.new_stream(sink, MANIFEST_SCHEMA) as writer:
            writer.write_table(table.slice(start, rows_per_chunk).cast(MANIFEST_SCHEMA))
        chunks.append(sink.getvalue().to_pybytes())
    return chunks


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


# ---- executor side: manifest rows -> candidates -------------------------------------------------


def blob_candidates(entries: Iterable[dict], bucket: str, fetch: FetchSettings) -> Iterator[Candidate]:
    """One candidate per manifest entry, in order; its `read` fetches the blob."""
    if bucket.startswith("s3://"):  # build the shared client once, before the fetching threads need it
        build_s3_client(fetch.s3_endpoint_url, fetch.s3_anonymous, fetch.timeout_seconds)
    for entry in entries:
        yield entry_candidate(entry, bucket, fetch)


def entry_candidate(entry: dict, bucket: str, fetch: FetchSettings) -> Candidate:
    blob_id, path, declared = entry.get("blob_id"), entry.get("path"), entry.get("length_bytes")
    missing = [name for name in ("blob_id", "path", "repo_name") if not entry.get(name)]
    return Candidate(
        SOURCE,
        entry.get("repo_name"),
        (path or None) if missing else path,
        f"manifest row {entry.get('manifest_row')}",
        size=declared,
        read=None if missing else _blob_reader(blob_id, bucket, fetch, declared),
        reject=f"missing_field:{','.join(missing)}" if missing else None,
        commit=entry.get("revision_id"),
        license=license_text(entry.get("detected_licenses")),
        encoding=entry.get("src_encoding"),
    )


def _blob_reader(blob_id: str, bucket: str, fetch: FetchSettings, declared: int | None) -> Callable[[int], bytes]:
    def read(limit: int) -> bytes:
        try:
            return fetch_blob(blob_id, bucket, fetch, limit - 1)
        except BlobTooLarge:
            raise TooLarge(declared) from None
        except CorruptGzip as error:
            raise Reject(f"corrupt_gzip: {error}", declared) from None
        except Exception as error:  # FetchError, or a client error that escaped the retry loop
            raise Reject(f"fetch_failed:{failure_kind(error)}", declared) from None

    return read


def fetch_blob(blob_id: str, bucket: str, fetch: FetchSettings, cap: int) -> bytes:
    """The blob's decompressed bytes; never more than `cap` are held (a gzip bomb stops early)."""
    with open_stream(f"{bucket.rstrip('/')}/{blob_id}", fetch) as stream:
        return gunzip_capped(stream, cap)


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
