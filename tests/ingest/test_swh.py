"""Software Heritage blobs listed by a Stack-v2-style manifest, read from a real S3-compatible server (moto)."""

import functools
import gzip
import hashlib
import http.client
import http.server
import json
import os
import subprocess
import sys
import threading
import time
import zlib
from collections import Counter

import boto3
import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.parquet as pq
import pytest

from jobs.ingest import stage_for
from pipeline.config import UsageError
from pipeline.io.fetch import FetchSettings
from pipeline.io.retry import RetryPolicy
from pipeline.schema import FILES_SCHEMA, make_id
from pipeline.sources.contract import IngestOptions, ingest_batches
from pipeline.sources.github import GITHUB, GithubSettings, RepoTask
from pipeline.sources.swh import MANIFEST_SCHEMA, SWH, SwhSettings, manifest_tasks, read_manifest

ingest_swh = stage_for("ingest-swh")

BUCKET = "softwareheritage"
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
FAST_RETRY = RetryPolicy(attempts=3, base_seconds=0.01, cap_seconds=0.05)
PY = "import os\n\nprint(os.getcwd())\n"


def sha1_git(data: bytes) -> str:
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


@functools.lru_cache
def gzip_bomb(megabytes: int) -> bytes:
    """`megabytes` MB of zeros, gzip-compressed a megabyte at a time (never held whole)."""
    packer = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    zeros = bytes(1 << 20)
    return b"".join(packer.compress(zeros) for _ in range(megabytes)) + packer.flush()


def blob_cases() -> list[dict]:
    """Manifest entries and what is stored under each blob_id (None: nothing stored)."""
    utf16 = 'class A { String s = "żółw"; }\n'
    cases = [
        # (repo, path, stored object, src_encoding, expected content or reject reason prefix)
        ("alice/app", "main.py", PY.encode(), "UTF-8", PY),
        (
            "alice/app",
            "docs/cafe.c",
            "/* caf\xe9 cr\xe8me */\nint x;\n".encode("latin-1"),
            "ISO-8859-1",
            "/* caf\xe9 cr\xe8me */\nint x;\n",
        ),
        ("bob/lib", "src/A.java", utf16.encode("utf-16-le"), "UTF-16LE", utf16),
        ("bob/lib", "gone.go", None, "UTF-8", "fetch_failed:NoSuchKey"),
        ("bob/lib", "bad.rs", b"this is not gzip", "UTF-8", "corrupt_gzip"),
        ("bob/lib", "cut.rs", gzip.compress(b"fn main() {}\n" * 50)[:-30], "UTF-8", "corrupt_gzip"),
        ("bob/lib", "bomb.txt", "BOMB", "UTF-8", "too_large"),
        ("bob/lib", "nul.c", b"int x;\0\0\0", "UTF-8", "binary: NUL byte"),
        ("bob/lib", "blank.py", b"", None, "empty"),
        ("bob/lib", "node_modules/left-pad/index.js", None, "UTF-8", "vendored"),  # never fetched
        ("bob/lib", "logo.png", None, None, "binary: extension"),
    ]
    entries = []
    for repo, path, data, encoding, expected in cases:
        blob_id = sha1_git(data if isinstance(data, bytes) else path.encode())
        if data is None or isinstance(data, str):
            stored = None if data is None else gzip_bomb(200)
        elif path in ("bad.rs", "cut.rs"):
            stored = data
        else:
            stored = gzip.compress(data)
        entries.append(
            {
                "blob_id": blob_id,
                "repo_name": repo,
                "path": path,
                "src_encoding": encoding,
                "language": "Python",
                "stored": stored,
                "expected": expected,
            }
        )
    return entries


def put_blobs(s3, entries, bucket=BUCKET):
    s3.create_bucket(Bucket=bucket, ACL="public-read")  # public, like s3://softwareheritage
    for entry in entries:
        if entry["stored"] is not None:
            s3.put_object(Bucket=bucket, Key=f"content/{entry['blob_id']}", Body=entry["stored"], ACL="public-read")


def manifest_table(entries, extra=()) -> pa.Table:
    rows = [{k: e[k] for k in ("blob_id", "repo_name", "path", "src_encoding", "language")} for e in entries]
    rows += list(extra)
    for row in rows:
        row.update(revision_id="f" * 40, detected_licenses=["MIT"], length_bytes=row.get("length_bytes"))
    return pa.Table.from_pylist(rows)


