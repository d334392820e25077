"""`make corpus OUTPUT=s3://...`: the whole pipeline writes to an S3-compatible server on 127.0.0.1.

About 3 minutes, so `make test-e2e` (part of `make bench`) runs it, not `make test`."""

from __future__ import annotations

import json
import os
import subprocess

import boto3
import pyarrow.fs as pafs
import pytest

from pipeline.io import manifest, storage

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
STAGES = [
    "files",
    "files_filtered",
    "files_dedup",
    "samples",
    "samples_dedup",
    "samples_redacted",
    "pages",
    "pages_recalled",
    "pages_filtered",
    "pages_dedup",
    "pages_redacted",
    "text",
    "text_redacted",
    "issues",
    "issues_redacted",
    "tokens",
]


@pytest.mark.spark
@pytest.mark.e2e
def test_make_corpus_writes_every_stage_to_s3(s3_endpoint, monkeypatch):
    boto3.client("s3", endpoint_url=s3_endpoint).create_bucket(Bucket="corpus")
    # make passes its command-line variables (EXTRAS under CI) on to this make through MAKEFLAGS
    result = subprocess.run(
        ["make", "-s", "corpus", "OUTPUT=s3://corpus/run", f"CORPUS_ARGS=--s3-endpoint-url {s3_endpoint}"],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "report: s3://corpus/run/report.html" in result.stdout

    monkeypatch.setenv(storage.ENDPOINT_ENV, s3_endpoint)
    written = {name: manifest.read_manifest(f"s3://corpus/run/{name}") for name in STAGES}
    assert all(written.values()), [name for name, found in written.items() if not found]
    # files -> ... -> samples_redacted, pages -> ... -> pages_redacted, text -> text_redacted, issues
    chains = [STAGES[:6], STAGES[6:11], STAGES[11:13], STAGES[13:15]]
    for upstream, downstream in [pair for chain in chains for pair in zip(chain, chain[1:], strict=False)]:
        assert written[downstream]["input_rows"] == written[upstream]["output"]["rows"] > 0, downstream
    tokens = written["tokens"]
    documents = sum(written[name]["output"]["rows"] for name in STAGES if name.endswith("_redacted"))
    assert tokens["documents"] + sum(tokens["rejects"]["by_reason"].values()) == documents
    assert tokens["tokens"] > 10_000
    fs, root = storage.filesystem("s3://corpus/run/tokens")
    names = {os.path.basename(info.path) for info in fs.get_file_info(pafs.FileSelector(root))}
    assert {f"{s['name']}{suffix}" for s in tokens["shards"] for suffix in (".bin", ".idx")} <= names
    report = storage.read_text("s3://corpus/run/report.html")
    assert "Corpus report" in report and "s3://corpus/run" in report
    assert json.loads(storage.read_text("s3://corpus/run/pages_recalled/_recall_report.json"))
