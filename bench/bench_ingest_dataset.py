"""`ingest-dataset` throughput on one core, against what a user would write with pyarrow alone.

Input: the real released code of the benchmark corpus (`<cache>/repos/q1`, bench/real_corpus.py; the
cache is $CORPUS_BENCH_DATA or ~/.cache/code-corpus-bench), as The Stack v1 ships it: one Parquet file
(zstd, The Stack's column names, row groups of 2,000 files) and the same rows as JSON Lines .zst. Built
once under `<cache>/dataset/`, reused by reruns.

Each measurement runs in a process of its own (peak RSS is that process's), reads the input and writes
one zstd Parquet shard, and is reported as MB of content per CPU-second (one core):

- ours: `ingest-dataset --preset stack-v1` (plan, then each task's batches: the rule chain, language
  detection, ids, source_meta) writing its rows;
- scan + write: `pyarrow.dataset` batches written as they are (no per-row work: the I/O ceiling);
- scan + loop: the loop a user would write: per row, our language detection and an id, then write;
- for JSON Lines: ours, and a loop over the decompressed lines (`json.loads`, detection, id, write).

`--big` adds a single-file input of about 2 GB (the rows repeated under other repository names) and
reports ours' peak RSS on it: memory is bounded by the batch, not the file.

Usage: .venv/bin/python bench/bench_ingest_dataset.py [--big]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import pyarrow as pa  # noqa: E402
import pyarrow.dataset as pads  # noqa: E402
import pyarrow.parquet as pq  # noqa: E402

from pipeline.langs.detect import detect_language  # noqa: E402
from pipeline.schema import make_id  # noqa: E402
from pipeline.sources.contract import BINARY_EXTENSIONS, IngestOptions, decode_text  # noqa: E402

CACHE = Path(os.path.expanduser(os.environ.get("CORPUS_BENCH_DATA", "~/.cache/code-corpus-bench")))
QUARTER = "q1"
ROW_GROUP_ROWS = 2000
MAX_FILE_BYTES = IngestOptions().max_file_bytes
BIG_BYTES = 2_000_000_000
MB = 1e6
TABLE_VERSION = 1  # bump when the table's build changes


# ---- the input tables -----------------------------------------------------------------------------------


def stack_rows(repos: Path):
    """One The-Stack-v1 row per text file of each repository folder (`owner__name`), in path order."""
    for repo in sorted(p for p in repos.iterdir() if p.is_dir()):
        name = repo.name.replace("__", "/", 1)
        for directory, dirs, files in os.walk(repo):
            dirs.sort()
            for filename in sorted(files):
                full = os.path.join(directory, filename)
                if os.path.islink(full) or not os.path.isfile(full):
                    continue
                size = os.path.getsize(full)
                if size == 0 or size > MAX_FILE_BYTES or os.path.splitext(filename)[1].lower() in BINARY_EXTENSIONS:
                    continue
                with open(full, "rb") as handle:
                    data = handle.read()
                text, problem = decode_text(data)
                if problem or not text:
                    continue
                path = os.path.relpath(full, repo).replace(os.sep, "/")
                lines = text.splitlines() or [""]
                yield {
                    "hexsha": hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest(),
                    "size": len(data),
                    "ext": os.path.splitext(filename)[1].lstrip("."),
                    "lang": detect_language(path),  # a label from the name alone, as The Stack's by extension
                    "max_stars_repo_path": path,
                    "max_stars_repo_name": name,
                    "max_stars_repo_head_hexsha": None,
                    "max_stars_repo_licenses": [],
                    "max_stars_count": 0,
                    "content": text,
                    "avg_line_length": len(text) / len(lines),
                    "max_line_length": max(len(line) for line in lines),
                    "alphanum_fraction": sum(c.isalnum() for c in text) / len(text),
                }


STACK_SCHEMA = pa.schema(
    [
        ("hexsha", pa.string()),
        ("size", pa.int64()),
        ("ext", pa.string()),
        ("lang", pa.string()),
        ("max_stars_repo_path", pa.string()),
        ("max_stars_repo_name", pa.string()),
        ("max_stars_repo_head_hexsha", pa.string()),
        ("max_stars_repo_licenses", pa.list_(pa.string())),
        ("max_stars_count", pa.int64()),
        ("content", pa.string()),
        ("avg_line_length", pa.float64()),
        ("max_line_length", pa.int64()),
        ("alphanum_fraction", pa.float64()),
    ]
)


def build_tables(folder: Path) -> dict:
    """The Parquet and JSON Lines .zst tables of the quarter (built once), and their content bytes."""
    info_path = folder / "tables.json"
    if info_path.exists():
        info = json.loads(info_path.read_text())
        if info.get("version") == TABLE_VERSION and all(
            (folder / n).exists() for n in ("stack.parquet", "stack.jsonl.zst")
        ):
            return info
    repos = CACHE / "repos" / QUARTER
    if not repos.is_dir():
        raise SystemExit(f"{repos} not found: run `make bench-data` (bench/real_corpus.py) first")
    folder.mkdir(parents=True, exist_ok=True)
    started = time.time()
    rows = files = content = 0
    pending = []
    with (
        pq.ParquetWriter(folder / "stack.parquet.tmp", STACK_SCHEMA, compression="zstd") as writer,
        pa.output_stream(str(folder / "stack.jsonl.zst.tmp"), compression="zstd") as lines,
    ):
        for row in stack_rows(repos):
            pending.append(row)
            files += 1
            content += len(row["content"].encode("utf-8"))
            lines.write(json.dumps(row, ensure_ascii=False).encode("utf-8") + b"\n")
            if len(pending) == ROW_GROUP_ROWS:
                writer.write_table(pa.Table.from_pylist(pending, STACK_SCHEMA), row_group_size=ROW_GROUP_ROWS)
                rows += len(pending)
                pending = []
        if pending:
            writer.write_table(pa.Table.from_pylist(pending, STACK_SCHEMA), row_group_size=ROW_GROUP_ROWS)
    os.replace(folder / "stack.parquet.tmp", folder / "stack.parquet")
    os.replace(folder / "stack.jsonl.zst.tmp", folder / "stack.jsonl.zst")
    info = {"version": TABLE_VERSION, "files": files, "content_bytes": content}
    info_path.write_text(json.dumps(info))
    print(f"built {folder}: {files:,} files, {content / MB:.0f} MB of content in {time.time() - started:.0f} s")
    return info


def build_big(folder: Path, info: dict) -> Path:
    """One Parquet file of about 2 GB of content: the quarter's rows repeated under other repository names."""
    target = folder / "stack-2gb.parquet"
    if target.exists():
        return target
    source = pq.ParquetFile(folder / "stack.parquet")
    copies = -(-BIG_BYTES // info["content_bytes"])
    with pq.ParquetWriter(folder / "stack-2gb.parquet.tmp", STACK_SCHEMA, compression="zstd") as writer:
        for copy in range(copies):
            for group in range(source.num_row_groups):
                table = source.read_row_group(group)
                names = pa.array([f"{n}-copy{copy}" for n in table.column("max_stars_repo_name").to_pylist()])
                table = table.set_column(
                    table.schema.get_field_index("max_stars_repo_name"), "max_stars_repo_name", names
                )
                writer.write_table(table, row_group_size=ROW_GROUP_ROWS)
    os.replace(folder / "stack-2gb.parquet.tmp", target)
    return target


# ---- the measured runs (each in its own process) -------------------------------------------------------


def run_ours(path: str, out: str) -> int:
    from pipeline.sources.dataset import DATASET_FILES_SCHEMA, DatasetSettings, read_rows

    rows = 0
    with pq.ParquetWriter(out, DATASET_FILES_SCHEMA, compression="zstd") as writer:
        for batch in read_rows([path], DatasetSettings(preset="stack-v1")):
            writer.write_batch(batch)
            rows += batch.num_rows
    return rows


def run_scan_write(path: str, out: str) -> int:
    dataset = pads.dataset(path, format="parquet")
    rows = 0
    with pq.ParquetWriter(out, dataset.schema, compression="zstd") as writer:
        for batch in dataset.to_batches(batch_size=256):
            writer.write_batch(batch)
            rows += batch.num_rows
    return rows


USER_SCHEMA = pa.schema(
    [
        ("id", pa.string()),
        ("repo_name", pa.string()),
        ("path", pa.string()),
        ("language", pa.string()),
        ("content", pa.string()),
    ]
)


def _user_row(item: dict) -> dict:
    path, repo = item["max_stars_repo_path"], item["max_stars_repo_name"]
    content = item["content"]
    return {
        "id": make_id("github", repo, path),
        "repo_name": repo,
        "path": path,
        "language": detect_language(path, content),
        "content": content,
    }


def run_scan_loop(path: str, out: str) -> int:
    dataset = pads.dataset(path, format="parquet")
    columns = ["max_stars_repo_path", "max_stars_repo_name", "content"]
    rows = 0
    with pq.ParquetWriter(out, USER_SCHEMA, compression="zstd") as writer:
        for batch in dataset.to_batches(columns=columns, batch_size=256):
            writer.write_batch(pa.RecordBatch.from_pylist([_user_row(r) for r in batch.to_pylist()], USER_SCHEMA))
            rows += batch.num_rows
    return rows


def run_jsonl_loop(path: str, out: str) -> int:
    rows, pending = 0, []
    with (
        pq.ParquetWriter(out, USER_SCHEMA, compression="zstd") as writer,
        pa.input_stream(path, compression="zstd") as raw,
    ):
        buffer = b""
        while chunk := raw.read(1 << 20):
            buffer += chunk
            *lines, buffer = buffer.split(b"\n")
            for line in lines:
                if line:
                    pending.append(_user_row(json.loads(line)))
            if len(pending) >= 256:
                writer.write_batch(pa.RecordBatch.from_pylist(pending, USER_SCHEMA))
                rows, pending = rows + len(pending), []
        if buffer.strip():
            pending.append(_user_row(json.loads(buffer)))
        if pending:
            writer.write_batch(pa.RecordBatch.from_pylist(pending, USER_SCHEMA))
            rows += len(pending)
    return rows


RUNS = {"ours": run_ours, "scan_write": run_scan_write, "scan_loop": run_scan_loop, "jsonl_loop": run_jsonl_loop}


def child(run: str, path: str, out: str) -> None:
    started_cpu, started = time.process_time(), time.time()
    rows = RUNS[run](path, out)
    cpu, wall = time.process_time() - started_cpu, time.time() - started
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"rows": rows, "cpu": cpu, "wall": wall, "rss_mb": peak_kb / 1024}))


