"""Shared fixtures: one local Spark session for the whole test run (starting one costs seconds)."""

import os

import pytest


@pytest.fixture(scope="session")
def spark():
    os.environ.setdefault("CORPUS_SPARK_MASTER", "local[2]")
    from pipeline.spark import get_spark

    session = get_spark("corpus-tests")
    yield session
    session.stop()
