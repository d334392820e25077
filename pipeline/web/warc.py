"""Stream the records of one WARC file (fastwarc), turning damage into records with a problem.

A record shorter than its declared length is `truncated_record`; a record that cannot be
decompressed or parsed is `corrupt_record`, after which reading resumes at the next gzip member
(or `WARC/1.` header in an uncompressed file), so one bad record never loses the rest of the file.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from fastwarc.warc import ArchiveIterator, WarcRecordType

from pipeline.web.fetch import FetchSettings, open_stream

GZIP_MAGIC = b"\x1f\x8b\x08"
WARC_MAGIC = b"WARC/1."
SCAN_CHUNK = 1 << 20
MAX_RESYNCS = 10_000
PAGE_RECORD_TYPES = WarcRecordType.response


@dataclass
class WarcCapture:
    """One `response` record (or a damaged record, with `problem` set)."""

    offset: int
    url: str | None = None
    warc_date: str | None = None
    record_id: str | None = None
    block: bytes = b""
    problem: str | None = None  # truncated_record | corrupt_record
    detail: str | None = None


def read_captures(uri: str, settings: FetchSettings, limit: int | None = None) -> Iterator[WarcCapture]:
    """Response records of the WARC at `uri`, in file order; at most `limit` of them."""
    magic = GZIP_MAGIC if uri.endswith(".gz") else WARC_MAGIC
    start, count = 0, 0
    for _ in range(MAX_RESYNCS):
        last_record_at, error = None, None
        try:
            with open_stream(uri, settings, start) as stream:
                for record in ArchiveIterator(stream, parse_http=False, strict_mode=False):
                    last_record_at = start + record.stream_pos
                    if not record.record_type & PAGE_RECORD_TYPES:
                        continue
                    yield _capture(record, last_record_at)
                    count += 1
                    if limit is not None and count >= limit:
                        return
        except (OSError, ValueError, RuntimeError) as failure:
            error = failure
        # The reader stops quietly at a record it cannot decompress: a record start after the last
        # record read means a damaged one (a corrupt member, or a file cut short).
        if last_record_at is None:
            bad_at = start if error is not None else find_magic(uri, settings, start, magic)
        else:
            bad_at = find_magic(uri, settings, last_record_at + 1, magic)
        if bad_at is None:
            return
        next_start = find_magic(uri, settings, bad_at + 1, magic)
        detail = str(error)[:200] if error is not None else "record cut short"
        yield WarcCapture(
            offset=bad_at,
            problem="truncated_record" if next_start is None else "corrupt_record",
            detail=detail,
        )
        count += 1
        if next_start is None or (limit is not None and count >= limit):
            return
        start = next_start


def _capture(record, offset: int) -> WarcCapture:
    headers = record.headers
    block = record.reader.read()
    capture = WarcCapture(
        offset=offset,
        url=headers.get("WARC-Target-URI"),
        warc_date=headers.get("WARC-Date"),
        record_id=headers.get("WARC-Record-ID"),
        block=block,
    )
    if len(block) < record.content_length:
        capture.problem = "truncated_record"
        capture.detail = f"{len(block)} of {record.content_length} bytes"
    return capture


def find_magic(uri: str, settings: FetchSettings, start: int, magic: bytes) -> int | None:
    """Offset of the first `magic` at or after `start`, reading forward in chunks."""
    with open_stream(uri, settings, start) as stream:
        carry = b""
        base = start
        while True:
            chunk = stream.read(SCAN_CHUNK)
            if not chunk:
                return None
            window = carry + chunk
            found = window.find(magic)
            if found >= 0:
                return base - len(carry) + found
            carry = window[-(len(magic) - 1) :]
            base += len(chunk)
