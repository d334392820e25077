"""The recall job on Spark: rows in = recalled + rejected, report and models next to the output."""

import json
import os

import pyarrow.parquet as pq
import pytest

from pipeline.io.manifest import write_manifest
from pipeline.schema import PAGES_SCHEMA


@pytest.fixture(scope="module")
def pages_dataset(tmp_path_factory, small_table):
    folder = tmp_path_factory.mktemp("pages")
    schema = PAGES_SCHEMA.remove(PAGES_SCHEMA.get_field_index("reason"))
    table = small_table.append_column("source", [["commoncrawl"] * small_table.num_rows])
    columns = {
        f.name: table.column(f.name) if f.name in table.column_names else [None] * table.num_rows for f in schema
    }
    import pyarrow as pa

    pq.write_table(pa.table(columns, schema=schema), folder / "part-00000.parquet")
    write_manifest(str(folder), "ingest-cc", "test", [], {})
    return str(folder)


@pytest.mark.spark
def test_recall_job_writes_recalled_pages_report_and_models(spark, tmp_path, pages_dataset, small_seeds, small_pages):
    from jobs.recall import main

    seeds = tmp_path / "seeds.toml"
    seeds.write_text("".join(f"[{t}]\ndomains = {json.dumps(v['domains'])}\n" for t, v in small_seeds.items()))
    output = str(tmp_path / "recalled")
    argv = [
        "--input",
        pages_dataset,
        "--output",
        output,
        "--seeds",
        str(seeds),
        "--iterations",
        "1",
        "--no-clean-negatives",
        "--dim",
        "32",
        "--threads",
        "1",
        "--min-updates",
        "4000",
        "--max-chars",
        "4000",
    ]
    assert main(argv, spark=spark) == 0

    kept = pq.read_table(output, columns=["id", "url", "recall_label", "recall_score", "recall_iteration"])
    rejected = pq.read_table(os.path.join(output, "_rejects"), columns=["id", "reason"])
    assert kept.num_rows + rejected.num_rows == len(small_pages)
    assert set(rejected.column("reason").to_pylist()) == {"not_recalled"}
    truth = {p["id"]: p["label"] for p in small_pages}
    rows = kept.to_pylist()
    assert {r["recall_label"] for r in rows} <= {"code", "math"}
    code_found = sum(1 for r in rows if r["recall_label"] == "code" and truth[r["id"]] == "code")
    assert code_found > 0.8 * sum(1 for label in truth.values() if label == "code")

    report = json.loads(open(os.path.join(output, "_recall_report.json")).read())
    assert [it["iteration"] for it in report["iterations"]] == [1]
    assert report["final_seed_pages"]["code"] > report["iterations"][0]["targets"]["code"]["seed_pages"]
    assert sorted(os.listdir(os.path.join(output, "_models"))) == ["iter1-code-math.bin", "iter1-other-target.bin"]
    manifest = json.loads(open(os.path.join(output, "_manifest.json")).read())
    assert manifest["rejects"]["not_recalled"] == rejected.num_rows
