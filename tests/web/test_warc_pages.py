import functools
import gzip
import time

import pytest

from pipeline.config import UsageError
from pipeline.io.fetch import FetchSettings
from pipeline.web.guarded import PageGuard
from pipeline.web.listing import expand_inputs, resolve
from pipeline.web.pages import (
    IngestSettings,
    finish_page,
    page_guard,
    prepare_page,
    warc_page_batches,
    warc_pages,
    warm_up,
)
from pipeline.web.warc import read_captures

from .conftest import html_page, simple_records, warc_bytes

IN_PROCESS = IngestSettings(extraction_timeout=0)


def reasons(rows):
    return [row["reason"] for row in rows]


def test_local_warc_rows_and_reasons(tmp_path):
    records = simple_records(3) + [
        {"url": "https://docs.example.com/missing", "status": "404 Not Found", "body": b"<html>gone</html>"},
        {
            "url": "https://docs.example.com/logo.png",
            "content_type": "image/png",
            "body": b"\x89PNG\r\n\x1a\n\x00",
        },
        {"url": "https://docs.example.com/junk", "body": bytes(range(256)) * 4},
        {"url": "https://docs.example.com/empty", "body": b"<html><body><script>x()</script></body></html>"},
        {
            "url": "https://ru.example.com/news",
            "content_type": "text/html; charset=windows-1251",
            "body": html_page(
                "Новости",
                "Вчера в городе прошёл ежегодный фестиваль народной музыки, и на главной "
                "площади выступали музыканты из разных регионов.",
            )
            .decode()
            .encode("cp1251"),
        },
    ]
    path = tmp_path / "a.warc.gz"
    path.write_bytes(warc_bytes(records)[0])
    rows = list(warc_pages(str(path), IN_PROCESS))
    assert reasons(rows) == [
        None,
        None,
        None,
        "http_status:404",
        "not_html",
        "decode_error",
        "empty_extraction",
        None,
    ]
    first = rows[0]
    assert first["url"] == "https://docs.example.com/page/0" and first["domain"] == "docs.example.com"
    assert "text of page number 0" in first["content"] and "Footer" not in first["content"]
    assert first["nl_language"] == "en" and first["nl_score"] > 0.5
    assert first["size_bytes"] == len(first["content"].encode()) and first["html_bytes"] > 0
    assert first["warc_record_id"] == "<urn:uuid:test-000000>" and first["warc_date"].startswith("2024-01-01")
    assert rows[-1]["nl_language"] == "ru" and "фестиваль" in rows[-1]["content"]
    assert len({row["id"] for row in rows}) == len(rows)


