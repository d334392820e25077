"""`ingest-dataset`: plan (files, row groups, byte ranges), reading (Parquet, JSON Lines plain/.gz/.zst,
CSV), column mappings and presets, bad input as counted rejects, the same rows as `ingest-github`, and
one Spark run through ingest, filter, dedup and repository samples."""

from __future__ import annotations

import gzip
import json
import os
from pathlib import Path

import pyarrow as pa
import pyarrow.dataset as pads
import pyarrow.parquet as pq
import pytest

from jobs.ingest import stage_for
from pipeline.config import UsageError
from pipeline.schema import FILES_SCHEMA, PAGES_SCHEMA, make_id
from pipeline.sources import contract, dataset, github
from pipeline.sources.contract import Candidate, IngestOptions, candidate_row
from pipeline.sources.dataset import DATASET, ColumnMap, DatasetSettings, read_rows
from pipeline.sources.dataset_presets import PRESETS, matching_preset
from pipeline.sources.registry import SOURCES

ROOT = Path(__file__).resolve().parents[2]
STACK_NAMES = (
    "hexsha size ext lang max_stars_repo_path max_stars_repo_name max_stars_repo_head_hexsha "
    "max_stars_repo_licenses max_stars_count max_stars_repo_stars_event_min_datetime "
    "max_stars_repo_stars_event_max_datetime max_issues_repo_path max_issues_repo_name "
    "max_issues_repo_head_hexsha max_issues_repo_licenses max_issues_count "
    "max_issues_repo_issues_event_min_datetime max_issues_repo_issues_event_max_datetime max_forks_repo_path "
    "max_forks_repo_name max_forks_repo_head_hexsha max_forks_repo_licenses max_forks_count "
    "max_forks_repo_forks_event_min_datetime max_forks_repo_forks_event_max_datetime content avg_line_length "
    "max_line_length alphanum_fraction"
).split()


def stack_row(repo: str, path: str, content, lang: str | None = None, stars: int | None = 3) -> dict:
    """A row with every column of The Stack v1 (bigcode/the-stack), as its Parquet files hold them."""
    row = {name: None for name in STACK_NAMES}
    row.update(
        hexsha=f"{abs(hash((repo, path))):040x}"[:40],
        size=len(content) if content is not None else None,
        ext=os.path.splitext(path)[1].lstrip("."),
        lang=lang,
        max_stars_repo_path=path,
        max_stars_repo_name=repo,
        max_stars_repo_head_hexsha="c" * 40,
        max_stars_repo_licenses=["MIT", "Apache-2.0"],
        max_stars_count=stars,
        max_issues_repo_licenses=["MIT"],
        content=content,
        avg_line_length=12.5,
        max_line_length=40,
        alphanum_fraction=0.7,
    )
    return row


STACK_SCHEMA = pa.schema(
    [
        (name, pa.list_(pa.string()))
        if name.endswith("licenses")
        else (name, pa.int64())
        if name in ("size", "max_stars_count", "max_issues_count", "max_forks_count", "max_line_length")
        else (name, pa.float64())
        if name in ("avg_line_length", "alphanum_fraction")
        else (name, pa.string())
        for name in STACK_NAMES
    ]
)


def write_stack(path: Path, rows: list[dict], row_group_size: int | None = None) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(pa.Table.from_pylist(rows, STACK_SCHEMA), path, row_group_size=row_group_size, compression="zstd")
    return path


def write_jsonl(path: Path, lines: list, compression: str | None = None) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    data = b"".join((line if isinstance(line, bytes) else json.dumps(line).encode()) + b"\n" for line in lines)
    if compression == "gzip":
        data = gzip.compress(data)
    if compression == "zstd":
        with pa.output_stream(str(path), compression="zstd") as stream:
            stream.write(data)
        return path
    path.write_bytes(data)
    return path


def ingest(inputs, **values) -> list[dict]:
    settings = DatasetSettings(**values)
    return [row for batch in read_rows([str(i) for i in inputs], settings) for row in batch.to_pylist()]


def reasons(rows) -> dict[str, str]:
    return {r["path"] or r["source_meta"] and "" or "": r["reason"] for r in rows}


def by_path(rows) -> dict[str, dict]:
    return {r["path"]: r for r in rows}


CODE = "import os\n\n\ndef main():\n    print(os.getcwd())\n"


# ---- registration, settings, presets ----------------------------------------------------------------