def measure(run: str, path: Path, out: Path) -> dict:
    done = subprocess.run(
        [sys.executable, __file__, "--child", run, str(path), str(out)], check=True, capture_output=True, text=True
    )
    out.unlink(missing_ok=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--big", action="store_true", help="also a ~2 GB single-file input (peak RSS)")
    parser.add_argument("--child", nargs=3, metavar=("RUN", "INPUT", "OUTPUT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(*args.child)
        return
    folder = CACHE / "dataset" / QUARTER
    info = build_tables(folder)
    megabytes = info["content_bytes"] / MB
    print(f"input: {info['files']:,} files of real code ({CACHE / 'repos' / QUARTER}), {megabytes:.0f} MB of content")
    out = folder / "bench-out.parquet"
    parquet, jsonl = folder / "stack.parquet", folder / "stack.jsonl.zst"
    results = {
        "parquet ours": measure("ours", parquet, out),
        "parquet scan + write": measure("scan_write", parquet, out),
        "parquet scan + loop": measure("scan_loop", parquet, out),
        "jsonl.zst ours": measure("ours", jsonl, out),
        "jsonl.zst loop": measure("jsonl_loop", jsonl, out),
    }
    print(f"\n{'run':<24} {'rows':>9} {'cpu s':>7} {'wall s':>7} {'MB/s/core':>10} {'peak RSS MB':>12}")
    for name, figures in results.items():
        figures["mb_per_cpu_s"] = megabytes / figures["cpu"]
        print(
            f"{name:<24} {figures['rows']:>9,} {figures['cpu']:>7.1f} {figures['wall']:>7.1f} "
            f"{figures['mb_per_cpu_s']:>10.1f} {figures['rss_mb']:>12.0f}"
        )
    ours = results["parquet ours"]["mb_per_cpu_s"]
    print(
        f"\nparquet: ours / scan+write {ours / results['parquet scan + write']['mb_per_cpu_s']:.2f}, "
        f"ours / scan+loop {ours / results['parquet scan + loop']['mb_per_cpu_s']:.2f}; jsonl.zst: ours / loop "
        f"{results['jsonl.zst ours']['mb_per_cpu_s'] / results['jsonl.zst loop']['mb_per_cpu_s']:.2f}"
    )
    if args.big:
        big = build_big(folder, info)
        size = pq.ParquetFile(big).metadata.num_rows
        figures = measure("ours", big, out)
        print(
            f"2 GB single file ({size:,} rows, {big.stat().st_size / MB:.0f} MB on disk): ours {figures['cpu']:.0f} "
            f"cpu s, peak RSS {figures['rss_mb']:.0f} MB"
        )


if __name__ == "__main__":
    main()
