"""Local paths and s3:// URIs behind one small interface (pyarrow filesystems).

S3-compatible stores (MinIO, Ceph, a local test server) are reached by setting AWS_ENDPOINT_URL, which
`--s3-endpoint-url` does. Without AWS credentials, requests go unsigned (public buckets). Reads are
retried after transient S3 errors with the project's one policy (`pipeline.io.retry`).
"""

from __future__ import annotations

import functools
import glob
import os
from collections.abc import Callable
from typing import TypeVar

import pyarrow.fs as pafs

from pipeline.io.fetch import transient_in_pyarrow
from pipeline.io.retry import DEFAULT_ATTEMPTS, RetryPolicy, call_with_retries

ENDPOINT_ENV = "AWS_ENDPOINT_URL"
T = TypeVar("T")


def is_remote(uri: str) -> bool:
    return "://" in uri and not uri.startswith("file://")


def use_endpoint(endpoint: str | None) -> None:
    """Point this process's S3 clients at `endpoint` (executors get the driver's setting this way)."""
    if endpoint:
        os.environ[ENDPOINT_ENV] = endpoint


def endpoint() -> str | None:
    return os.environ.get(ENDPOINT_ENV) or os.environ.get(f"{ENDPOINT_ENV}_S3")


def filesystem(uri: str) -> tuple[pafs.FileSystem, str]:
    """The filesystem holding `uri` and the path inside it."""
    if uri.startswith("s3://"):
        path = uri[len("s3://") :]
        return _s3(path.split("/", 1)[0], endpoint()), path
    if is_remote(uri):
        return pafs.FileSystem.from_uri(uri)
    if uri.startswith("file://"):
        uri = uri[len("file://") :]
    return pafs.LocalFileSystem(), os.path.abspath(uri)


@functools.lru_cache(maxsize=32)
def _s3(bucket: str, endpoint_url: str | None) -> pafs.S3FileSystem:
    import boto3

    session = boto3.session.Session()
    region = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or session.region_name
    if region is None:
        region = "us-east-1" if endpoint_url else pafs.resolve_s3_region(bucket)
    return pafs.S3FileSystem(
        region=region,
        endpoint_override=endpoint_url,
        anonymous=session.get_credentials() is None,
        # the SDK's own retries, within each of ours; writes, which are not repeated whole, rely on them
        retry_strategy=pafs.AwsStandardS3RetryStrategy(max_attempts=DEFAULT_ATTEMPTS),
    )


def retrying(action: Callable[[], T]) -> T:
    """`action()`, a pyarrow filesystem call safe to repeat, run again after a transient S3 error."""
    return call_with_retries(action, RetryPolicy(), transient_in_pyarrow)


def join(base: str, *names: str) -> str:
    return "/".join([base.rstrip("/"), *names])


def exists(uri: str) -> bool:
    fs, path = filesystem(uri)
    return retrying(lambda: fs.get_file_info(path)).type != pafs.FileType.NotFound


def read_text(uri: str) -> str:
    fs, path = filesystem(uri)

    def read():
        with fs.open_input_stream(path) as stream:
            return stream.read().decode("utf-8")

    return retrying(read)


def write_text_atomic(uri: str, text: str) -> None:
    """Write a small file so that readers see the old state or the whole new file, never a part."""
    fs, path = filesystem(uri)
    if isinstance(fs, pafs.LocalFileSystem):
        tmp = f"{path}.tmp-{os.getpid()}"
        with open(tmp, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    else:  # an object store PUT is atomic already
        with fs.open_output_stream(path) as stream:
            stream.write(text.encode("utf-8"))


def remove_tree(uri: str) -> None:
    fs, path = filesystem(uri)
    if fs.get_file_info(path).type != pafs.FileType.NotFound:
        fs.delete_dir(path)


def upload(local_path: str, uri: str) -> None:
    """Copy a local file to `uri` (a multipart upload for large files on S3)."""
    fs, path = filesystem(uri)
    pafs.copy_files(local_path, path, source_filesystem=pafs.LocalFileSystem(), destination_filesystem=fs)


def make_dirs(uri: str) -> None:
    fs, path = filesystem(uri)
    fs.create_dir(path, recursive=True)


def list_parquet_files(uri: str) -> list[str]:
    """Parquet files of a dataset folder (recursively, skipping `_`/`.` entries) or of a glob."""
    return sorted(parquet_file_sizes(uri))


def parquet_file_sizes(uri: str) -> dict[str, int]:
    """{file: size in bytes} of the Parquet files `list_parquet_files` lists (sizes come with the listing)."""
    if not is_remote(uri) and any(ch in uri for ch in "*?["):
        return {p: os.path.getsize(p) for p in glob.glob(uri, recursive=True) if p.endswith(".parquet")}
    fs, path = filesystem(uri)
    info = retrying(lambda: fs.get_file_info(path))
    if info.type == pafs.FileType.File:
        return {uri: info.size}
    if info.type == pafs.FileType.NotFound:
        return {}
    found = {}
    for entry in retrying(lambda: fs.get_file_info(pafs.FileSelector(path, recursive=True))):
        relative = entry.path[len(path) :].lstrip("/")
        hidden = any(part.startswith(("_", ".")) for part in relative.split("/"))
        if entry.type == pafs.FileType.File and entry.path.endswith(".parquet") and not hidden:
            found[_with_scheme(uri, entry.path)] = entry.size
    return found


def _with_scheme(uri: str, path: str) -> str:
    if is_remote(uri):
        return f"{uri.split('://', 1)[0]}://{path}"
    return path
