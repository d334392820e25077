"""The ingest job on Spark: rows in = rows out + rejects, manifest last, reruns."""

import json
import os

import pyarrow.dataset as ds
import pytest

from jobs.ingest import stage_for
from pipeline.io import manifest

ingest_github = stage_for("ingest-github")

pytestmark = pytest.mark.spark


def make_repos(root):
    files = {
        "alice__app/main.py": "from app import util\n",
        "alice__app/app/util.py": "X = 1\n",
        "alice__app/node_modules/x/index.js": "module.exports = 2\n",
        "bob__lib/lib.go": "package lib\n",
        "bob__lib/data.bin": b"\0\1\2",
    }
    for path, data in files.items():
        full = root / path
        full.parent.mkdir(parents=True, exist_ok=True)
        full.write_bytes(data if isinstance(data, bytes) else data.encode())
    return len(files)


def read(path):
    return ds.dataset(str(path), format="parquet").to_table().to_pylist() if os.path.exists(path) else []


def test_ingest_job_counts_and_rerun(spark, tmp_path):
    total = make_repos(tmp_path / "repos")
    out = tmp_path / "files"
    args = ["--input", str(tmp_path / "repos"), "--output", str(out)]
    assert ingest_github.main(args, spark=spark) == 0
    kept, rejects = read(out), read(out / "_rejects")
    assert len(kept) + len(rejects) == total
    assert sorted(r["path"] for r in kept) == ["app/util.py", "lib.go", "main.py"]
    assert sorted(r["reason"].split(":")[0] for r in rejects) == ["binary", "vendored"]
    written = json.loads((out / "_manifest.json").read_text())
    assert written["output"]["rows"] == 3 and written["rejects"]["rows"] == 2
    assert written["rejects_by_reason"] == {"binary": 1, "vendored": 1}

    # A crash mid-write leaves files but no manifest: the rerun redoes the folder from scratch.
    (out / "_manifest.json").unlink()
    (out / "part-99999-stale.parquet").write_bytes(b"partial")
    assert ingest_github.main(args, spark=spark) == 0
    assert not (out / "part-99999-stale.parquet").exists()
    assert sorted(r["id"] for r in read(out)) == sorted(r["id"] for r in kept)

    # Same arguments again: nothing to do. Other settings: refused unless --overwrite.
    before = (out / "_manifest.json").read_text()
    assert ingest_github.main(args, spark=spark) == 0 and (out / "_manifest.json").read_text() == before
    assert ingest_github.main(args + ["--max-file-bytes", "10"], spark=spark) == 2
    assert ingest_github.main(args + ["--max-file-bytes", "10", "--overwrite"], spark=spark) == 0
    assert manifest.read_manifest(str(out))["config"]["max_file_bytes"] == 10


def test_missing_input_is_a_clear_error(spark, tmp_path, capsys):
    code = ingest_github.main(["--input", str(tmp_path / "nope"), "--output", str(tmp_path / "o")], spark=spark)
    assert code == 2
    assert "input not found" in capsys.readouterr().err
