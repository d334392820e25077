"""Byte streams over local files, s3:// objects (boto3) and https:// URLs, read from any offset.

Remote streams resume where they broke: a dropped connection or a throttling answer (`SlowDown`,
429, 5xx) is retried with jittered backoff by reopening the object at the current offset with a
Range request, so a WARC is streamed once and never held whole in memory.

`transient` is the project's one judgement of which S3 and HTTP errors a retry may cure (the
pyarrow filesystems of `pipeline.io.storage` use it too).
"""

from __future__ import annotations

import functools
import http.client
import io
import os
import socket
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field

from pipeline.io.retry import RetryPolicy, call_with_retries

USER_AGENT = "code-corpus-pipeline/0.1 (+https://commoncrawl.org/terms-of-use)"
RETRYABLE_HTTP = {408, 429, 500, 502, 503, 504}
RETRYABLE_S3_CODES = {
    "SlowDown",
    "Throttling",
    "ThrottlingException",
    "RequestTimeout",
    "InternalError",
    "ServiceUnavailable",
    "503",
    "500",
    "502",
    "504",
}
# pyarrow's S3 filesystem raises OSError("AWS Error <CODE> during <Op> operation: ...") for every
# failure, and its own retries miss some transient ones: an error body larger than a small ranged
# read (a Parquet footer) surfaces as INTERNAL_FAILURE. These codes are final; any other is retried.
FINAL_AWS_ERRORS = ("ACCESS_DENIED", "NO_SUCH", "RESOURCE_NOT_FOUND", "INVALID_ACCESS_KEY", "SIGNATURE")


class FetchError(Exception):
    """A source that cannot be read (missing, forbidden, or still failing after all retries)."""


@dataclass(frozen=True)
class FetchSettings:
    s3_endpoint_url: str | None = None
    s3_anonymous: str = "auto"  # auto: unsigned requests only when no AWS credentials are configured
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    timeout_seconds: float = 60.0


def is_local(uri: str) -> bool:
    return "://" not in uri or uri.startswith("file://")


def local_path(uri: str) -> str:
    return uri[len("file://") :] if uri.startswith("file://") else uri


def open_stream(uri: str, settings: FetchSettings, offset: int = 0):
    """A binary file-like object reading `uri` from byte `offset`."""
    if is_local(uri):
        try:
            handle = open(local_path(uri), "rb")  # noqa: SIM115 - the caller closes it
        except OSError as error:
            raise FetchError(f"{uri}: {error.strerror or error}") from None
        handle.seek(offset)
        return handle
    if uri.startswith("s3://"):
        opener = functools.partial(_open_s3, uri, settings)
    elif uri.startswith(("https://", "http://")):
        opener = functools.partial(_open_http, uri, settings)
    else:
        raise FetchError(f"{uri}: unsupported scheme (use a local path, s3:// or https://)")
    return ResumableReader(opener, settings.retry, offset)


def read_bytes(uri: str, settings: FetchSettings) -> bytes:
    """A whole small object (a listing file)."""
    with open_stream(uri, settings) as stream:
        return stream.read()


class ResumableReader(io.RawIOBase):
    """Reads a remote object sequentially, reopening it at the current offset when a read fails."""

    def __init__(self, opener, policy: RetryPolicy, offset: int = 0):
        super().__init__()
        self._opener = opener  # offset -> (file-like body positioned there, end offset or None)
        self._policy = policy
        self._pos = offset
        self._body = None
        self._end = None  # a body that ends before this offset was cut off
        self.reopens = 0

    def readable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._pos

    def readinto(self, buffer) -> int:
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)

    def read(self, size: int = -1) -> bytes:
        if size is None or size < 0:
            return b"".join(iter(lambda: self.read(1 << 20), b""))
        for attempt in range(1, self._policy.attempts + 1):
            try:
                if self._body is None:
                    self._body, self._end = call_with_retries(lambda: self._opener(self._pos), self._policy, transient)
                data = self._body.read(size)
                self._pos += len(data)
                if not data and size and self._end is not None and self._pos < self._end:
                    raise ConnectionError(f"connection closed at byte {self._pos} of {self._end}")
                return data
            except FetchError:
                raise
            except Exception as error:
                if attempt == self._policy.attempts or not transient(error):
                    raise FetchError(f"read failed at byte {self._pos}: {error!r}") from error
                self._drop_body()
                self.reopens += 1
                time.sleep(self._policy.delay(attempt))
        raise AssertionError("unreachable")

    def _drop_body(self) -> None:
        if self._body is not None:
            try:
                self._body.close()
            except Exception:  # a broken connection may fail to close; it is discarded either way
                pass
            self._body = None

    def close(self) -> None:
        self._drop_body()
        super().close()


# --- which errors are transient (the one place that decides, for S3 and HTTP alike) ----------------


