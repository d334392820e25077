"""Fixtures of the recall tests: a small labelled page set built by bench/recall_pages.py."""

import importlib.util
from pathlib import Path

import pyarrow as pa
import pytest

BENCH_PAGES = Path(__file__).resolve().parents[2] / "bench" / "recall_pages.py"


def _load_generator():
    spec = importlib.util.spec_from_file_location("recall_pages", BENCH_PAGES)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def generator():
    return _load_generator()


@pytest.fixture(scope="session")
def small_pages(generator):
    """About 300 pages: 6 code sites, 3 math sites, 2 mixed sites, 5 other sites, with labels."""
    return generator.build_pages(15, generator.SMALL_CODE_SITES, generator.SMALL_MATH_SITES, generator.OTHER_SITES[:5])


@pytest.fixture(scope="session")
def small_seeds(generator):
    return generator.default_seeds(generator.SMALL_CODE_SITES, generator.SMALL_MATH_SITES)


@pytest.fixture(scope="session")
def small_table(small_pages):
    return pa.Table.from_pylist([{k: v for k, v in p.items() if k != "label"} for p in small_pages])