def test_registered_as_a_source_with_its_own_schema():
    assert SOURCES["ingest-dataset"] is DATASET
    assert contract.source_schema(DATASET, DatasetSettings()) == dataset.DATASET_FILES_SCHEMA
    assert contract.source_schema(github.GITHUB, github.GithubSettings()) == FILES_SCHEMA
    # files / pages rows: our schema's columns, in order, plus the source's own three before `reason`
    for kind, ours in (("files", FILES_SCHEMA), ("pages", PAGES_SCHEMA)):
        schema = DATASET.schema(DatasetSettings(kind=kind))
        assert schema.names == ours.names[:-1] + ["source_language", "source_id", "source_meta", "reason"]
    assert DATASET.schema(DatasetSettings(preset="web-text")) == dataset.TEXT_SCHEMA


def test_columns_from_the_flag_and_from_a_toml_table(tmp_path):
    stage = stage_for("ingest-dataset")
    job, _ = stage.job(["--input", "x", "--output", "o", "--columns", "content=text,path=file_path", "--kind", "files"])
    assert job.settings.columns == {"content": "text", "path": "file_path"}
    config = tmp_path / "c.toml"
    config.write_text('[ingest_dataset]\npreset = "starcoderdata"\n[ingest_dataset.columns]\nlanguage = "lang"\n')
    job, _ = stage.job(["--input", "x", "--output", "o", "--config", str(config)])
    assert job.settings.preset == "starcoderdata" and job.settings.columns == {"language": "lang"}
    assert isinstance(job.settings.columns, ColumnMap) and hash(job.settings)  # frozen settings stay hashable
    with pytest.raises(SystemExit):  # argparse: not TARGET=COLUMN
        stage.job(["--input", "x", "--output", "o", "--columns", "content"])
    with pytest.raises(UsageError, match="not a target of kind text"):
        stage.job(["--input", "x", "--output", "o", "--kind", "text", "--columns", "path=p"])


def test_presets_name_the_real_columns():
    stack = PRESETS["stack-v1"].columns
    assert set(stack.values()) <= set(STACK_NAMES)
    assert stack["path"] == "max_stars_repo_path" and stack["repo"] == "max_stars_repo_name"
    assert stack["language"] == "lang" and stack["license"] == "max_stars_repo_licenses"
    v2 = PRESETS["stack-v2"].columns
    assert {v2[t] for t in ("path", "repo", "license", "commit", "encoding")} == {
        "path",
        "repo_name",
        "detected_licenses",
        "revision_id",
        "src_encoding",
    }
    star = PRESETS["starcoderdata"].columns
    assert star["path"] == "max_stars_repo_path" and star["language"] == "@folder"
    assert PRESETS["web-text"].columns["content"] == "text"
    # the preset a table's columns match: what an error suggests
    assert matching_preset(STACK_NAMES).name == "stack-v1"
    assert matching_preset(["max_stars_repo_path", "max_stars_repo_name", "max_stars_count", "id", "content"]).name in (
        "starcoderdata",
        "stack-v1",
    )
    fineweb = ["text", "id", "dump", "url", "date", "file_path", "language", "language_score", "token_count"]
    assert matching_preset(fineweb).name == "web-text"
    assert matching_preset(FILES_SCHEMA.names).name == "files"
    assert matching_preset(["a", "b"]) is None


# ---- the rule chain with content in memory ------------------------------------------------------------


def test_chain_applies_its_decoding_rules_to_text_in_memory():
    options = IngestOptions(max_file_bytes=100)

    def row(text, path="a.py", options=options):
        size = len(text.encode())
        return candidate_row(Candidate("s", "o/r", path, "here", size=size, text=text), options)

    kept = row("\ufeffx = 1\n")
    assert kept["reason"] is None and kept["content"] == "x = 1\n" and kept["size_bytes"] == 6
    assert kept["language"] == "Python" and kept["id"] == make_id("s", "o/r", "a.py")
    assert row("x\0y")["reason"] == "binary: NUL byte"
    assert row("é" * 4000 + "\0", options=IngestOptions())["reason"] is None  # past the first 8000 *bytes*
    assert row("é" * 3999 + "\0", options=IngestOptions())["reason"] == "binary: NUL byte"
    assert row("")["reason"] == "empty"
    assert row("x" * 101)["reason"] == "too_large: 101 bytes > 100"
    assert row("x", path="node_modules/a.js")["reason"] == "vendored"
    assert row("x", path="a.png")["reason"] == "binary: extension"
    undeclared = candidate_row(Candidate("s", "o/r", "a.py", "here", text="x" * 101), options)
    assert undeclared["reason"] == "too_large: 101 bytes > 100" and undeclared["size_bytes"] == 101
    own = candidate_row(Candidate("s", None, "a.py", "here", size=1, text="x", id="given"), options)
    assert own["id"] == "given"


