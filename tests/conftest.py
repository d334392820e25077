"""Shared fixtures: one local Spark session for the whole test run (starting one costs seconds), and a
real S3-compatible server (moto) on 127.0.0.1."""

import os
import urllib.request

import pytest

# Dummy credentials for the whole run, set before Spark starts so that its Python workers inherit them:
# tests only ever reach the S3-compatible server on 127.0.0.1, never AWS.
for name, value in {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
}.items():
    os.environ.setdefault(name, value)


@pytest.fixture(scope="session")
def spark():
    os.environ.setdefault("CORPUS_SPARK_MASTER", "local[2]")
    from pipeline.spark import get_spark

    session = get_spark("corpus-tests")
    yield session
    session.stop()


@pytest.fixture
def s3_endpoint(monkeypatch):
    """Endpoint URL of a real S3-compatible server (moto) on 127.0.0.1, with dummy credentials."""
    from moto.server import ThreadedMotoServer

    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    yield endpoint
    # moto keeps its buckets in this process, across servers: start the next test from an empty store
    urllib.request.urlopen(urllib.request.Request(f"{endpoint}/moto-api/reset", method="POST")).close()
    server.stop()
