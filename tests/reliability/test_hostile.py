"""The hostile corpus (tests/reliability/hostile_corpus.py) through every stage, end to end, in a child
process whose whole tree (JVM, Python workers, extraction worker) is sampled for memory.

Each case must end as a reject with its reason, or be processed correctly; nothing may be written
outside the output folders, /etc/passwd must never be read, and memory stays under MEMORY_BOUND.
"""

import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pyarrow.dataset as ds
import pytest

from tests.reliability.hostile_corpus import GIB, MANY_KEPT_EVERY, MIB, Corpus, build_corpus

pytestmark = [pytest.mark.spark, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]
MEMORY_BOUND = 3 * GIB  # summed PSS of the process tree (JVM, Python workers, extraction workers)
LONG_LINE_LIMIT = 64 * MIB  # --max-file-bytes of the second ingest, over the 50 MB line
DRIVER_MEMORY = "1g"  # JVM heap: with the default 4g, the JVM alone may grow past the bound


def tree_memory(root_pid: int) -> dict[int, tuple[str, int, int]]:
    """pid -> (command, RSS, PSS) of `root_pid` and all its descendants, from /proc. PSS splits each
    shared page among its sharers: forked Python workers share most of their pages with the daemon."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as handle:
                parent = int(handle.read().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(parent, []).append(int(entry))
    found, todo = {}, [root_pid]
    while todo:
        pid = todo.pop()
        todo += children.get(pid, [])
        try:
            with open(f"/proc/{pid}/smaps_rollup") as handle:
                fields = {line.split(":")[0]: int(line.split()[1]) * 1024 for line in handle if line.endswith("kB\n")}
            with open(f"/proc/{pid}/comm") as handle:
                command = handle.read().strip()
        except (OSError, IndexError, ValueError):
            continue
        found[pid] = (command, fields.get("Rss", 0), fields.get("Pss", 0))
    return found


class PeakSampler(threading.Thread):
    """Polls the tree's memory; keeps the peak PSS (and RSS) overall and per stage (named in out/_stage),
    and the processes at the peak."""

    def __init__(self, pid: int, stage_file: Path):
        super().__init__(daemon=True)
        self.pid, self.stage_file = pid, stage_file
        self.peak, self.peak_rss, self.by_stage, self.at_peak = 0, 0, {}, {}
        self.done = threading.Event()

    def run(self):
        while not self.done.is_set():
            processes = tree_memory(self.pid)
            pss = sum(p[2] for p in processes.values())
            stage = self.stage_file.read_text() if self.stage_file.exists() else "start"
            self.peak_rss = max(self.peak_rss, sum(p[1] for p in processes.values()))
            if pss > self.peak:
                self.peak, self.at_peak = pss, {"stage": stage, "processes": sorted(processes.values())}
            self.by_stage[stage] = max(self.by_stage.get(stage, 0), pss)
            self.done.wait(0.1)


def rows(folder: Path, columns=None) -> list[dict]:
    """Rows of a dataset; a column it lacks (kept rows have no `reason`) reads as None."""
    if not folder.exists():
        return []
    dataset = ds.dataset(str(folder), format="parquet")
    present = [c for c in columns if c in dataset.schema.names] if columns else None
    return [{**dict.fromkeys(columns or []), **row} for row in dataset.to_table(columns=present).to_pylist()]


def by_path(dataset: Path, repo: str) -> dict[str, dict]:
    found = {}
    for row in rows(dataset, ["repo_name", "path", "reason"]) + rows(
        dataset / "_rejects", ["repo_name", "path", "reason"]
    ):
        if row["repo_name"] == repo:
            found[row["path"]] = row
    return found


def kind(row: dict | None) -> str | None:
    if row is None:
        return "missing"
    return row.get("reason").split(":")[0] if row.get("reason") else None


def listing(folder: Path) -> set[str]:
    return {str(Path(d, f).relative_to(folder)) for d, _, fs in os.walk(folder) for f in fs}


def test_hostile_corpus_through_every_stage(tmp_path):
    started = time.time()
    canary = f"CANARY{os.getpid()}x{int(started)}"
    corpus = build_corpus(tmp_path / "corpus", canary, tar_bomb_bytes=GIB, warc_bomb_bytes=4 * GIB)
    built = time.time() - started
    inputs_before = listing(corpus.root)
    out, scratch = tmp_path / "out", tmp_path / "scratch"
    scratch.mkdir()
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "TMPDIR": str(scratch),
        "SPARK_LOCAL_DIRS": str(scratch),
        "JAVA_TOOL_OPTIONS": f"-Djava.io.tmpdir={scratch}",
        "CORPUS_SPARK_MASTER": "local[2]",
        "CORPUS_DRIVER_MEMORY": DRIVER_MEMORY,
    }
    process = subprocess.Popen(
        [
            sys.executable,
            str(ROOT / "tests/reliability/hostile_corpus.py"),
            str(corpus.root),
            str(out),
            str(LONG_LINE_LIMIT),
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    sampler = PeakSampler(process.pid, out / "_stage")
    sampler.start()
    log, _ = process.communicate(timeout=900)
    sampler.done.set()
    sampler.join()
    elapsed = time.time() - started
    stage_seconds = (
        json.loads((out / "_stage_seconds.json").read_text()) if (out / "_stage_seconds.json").exists() else {}
    )
    print(f"\ncorpus built in {built:.1f}s; stages {stage_seconds}; total {elapsed:.1f}s")
    print(
        f"peak memory of the process tree: PSS {sampler.peak / GIB:.2f} GiB (bound {MEMORY_BOUND / GIB:.0f} GiB), "
        f"summed RSS {sampler.peak_rss / GIB:.2f} GiB; peak PSS per stage (GiB) "
        + ", ".join(f"{stage} {pss / GIB:.2f}" for stage, pss in sampler.by_stage.items())
    )
    print(
        f"at the peak ({sampler.at_peak.get('stage')}): "
        + ", ".join(
            f"{name} RSS {rss / MIB:.0f} MiB PSS {pss / MIB:.0f} MiB"
            for name, rss, pss in sampler.at_peak.get("processes", [])
        )
    )
    assert process.returncode == 0, log[-5000:]
    assert sampler.peak < MEMORY_BOUND
    assert_outcomes(corpus, out, stage_seconds)
    assert listing(corpus.root) == inputs_before  # inputs untouched


def assert_outcomes(corpus: Corpus, out: Path, stage_seconds: dict) -> None:
    canary = corpus.canary
    # Repositories: archive entries outside the repository, links, specials.
    slip_zip = by_path(out / "files", "hostile/zipslip")
    for path in (
        f"../../{canary}_zip_up.py",
        f"../{canary}_zip_parent.py",
        f"/tmp/{canary}_zip_absolute.py",
        f"C:/{canary}_zip_drive.py",
    ):
        assert kind(slip_zip.get(path)) == "unsafe_path", path
    assert kind(slip_zip.get("passwd")) == "symlink" and kind(slip_zip.get("main.py")) is None
    slip_tar = by_path(out / "files", "hostile/tarslip")
    assert kind(slip_tar.get(f"../../{canary}_tar_up.py")) == "unsafe_path"
    assert kind(slip_tar.get(f"/tmp/{canary}_tar_absolute.py")) == "unsafe_path"
    for path in ("passwd", "passwd_hard", "up"):
        assert kind(slip_tar.get(path)) == "symlink", path
    assert kind(slip_tar.get("fifo")) == kind(slip_tar.get("device")) == "special"
    assert kind(slip_tar.get(f"up/{canary}_through_link.py")) is None  # read in place, never extracted
    # The bomb is never inflated into memory, and the file after it is still read.
    bomb = by_path(out / "files", "hostile/bomb")
    assert kind(bomb.get("zeros.txt")) == "too_large" and kind(bomb.get("after.py")) is None
    files = by_path(out / "files", "hostile/files")
    expected = {
        "passwd": "symlink",
        "etc_dir": "symlink",
        f"{canary}_up": "symlink",
        "sparse.txt": "too_large",
        "latin1.py": "undecodable",
        "nul.c": "binary",
        "long_line.js": "too_large",
        "bomb.txt.gz": "binary",
        "bad\\xffname.py": "invalid_path_encoding",
        "utf16.py": None,
        "newline\nname.py": None,
        "main.py": None,
    }
    assert {path: kind(files.get(path)) for path in expected} == expected
    assert kind(files.get("bomb_no_extension")) in ("binary", "undecodable")
    many_kept = (corpus.sizes["many_files"] + MANY_KEPT_EVERY - 1) // MANY_KEPT_EVERY
    many = [
        row
        for row in rows(out / "files_filtered", ["repo_name", "reason"])
        + rows(out / "files_filtered" / "_rejects", ["repo_name", "reason"])
        if row["repo_name"] == "hostile/many"
    ]
    assert len(many) == corpus.sizes["many_files"]
    assert sum(kind(row) == "too_short" for row in many) == len(many) - many_kept

    # Deeply nested sources pass the filter and dedup, and reach the samples (parsed or not) in bounded time.
    deep_paths = {
        "deep/calls.py",
        "deep/calls.js",
        "deep/calls.c",
        "deep/chain.js",
        "deep/uses.rs",
        "deep/Array.java",
        "Cargo.toml",
    }
    assert deep_paths <= set(by_path(out / "files_dedup", "hostile/files"))
    samples = rows(out / "samples", ["repo_name", "file_paths", "n_files", "content"])
    sampled = {path for s in samples if s["repo_name"] == "hostile/files" for path in s["file_paths"]}
    assert deep_paths <= sampled
    assert sum(s["n_files"] for s in samples if s["repo_name"] == "hostile/many") == many_kept
    assert stage_seconds["repo-samples"] < 90

    # The 50 MB line, read with a raised limit, is a line-length reject of the filter (rule 1: the average
    # is checked first, and a one-line file's average is its longest line).
    long_rows = by_path(out / "long_filtered", "hostile/longline")
    assert kind(long_rows["long_line.js"]) == "avg_line_length" and kind(long_rows["main.py"]) is None
    [signals] = [
        r for r in rows(out / "long_filtered" / "_rejects", ["path", "max_line_length"]) if r["path"] == "long_line.js"
    ]
    assert signals["max_line_length"] == corpus.sizes["long_line_bytes"] + len("const text = '';")
    assert stage_seconds["filter long lines"] < 60

    # WARCs: damaged, wrong-length, huge and bomb records are rejects; the records around them are kept.
    pages = {
        row["url"]: row
        for row in rows(out / "pages", ["url", "reason"]) + rows(out / "pages" / "_rejects", ["url", "reason"])
    }
    assert kind(pages["https://bomb.example.com/bomb"]) == "too_large"  # Content-Encoding: gzip bomb
    assert kind(pages["https://bomb.example.com/huge-record"]) == "too_large"  # 4 GiB record
    assert kind(pages["https://length.example.com/absurd"]) == "too_large"
    assert kind(pages["https://length.example.com/short"]) == "truncated_record"
    assert kind(pages["https://truncated.example.com/page/3"]) == "truncated_record"
    kept = {url for url, row in pages.items() if row["reason"] is None}
    assert {f"https://length.example.com/page/{n}" for n in (0, 3, 5, 7)} <= kept
    assert {
        "https://bomb.example.com/page/0",
        "https://bomb.example.com/page/2",
        "https://image.example.com/big",
        "https://bigrecord.example.com/page/0",
        "https://bigrecord.example.com/page/1",
    } <= kept
    filtered = {
        row["url"]: row
        for row in rows(out / "pages_filtered", ["url", "reason"])
        + rows(out / "pages_filtered" / "_rejects", ["url", "reason"])
    }
    assert kind(filtered["https://image.example.com/big"]) is None  # the image is not text; the page is kept
    assert kind(filtered["https://length.example.com/too-short"]) == "too_short"  # cut at its declared length

    # Every stage counts its rows: in = out + rejects.
    for name in ("files", "files_filtered", "files_dedup", "long_files", "long_filtered", "pages", "pages_filtered"):
        meta = json.loads((out / name / "_manifest.json").read_text())
        rejects = meta.get("rejects", {}).get("rows", 0)
        assert meta.get("input_rows", meta["output"]["rows"] + rejects) == meta["output"]["rows"] + rejects, name

    # Nothing escaped: no canary-named file outside the inputs, /etc/passwd never read.
    tmp_path = corpus.root.parent
    outside = [p for p in os.listdir(tmp_path.parent) + os.listdir("/tmp") if canary in p]
    outside += [str(p) for p in tmp_path.rglob(f"*{canary}*") if corpus.root not in p.parents]
    assert not outside
    with open("/etc/passwd") as handle:
        passwd_line = handle.readline().strip()
    for dataset in out.rglob("*.parquet"):
        table = ds.dataset(str(dataset), format="parquet").to_table()
        if "content" in table.column_names:
            assert not any(passwd_line in (text or "") for text in table.column("content").to_pylist()), dataset