# ---- Parquet ------------------------------------------------------------------------------------------


def test_stack_parquet_rows(tmp_path):
    rows = [
        stack_row("alice/app", "src/main.py", CODE, "Python"),
        stack_row("alice/app", "include/x.h", "int x;\n", "C"),
        stack_row("alice/app", "node_modules/m/index.js", "module.exports = 1\n", "JavaScript"),
        stack_row("bob/lib", "lib.js", "#!/usr/bin/env python\nprint(1)\n", "JavaScript"),
        stack_row("bob/lib", "big.py", "x = 1\n" * 1000, "Python"),
    ]
    out = ingest([write_stack(tmp_path / "data" / "python" / "train-0.parquet", rows)], preset="stack-v1")
    assert len(out) == len(rows)
    found = by_path(out)
    main = found["src/main.py"]
    assert main["reason"] is None and main["content"] == CODE and main["source"] == "github"
    assert main["id"] == make_id("github", "alice/app", "src/main.py")  # as ingest-github names that file
    assert main["language"] == "Python" and main["source_language"] == "Python"
    assert main["license"] == "MIT AND Apache-2.0" and main["commit"] == "c" * 40
    meta = dict(main["source_meta"])
    assert meta["max_stars_count"] == "3" and meta["ext"] == "py" and meta["hexsha"] == rows[0]["hexsha"]
    assert meta["max_issues_repo_licenses"] == '["MIT"]' and meta["max_issues_count"] is None
    assert "content" not in meta and "max_stars_repo_path" not in meta and "lang" not in meta
    assert found["node_modules/m/index.js"]["reason"] == "vendored"
    assert found["node_modules/m/index.js"]["content"] is None
    assert found["big.py"]["reason"] is None
    assert ingest([tmp_path / "data"], preset="stack-v1", ingest=IngestOptions(max_file_bytes=100))[4]["reason"] == (
        "too_large: 6000 bytes > 100"
    )
    assert found["lib.js"]["source_language"] == "JavaScript" and found["lib.js"]["language"] == "JavaScript"
    dropped = ingest([tmp_path / "data"], preset="stack-v1", drop_unmapped=True)
    assert all(r["source_meta"] is None for r in dropped)


def test_a_large_file_is_split_by_row_group(tmp_path):
    rows = [stack_row("o/r", f"f{i}.py", f"x = {i}\n" * 20) for i in range(100)]
    path = write_stack(tmp_path / "one.parquet", rows, row_group_size=10)
    settings = DatasetSettings(preset="stack-v1", task_bytes=1024, batch_rows=3)
    tasks = DATASET.plan([str(path)], settings)
    assert len(tasks) == 10 and all(len(json.loads(t)["row_groups"]) == 1 for t in tasks)
    packed = DATASET.plan([str(path)], DatasetSettings(preset="stack-v1"))
    assert len(packed) == 1 and len(json.loads(packed[0])["row_groups"]) == 10
    read = [r for t in tasks for b in DATASET.batches(t, settings) for r in b.to_pylist()]
    assert [r["path"] for r in read] == [f"f{i}.py" for i in range(100)]  # each row once, in order
    candidates = list(DATASET.read(tasks[3], settings))  # the Source protocol's read: the chain's input
    assert [(c.repo_name, c.path, c.text) for c in candidates] == [
        ("o/r", f"f{i}.py", f"x = {i}\n" * 20) for i in range(30, 40)
    ]


