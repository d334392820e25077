"""Stream the records of one WARC file (fastwarc), turning damage into records with a problem.

A record shorter than its declared length is `truncated_record`; a record that cannot be
decompressed or parsed is `corrupt_record`, after which reading resumes at the next gzip member
(or `WARC/1.` header in an uncompressed file), so one bad record never loses the rest of the file.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from fastwarc.warc import ArchiveIterator, WarcRecordType

from pipeline.io.fetch import FetchSettings, open_stream

GZIP_MAGIC = b"\x1f\x8b\x08"
WARC_MAGIC = b"WARC/1."
SCAN_CHUNK = 1 << 20
MAX_RESYNCS = 10_000
# A record is read whole into memory: one declaring more (a 4 GB record of zeros gzips to 4 MB) is a
# `too_large` reject. Common Crawl truncates its records at 1 MiB; pages with inline images reach 10s of MB.
MAX_RECORD_BYTES = 64 << 20
PAGE_RECORD_TYPES = WarcRecordType.response


@dataclass
class WarcCapture:
    """One `response` record (or a damaged record, with `problem` set)."""

    offset: int
    url: str | None = None
    warc_date: str | None = None
    record_id: str | None = None
    block: bytes = b""
    problem: str | None = None  # truncated_record | corrupt_record | too_large
    detail: str | None = None


def read_captures(uri: str, settings: FetchSettings, limit: int | None = None) -> Iterator[WarcCapture]:
    """Response records of the WARC at `uri`, in file order; at most `limit` of them."""
    magic = GZIP_MAGIC if uri.endswith(".gz") else WARC_MAGIC
    start, count = 0, 0
    for _ in range(MAX_RESYNCS):
        last_record_at, error = None, None
        try:
            with open_stream(uri, settings, start) as stream:
                # fastwarc's stream_pos counts from the stream's tell(), which is already the file offset
                # for our streams (adding `start` again sent every resync after the first past its target).
                base = start - stream.tell()
                for record in ArchiveIterator(stream, parse_http=False, strict_mode=False):
                    last_record_at = base + record.stream_pos
                    if not record.record_type & PAGE_RECORD_TYPES:
                        continue
                    capture = _capture(record, last_record_at)
                    yield capture
                    count += 1
                    if limit is not None and count >= limit:
                        return
                    if capture.problem == "truncated_record":  # its length is wrong: find the next record
                        break  # by its start, not by skipping that length (it would swallow the next records)
        except (OSError, ValueError, RuntimeError) as failure:
            error = failure
        # The reader stops (quietly or with an error) at a record it cannot read. After a record that
        # was read, the damage may be that record's own tail (a wrong Content-Length): first resume at
        # the next record start without blaming it; a start where no record can be read is the damaged one.
        if last_record_at is not None:
            resume = find_magic(uri, settings, last_record_at + 1, magic)
            if resume is None:
                return
            start = resume
            continue
        bad_at = start if error is not None else find_magic(uri, settings, start, magic)
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
    capture = WarcCapture(
        offset=offset,
        url=headers.get("WARC-Target-URI"),
        warc_date=headers.get("WARC-Date"),
        record_id=headers.get("WARC-Record-ID"),
    )
    if record.content_length > MAX_RECORD_BYTES:  # not read: the iterator skips it in bounded steps
        capture.problem = "too_large"
        capture.detail = f"record of {record.content_length} bytes > {MAX_RECORD_BYTES}"
        return capture
    block = capture.block = record.reader.read()
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
