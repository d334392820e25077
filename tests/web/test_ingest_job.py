import json

import pyarrow.parquet as pq
import pytest

from jobs.ingest_commoncrawl import main

from .conftest import html_page, simple_records, warc_bytes


@pytest.mark.spark
def test_job_dedups_urls_across_warcs_and_splits_rejects(spark, tmp_path):
    first = simple_records(4) + [
        {"url": "https://docs.example.com/missing", "status": "404 Not Found", "body": b"<html>gone</html>"},
        {
            "url": "https://de.example.com/rezept",
            "body": html_page(
                "Rezept",
                "Zuerst werden die Kartoffeln geschält und in dünne Scheiben geschnitten, danach gebacken.",
            ),
        },
    ]
    # A later capture of page 2 (spelled differently) in another WARC file, and an older one of page 3.
    second = [
        {
            "url": "HTTPS://docs.example.com/page/2?utm_source=x",
            "date": "2025-02-01T00:00:00Z",
            "body": html_page("Page 2", "The latest capture of page two, with words enough for the detector."),
        },
        {
            "url": "https://docs.example.com/page/3",
            "date": "2023-01-01T00:00:00Z",
            "body": html_page("Page 3", "An old capture of page three that must lose against the newer one."),
        },
    ]
    (tmp_path / "warcs").mkdir()
    (tmp_path / "warcs" / "a.warc.gz").write_bytes(warc_bytes(first)[0])
    (tmp_path / "warcs" / "b.warc.gz").write_bytes(warc_bytes(second)[0])
    (tmp_path / "warc.paths").write_text("a.warc.gz\nb.warc.gz\n")
    output = str(tmp_path / "pages")

    argv = ["--input", str(tmp_path / "warc.paths"), "--base", str(tmp_path / "warcs"), "--output", output]
    assert main(argv, spark=spark) == 0

    kept = pq.read_table(output).to_pylist()
    rejects = pq.read_table(f"{output}/_rejects").to_pylist()
    by_url = {row["url"]: row for row in kept}
    assert len(by_url) == len(kept) == 5
    assert "latest capture of page two" in by_url["https://docs.example.com/page/2"]["content"]
    assert by_url["https://docs.example.com/page/3"]["warc_date"].startswith("2024")
    assert by_url["https://de.example.com/rezept"]["nl_language"] == "de"
    assert sorted(row["reason"] for row in rejects) == ["duplicate_url", "duplicate_url", "http_status:404"]
    assert all(row["source"] == "commoncrawl" and row["id"] for row in kept + rejects)

    manifest = json.loads((tmp_path / "pages" / "_manifest.json").read_text())
    assert manifest["input_rows"] == 8 and manifest["warc_files"] == 2
    assert manifest["pages_by_nl_language"] == {"en": 4, "de": 1}
    assert manifest["rejects_by_reason"] == {"duplicate_url": 2, "http_status": 1}
