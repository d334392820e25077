import boto3

from pipeline.io.fetch import FetchSettings, open_stream
from pipeline.io.retry import RetryPolicy
from pipeline.web.listing import expand_inputs
from pipeline.web.pages import IngestSettings, warc_pages

from .conftest import simple_records, warc_bytes

FAST_RETRY = RetryPolicy(attempts=4, base_seconds=0.01, cap_seconds=0.05)


def test_s3_warcs_from_an_s3_compatible_server(s3_endpoint):
    data, offsets = warc_bytes(simple_records(3, host="s3.example.com"))
    s3 = boto3.client("s3", endpoint_url=s3_endpoint, region_name="us-east-1")
    s3.create_bucket(Bucket="crawl", ACL="public-read")  # public, like s3://commoncrawl
    s3.put_object(Bucket="crawl", Key="segments/1/warc/a.warc.gz", Body=data, ACL="public-read")
    s3.put_object(
        Bucket="crawl", Key="segments/1/warc/b.warc.gz", Body=data[: offsets[2] + 40], ACL="public-read"
    )  # truncated
    s3.put_object(
        Bucket="crawl",
        Key="warc.paths",
        Body=b"segments/1/warc/a.warc.gz\nsegments/1/warc/b.warc.gz\n",
        ACL="public-read",
    )

    for anonymous in ("no", "yes"):  # signed with the credential chain, and unsigned
        fetch = FetchSettings(s3_endpoint_url=s3_endpoint, s3_anonymous=anonymous, retry=FAST_RETRY)
        uris = expand_inputs(["s3://crawl/warc.paths"], fetch, base="s3://crawl/")
        assert uris == ["s3://crawl/segments/1/warc/a.warc.gz", "s3://crawl/segments/1/warc/b.warc.gz"]
        settings = IngestSettings(extraction_timeout=0, fetch=fetch)
        whole = list(warc_pages(uris[0], settings))
        cut = list(warc_pages(uris[1], settings))
        assert [row["reason"] for row in whole] == [None, None, None]
        assert [row["reason"] for row in cut][:2] == [None, None]
        assert [row["reason"] for row in cut][2:] in (["truncated_record"], ["corrupt_record"])
        assert expand_inputs(["s3://crawl/segments/"], fetch) == uris

    missing = list(warc_pages("s3://crawl/nope.warc.gz", settings))
    assert [row["reason"] for row in missing] == ["fetch_failed"]
    assert "NoSuchKey" in missing[0]["content"]


def test_https_warc_with_a_dropped_connection_and_throttling(http_root):
    base, folder, failures = http_root
    data, _ = warc_bytes(simple_records(6, host="web.example.com"))
    (folder / "c.warc.gz").write_bytes(data)
    fetch = FetchSettings(retry=FAST_RETRY)

    failures.update(status_503=2, cut_after=len(data) // 3)
    rows = list(warc_pages(f"{base}/c.warc.gz", IngestSettings(extraction_timeout=0, fetch=fetch)))
    assert [row["reason"] for row in rows] == [None] * 6
    assert failures == {"status_503": 0}  # both faults were met and retried through

    rows = list(warc_pages(f"{base}/missing.warc.gz", IngestSettings(extraction_timeout=0, fetch=fetch)))
    assert [row["reason"] for row in rows] == ["fetch_failed"] and "404" in rows[0]["content"]


def test_resumable_reader_returns_every_byte(http_root):
    base, folder, failures = http_root
    payload = bytes(range(256)) * 2000
    (folder / "blob.bin").write_bytes(payload)
    failures.update(cut_after=100_000)
    stream = open_stream(f"{base}/blob.bin", FetchSettings(retry=FAST_RETRY))
    chunks = []
    while chunk := stream.read(65536):
        chunks.append(chunk)
    assert b"".join(chunks) == payload
    assert stream.reopens >= 1
