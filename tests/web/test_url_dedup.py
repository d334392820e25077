"""URL dedup: the Spark rule (jobs/ingest_commoncrawl.py) and its single-process twin decide alike."""

from collections import Counter

import pyarrow as pa
import pytest

from pipeline.schema import PAGES_SCHEMA
from pipeline.web.url_dedup import DUPLICATE_URL, dedup_urls, dedup_urls_table

A, B, C, D, E, F, G = (f"https://example.com/{name}" for name in "abcdefg")

# (id, url, warc_date, warc_record_id, reason before dedup, reason after)
CASES = [
    ("a-old", A, "2024-01-01T00:00:00Z", "<urn:uuid:9>", None, DUPLICATE_URL),
    ("a-new", A, "2024-03-01T00:00:00Z", "<urn:uuid:1>", None, None),  # the latest date wins
    ("a-mid", A, "2024-02-01T00:00:00Z", "<urn:uuid:5>", None, DUPLICATE_URL),
    ("b-small", B, "2024-01-01T00:00:00Z", "<urn:uuid:2>", None, DUPLICATE_URL),
    ("b-large", B, "2024-01-01T00:00:00Z", "<urn:uuid:3>", None, None),  # same date: larger record id
    ("b-no-id", B, "2024-01-01T00:00:00Z", None, None, DUPLICATE_URL),  # a null record id loses
    ("c-undated", C, None, "<urn:uuid:z>", None, DUPLICATE_URL),  # a null date loses to any date
    ("c-dated", C, "2023-01-01T00:00:00Z", "<urn:uuid:a>", None, None),
    ("d-1", D, None, "<urn:uuid:1>", None, DUPLICATE_URL),
    ("d-2", D, None, "<urn:uuid:2>", None, None),  # no dates at all: the record id decides
    ("e-rejected", E, "2025-01-01T00:00:00Z", "<urn:uuid:1>", "http_status:404", "http_status:404"),
    ("e-kept", E, "2024-01-01T00:00:00Z", "<urn:uuid:0>", None, None),  # a rejected later capture does not count
    ("e-older", E, "2023-01-01T00:00:00Z", "<urn:uuid:0>", None, DUPLICATE_URL),
    ("f-only", F, "2024-01-01T00:00:00Z", "<urn:uuid:0>", None, None),
    ("g-1", G, "2024-01-01T00:00:00Z", "<urn:uuid:1>", "extraction_timeout", "extraction_timeout"),
    ("g-2", G, "2024-02-01T00:00:00Z", "<urn:uuid:2>", "empty_text", "empty_text"),
    ("null-url-1", None, "2024-01-01T00:00:00Z", "<urn:uuid:1>", None, DUPLICATE_URL),  # null urls: one group
    ("null-url-2", None, "2024-01-02T00:00:00Z", "<urn:uuid:1>", None, None),
    ("null-url-rejected", None, None, None, "invalid_url", "invalid_url"),
]
# The same record read twice: one of the two stays, which one is not defined (Spark's pick is arbitrary).
TIES = [
    ("tie-1", "https://example.com/tie", "2024-01-01T00:00:00Z", "<urn:uuid:7>", None),
    ("tie-2", "https://example.com/tie", "2024-01-01T00:00:00Z", "<urn:uuid:7>", None),
    ("tie-older", "https://example.com/tie", "2023-01-01T00:00:00Z", "<urn:uuid:8>", None),
]


def pages_table() -> pa.Table:
    rows = [case[:5] for case in CASES] + TIES
    columns = {name: [row[i] for row in rows] for i, name in enumerate(("id", "url", "warc_date", "warc_record_id"))}
    columns["reason"] = [row[4] for row in rows]
    columns["content"] = [f"text of {row[0]}" for row in rows]
    return pa.Table.from_pydict({f.name: columns.get(f.name, [None] * len(rows)) for f in PAGES_SCHEMA}, PAGES_SCHEMA)


def reasons_of(table: pa.Table) -> dict:
    return dict(zip(table.column("id").to_pylist(), table.column("reason").to_pylist(), strict=True))


def test_twin_keeps_the_latest_kept_capture_of_each_url():
    table = pages_table()
    out = dedup_urls_table(table)
    assert out.schema == table.schema and out.drop(["reason"]) == table.drop(["reason"])
    reasons = reasons_of(out)
    assert {case[0]: reasons[case[0]] for case in CASES} == {case[0]: case[5] for case in CASES}
    assert reasons["tie-older"] == DUPLICATE_URL and {reasons["tie-1"], reasons["tie-2"]} == {None, DUPLICATE_URL}
    # batches and row order do not matter (but for which one of a full tie stays)
    shuffled = pa.Table.from_batches(table.take(list(range(len(table)))[::-1]).to_batches(max_chunksize=4))
    again = reasons_of(dedup_urls_table(shuffled))
    assert {i: again[i] for i, *_ in CASES} == {i: reasons[i] for i, *_ in CASES}
    assert reasons_of(dedup_urls_table(table.to_batches()[0])) == reasons


@pytest.mark.spark
def test_spark_and_twin_make_the_same_decisions(spark):
    table = pages_table()
    expected = reasons_of(dedup_urls_table(table))
    found = spark.createDataFrame(table).repartition(3)
    found = {row["id"]: row["reason"] for row in dedup_urls(found).select("id", "reason").collect()}
    assert len(found) == len(table)
    untied = {case[0] for case in CASES} | {"tie-older"}
    assert {i: found[i] for i in untied} == {i: expected[i] for i in untied}
    ties = ("tie-1", "tie-2")
    assert Counter(found[i] for i in ties) == Counter(expected[i] for i in ties) == Counter([None, DUPLICATE_URL])
