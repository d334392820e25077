"""`corpus stats` figures against counts computed directly from Parquet; the HTML report renders."""

import collections
import json
import shutil
import subprocess

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from pipeline import stats
from pipeline.io import manifest
from pipeline.report import build_report, print_summary, write_report

ROWS = [
    {"id": f"r{i}", "language": lang, "repo_name": repo, "size_bytes": size, "content": "x" * size}
    for i, (lang, repo, size) in enumerate(
        [("Python", "a/x", 100), ("Python", "a/x", 50), ("Go", "b/y", 400), (None, "b/y", 7), ("Rust", "c/z", 30)]
    )
]
REJECTS = [
    {"id": "j1", "reason": "near_duplicate_of:r0", "cluster_id": "r0", "size_bytes": 99},
    {"id": "j2", "reason": "near_duplicate_of:r0", "cluster_id": "r0", "size_bytes": 98},
    {"id": "j3", "reason": "too_large: 5000 bytes", "cluster_id": None, "size_bytes": 5000},
]


def make_stage(root, name, stage, rows, rejects=()):
    folder = root / name
    folder.mkdir(parents=True)
    pq.write_table(pa.Table.from_pylist(rows[:3]), folder / "part-0.parquet")
    pq.write_table(pa.Table.from_pylist(rows[3:]), folder / "part-1.parquet")
    if rejects:
        (folder / "_rejects").mkdir()
        pq.write_table(pa.Table.from_pylist(list(rejects)), folder / "_rejects" / "part-0.parquet")
    counts = collections.Counter(r["reason"].split(":")[0] for r in rejects)
    manifest.write_manifest(
        str(folder),
        stage,
        "fp",
        ["in"],
        {"threshold": 0.7},
        {"input_rows": len(rows) + len(rejects), "rejects_by_reason": dict(counts)},
    )
    return folder


def test_breakdown_matches_direct_counts(tmp_path):
    folder = make_stage(tmp_path, "files_dedup", "dedup", ROWS, REJECTS)
    table = pq.read_table(folder / "part-0.parquet").to_pylist() + pq.read_table(folder / "part-1.parquet").to_pylist()
    expected = collections.Counter(r["language"] or "(unknown)" for r in table)
    got = {g["key"]: g["rows"] for g in stats.breakdown(str(folder), "language")}
    assert got == expected
    assert stats.breakdown(str(folder), "language")[0] == {"key": "Go", "rows": 1, "bytes": 400, "share": 400 / 587}
    reasons = {g["key"]: g["rows"] for g in stats.breakdown(str(folder / "_rejects"), "reason")}
    assert reasons == {"near_duplicate_of": 2, "too_large": 1}
    from_manifest, scanned = stats.totals(str(folder)), stats.totals(str(folder), scan=True)
    assert from_manifest["rows"] == scanned["rows"] == 5 and scanned["rejected"] == from_manifest["rejected"] == 3
    assert scanned["rejects_by_reason"] == from_manifest["rejects_by_reason"]


def test_stats_cli_json(tmp_path, capsys):
    folder = make_stage(tmp_path, "files", "ingest-github", ROWS)
    assert stats.main([str(folder), "--by", "repo", "--json"]) == 0
    groups = {g["key"]: g["rows"] for g in json.loads(capsys.readouterr().out)["groups"]}
    assert groups == {"a/x": 2, "b/y": 2, "c/z": 1}


def test_summary_and_report(tmp_path, capsys):
    make_stage(tmp_path, "files", "ingest-github", ROWS)
    make_stage(tmp_path, "files_dedup", "dedup", ROWS, REJECTS)
    print_summary(str(tmp_path))
    printed = capsys.readouterr().out
    assert "near_duplicate_of 2" in printed and "Python" in printed
    recalled = make_stage(tmp_path, "pages_recalled", "recall", ROWS)
    (recalled / "_recall_report.json").write_text(
        json.dumps(
            {
                "iterations": [
                    {
                        "iteration": 1,
                        "targets": {
                            "math": {
                                "seed_pages": 27,
                                "pages_collected": 80,
                                "threshold": 0.35,
                                "new_domains": ["algebra.example"],
                            }
                        },
                    }
                ]
            }
        )
    )
    page = build_report(str(tmp_path))
    assert "<td>80</td><td>0.350</td><td>algebra.example</td>" in page
    assert page.count("<svg") >= 3 and "Cluster sizes" in page and "2 rows removed" in page
    assert not any(tag in page for tag in ("<script", "<link", "<img", "src=", "url(http"))  # nothing to fetch


