"""The Spark job on the built-in repositories: one sample per small repository, every file once,
dependency order kept, manifest written."""

import json

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from jobs.repo_samples import main
from pipeline.io.manifest import write_manifest
from pipeline.langs.registry import default_registry
from pipeline.schema import FILES_SCHEMA
from tests.repo.expected import EXPECTED_ORDER
from tests.repo.sample_repos import sample_rows


def write_files(rows: list[dict], files) -> None:
    for row in rows:
        row.update(commit=None, is_vendored=False, is_generated=False, reason=None)
    files.mkdir()
    table = pa.Table.from_pylist(rows, schema=FILES_SCHEMA.remove(FILES_SCHEMA.get_field_index("reason")))
    pq.write_table(table.slice(0, 40), files / "part-00000.parquet")
    pq.write_table(table.slice(40), files / "part-00001.parquet")  # a repository spans two input files
    write_manifest(str(files), "ingest-github", "test", ["samples/repos"], {})


@pytest.mark.spark
def test_job_groups_by_repository_and_keeps_every_file_once(spark, tmp_path):
    rows = sample_rows()
    files = tmp_path / "files"
    write_files(rows, files)

    out = tmp_path / "samples"
    assert main(["--input", str(files), "--output", str(out), "--max-sample-bytes", "200000"], spark=spark) == 0

    samples = pq.read_table(out).to_pylist()
    assert {s["repo_name"] for s in samples} == set(EXPECTED_ORDER)
    assert len(samples) == len(EXPECTED_ORDER)  # each small repository packs into one sample
    file_ids = [i for s in samples for i in s["file_ids"]]
    assert sorted(file_ids) == sorted(r["id"] for r in rows)

    registry = default_registry()
    checked = 0
    for sample in samples:
        expected = EXPECTED_ORDER[sample["repo_name"]]
        languages = {r["language"] for r in rows if r["repo_name"] == sample["repo_name"] and r["path"] in expected}
        if not all(registry.get(lang) and registry.get(lang).tree_sitter for lang in languages):
            continue  # that language's spec is not written yet
        placed = sample["file_paths"]
        start = placed.index(expected[0])
        assert placed[start : start + len(expected)] == expected
        checked += 1
    assert checked >= 4  # the Python repositories at least

    manifest = json.loads((out / "_manifest.json").read_text())
    assert manifest["stage"] == "repo-samples"
    assert manifest["totals"]["n_files"] == len(rows) == manifest["input_rows"]
    assert manifest["totals"]["samples"] == len(samples)

    # pyorbit/graphs holds a README, a guide and a notebook: their bytes are counted apart
    (graphs,) = [s for s in samples if s["repo_name"] == "pyorbit/graphs"]
    docs = {"README.md", "docs/guide.md"}
    text = sum(r["size_bytes"] for r in rows if r["repo_name"] == "pyorbit/graphs" and r["path"] in docs)
    assert text < graphs["text_bytes"] < graphs["size_bytes"]  # the files plus their path comments
    assert 0 < graphs["notebook_bytes"] < graphs["size_bytes"] - graphs["text_bytes"]
    assert manifest["totals"]["text_bytes"] == sum(s["text_bytes"] for s in samples) > 0
    assert manifest["totals"]["notebook_bytes"] == sum(s["notebook_bytes"] for s in samples) > 0


@pytest.mark.spark
def test_a_repository_over_the_limits_is_split_into_ranges_of_its_files(spark, tmp_path):
    rows = sample_rows()
    files = tmp_path / "files"
    write_files(rows, files)
    sizes = {}
    for row in rows:
        sizes[row["repo_name"]] = sizes.get(row["repo_name"], 0) + row["size_bytes"]
    largest = max(sizes, key=sizes.get)
    limit = sizes[largest] // 3 + 1  # the largest repository needs three ranges

    out = tmp_path / "samples"
    assert (
        main(
            [
                "--input",
                str(files),
                "--output",
                str(out),
                "--max-repo-bytes",
                str(limit),
                "--max-sample-bytes",
                "200000",
            ],
            spark=spark,
        )
        == 0
    )
    samples = pq.read_table(out).to_pylist()
    assert sorted(i for s in samples for i in s["file_ids"]) == sorted(r["id"] for r in rows)  # none lost
    parts = {s["repo_part"] for s in samples if s["repo_name"] == largest}
    assert len(parts) >= 3 and None not in parts
    paths_by_part = {}
    for sample in samples:
        if sample["repo_name"] == largest:
            paths_by_part.setdefault(sample["repo_part"], []).extend(sample["file_paths"])
    ranges = [sorted(paths) for _, paths in sorted(paths_by_part.items())]
    assert all(a[-1] < b[0] for a, b in zip(ranges, ranges[1:], strict=False))  # consecutive ranges by path
    largest_file = max(r["size_bytes"] for r in rows)
    for part, paths in paths_by_part.items():  # a range starts below the limit: it ends within one file of it
        assert (
            sum(r["size_bytes"] for r in rows if r["repo_name"] == largest and r["path"] in paths)
            <= limit + largest_file
        ), part
    manifest = json.loads((out / "_manifest.json").read_text())
    assert manifest["totals"]["repositories_split"] == sum(1 for size in sizes.values() if size > limit)
