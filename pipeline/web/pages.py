"""WARC records to `pages` rows (PAGES_SCHEMA): one function per WARC file, streaming, that keeps
HTTP-200 HTML responses with their main text and language, and turns every other record into a
reject row with its reason (rows in = response records read = rows kept + rows rejected).
"""

from __future__ import annotations

import functools
import itertools
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field

import pyarrow as pa

from pipeline.schema import PAGES_SCHEMA, make_id, rows_to_batches
from pipeline.web import langid
from pipeline.web.extract import DEFAULT_EXTRACTOR, extract_main_text
from pipeline.web.fetch import FetchError, FetchSettings
from pipeline.web.http_payload import (
    BodyTooLarge,
    MalformedHttp,
    decode_text,
    decoded_body,
    is_html,
    parse_http_response,
)
from pipeline.web.timed import CallFailed, CallTimeout, TimedWorker
from pipeline.web.urls import normalize_url, url_domain
from pipeline.web.warc import WarcCapture, read_captures

SOURCE = "commoncrawl"
URI_COLUMN = "warc_uri"
CHUNK_PAGES = 64  # captures decoded, then extracted as one stream through the worker
WARMUP_HTML = "<html><body><article><p>warm up</p><pre>x = 1</pre></article></body></html>"


@dataclass(frozen=True)
class IngestSettings:
    extractor: str = DEFAULT_EXTRACTOR
    extraction_timeout: float = 30.0  # seconds per page; 0 runs the extractor in-process, unlimited
    limit_records: int | None = None  # response records read per WARC file
    langid_model: str | None = None
    fetch: FetchSettings = field(default_factory=FetchSettings)


class PageRejected(Exception):
    def __init__(self, reason: str, detail: str | None = None):
        super().__init__(reason)
        self.reason = reason
        self.detail = detail


def warc_uris_to_pages(
    batches: Iterator[pa.RecordBatch], settings: IngestSettings
) -> Iterator[pa.RecordBatch]:
    """map_batches body: a batch of WARC URIs in, `pages` batches out (each WARC streamed in turn)."""
    for batch in batches:
        for uri in batch.column(URI_COLUMN).to_pylist():
            yield from rows_to_batches(warc_pages(uri, settings), PAGES_SCHEMA)


def warc_pages(uri: str, settings: IngestSettings) -> Iterator[dict]:
    """One row per response record of the WARC at `uri` (a single `fetch_failed` row if unreadable)."""
    extract = page_extractor(settings.extractor, settings.extraction_timeout)
    model = langid.load_model(settings.langid_model)
    captures = read_captures(uri, settings.fetch, settings.limit_records)
    try:
        while chunk := list(itertools.islice(captures, CHUNK_PAGES)):
            prepared = [prepare_page(capture, uri) for capture in chunk]
            outcomes = extract([html for _, html in prepared if html is not None])
            # Language ID for the whole chunk in one loop: the model stays in the CPU cache.
            languages = [langid.identify(o, model) if isinstance(o, str) else (None, None) for o in outcomes]
            results = zip(outcomes, languages, strict=True)
            for row, html in prepared:
                yield row if html is None else finish_page(row, *next(results))
    except FetchError as error:
        yield _reject(_blank_row(uri, -1, None), PageRejected("fetch_failed", str(error)))


def prepare_page(capture: WarcCapture, warc_uri: str) -> tuple[dict, str | None]:
    """(row, decoded HTML to extract) of a capture; the HTML is None when the row is a reject already."""
    url = normalize_url(capture.url) if capture.url else None
    row = _blank_row(warc_uri, capture.offset, url or capture.url)
    row.update(warc_date=capture.warc_date, warc_record_id=capture.record_id)
    try:
        if capture.problem:
            raise PageRejected(capture.problem, capture.detail)
        html, row["html_bytes"] = decoded_html(capture, url)
    except PageRejected as rejected:
        return _reject(row, rejected), None
    return row, html


def decoded_html(capture: WarcCapture, url: str | None) -> tuple[str, int]:
    """(HTML text, body bytes) of an HTTP-200 HTML capture, or PageRejected with the reason."""
    try:
        response = parse_http_response(capture.block)
    except MalformedHttp as error:
        raise PageRejected("corrupt_record", str(error)) from None
    if url is None:
        raise PageRejected("invalid_url", capture.url)
    if response.status != 200:
        raise PageRejected(f"http_status:{response.status}")
    if not is_html(response):
        raise PageRejected("not_html", response.mime_type or None)
    try:
        html = decode_text(decoded_body(response), response.charset)
    except BodyTooLarge as error:
        raise PageRejected("too_large", str(error)) from None
    except (ValueError, zlib.error) as error:
        raise PageRejected("decode_error", str(error)) from None
    if html is None:
        raise PageRejected("decode_error", "not text in any charset")
    return html, len(response.body)


def finish_page(row: dict, outcome, language: tuple[str | None, float | None]) -> dict:
    """Fill a row from the extraction outcome (text, or the exception it raised) and its language."""
    if isinstance(outcome, CallTimeout):
        return _reject(row, PageRejected("extraction_timeout", str(outcome)))
    if isinstance(outcome, Exception):
        return _reject(row, PageRejected("extraction_failed", str(outcome)))
    if not outcome:
        return _reject(row, PageRejected("empty_extraction"))
    row["content"], row["size_bytes"] = outcome, len(outcome.encode("utf-8"))
    row["nl_language"], row["nl_score"] = language
    return row


@functools.lru_cache(maxsize=4)
def page_extractor(extractor: str, timeout_seconds: float):
    """list of HTML -> list of outcomes (text or exception); with a time limit, through a worker
    process (one per setting and Python process, kept for the next WARC)."""
    if not timeout_seconds:
        return functools.partial(_extract_in_process, extractor=extractor)
    worker = TimedWorker(extract_main_text, timeout_seconds, warmup=(WARMUP_HTML, extractor))
    extract = functools.partial(_extract_in_worker, worker, extractor=extractor)
    extract.worker = worker
    return extract


def _extract_in_worker(worker: TimedWorker, htmls: list[str], extractor: str) -> list:
    return worker.map([(html, extractor) for html in htmls])


def _extract_in_process(htmls: list[str], extractor: str) -> list:
    outcomes = []
    for html in htmls:
        try:
            outcomes.append(extract_main_text(html, extractor))
        except Exception as error:  # same contract as the worker: a failing page is a reject
            outcomes.append(CallFailed(f"{type(error).__name__}: {error}"))
    return outcomes


def _blank_row(warc_uri: str, offset: int, url: str | None) -> dict:
    return {
        "id": make_id(SOURCE, url) if url else make_id(SOURCE, f"{warc_uri}#{offset}"),
        "source": SOURCE,
        "repo_name": None,
        "path": None,
        "url": url,
        "language": None,
        "content": None,
        "size_bytes": 0,
        "domain": url_domain(url),
        "warc_date": None,
        "warc_record_id": None,
        "html_bytes": None,
        "nl_language": None,
        "nl_score": None,
        "reason": None,
    }


def _reject(row: dict, rejected: PageRejected) -> dict:
    # Reject rows carry no page text; `content` holds the error detail when there is one.
    row.update(reason=rejected.reason, content=rejected.detail, nl_language=None, nl_score=None)
    row["size_bytes"] = len(rejected.detail.encode("utf-8")) if rejected.detail else 0
    return row