def settings_for(retries=FAST_RETRY.attempts, **overrides) -> SwhSettings:
    overrides.setdefault("fetch_timeout", 10.0)
    return SwhSettings(bucket=f"s3://{BUCKET}/content", ingest=IngestOptions(retries=retries), **overrides)


def rows_of(tasks, settings) -> list[dict]:
    batches = list(ingest_batches(SWH, tasks, settings))
    assert all(batch.schema == FILES_SCHEMA for batch in batches)  # exactly the files schema
    return [row for batch in batches for row in batch.to_pylist()]


def swh_rows(manifest, endpoint, **overrides) -> list[dict]:
    """The rows of manifest entries (dicts or a MANIFEST_SCHEMA table), read from `endpoint`."""
    if isinstance(manifest, list):
        manifest = pa.Table.from_pylist(manifest, schema=MANIFEST_SCHEMA)
    return rows_of(manifest_tasks(manifest, 5, endpoint), settings_for(**overrides))


def check_rows(rows, entries):
    by_path = {row["path"]: row for row in rows}
    for entry in entries:
        row = by_path[entry["path"]]
        assert row["id"] == make_id("github", entry["repo_name"], entry["path"])
        if row.get("reason") is None:
            assert row["content"] == entry["expected"], entry["path"]
        else:
            assert row["reason"].startswith(entry["expected"]), (entry["path"], row["reason"])
            assert row["content"] is None


@pytest.fixture
def s3(s3_endpoint):
    return boto3.client("s3", endpoint_url=s3_endpoint, region_name="us-east-1")


def test_manifest_blobs_become_rows_and_rejects(s3, s3_endpoint, tmp_path, monkeypatch):
    entries = blob_cases()
    put_blobs(s3, entries)
    oversized = {"blob_id": "0" * 40, "repo_name": "bob/lib", "path": "huge.py", "length_bytes": 5 << 20}
    no_blob = {"blob_id": None, "repo_name": "bob/lib", "path": "orphan.py"}
    no_path = {"blob_id": "1" * 40, "repo_name": "bob/lib", "path": ""}
    pq.write_table(manifest_table(entries, [oversized, no_blob, no_path]), tmp_path / "m.parquet")

    fetch = FetchSettings(s3_endpoint_url=s3_endpoint, retry=FAST_RETRY)
    manifest, files = read_manifest(str(tmp_path / "m.parquet"), fetch)
    assert (manifest.num_rows, files) == (len(entries) + 3, 1)
    # The driver's endpoint (--s3-endpoint-url) travels in the tasks to the executors.
    monkeypatch.setenv("AWS_ENDPOINT_URL", s3_endpoint)
    tasks = SWH.plan([str(tmp_path / "m.parquet")], settings_for(rows_per_task=4))
    monkeypatch.delenv("AWS_ENDPOINT_URL")
    assert len(tasks) == 4 and all(json.loads(task)["s3_endpoint_url"] == s3_endpoint for task in tasks)
    rows = rows_of(tasks, settings_for())
    assert len(rows) == len(entries) + 3
    check_rows(rows, entries)
    by_path = {row["path"]: row for row in rows}
    assert by_path["main.py"]["language"] == "Python" and by_path["docs/cafe.c"]["language"] == "C"
    assert by_path["src/A.java"]["language"] == "Java"
    assert by_path["main.py"]["commit"] == "f" * 40 and by_path["main.py"]["license"] == "MIT"
    assert by_path["huge.py"]["reason"] == f"too_large: {5 << 20} bytes > {1 << 20}"  # from length_bytes
    assert by_path["orphan.py"]["reason"] == "missing_field:blob_id"
    assert by_path[None]["reason"] == "missing_field:path"
    assert by_path[None]["id"] == make_id("github", "bob/lib", f"<manifest row {len(entries) + 2}>")
    assert by_path["node_modules/left-pad/index.js"]["is_vendored"] is True

    # A kept row is the same row the folder ingest makes for the same file.
    folder = tmp_path / "alice__app"
    folder.mkdir()
    (folder / "main.py").write_text(PY)
    (twin,) = [
        row
        for batch in ingest_batches(GITHUB, [RepoTask("folder", str(folder), "alice/app").to_json()], GithubSettings())
        for row in batch.to_pylist()
    ]
    assert {**twin, "commit": "f" * 40, "license": "MIT"} == by_path["main.py"]


