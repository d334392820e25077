"""Datasets on a real S3-compatible server (moto on 127.0.0.1): stages read and write s3:// themselves."""

from __future__ import annotations

import http.client
import http.server
import itertools
import os
import threading
from concurrent.futures import ThreadPoolExecutor

import boto3
import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.parquet as pq
import pytest

from jobs import dedup
from jobs import filter as filter_job
from jobs import tokenization as tokenize
from jobs.ingest import stage_for
from pipeline.io import manifest, parquet_parts, storage
from pipeline.tokenize.mmidx import TokenShard

ingest_github = stage_for("ingest-github")

SAMPLE_REPOS = os.path.join(os.path.dirname(__file__), "..", "..", "samples", "repos")


@pytest.fixture
def bucket(s3_endpoint, monkeypatch):
    monkeypatch.setenv(storage.ENDPOINT_ENV, s3_endpoint)
    client = boto3.client("s3", endpoint_url=s3_endpoint)
    client.create_bucket(Bucket="corpus")
    return client


def table_of(uri: str, columns: list[str]) -> pa.Table:
    fs, _ = storage.filesystem(uri)
    paths = [storage.filesystem(f)[1] for f in storage.list_parquet_files(uri)]
    return ds.dataset(paths, format="parquet", filesystem=fs).to_table(columns=columns)


def rows(uri: str, columns: list[str]) -> list[tuple]:
    return sorted(zip(*table_of(uri, columns).to_pydict().values(), strict=True))


def run_chain(spark, root: str) -> None:
    """ingest -> dedup -> tokenize, every output under `root` (a folder or an s3:// prefix)."""
    assert ingest_github.main(["--input", SAMPLE_REPOS, "--output", f"{root}/files"], spark=spark) == 0
    assert dedup.main(["--input", f"{root}/files", "--output", f"{root}/dedup"], spark=spark) == 0
    assert (
        tokenize.main(
            ["--input", f"{root}/dedup", "--output", f"{root}/tokens", "--shard-tokens", "20000", "--partitions", "2"],
            spark=spark,
        )
        == 0
    )


@pytest.mark.spark
def test_stages_on_s3_equal_the_same_stages_on_disk(spark, bucket, tmp_path):
    run_chain(spark, "s3://corpus/run")
    run_chain(spark, str(tmp_path))
    for name in ("files", "dedup"):
        assert rows(f"s3://corpus/run/{name}", ["id"]) == rows(str(tmp_path / name), ["id"])
        assert rows(f"s3://corpus/run/{name}/_rejects", ["id", "reason"]) == rows(
            str(tmp_path / name / "_rejects"), ["id", "reason"]
        )
        assert (
            manifest.read_manifest(f"s3://corpus/run/{name}")["output"]["rows"]
            == manifest.read_manifest(str(tmp_path / name))["output"]["rows"]
        )
    on_s3 = manifest.read_manifest("s3://corpus/run/tokens")
    on_disk = manifest.read_manifest(str(tmp_path / "tokens"))
    assert on_s3["tokens"] == on_disk["tokens"] > 0 and len(on_s3["shards"]) == len(on_disk["shards"]) > 1
    for shard in on_s3["shards"]:  # every shard arrived whole: the files read back token for token
        local = tmp_path / "download" / shard["name"]
        local.parent.mkdir(exist_ok=True)
        for suffix in (".bin", ".idx"):
            bucket.download_file("corpus", f"run/tokens/{shard['name']}{suffix}", f"{local}{suffix}")
        got, expected = TokenShard(str(local)), TokenShard(str(tmp_path / "tokens" / shard["name"]))
        assert got.tokens == expected.tokens and all((got[i] == expected[i]).all() for i in range(len(got)))
    # a rerun of a finished stage on S3 is skipped, as on disk
    finished = manifest.read_manifest("s3://corpus/run/dedup")["created_at"]
    assert dedup.main(["--input", "s3://corpus/run/files", "--output", "s3://corpus/run/dedup"], spark=spark) == 0
    assert manifest.read_manifest("s3://corpus/run/dedup")["created_at"] == finished


def test_listing_pages_past_1000_keys(bucket):
    names = [f"big/part-{n:05d}.parquet" for n in range(1010)] + ["big/_rejects/part-0.parquet", "big/_manifest.json"]
    with ThreadPoolExecutor(16) as pool:
        list(pool.map(lambda key: bucket.put_object(Bucket="corpus", Key=key, Body=b"x"), names))
    listed = storage.list_parquet_files("s3://corpus/big")
    assert len(listed) == 1010 and listed[0] == "s3://corpus/big/part-00000.parquet"


def test_a_large_part_goes_up_in_several_parts_and_reads_back(bucket):
    schema = pa.schema([("id", pa.string()), ("content", pa.string())])
    texts = [os.urandom(3000).hex() for _ in range(5000)]  # 30 MB of hex: about 15 MB compressed
    batch = pa.RecordBatch.from_pydict({"id": [str(n) for n in range(len(texts))], "content": texts}, schema)
    written = list(parquet_parts.write_part(iter([batch]), "s3://corpus/large", "part-0.parquet", schema, None))
    assert written[0].to_pylist() == [{"path": "part-0.parquet", "rows": 5000}]
    etag = bucket.head_object(Bucket="corpus", Key="large/part-0.parquet")["ETag"]
    assert int(etag.strip('"').rsplit("-", 1)[1]) >= 2, f"not uploaded in several parts: {etag}"
    paths = pa.RecordBatch.from_pydict({"path": ["s3://corpus/large/part-0.parquet"]})
    read = pa.Table.from_batches(list(parquet_parts.read_parts(iter([paths]), schema, None)))
    assert read.column("content").to_pylist() == texts


