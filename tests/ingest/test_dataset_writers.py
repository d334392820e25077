"""Tables written by other tools (duckdb, Hugging Face `datasets`) are read by ingest-dataset as pyarrow's
are; given to any other stage, a table without our manifest gets a one-line error naming the import."""

from __future__ import annotations

import pyarrow as pa
import pytest

from jobs.runner import check_dataset_inputs
from pipeline.config import UsageError
from pipeline.sources.dataset import DatasetSettings, read_rows

CODE = "import os\n\n\ndef main():\n    print(os.getcwd())\n"
ROWS = [
    {"content": CODE, "max_stars_repo_path": "src/main.py", "max_stars_repo_name": "alice/app", "lang": "Python"},
    {"content": "int x;\n", "max_stars_repo_path": "x.c", "max_stars_repo_name": "alice/app", "lang": "C"},
    {"content": "ok", "max_stars_repo_path": "node_modules/a.js", "max_stars_repo_name": "bob/b", "lang": None},
]


def ingested(path) -> dict[str, tuple]:
    rows = [r for b in read_rows([str(path)], DatasetSettings(preset="stack-v1")) for r in b.to_pylist()]
    return {r["path"]: (r["id"], r["language"], r["source_language"], r["reason"]) for r in rows}


def test_duckdb_and_hf_datasets_tables_read_like_pyarrow_ones(tmp_path):
    import duckdb
    import pyarrow.parquet as pq
    from datasets import Dataset

    table = pa.Table.from_pylist(ROWS)
    pq.write_table(table, tmp_path / "pyarrow.parquet")
    con = duckdb.connect()
    con.register("rows", table)
    con.execute(f"COPY rows TO '{tmp_path / 'duckdb.parquet'}' (FORMAT parquet)")
    Dataset.from_list(ROWS).to_parquet(str(tmp_path / "hf.parquet"))

    expected = ingested(tmp_path / "pyarrow.parquet")
    assert expected["src/main.py"][1:] == ("Python", "Python", None)
    assert expected["node_modules/a.js"][3] == "vendored"
    assert ingested(tmp_path / "duckdb.parquet") == expected
    assert ingested(tmp_path / "hf.parquet") == expected


def test_a_foreign_table_given_to_a_stage_names_the_import_and_its_preset(tmp_path):
    import pyarrow.parquet as pq

    folder = tmp_path / "stack"
    folder.mkdir()
    pq.write_table(pa.Table.from_pylist(ROWS), folder / "train-0.parquet")
    with pytest.raises(UsageError, match=r"corpus ingest-dataset --input \S+ --preset (stack-v1|starcoderdata)`"):
        check_dataset_inputs([str(folder)])
    other = tmp_path / "other"
    other.mkdir()
    pq.write_table(pa.table({"body": ["x"]}), other / "p.parquet")
    with pytest.raises(UsageError, match="--columns content="):
        check_dataset_inputs([str(other)])