MEASURE_BOMB = """
import json, resource, sys
import pyarrow as pa
from pipeline.sources.contract import ingest_batches
from pipeline.sources.swh import MANIFEST_SCHEMA, SWH, SwhSettings, manifest_tasks

def read(entry):
    tasks = manifest_tasks(pa.Table.from_pylist([entry], schema=MANIFEST_SCHEMA), 1, sys.argv[1])
    return [row for batch in ingest_batches(SWH, tasks, SwhSettings()) for row in batch.to_pylist()]

rss = lambda: resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
read({"blob_id": "small", "repo_name": "x/y", "path": "w.py"})  # client built
before = rss()
rows = read({"blob_id": "bomb", "repo_name": "x/y", "path": "z.txt"})
print(json.dumps({"reason": rows[0]["reason"], "grew": rss() - before}))
"""


def test_gzip_bomb_is_rejected_in_bounded_memory(s3, s3_endpoint):
    bomb = gzip_bomb(200)
    assert len(bomb) < 1 << 20  # 200 MB of zeros
    s3.create_bucket(Bucket=BUCKET)
    s3.put_object(Bucket=BUCKET, Key="content/bomb", Body=bomb)
    s3.put_object(Bucket=BUCKET, Key="content/small", Body=gzip.compress(b"x = 1\n"))
    # Measured in a process of its own: moto serves from this one.
    done = subprocess.run(
        [sys.executable, "-c", MEASURE_BOMB, s3_endpoint], capture_output=True, text=True, cwd=ROOT, check=True
    )
    result = json.loads(done.stdout)
    assert result["reason"] == f"too_large: over {1 << 20} bytes"
    assert result["grew"] < 16 << 20, result  # peak RSS: the 1 MiB cap and buffers, not 200 MB


def test_csv_and_s3_manifests(s3, s3_endpoint, tmp_path):
    entries = [e for e in blob_cases() if e["path"] in ("main.py", "docs/cafe.c", "gone.go")]
    put_blobs(s3, entries)
    csv = "blob_id,repo_name,path,src_encoding,length_bytes,detected_licenses\n" + "".join(
        f"{e['blob_id']},{e['repo_name']},{e['path']},{e['src_encoding']},,\"['MIT', 'Apache-2.0']\"\n" for e in entries
    )
    (tmp_path / "m.csv").write_text(csv)
    fetch = FetchSettings(s3_endpoint_url=s3_endpoint, retry=FAST_RETRY)
    manifest, _ = read_manifest(str(tmp_path / "m.csv"), fetch)
    rows = swh_rows(manifest, s3_endpoint, concurrency=1)
    check_rows(rows, entries)
    assert {row["license"] for row in rows} == {"MIT AND Apache-2.0"}
    (tmp_path / "gz").mkdir()
    (tmp_path / "gz" / "m.csv.gz").write_bytes(gzip.compress(csv.encode()))
    assert read_manifest(str(tmp_path / "gz"), fetch)[0].column("path").to_pylist() == [e["path"] for e in entries]

    # A folder of Parquet parts on S3 (Spark's own files skipped), and a glob.
    buffer = pa.BufferOutputStream()
    pq.write_table(manifest_table(entries), buffer)
    for key in ("meta/part-0.parquet", "meta/part-1.parquet", "meta/_SUCCESS", "meta/_rejects/x.parquet"):
        s3.put_object(Bucket=BUCKET, Key=key, Body=buffer.getvalue().to_pybytes())
    assert read_manifest(f"s3://{BUCKET}/meta/", fetch)[0].num_rows == 2 * len(entries)
    assert read_manifest(f"s3://{BUCKET}/meta/part-1*", fetch)[1] == 1

    (tmp_path / "bad.parquet").write_bytes(b"PAR1 nope")
    pq.write_table(pa.table({"repo_name": ["a/b"], "path": ["x.py"]}), tmp_path / "noblob.parquet")
    for name, message in (
        ("bad.parquet", "not a readable Parquet"),
        ("noblob.parquet", r"no column\(s\) blob_id"),
        ("absent.parquet", "manifest not found"),
    ):
        with pytest.raises(UsageError, match=message):
            read_manifest(str(tmp_path / name), fetch)
    pq.write_table(MANIFEST_SCHEMA.remove(0).empty_table(), tmp_path / "empty.parquet")
    with pytest.raises(UsageError, match="lists no blobs"):
        SWH.plan([str(tmp_path / "empty.parquet")], settings_for())