def transient(error: BaseException) -> bool:
    """Whether a failed S3 or HTTP(S) request may succeed when repeated: throttling, 5xx answers,
    timeouts and dropped connections are transient; missing, forbidden or unsigned objects are not."""
    if isinstance(error, FetchError):
        return False
    if isinstance(error, urllib.error.HTTPError):
        return error.code in RETRYABLE_HTTP
    code = _s3_error_code(error)
    if code is not None:
        return code in RETRYABLE_S3_CODES
    if _is_pyarrow_aws_error(error):
        return not any(final in str(error) for final in FINAL_AWS_ERRORS)
    return isinstance(error, (OSError, http.client.HTTPException, socket.timeout)) or _is_botocore_network(error)


def transient_in_pyarrow(error: BaseException) -> bool:
    """`transient` for errors of pyarrow filesystem calls, which raise OSError for everything: only
    their AWS errors can pass on a retry (another OSError is a local file's or a corrupt Parquet file's)."""
    return _is_pyarrow_aws_error(error) and transient(error)


def _is_pyarrow_aws_error(error: BaseException) -> bool:
    return isinstance(error, OSError) and "AWS Error" in str(error)


def _is_botocore_network(error: BaseException) -> bool:
    try:
        from botocore.exceptions import ConnectionError as BotoConnectionError
        from botocore.exceptions import HTTPClientError, IncompleteReadError, ReadTimeoutError
        from urllib3.exceptions import HTTPError as Urllib3Error
    except ImportError:
        return False
    return isinstance(
        error, (BotoConnectionError, HTTPClientError, IncompleteReadError, ReadTimeoutError, Urllib3Error)
    )


def _s3_error_code(error: BaseException) -> str | None:
    response = getattr(error, "response", None)
    if isinstance(response, dict) and "Error" in response:
        return str(response["Error"].get("Code"))
    return None


# --- s3:// ---------------------------------------------------------------------------------------


def split_s3(uri: str) -> tuple[str, str]:
    bucket, _, key = uri[len("s3://") :].partition("/")
    return bucket, key


@functools.lru_cache(maxsize=8)
def s3_client(endpoint_url: str | None, anonymous: str, timeout_seconds: float):
    """One client per process and setting (boto3 clients are thread-safe and costly to build)."""
    import boto3
    from botocore import UNSIGNED
    from botocore.config import Config

    session = boto3.session.Session()
    unsigned = anonymous == "yes" or (anonymous == "auto" and session.get_credentials() is None)
    # Our own retry loop (with stream resumption) is the only one, so attempts add up predictably.
    config = Config(
        retries={"total_max_attempts": 1, "mode": "standard"},
        max_pool_connections=64,  # one connection per fetching thread (SWH ingest runs 16 per task)
        connect_timeout=timeout_seconds,
        read_timeout=timeout_seconds,
        signature_version=UNSIGNED if unsigned else None,
    )
    region = os.environ.get("AWS_DEFAULT_REGION") or session.region_name or "us-east-1"
    return session.client("s3", endpoint_url=endpoint_url, config=config, region_name=region)


def _client_for(settings: FetchSettings):
    return s3_client(settings.s3_endpoint_url, settings.s3_anonymous, settings.timeout_seconds)


def _open_s3(uri: str, settings: FetchSettings, offset: int):
    bucket, key = split_s3(uri)
    request = {"Bucket": bucket, "Key": key}
    if offset:
        request["Range"] = f"bytes={offset}-"
    try:
        response = _client_for(settings).get_object(**request)
        return response["Body"], offset + response["ContentLength"]
    except Exception as error:
        code = _s3_error_code(error)
        if code == "InvalidRange":  # offset at the end of the object: nothing left to read
            return io.BytesIO(b""), None
        if code is not None and code not in RETRYABLE_S3_CODES:
            raise FetchError(f"{uri}: {code}") from None
        raise


def list_s3(prefix_uri: str, settings: FetchSettings) -> list[str]:
    bucket, prefix = split_s3(prefix_uri)
    pages = _client_for(settings).get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix)
    return [f"s3://{bucket}/{item['Key']}" for page in pages for item in page.get("Contents", [])]


# --- https:// -------------------------------------------------------------------------------------


def _open_http(uri: str, settings: FetchSettings, offset: int):
    headers = {"User-Agent": USER_AGENT}
    if offset:
        headers["Range"] = f"bytes={offset}-"
    try:
        response = urllib.request.urlopen(
            urllib.request.Request(uri, headers=headers), timeout=settings.timeout_seconds
        )
    except urllib.error.HTTPError as error:
        if error.code == 416:
            return io.BytesIO(b""), None
        if error.code not in RETRYABLE_HTTP:
            raise FetchError(f"{uri}: HTTP {error.code}") from None
        raise
    length = response.headers.get("Content-Length")
    if offset and response.status == 200:  # the server ignored the Range header: skip to the offset
        _skip(response, offset)
        return response, int(length) if length and length.isdigit() else None
    return response, offset + int(length) if length and length.isdigit() else None


def _skip(stream, count: int) -> None:
    while count > 0:
        chunk = stream.read(min(count, 1 << 20))
        if not chunk:
            return
        count -= len(chunk)