@pytest.mark.spark
def test_missing_and_truncated_inputs_are_clear_errors(spark, bucket, tmp_path, capsys):
    args = ["--output", "s3://corpus/out"]
    assert filter_job.main(["--input", "s3://corpus/nothing-here", *args], spark=spark) == 2
    assert "s3://corpus/nothing-here holds no Parquet files" in capsys.readouterr().err

    assert ingest_github.main(["--input", SAMPLE_REPOS, "--output", "s3://corpus/files"], spark=spark) == 0
    part = storage.list_parquet_files("s3://corpus/files")[0]
    key = part[len("s3://corpus/") :]
    data = bucket.get_object(Bucket="corpus", Key=key)["Body"].read()
    bucket.put_object(Bucket="corpus", Key=key, Body=data[: len(data) // 2])  # a copy cut short
    assert filter_job.main(["--input", "s3://corpus/files", *args], spark=spark) == 2
    error = capsys.readouterr().err
    assert "truncated" in error and "Traceback" not in error and error.count("\n") == 1


class FlakyProxy(http.server.BaseHTTPRequestHandler):
    """Forwards requests to the S3 server, but answers every third one with a 503 (SlowDown)."""

    upstream: tuple[str, int]
    counter = itertools.count()
    failed = 0

    def forward(self):
        body = self.read_body()
        if next(self.counter) % 3 == 2:
            type(self).failed += 1
            self.send_response(503)
            payload = b"<Error><Code>SlowDown</Code><Message>test</Message></Error>"
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(payload)
            return
        connection = http.client.HTTPConnection(*self.upstream, timeout=30)
        headers = {k: v for k, v in self.headers.items() if k.lower() != "transfer-encoding"}
        connection.request(self.command, self.path, body=body, headers={**headers, "Content-Length": str(len(body))})
        response = connection.getresponse()
        payload = response.read()
        self.send_response(response.status)
        for name, value in response.getheaders():
            if name.lower() not in ("content-length", "transfer-encoding", "connection", "server", "date"):
                self.send_header(name, value)
        self.send_header("Content-Length", response.getheader("Content-Length", str(len(payload))))
        self.end_headers()
        self.wfile.write(payload)

    def read_body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() != "chunked":
            return self.rfile.read(int(self.headers.get("Content-Length") or 0))
        chunks = []
        while size := int(self.rfile.readline().split(b";")[0], 16):
            chunks.append(self.rfile.read(size))
            self.rfile.readline()
        self.rfile.readline()
        return b"".join(chunks)

    do_GET = do_PUT = do_POST = do_HEAD = do_DELETE = forward

    def log_message(self, *args):
        pass


@pytest.fixture
def flaky_endpoint(s3_endpoint):
    host, port = s3_endpoint.rsplit("/", 1)[1].split(":")
    handler = type("Proxy", (FlakyProxy,), {"upstream": (host, int(port)), "counter": itertools.count(), "failed": 0})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", handler
    server.shutdown()


def test_retries_absorb_transient_failures(bucket, flaky_endpoint, monkeypatch):
    endpoint, proxy = flaky_endpoint
    monkeypatch.setenv(storage.ENDPOINT_ENV, endpoint)
    schema = pa.schema([("id", pa.string())])
    for n in range(6):
        batch = pa.RecordBatch.from_pydict({"id": [f"{n}-{i}" for i in range(100)]}, schema)
        list(parquet_parts.write_part(iter([batch]), "s3://corpus/flaky", f"part-{n}.parquet", schema, None))
    storage.write_text_atomic("s3://corpus/flaky/_manifest.json", "{}")
    files = storage.list_parquet_files("s3://corpus/flaky")
    paths = pa.RecordBatch.from_pydict({"path": files})
    ids = pa.Table.from_batches(list(parquet_parts.read_parts(iter([paths]), schema, None))).column("id")
    assert len(files) == 6 and sorted(ids.to_pylist()) == sorted(f"{n}-{i}" for n in range(6) for i in range(100))
    assert storage.read_text("s3://corpus/flaky/_manifest.json") == "{}"
    assert proxy.failed >= 5  # the failures really happened


def test_pyarrow_parts_keep_a_schema_when_empty(bucket):
    schema = pa.schema([("id", pa.string()), ("reason", pa.string())])
    assert list(parquet_parts.write_part(iter([]), "s3://corpus/empty", "part-0.parquet", schema, None)) == []
    parquet_parts.write_empty("s3://corpus/empty", "part-0.parquet", schema)
    fs, path = storage.filesystem("s3://corpus/empty/part-0.parquet")
    with fs.open_input_file(path) as handle:
        assert pq.read_table(handle).schema == schema