def test_folders_globs_hive_partitions_and_the_folder_label(tmp_path):
    (tmp_path / "t" / "lang=Go").mkdir(parents=True)  # a hive partition: the file has no `lang` column
    go = pa.table({"max_stars_repo_path": ["a.go"], "max_stars_repo_name": ["o/r"], "content": ["package a\n"]})
    pq.write_table(go, tmp_path / "t" / "lang=Go" / "part-0.parquet")
    write_stack(tmp_path / "t" / "lang=Go" / "_SUCCESS.parquet", [stack_row("o/r", "skip.go", "package s\n")])
    (tmp_path / "t" / "_manifest.json").write_text("{}")
    rows = ingest([tmp_path / "t"], columns=ColumnMap("content=content,path=max_stars_repo_path"))
    assert [r["path"] for r in rows] == ["a.go"]
    assert dict(rows[0]["source_meta"])["lang"] == "Go"  # the partition value, unmapped: kept
    rows = ingest([tmp_path / "t"], preset="stack-v1")  # the preset's `lang`: the partition column here
    assert rows[0]["source_language"] == "Go" and rows[0]["language"] == "Go"
    star = [
        {"max_stars_repo_path": "m.py", "max_stars_repo_name": "o/r", "max_stars_count": 1, "id": "7", "content": CODE}
    ]
    (tmp_path / "sc" / "python").mkdir(parents=True)
    pq.write_table(pa.Table.from_pylist(star), tmp_path / "sc" / "python" / "train-00000-of-00001.parquet")
    rows = ingest([str(tmp_path / "sc" / "*" / "*.parquet")], preset="starcoderdata")
    assert rows[0]["source_language"] == "python" and rows[0]["language"] == "Python"
    assert dict(rows[0]["source_meta"]) == {"max_stars_count": "1", "id": "7"}
    assert rows[0]["id"] == make_id("github", "o/r", "m.py")


def test_v2_paths_lose_their_leading_slash_and_own_ids_are_kept(tmp_path):
    v2 = [
        {
            "blob_id": "b" * 40,
            "path": "/src/a.py",
            "repo_name": "o/r",
            "detected_licenses": ["MIT"],
            "revision_id": "r" * 40,
            "src_encoding": "UTF-8",
            "language": "Python",
            "is_vendor": False,
            "length_bytes": 10,
            "content": CODE,
        }
    ]
    pq.write_table(pa.Table.from_pylist(v2), tmp_path / "v2.parquet")
    row = ingest([tmp_path / "v2.parquet"], preset="stack-v2")[0]
    assert row["path"] == "src/a.py" and row["id"] == make_id("github", "o/r", "src/a.py")
    assert row["license"] == "MIT" and row["commit"] == "r" * 40
    assert dict(row["source_meta"])["is_vendor"] == "false"
    # a mapped id is the source's own: kept in source_id, our id made from it
    row = ingest([tmp_path / "v2.parquet"], preset="stack-v2", columns=ColumnMap("id=blob_id"))[0]
    assert row["source_id"] == "b" * 40 and row["id"] == make_id("github", "b" * 40)
    # no repository: the id comes from the path and the content, so equal paths do not collide
    rows = ingest([tmp_path / "v2.parquet"], columns=ColumnMap("content=content,path=path,repo="))
    assert rows[0]["repo_name"] is None and rows[0]["id"] != make_id("dataset", None, "src/a.py")


# ---- JSON Lines and CSV -------------------------------------------------------------------------------


def json_rows(count: int) -> list[dict]:
    return [
        {"max_stars_repo_path": f"d/f{i}.py", "max_stars_repo_name": "o/r", "content": f"x = {i}\n", "lang": "Python"}
        for i in range(count)
    ]


def test_jsonl_plain_gz_zst_and_byte_ranges(tmp_path):
    lines = json_rows(300)
    plain = write_jsonl(tmp_path / "a.jsonl", lines)
    expected = [r["max_stars_repo_path"] for r in lines]
    for path in (
        plain,
        write_jsonl(tmp_path / "b.jsonl.gz", lines, "gzip"),
        write_jsonl(tmp_path / "c.jsonl.zst", lines, "zstd"),
    ):
        rows = ingest([path], preset="stack-v1")
        assert [r["path"] for r in rows] == expected and all(r["reason"] is None for r in rows)
    settings = DatasetSettings(preset="stack-v1", task_bytes=1024, batch_rows=7)
    tasks = DATASET.plan([str(plain)], settings)
    assert len(tasks) > 5 and {json.loads(t).get("start") for t in tasks} >= {0, 1024}
    read = [r["path"] for t in tasks for b in DATASET.batches(t, settings) for r in b.to_pylist()]
    assert read == expected  # every line once, whichever range it starts in
    assert len(DATASET.plan([str(tmp_path / "b.jsonl.gz")], settings)) == 1  # gzip: not splittable