class FaultyProxy(http.server.BaseHTTPRequestHandler):
    """Forwards to moto; per blob_id, `faults` says what goes wrong: `slowdown` / `drop` on the first
    request (503 SlowDown, connection closed without an answer), `hang` on every request."""

    protocol_version = "HTTP/1.1"
    upstream: tuple = ()
    faults: dict = {}
    hits: Counter = Counter()

    def log_message(self, *args):
        pass

    def do_GET(self):
        blob_id = self.path.split("?")[0].rsplit("/", 1)[-1]
        self.hits[blob_id] += 1
        fault = self.faults.get(blob_id)
        if fault == "hang":
            time.sleep(1.0)
            self.close_connection = True
            return
        if fault == "drop" and self.hits[blob_id] == 1:
            self.close_connection = True
            return
        if fault == "slowdown" and self.hits[blob_id] == 1:
            body = b"<Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>"
            self.send_response(503)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        upstream = http.client.HTTPConnection(*self.upstream, timeout=10)
        upstream.request("GET", self.path, headers=dict(self.headers))
        answer = upstream.getresponse()
        body = answer.read()
        self.send_response(answer.status)
        for name, value in answer.getheaders():
            if name.lower() not in ("content-length", "transfer-encoding", "connection"):
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
        upstream.close()


def test_transient_failures_are_retried(s3, s3_endpoint):
    entries = [{"blob_id": f"b{i}", "repo_name": "r/x", "path": f"f{i}.py"} for i in range(12)]
    s3.create_bucket(Bucket=BUCKET)
    for entry in entries:
        s3.put_object(Bucket=BUCKET, Key=f"content/{entry['blob_id']}", Body=gzip.compress(b"x = %d\n" % 1))
    faults = {"b1": "slowdown", "b4": "slowdown", "b7": "drop", "b9": "drop", "b11": "hang"}
    host, port = s3_endpoint.rsplit("/", 1)[-1].split(":")
    handler = type("Proxy", (FaultyProxy,), {"upstream": (host, int(port)), "faults": faults, "hits": Counter()})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        proxy = f"http://127.0.0.1:{server.server_address[1]}"
        rows = swh_rows(entries, proxy, concurrency=4, retries=2, fetch_timeout=0.3)
    finally:
        server.shutdown()
    reasons = {row["path"]: row["reason"] for row in rows}
    assert reasons == {**{f"f{i}.py": None for i in range(11)}, "f11.py": "fetch_failed:timeout"}
    assert all(handler.hits[b] == 2 for b, fault in faults.items() if fault != "hang")  # failed once, then ok
    assert handler.hits["b11"] == 4  # 2 attempts to open, each retried once more by the stream reader
    assert all(handler.hits[e["blob_id"]] == 1 for e in entries if e["blob_id"] not in faults)


@pytest.mark.spark
def test_spark_job_end_to_end(spark, s3, s3_endpoint, tmp_path, capsys):
    entries = [e for e in blob_cases() if e["path"] != "bomb.txt"]
    put_blobs(s3, entries)
    buffer = pa.BufferOutputStream()
    pq.write_table(manifest_table(entries), buffer)
    s3.put_object(Bucket=BUCKET, Key="manifest/m.parquet", Body=buffer.getvalue().to_pybytes())
    out = tmp_path / "files"
    args = [
        "--input",
        f"s3://{BUCKET}/manifest/",
        "--output",
        str(out),
        "--s3-endpoint-url",
        s3_endpoint,
        "--bucket",
        f"s3://{BUCKET}/content",
        "--rows-per-task",
        "4",
        "--retries",
        "2",
    ]
    assert ingest_swh.main(args, spark=spark) == 0

    kept = ds.dataset(str(out), format="parquet").to_table().to_pylist()
    rejects = ds.dataset(str(out / "_rejects"), format="parquet").to_table().to_pylist()
    assert len(kept) + len(rejects) == len(entries)
    check_rows(kept + rejects, entries)
    assert sorted(r["path"] for r in kept) == ["docs/cafe.c", "main.py", "src/A.java"]
    written = json.loads((out / "_manifest.json").read_text())
    assert written["tasks"] == 3
    assert written["rejects_by_reason"] == {
        "corrupt_gzip": 2,
        "fetch_failed": 1,
        "binary": 2,
        "empty": 1,
        "vendored": 1,
    }