def test_truncated_file_keeps_the_records_before(tmp_path):
    data, offsets = warc_bytes(simple_records(4))
    path = tmp_path / "cut.warc.gz"
    path.write_bytes(data[: offsets[3] + (len(data) - offsets[3]) // 2])
    rows = list(warc_pages(str(path), IN_PROCESS))
    assert reasons(rows)[:3] == [None, None, None]
    assert reasons(rows)[3:] in (["truncated_record"], ["corrupt_record"])


def test_corrupt_record_does_not_stop_the_rest(tmp_path):
    data, offsets = warc_bytes(simple_records(5))
    damaged = bytearray(data)
    damaged[offsets[2] + 30 : offsets[2] + 60] = b"\x00" * 30  # inside the third gzip member
    path = tmp_path / "bad.warc.gz"
    path.write_bytes(bytes(damaged))
    rows = list(warc_pages(str(path), IN_PROCESS))
    assert reasons(rows) == [None, None, "corrupt_record", None, None]
    assert [row["url"] for row in rows if row["reason"] is None] == [
        f"https://docs.example.com/page/{i}" for i in (0, 1, 3, 4)
    ]


def test_uncompressed_warc_and_limit(tmp_path):
    path = tmp_path / "plain.warc"
    path.write_bytes(warc_bytes(simple_records(4), gzip=False)[0])
    assert len(list(read_captures(str(path), FetchSettings()))) == 4
    assert len(list(read_captures(str(path), FetchSettings(), limit=2))) == 2


def test_warc_paths_listing_resolves_against_base(tmp_path):
    for name in ("one.warc.gz", "two.warc.gz"):
        (tmp_path / name).write_bytes(warc_bytes(simple_records(1))[0])
    listing = tmp_path / "warc.paths.gz"
    listing.write_bytes(gzip.compress(b"one.warc.gz\n\ntwo.warc.gz\n"))
    assert expand_inputs([str(listing)], FetchSettings(), base=str(tmp_path)) == [
        f"{tmp_path}/one.warc.gz",
        f"{tmp_path}/two.warc.gz",
    ]
    assert expand_inputs([str(tmp_path)], FetchSettings()) == [
        str(tmp_path / "one.warc.gz"),
        str(tmp_path / "two.warc.gz"),
    ]
    assert (
        resolve("crawl-data/CC-MAIN-2024-10/x.warc.gz", "https://data.commoncrawl.org/")
        == "https://data.commoncrawl.org/crawl-data/CC-MAIN-2024-10/x.warc.gz"
    )
    with pytest.raises(UsageError):
        expand_inputs([str(tmp_path / "nope.warc.gz")], FetchSettings())


def test_extraction_outcomes_become_rows(tmp_path):
    path = tmp_path / "t.warc.gz"
    path.write_bytes(warc_bytes(simple_records(3))[0])
    prepared = [prepare_page(c, str(path)) for c in read_captures(str(path), FetchSettings())]
    assert all(html is not None and row["reason"] is None for row, html in prepared)
    outcomes = ["some text", RuntimeError("ValueError: boom"), ""]
    rows = [finish_page(row, outcome, ("en", 0.9)) for (row, _), outcome in zip(prepared, outcomes, strict=True)]
    assert reasons(rows) == [None, "extraction_failed", "empty_extraction"]
    assert rows[0]["content"] == "some text" and rows[0]["size_bytes"] == 9 and rows[0]["nl_language"] == "en"
    assert rows[1]["content"] == "ValueError: boom" and rows[1]["nl_language"] is None


def test_an_extractor_panic_is_a_reject_and_an_interrupt_still_stops(monkeypatch):
    from pipeline.web import pages

    class PanicException(BaseException):  # what pyo3 raises for a panic in resiliparse's Rust code
        pass

    def extract(html, extractor):
        raise (PanicException if html == "panic" else KeyboardInterrupt)("called `Result::unwrap()`")

    monkeypatch.setattr(pages, "extract_main_text", extract)
    failed = pages.extract_page("panic", "resiliparse")
    assert isinstance(failed, RuntimeError) and str(failed).startswith("PanicException: called")
    with pytest.raises(KeyboardInterrupt):
        pages.extract_page("stop", "resiliparse")


def test_chunks_are_read_then_extracted_and_bounded_by_characters(tmp_path, monkeypatch):
    from pipeline.web import pages

    path = tmp_path / "c.warc.gz"
    path.write_bytes(warc_bytes(simple_records(5))[0])
    events = []
    real_prepare, real_extract = pages.prepare_page, pages.extract_page
    monkeypatch.setattr(pages, "prepare_page", lambda *a: events.append("read") or real_prepare(*a))
    monkeypatch.setattr(pages, "extract_page", lambda *a: events.append("extract") or real_extract(*a))
    whole = list(warc_pages(str(path), IN_PROCESS))
    assert events == ["read"] * 5 + ["extract"] * 5  # one chunk: all read, then all extracted
    events.clear()
    monkeypatch.setattr(pages, "CHUNK_CHARS", 1)  # every page fills a chunk: no HTML piles up
    assert list(warc_pages(str(path), IN_PROCESS)) == whole
    assert events == ["read", "extract"] * 5
    events.clear()
    monkeypatch.setattr(pages, "CHUNK_CHARS", 8 << 20)
    monkeypatch.setattr(pages, "CHUNK_PAGES", 2)
    assert list(warc_pages(str(path), IN_PROCESS)) == whole
    assert events == ["read", "read", "extract", "extract"] * 2 + ["read", "extract"]


def test_a_restarted_worker_skips_rows_it_sent_and_rejects_the_page_that_overran(tmp_path):
    path = tmp_path / "r.warc.gz"
    path.write_bytes(warc_bytes(simple_records(4))[0])
    whole = list(warc_pages(str(path), IN_PROCESS))
    overran = {2: ("extraction_timeout", "no result after 5s")}
    resumed = list(warc_pages(str(path), IN_PROCESS, skip=1, overran=overran))
    assert [row["id"] for row in resumed] == [row["id"] for row in whole[1:]]
    assert reasons(resumed) == [None, "extraction_timeout", None]
    assert resumed[1]["content"] == "no result after 5s" and resumed[2] == whole[3]


def test_time_limited_worker_gives_the_same_rows(tmp_path):
    path = tmp_path / "w.warc.gz"
    path.write_bytes(warc_bytes(simple_records(3))[0])
    in_process = list(warc_pages(str(path), IN_PROCESS))
    limited = [
        row
        for batch in warc_page_batches(str(path), IngestSettings(extraction_timeout=20))
        for row in batch.to_pylist()
    ]
    page_guard(20, "resiliparse").stop()
    assert limited == in_process and reasons(limited) == [None, None, None]


def test_a_warc_left_half_read_does_not_leak_into_the_next(tmp_path):
    first, second = tmp_path / "first.warc.gz", tmp_path / "second.warc.gz"
    first.write_bytes(warc_bytes(simple_records(70))[0])  # more rows than one batch from the worker
    second.write_bytes(warc_bytes(simple_records(3, host="blog.example.org"))[0])
    guard = page_guard(20, "resiliparse")
    try:
        abandoned = guard.batches(str(first), IngestSettings(extraction_timeout=20))
        assert next(abandoned).num_rows == 64
        abandoned.close()
        rows = [
            row
            for batch in guard.batches(str(second), IngestSettings(extraction_timeout=20))
            for row in batch.to_pylist()
        ]
        assert rows == list(warc_pages(str(second), IN_PROCESS))
    finally:
        guard.stop()


def test_a_worker_that_cannot_be_started_reports_why_and_the_next_start_works(tmp_path, monkeypatch):
    import multiprocessing.context

    path = tmp_path / "s.warc.gz"
    path.write_bytes(warc_bytes(simple_records(2))[0])
    guard = PageGuard(20, pages=warc_pages, warm_up=functools.partial(warm_up, "resiliparse"))
    real_start = multiprocessing.context.SpawnProcess.start

    def no_start(process):
        raise OSError("Resource temporarily unavailable")

    monkeypatch.setattr(multiprocessing.context.SpawnProcess, "start", no_start)
    with pytest.raises(OSError, match="Resource temporarily unavailable"):
        list(guard.batches(str(path), IngestSettings(extraction_timeout=20)))
    monkeypatch.setattr(multiprocessing.context.SpawnProcess, "start", real_start)
    try:
        rows = [
            row
            for batch in guard.batches(str(path), IngestSettings(extraction_timeout=20))
            for row in batch.to_pylist()
        ]
        assert rows == list(warc_pages(str(path), IN_PROCESS))
    finally:
        guard.stop()


def test_a_page_over_the_time_limit_is_a_reject_and_the_warc_goes_on(tmp_path):
    """trafilatura needs seconds for a 2 MB page and milliseconds for the others; the worker
    extracting the big page is killed at the limit, and a new one finishes the file."""
    records = simple_records(4)
    huge = "".join(
        f"<p>Paragraph {i} with some words in it.</p><table><tr><td>{i}</td></tr></table>" for i in range(20_000)
    )
    records[1]["body"] = html_page("Huge", huge)
    path = tmp_path / "slow.warc.gz"
    path.write_bytes(warc_bytes(records)[0])
    settings = IngestSettings(extractor="trafilatura", extraction_timeout=1.5)
    guard = page_guard(1.5, "trafilatura")
    try:
        started = time.monotonic()
        rows = [row for batch in guard.batches(str(path), settings) for row in batch.to_pylist()]
        assert time.monotonic() - started < 15  # generous for a loaded CI machine: two worker starts
        assert reasons(rows) == [None, "extraction_timeout", None, None]
        assert rows[1]["content"] == "no result after 1.5s" and guard.restarts == 1
        assert [row["id"] for row in rows] == [row["id"] for row in warc_pages(str(path), IN_PROCESS)]
    finally:
        guard.stop()


def test_wrong_lengths_and_huge_records_lose_no_neighbour(tmp_path):
    """A record declaring fewer bytes than it holds, one declaring more, one absurdly many, and a 256 MiB
    record (a 250 KB gzip member): each is a reject or a cut page, and every record after it is read."""
    from pipeline.web.warc import MAX_RECORD_BYTES
    from tests.reliability.hostile_corpus import good_records, html, warc_record, write_warc, write_warc_record_bomb

    records = [
        *good_records("length.example.com", 1),
        warc_record("https://length.example.com/too-short", html("short"), declared_length=60, number=1),
        *good_records("length.example.com", 1, start=2),
        warc_record("https://length.example.com/too-long", html("long"), declared_length=9000, number=3),
        *good_records("length.example.com", 1, start=4),
        warc_record("https://length.example.com/absurd", html("absurd"), declared_length=10**15, number=5),
        *good_records("length.example.com", 1, start=6),
    ]
    path = tmp_path / "lengths.warc.gz"
    write_warc(path, records)
    rows = {row["url"]: row for row in warc_pages(str(path), IN_PROCESS)}
    assert [rows[f"https://length.example.com/page/{n}"]["reason"] for n in (0, 2, 4, 6)] == [None] * 4
    assert rows["https://length.example.com/too-long"]["reason"] == "truncated_record"
    assert rows["https://length.example.com/absurd"]["reason"] == "too_large"
    assert rows["https://length.example.com/too-short"]["content"] == "<"  # cut at its length: the filter's too_short
    assert len(rows) == 7
    bomb = tmp_path / "bomb.warc.gz"
    write_warc_record_bomb(bomb, MAX_RECORD_BYTES * 4)
    reasons = [(row["url"], row["reason"]) for row in warc_pages(str(bomb), IN_PROCESS)]
    assert reasons == [
        ("https://bigrecord.example.com/page/0", None),
        ("https://bomb.example.com/huge-record", "too_large"),
        ("https://bigrecord.example.com/page/1", None),
    ]
