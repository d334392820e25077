"""Stats and report show the screening: per-language signals, and syntax rejects apart in the funnel."""

from __future__ import annotations

import dataclasses
import json
import os

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from filter_rows import HEALTHY_PYTHON, INPUT_FILES_SCHEMA, file_row

from pipeline import report, stats
from pipeline.filters.apply import filter_batch
from pipeline.filters.config import FilterOptions, resolve
from pipeline.io.manifest import write_manifest
from pipeline.langs.registry import default_registry


def filtered_run(tmp_path) -> str:
    """`out/files_filtered` as the filter writes it: kept rows, `_rejects`, the manifest."""
    settings = dataclasses.replace(resolve(FilterOptions(), default_registry(), False), parse_isolation="none")
    rows = [file_row(HEALTHY_PYTHON, path=f"ok{i}.py") for i in range(3)]
    rows += [file_row(HEALTHY_PYTHON + "def broken(:\n", path="bad.py"), file_row("x = 1", path="tiny.py")]
    rows += [file_row("int main(void) { return 0 }\n" * 3, "C", "a.c")]  # errors, but C's check is off
    out = filter_batch(pa.RecordBatch.from_pylist(rows, schema=INPUT_FILES_SCHEMA), settings).to_pylist()
    folder = tmp_path / "out" / "files_filtered"
    os.makedirs(folder / "_rejects")
    kept = [r for r in out if r["reason"] is None]
    rejected = [r for r in out if r["reason"] is not None]
    pq.write_table(
        pa.Table.from_pylist([{k: v for k, v in r.items() if k != "reason"} for r in kept]), folder / "p.parquet"
    )
    pq.write_table(pa.Table.from_pylist(rejected), folder / "_rejects" / "p.parquet")
    write_manifest(str(folder), "filter", "x", [], {}, {"input_rows": len(rows)})
    return str(tmp_path / "out")


def test_stats_and_report_show_the_screening(tmp_path, capsys):
    out = filtered_run(tmp_path)
    assert stats.main([os.path.join(out, "files_filtered")]) == 0
    printed = capsys.readouterr().out
    assert "quality screening" in printed and "Python" in printed and "syntax_errors 1" in printed
    [row] = report.funnel(out)
    assert row["rejected"] == 2 and row["screening_rejected"] == 1  # too_short is a rule, not screening
    report.print_summary(out)
    assert "of which screening" in capsys.readouterr().out
    import matplotlib

    matplotlib.use("Agg")
    page = report.build_report(out)
    assert "Quality screening (files_filtered)" in page and "syntax_error_fraction" in page
    summary = stats.signal_summary(os.path.join(out, "files_filtered"))
    c = summary["by_language"]["C"]
    assert c["parsed_with_errors"] == 1 and c["screening_rejects"] == {}


@pytest.mark.spark
def test_the_filter_job_counts_the_screening(spark, tmp_path):
    from jobs.filter import main

    rows = [file_row(HEALTHY_PYTHON, path="ok.py"), file_row(HEALTHY_PYTHON + "def broken(:\n", path="bad.py")]
    folder = tmp_path / "files"
    os.makedirs(folder)
    pq.write_table(pa.Table.from_pylist(rows, schema=INPUT_FILES_SCHEMA), folder / "part-0.parquet")
    write_manifest(str(folder), "ingest-github", "x", [], {})
    output = str(tmp_path / "kept")
    assert main(["--input", str(folder), "--output", output], spark=spark) == 0
    written = json.loads(open(os.path.join(output, "_manifest.json")).read())
    python = written["screening"]["by_language"]["Python"]
    assert python["parsed_clean"] == 1 and python["screening_rejects"] == {"syntax_errors": 1}
    assert written["rejects_by_reason"] == {"syntax_errors": 1}