def test_bad_json_lines_are_counted_rejects_and_the_rest_is_read(tmp_path):
    good = json_rows(5)
    lines = [
        good[0],
        good[1],
        b'{"content": "x", broken',
        b"[1, 2]",
        b"",
        good[2],
        {"max_stars_repo_path": "n.py", "content": 5},
    ]
    lines += [{"max_stars_repo_name": "o/r", "content": "x = 1\n"}, b'{"content": "\xff\xfe"}', good[3]]
    rows = ingest([write_jsonl(tmp_path / "bad.jsonl", lines)], preset="stack-v1")
    assert len(rows) == 9  # the blank line holds no row
    bad = [r["reason"] for r in rows if r["reason"]]
    assert bad[0].startswith("bad_row:line 3: ") and bad[1] == "bad_row:line 4: a JSON list, not an object"
    assert bad[2] == "bad_type:content is int" and bad[3] == "missing_field:path"
    assert bad[4].startswith("bad_row:line 9: ")
    assert [r["path"] for r in rows if r["reason"] is None] == ["d/f0.py", "d/f1.py", "d/f2.py", "d/f3.py"]
    assert len({r["id"] for r in rows}) == len(rows)


def test_a_truncated_zst_or_gz_keeps_what_came_before(tmp_path):
    lines = [{**r, "content": r["content"] * 400} for r in json_rows(2000)]
    for name, codec in (("t.jsonl.zst", "zstd"), ("t.jsonl.gz", "gzip")):
        path = write_jsonl(tmp_path / name, lines, codec)
        data = path.read_bytes()
        path.write_bytes(data[: len(data) // 2])
        rows = ingest([path], preset="stack-v1")
        assert rows[-1]["reason"].startswith("unreadable_file: ") and "line" in rows[-1]["reason"]
        assert 0 < len(rows) - 1 < len(lines) and all(r["reason"] is None for r in rows[:-1])


def test_csv_rows_bad_fields_and_undecodable_content(tmp_path):
    path = tmp_path / "t.csv"
    path.write_bytes(
        b"repo_name,path,content,stars\n"
        b'o/r,a.py,"import os\nprint(1)\n",3\n'
        b"o/r,b.py,x,1,extra\n"
        b'o/r,c.py,"caf\xe9 = 1\n",2\n'
        b'o/r,d\xff.py,"y = 2\n",2\n'
    )
    rows = ingest([path])
    assert len(rows) == 4
    found = {r["path"]: r for r in rows}
    assert found["a.py"]["content"] == "import os\nprint(1)\n" and found["a.py"]["reason"] is None
    assert dict(found["a.py"]["source_meta"]) == {"stars": "3"}
    assert found["c.py"]["reason"] == "undecodable: not UTF-8 (invalid byte at offset 3)"
    assert found["d\\xff.py"]["reason"] == "invalid_path_encoding"
    assert [r["reason"] for r in rows if r["path"] is None] == ["bad_row:line 3: 5 fields, expected 4"]


def test_text_and_pages_rows(tmp_path):
    lines = [
        {
            "text": "The quick brown fox jumps over the lazy dog near the river bank.",
            "url": "https://a.example/x",
            "id": "<urn:1>",
            "language": "en",
        },
        {
            "text": "Le renard brun saute par-dessus le chien paresseux près de la rivière.",
            "url": "https://www.b.example/y",
            "id": "<urn:2>",
            "language": "en",
        },
        {"text": "", "url": "https://c.example/", "id": "<urn:3>"},
        {"url": "https://d.example/", "id": "<urn:4>"},
        {"text": "no url here, but a text row needs none at all really", "dump": "CC-MAIN-2024-10"},
    ]
    path = write_jsonl(tmp_path / "web.jsonl.zst", lines, "zstd")
    rows = ingest([path], preset="web-text")
    assert [r["reason"] for r in rows] == [None, None, "empty", "missing_field:content", None]
    assert rows[0]["nl_language"] == "en" and rows[1]["nl_language"] == "fr" and rows[1]["source_language"] == "en"
    assert rows[0]["id"] == make_id("web", "<urn:1>") and rows[0]["source_id"] == "<urn:1>"
    assert rows[4]["id"] == make_id("web", "", dataset._digest(lines[4]["text"]))
    assert dict(rows[4]["source_meta"]) == {"dump": "CC-MAIN-2024-10"}
    pages = ingest([path], preset="web-text", kind="pages", source_name="commoncrawl", columns=ColumnMap("id="))
    assert [r["reason"] for r in pages] == [None, None, "empty", "missing_field:content", "missing_field:url"]
    assert pages[1]["domain"] == "b.example" and pages[0]["id"] == make_id("commoncrawl", "https://a.example/x")


def test_wrong_mapping_is_one_error_before_any_work(tmp_path):
    path = write_stack(tmp_path / "s.parquet", [stack_row("o/r", "a.py", CODE)])
    with pytest.raises(
        UsageError, match=r"--columns content=text: no column 'text' in the input; columns there: hexsha"
    ):
        DATASET.plan([str(path)], DatasetSettings(columns=ColumnMap("content=text")))
    with pytest.raises(UsageError, match="no path column for kind files .*match --preset stack-v1"):
        DATASET.plan([str(path)], DatasetSettings())
    with pytest.raises(UsageError, match="input not found"):
        DATASET.plan([str(tmp_path / "nope")], DatasetSettings())
    (tmp_path / "e").mkdir()
    (tmp_path / "e" / "notes.txt").write_text("x")
    with pytest.raises(UsageError, match="no Parquet, JSON Lines or CSV files"):
        DATASET.plan([str(tmp_path / "e")], DatasetSettings())


def test_corrupt_parquet_files_and_row_groups_are_rejects(tmp_path):
    good = write_stack(
        tmp_path / "in" / "a.parquet", [stack_row("o/r", f"f{i}.py", f"x = {i}\n") for i in range(30)], 10
    )
    meta = pq.ParquetFile(good).metadata.row_group(1).column(STACK_NAMES.index("content"))
    data = bytearray(good.read_bytes())
    data[meta.data_page_offset : meta.data_page_offset + meta.total_compressed_size] = bytes(meta.total_compressed_size)
    good.write_bytes(bytes(data))
    (tmp_path / "in" / "b.parquet").write_bytes(b"PAR1 this is not a parquet file")
    truncated = write_stack(tmp_path / "in" / "c.parquet", [stack_row("o/r", "c.py", CODE)])
    truncated.write_bytes(truncated.read_bytes()[:-20])
    write_stack(tmp_path / "in" / "d.parquet", [stack_row("o/r", "d.py", CODE)])
    rows = ingest([tmp_path / "in"], preset="stack-v1")
    kept = [r["path"] for r in rows if r["reason"] is None]
    assert kept == [f"f{i}.py" for i in range(10)] + [f"f{i}.py" for i in range(20, 30)] + ["d.py"]
    bad = [r["reason"] for r in rows if r["reason"]]
    assert len(bad) == 3 and bad[0].startswith("unreadable_row_group: row group 1, 10 of its 10 rows lost: ")
    assert bad[1].startswith("unreadable_file: ") and bad[2].startswith("unreadable_file: ")


def test_non_string_content_and_a_file_without_the_column(tmp_path):
    pq.write_table(pa.table({"path": ["a.py", "b.py"], "content": [1, None]}), tmp_path / "n.parquet")
    pq.write_table(pa.table({"path": ["c.py"], "other": ["x"]}), tmp_path / "m.parquet")
    rows = ingest([tmp_path / "n.parquet", tmp_path / "m.parquet"])
    assert [r["reason"] for r in rows] == [
        "bad_type:content is int64",
        "missing_field:content",
        "missing_field:content",
    ]
    binary = tmp_path / "b.parquet"
    pq.write_table(pa.table({"path": ["a.py", "b.py"], "content": [b"x = 1\n", b"\xff\xfe\x00"]}), binary)
    rows = ingest([binary], columns=ColumnMap("content=content,path=path"))
    assert (
        rows[0]["content"] == "x = 1\n"
        and rows[1]["reason"] == "undecodable: invalid UTF-16 after a UTF-16 byte-order mark"
    )


# ---- the same rows as ingest-github -------------------------------------------------------------------


def test_same_ids_languages_and_reasons_as_ingest_github(tmp_path):
    files = {
        "alice__app/main.py": b"from app import util\n",
        "alice__app/app/util.py": b"\xef\xbb\xbfX = 1\n",
        "alice__app/tool": b"#!/usr/bin/env ruby\nputs 1\n",
        "alice__app/node_modules/x/index.js": b"module.exports = 2\n",
        "alice__app/empty.txt": b"",
        "bob__lib/lib.go": b"package lib\n",
        "bob__lib/data.txt": b"a\0b",
        "bob__lib/LICENSE": (ROOT / "LICENSE").read_bytes() if (ROOT / "LICENSE").exists() else b"MIT License\n",
    }
    for name, data in files.items():
        (tmp_path / "repos" / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / "repos" / name).write_bytes(data)
    settings = github.GithubSettings()
    ours = list(
        contract.ingest_batches(github.GITHUB, github.GITHUB.plan([str(tmp_path / "repos")], settings), settings)
    )
    from_github = [r for b in ours for r in b.to_pylist()]
    table = [
        {
            "repo_name": name.split("/")[0].replace("__", "/"),
            "path": name.split("/", 1)[1],
            "content": data.decode("utf-8"),
        }
        for name, data in files.items()
    ]
    pq.write_table(pa.Table.from_pylist(table), tmp_path / "t.parquet")
    from_table = ingest([tmp_path / "t.parquet"], source_name="github")
    keys = ("id", "repo_name", "path", "language", "content", "size_bytes", "reason", "is_vendored")
    assert sorted(tuple(r[k] for k in keys) for r in from_table) == sorted(
        tuple(r[k] for k in keys) for r in from_github
    )


# ---- on Spark: ingest, then the later stages ----------------------------------------------------------


@pytest.mark.spark
def test_ingest_dataset_then_filter_dedup_and_samples_on_spark(spark, tmp_path):
    from jobs.dedup import main as dedup_main
    from jobs.filter import main as filter_main
    from jobs.repo_samples import main as samples_main

    sources = [p for p in sorted((ROOT / "pipeline" / "sources").glob("*.py")) if p.stat().st_size > 4000][:5]
    rows = [stack_row("corpus/pipeline", f"sources/{p.name}", p.read_text(), "Python") for p in sources]
    rows.append(stack_row("fork/pipeline", "sources/copy.py", rows[0]["content"], "Python"))  # an exact copy
    rows.append(stack_row("corpus/pipeline", "vendor/x/lib.py", rows[1]["content"] + "\n# vendored\n", "Python"))
    write_stack(tmp_path / "stack" / "python" / "train-0.parquet", rows, row_group_size=3)
    more = [
        {**r, "max_stars_repo_licenses": ["MIT"]}
        for r in (stack_row("other/repo", "go/main.go", 'package main\n\nfunc main() {\n\tprintln("hi")\n}\n', "Go"),)
    ]
    write_jsonl(tmp_path / "more.jsonl.gz", [*more, b"not json"], "gzip")

    ingest_stage = stage_for("ingest-dataset")
    files = tmp_path / "files"
    args = [
        "--preset",
        "stack-v1",
        "--input",
        str(tmp_path / "stack"),
        str(tmp_path / "more.jsonl.gz"),
        "--output",
        str(files),
    ]
    assert ingest_stage.main(args + ["--task-bytes", "1024"], spark=spark) == 0
    kept = pads.dataset(str(files), format="parquet").to_table().to_pylist()
    rejects = pads.dataset(str(files / "_rejects"), format="parquet").to_table().to_pylist()
    assert len(kept) + len(rejects) == len(rows) + 2
    assert sorted(r["reason"].split(":")[0] for r in rejects) == ["bad_row", "vendored"]
    manifest = json.loads((files / "_manifest.json").read_text())
    assert manifest["rejects_by_reason"] == {"bad_row": 1, "vendored": 1} and manifest["tasks"] >= 3
    assert all(dict(r["source_meta"])["hexsha"] for r in kept)

    filtered, deduped, samples = tmp_path / "filtered", tmp_path / "dedup", tmp_path / "samples"
    assert filter_main(["--input", str(files), "--output", str(filtered)], spark=spark) == 0
    assert dedup_main(["--input", str(filtered), "--output", str(deduped)], spark=spark) == 0
    assert not os.path.exists(filtered / "_rejects") or not pads.dataset(str(filtered / "_rejects")).count_rows()
    final = pads.dataset(str(deduped), format="parquet").to_table().to_pylist()
    paths = {r["path"] for r in final}
    assert len(final) == len(kept) - 1  # the exact copy
    assert (
        "go/main.go" in paths and len([p for p in paths if p in ("sources/copy.py", f"sources/{sources[0].name}")]) == 1
    )
    assert all(r["source_language"] for r in final) and all(r["source_meta"] for r in final)
    assert samples_main(["--input", str(deduped), "--output", str(samples)], spark=spark) == 0
    sample_rows = pads.dataset(str(samples), format="parquet").to_table().to_pylist()
    assert {r["repo_name"] for r in sample_rows} >= {"corpus/pipeline", "other/repo"}


# ---- stats: where the source's label and ours disagree -----------------------------------------------


def test_stats_show_where_source_labels_and_our_detection_disagree(tmp_path, capsys):
    from pipeline import report, stats

    rows = [stack_row("o/r", f"a{i}.py", CODE, "Python") for i in range(3)]
    rows += [stack_row("o/r", "b.py", CODE, "python"), stack_row("o/r", "c.js", "var x = 1;\n", "TypeScript")]
    rows += [stack_row("o/r", "d.h", "int x;\n", "C++"), stack_row("o/r", "e.h", "int y;\n", "C++")]
    rows += [stack_row("o/r", "f.unknownext", "zzz\n", "Text"), stack_row("o/r", "g.py", CODE, None)]
    out = ingest([write_stack(tmp_path / "s.parquet", rows)], preset="stack-v1")
    (tmp_path / "files").mkdir()
    pq.write_table(pa.Table.from_pylist(out, dataset.DATASET_FILES_SCHEMA), tmp_path / "files" / "part-0.parquet")
    found = stats.language_disagreements(str(tmp_path / "files"))
    assert found["compared"] == 8 and found["agree"] == 4 and found["disagree"] == 4  # `python` agrees with Python
    assert found["pairs"][0] == {"source_language": "C++", "language": "C", "rows": 2}
    assert {(p["source_language"], p["language"]) for p in found["pairs"]} == {
        ("C++", "C"),
        ("TypeScript", "JavaScript"),
        ("Text", "(none)"),
    }
    assert (
        found["matrix"]["rows"][0] == "C++" and found["matrix"]["counts"][0][found["matrix"]["columns"].index("C")] == 2
    )
    assert stats.main([str(tmp_path / "files")]) == 0
    printed = capsys.readouterr().out
    assert "source_language vs our language: 8 rows compared, 4 disagree (50.0%)" in printed
    assert "<table>" in report._disagreement_section(found)
    (tmp_path / "plain").mkdir()
    pq.write_table(pa.table({"language": ["Go"], "size_bytes": [3]}), tmp_path / "plain" / "p.parquet")
    assert stats.language_disagreements(str(tmp_path / "plain")) is None


# ---- s3:// ------------------------------------------------------------------------------------------------


def test_reads_parquet_and_jsonl_from_s3(s3_endpoint, monkeypatch, tmp_path):
    import boto3

    from pipeline.io import storage

    monkeypatch.setenv(storage.ENDPOINT_ENV, s3_endpoint)
    client = boto3.client("s3", endpoint_url=s3_endpoint)
    client.create_bucket(Bucket="data")
    parquet = write_stack(tmp_path / "a.parquet", [stack_row("o/r", f"f{i}.py", f"x = {i}\n") for i in range(20)], 5)
    client.upload_file(str(parquet), "data", "stack/lang=Python/a.parquet")
    client.upload_file(str(write_jsonl(tmp_path / "b.jsonl.zst", json_rows(3), "zstd")), "data", "stack/b.jsonl.zst")
    client.put_object(Bucket="data", Key="stack/_SUCCESS", Body=b"")
    settings = DatasetSettings(preset="stack-v1", task_bytes=1024)
    tasks = DATASET.plan(["s3://data/stack/"], settings)
    assert len(tasks) == 5 and all(json.loads(t)["s3_endpoint_url"] == s3_endpoint for t in tasks)
    rows = [r for t in tasks for b in DATASET.batches(t, settings) for r in b.to_pylist()]
    assert len(rows) == 23 and all(r["reason"] is None for r in rows)
    from_parquet = [r for r in rows if r["path"].startswith("f")]
    assert len(from_parquet) == 20 and dict(from_parquet[0]["source_meta"])["hexsha"]
    assert from_parquet[0]["source_language"] is None  # the file's own `lang` column (null) wins over the folder's
    globbed = ingest(["s3://data/stack/*.jsonl.zst"], preset="stack-v1")
    assert [r["path"] for r in globbed] == ["d/f0.py", "d/f1.py", "d/f2.py"]