def test_report_counts_categories_apart(tmp_path):
    rows = [
        {"id": "c", "language": "Python", "source_format": None, "size_bytes": 300, "content": "x"},
        {"id": "d", "language": "Markdown", "source_format": None, "size_bytes": 120, "content": "x"},
        {"id": "n", "language": "Python", "source_format": "notebook:script", "size_bytes": 80, "content": "x"},
        {"id": "j", "language": "JSON", "source_format": None, "size_bytes": 500, "content": "x"},
    ]
    make_stage(tmp_path, "files_dedup", "dedup", rows)
    page = build_report(str(tmp_path))
    table = page[page.index("Categories (files_dedup)") :]
    for category, files, size in (("data", 1, 500), ("code", 1, 300), ("text", 1, 120), ("notebook", 1, 80)):
        assert f"<td>{category}</td><td>{files}</td><td>{size}</td>" in table


@pytest.mark.skipif(not shutil.which("chromium"), reason="Debian's chromium is not installed")
def test_report_renders_in_headless_chromium(tmp_path):
    make_stage(tmp_path, "files", "ingest-github", ROWS)
    make_stage(tmp_path, "files_dedup", "dedup", ROWS, REJECTS)
    report = write_report(str(tmp_path))
    result = subprocess.run(
        [
            "chromium",
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            f"--user-data-dir={tmp_path / 'profile'}",
            "--dump-dom",
            f"file://{report}",
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0
    assert "<h1>Corpus report</h1>" in result.stdout and result.stdout.count("<svg") >= 3


def test_stats_sums_the_redaction_counts(tmp_path, capsys):
    rows = [
        {"id": "a", "language": "Python", "size_bytes": 10, "content": "x", "redacted_email": 2, "redacted_key": 0},
        {"id": "b", "language": "Go", "size_bytes": 10, "content": "x", "redacted_email": 1, "redacted_key": 3},
        {"id": "c", "language": "Go", "size_bytes": 10, "content": "x", "redacted_email": 0, "redacted_key": 1},
        {"id": "d", "language": "C", "size_bytes": 10, "content": "x", "redacted_email": 4, "redacted_key": 0},
    ]
    folder = make_stage(tmp_path, "samples_redacted", "redact", rows)
    assert stats.main([str(folder), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["redactions"] == {"email": 7, "key": 4}
    assert stats.main([str(folder)]) == 0
    assert "redactions (findings replaced): email 7, key 4" in capsys.readouterr().out


def test_categories_name_issue_threads_and_pages_as_the_mix_does(tmp_path):
    rows = [  # the Go row first: both part files then have a string `language`
        {"id": "c", "language": "Go", "source": "github", "url": None, "size_bytes": 20},
        {
            "id": "i",
            "language": None,
            "source": "github-issues",
            "url": "https://github.com/a/b/issues/1",
            "size_bytes": 50,
        },
        {"id": "p", "language": None, "source": "commoncrawl", "url": "https://docs.example.org/", "size_bytes": 70},
        {"id": "t", "language": None, "source": "web", "url": "https://fineweb.example/", "size_bytes": 30},
    ]
    folder = make_stage(tmp_path, "mixed", "ingest-dataset", [dict(r, content="x") for r in rows])
    from pipeline.filters.docs import category_breakdown

    found = {r["key"]: r["rows"] for r in category_breakdown(stats.open_dataset(str(folder)))}
    assert found == {"issues": 1, "web": 1, "text": 1, "code": 1}
