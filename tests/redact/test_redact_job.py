"""jobs/redact.py on Spark: every planted secret replaced, rows kept, an audit row per finding with the
same offsets as the library finds, and no planted value in any file the stage writes."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.parquet as pq
import pytest

from jobs.redact import STAGE
from pipeline.io.manifest import write_manifest
from pipeline.redact.plant import SNIPPETS, plant, snippet
from pipeline.schema import make_id

SOURCE = Path(__file__).resolve().parents[2] / "pipeline" / "redact" / "replace.py"  # real code to plant into


@pytest.mark.spark
def test_redact_job_replaces_audits_and_leaks_nothing(spark, tmp_path):
    rng = random.Random(7)
    text = SOURCE.read_bytes()
    rows, planted = [], []
    for i, name in enumerate(sorted(SNIPPETS)):
        content, secrets = plant(text, [snippet(rng, name)], rng)
        rows.append({"id": make_id("github", "o/r", f"f{i}.py"), "content": content.decode(), "language": "Python"})
        planted += [content[s.start : s.end] for s in secrets]
    rows.append({"id": "clean", "content": text.decode(), "language": "Python"})
    folder = tmp_path / "in"
    folder.mkdir()
    pq.write_table(pa.Table.from_pylist(rows), folder / "part-0.parquet")
    write_manifest(str(folder), "dedup", "test", [], {})

    out = tmp_path / "out"
    assert STAGE.main(["--input", str(folder), "--output", str(out), "--salt", "s3cret-salt"], spark=spark) == 0
    kept = {r["id"]: r for r in ds.dataset(str(out)).to_table().to_pylist()}
    assert set(kept) == {r["id"] for r in rows}  # redaction is not a filter
    assert kept["clean"]["content"] == text.decode()
    assert all(
        sum(r[f"redacted_{k}"] for k in ("email", "ip", "key", "password")) >= 1
        for i, r in kept.items()
        if i != "clean"
    )
    audit = ds.dataset(str(out / "_redactions")).to_table().to_pylist()
    assert len(audit) == sum(sum(r[f"redacted_{k}"] for k in ("email", "ip", "key", "password")) for r in kept.values())
    original = {r["id"]: r["content"].encode() for r in rows}
    for finding in audit:  # offsets are in the original content; the hash is not the text
        value = original[finding["id"]][finding["start"] : finding["end"]]
        assert value and finding["hash"] != value.decode(errors="replace")
    written = json.loads((out / "_manifest.json").read_text())
    assert sum(written["redacted"].values()) == len(audit) and "Python" in written["redacted_by_language"]
    assert "s3cret-salt" not in (out / "_manifest.json").read_text()
    for path in out.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            leaked = [value for value in planted if len(value) >= 8 and value in data]
            assert leaked == [], f"{path} holds a planted secret"
    from pipeline.report import build_report

    report = build_report(str(tmp_path))  # the run's folder: `in` and `out`
    assert "Redactions (out)" in report and "<th>password</th>" in report and "Python" in report
