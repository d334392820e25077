"""Dedup benchmark: text-to-signature speed vs datasketch and rensa, near-duplicate quality against
exact Jaccard, and Spark job seconds per 10k files at two input sizes.

Base texts are Python files of the installed packages (read at bench time, never stored in the repo).
Run: .venv/bin/python bench/bench_dedup.py [--quick]
"""

from __future__ import annotations

import argparse
import glob
import os
import random
import re
import shutil
import sys
import tempfile
import threading
import time
from collections import defaultdict
from pathlib import Path

import numpy as np
import pyarrow as pa

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pipeline.dedup.features import signature_matrix  # noqa: E402
from pipeline.dedup.lsh import band_hashes  # noqa: E402
from pipeline.dedup.params import DedupParams  # noqa: E402
from pipeline.dedup.reference import reference_dedup  # noqa: E402
from pipeline.dedup.shingles import texts_to_shingle_sets  # noqa: E402
from pipeline.dedup.verify import jaccard  # noqa: E402

TOKEN_SPLIT = re.compile(r"[^A-Za-z0-9_\x80-\U0010ffff]+")  # the tokens of pipeline/dedup/shingles.py
SITE = Path(sys.prefix) / "lib" / f"python{sys.version_info.major}.{sys.version_info.minor}" / "site-packages"


def code_files(limit_bytes: int, min_bytes: int = 500, max_bytes: int = 200_000, seed: int = 0) -> list[str]:
    """Python files of the installed packages, in a fixed pseudo-random order, up to limit_bytes."""
    paths = sorted(glob.glob(str(SITE / "**" / "*.py"), recursive=True))
    random.Random(seed).shuffle(paths)
    texts, total, seen = [], 0, set()
    for path in paths:
        try:
            text = Path(path).read_text(encoding="utf-8")
        except (UnicodeDecodeError, OSError):
            continue
        size = len(text.encode())
        if not min_bytes <= size <= max_bytes or text in seen:
            continue
        seen.add(text)
        texts.append(text)
        total += size
        if total >= limit_bytes:
            break
    return texts


def string_shingles(text: str, ngram: int = 5) -> set[str]:
    tokens = [t for t in TOKEN_SPLIT.split(text) if t]
    if 0 < len(tokens) < ngram:
        return {" ".join(tokens)}
    return {" ".join(tokens[i : i + ngram]) for i in range(len(tokens) - ngram + 1)}


def throughput(texts: list[str], reference_bytes: int, repeats: int = 3) -> None:
    """MB/s of each implementation, best of `repeats` interleaved runs (the machine is shared)."""
    import datasketch
    import rensa

    params = DedupParams()
    array = pa.array(texts, pa.string())
    total = sum(len(t.encode()) for t in texts)
    subset, size = [], 0
    for text in texts:
        subset.append(text)
        size += len(text.encode())
        if size >= reference_bytes:
            break

    def ours():
        signature_matrix(array, params)

    def with_datasketch():
        for text in subset:
            sketch = datasketch.MinHash(num_perm=256)
            sketch.update_batch([s.encode("utf-8") for s in string_shingles(text)])

    def with_rensa():
        for text in subset:
            sketch = rensa.RMinHash(num_perm=256, seed=1)
            sketch.update(list(string_shingles(text)))
            sketch.digest()

    signature_matrix(array.slice(0, 50), params)  # warm-up
    rates = defaultdict(float)
    for _ in range(repeats):
        for name, run, nbytes in (
            ("ours", ours, total),
            ("datasketch", with_datasketch, size),
            ("rensa", with_rensa, size),
        ):
            started = time.perf_counter()
            run()
            rates[name] = max(rates[name], nbytes / (time.perf_counter() - started) / 1e6)
    print(
        f"text -> signature, 256 perms, 5-gram shingles, one core, best of {repeats} interleaved runs "
        f"({total / 1e6:.1f} MB of Python files; references on {size / 1e6:.1f} MB):"
    )
    print(f"  ours (numpy, rolling token hashes)   {rates['ours']:7.1f} MB/s")
    print(
        f"  datasketch 2.0 end to end            {rates['datasketch']:7.1f} MB/s   ratio ours/datasketch = "
        f"{rates['ours'] / rates['datasketch']:.1f}x (target >= 8x)"
    )
    print(
        f"  rensa RMinHash (Python shingles)     {rates['rensa']:7.1f} MB/s   "
        f"ratio ours/rensa = {rates['ours'] / rates['rensa']:.1f}x"
    )


def edited(text: str, rate: float, rng: random.Random, vocabulary: list[str]) -> str:
    """Replace, delete or insert a token at each token position with probability `rate`."""
    parts = re.split(r"([A-Za-z0-9_]+)", text)
    out = []
    for part in parts:
        if part and part[0].isalnum() or part.startswith("_"):
            roll = rng.random()
            if roll < rate / 3:
                continue
            if roll < 2 * rate / 3:
                part = rng.choice(vocabulary)
            elif roll < rate:
                part = part + " " + rng.choice(vocabulary)
        out.append(part)
    return "".join(out)


def quality(bases: list[str], threshold: float = 0.7) -> None:
    """Pairs found vs pairs with exact Jaccard >= threshold on string shingle sets."""
    from scipy import sparse

    rng = random.Random(1)
    vocabulary = sorted({t for text in bases[:50] for t in TOKEN_SPLIT.split(text) if t})
    texts, group = [], []
    for g, base in enumerate(bases):
        texts.append(base)
        group.append(g)
        for _ in range(2):
            texts.append(edited(base, rng.uniform(0.0, 0.12), rng, vocabulary))
            group.append(g)
    # Exact Jaccard of every pair through a sparse incidence product (shingle strings -> ids).
    vocabulary_ids: dict[str, int] = {}
    rows, cols = [], []
    for i, text in enumerate(texts):
        for shingle in string_shingles(text):
            rows.append(i)
            cols.append(vocabulary_ids.setdefault(shingle, len(vocabulary_ids)))
    incidence = sparse.csr_matrix(
        (np.ones(len(rows), np.float32), (rows, cols)), shape=(len(texts), len(vocabulary_ids))
    )
    sizes = np.asarray(incidence.sum(axis=1)).ravel()
    common = sparse.triu(incidence @ incidence.T, k=1).tocoo()
    union = sizes[common.row] + sizes[common.col] - common.data
    truth = {
        (int(a), int(b))
        for a, b, c, u in zip(common.row, common.col, common.data, union, strict=True)
        if c / u >= threshold
    }

    params = DedupParams(threshold=threshold)
    bands, rows_per_band = params.banding()
    sigs = signature_matrix(pa.array(texts, pa.string()), params)
    plain = bucket_pairs(band_hashes(sigs, *DedupParams(threshold=threshold, verify=False).banding()))
    candidates = bucket_pairs(band_hashes(sigs, bands, rows_per_band))
    sets = texts_to_shingle_sets(texts, params.ngram)
    verified = {(a, b) for a, b in candidates if jaccard(sets.of(a), sets.of(b)) >= threshold}

    ids = [f"{i:06d}" for i in range(len(texts))]
    result = reference_dedup([{"id": ids[i], "content": t, "size_bytes": len(t)} for i, t in enumerate(texts)], params)
    by_cluster = defaultdict(list)
    for identifier, (_, cluster) in result["decisions"].items():
        if cluster is not None:
            by_cluster[cluster].append(int(identifier))
    clustered = {(a, b) for members in by_cluster.values() for a in members for b in members if a < b}
    groups_with_dups = defaultdict(set)
    for a, b in truth:
        groups_with_dups[a].add(b)
        groups_with_dups[b].add(a)
    kept = {int(i) for i, (reason, _) in result["decisions"].items() if reason is None}
    lost = sum(1 for cluster in by_cluster.values() if not any(m in kept for m in cluster))
    wrong = sum(1 for i, (reason, _) in result["decisions"].items() if reason and not groups_with_dups[int(i)])

    print(
        f"near-duplicate quality: {len(bases)} Python files + 2 edited copies each (token edit rate "
        f"U(0, 0.12)), {len(texts)} docs, {len(truth)} pairs with exact Jaccard >= {threshold}:"
    )
    ours = f"LSH candidates {bands}x{rows_per_band}"
    for name, found in (
        ("plain LSH 25x10 (datasketch)", plain),
        (ours, candidates),
        ("candidates + verify", verified),
        ("same cluster (our clusters)", clustered),
    ):
        tp = len(found & truth)
        precision = tp / len(found) if found else 1.0
        recall = tp / len(truth) if truth else 1.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        print(f"  {name:32s} precision {precision:.3f}  recall {recall:.3f}  F1 {f1:.3f}  ({len(found)} pairs)")
    print(f"  removed rows without any near-duplicate: {wrong}; clusters with no member kept: {lost}")


def bucket_pairs(hashes: np.ndarray) -> set[tuple[int, int]]:
    """All pairs of rows sharing a bucket in any band."""
    buckets = defaultdict(list)
    for i in range(hashes.shape[0]):
        for band in range(hashes.shape[1]):
            buckets[(band, int(hashes[i, band]))].append(i)
    return {(a, b) for members in buckets.values() for x, a in enumerate(members) for b in members[x + 1 :]}


def spark_seconds(texts: list[str], sizes: list[int]) -> None:
    os.environ.setdefault("CORPUS_SPARK_MASTER", "local[2]")
    import pyarrow.parquet as pq

    from jobs.dedup import main
    from pipeline.io.manifest import write_manifest
    from pipeline.schema import make_id
    from pipeline.spark import get_spark

    spark = get_spark("bench-dedup")
    rng = random.Random(2)
    vocabulary = sorted({t for text in texts[:50] for t in TOKEN_SPLIT.split(text) if t})
    work = Path(tempfile.mkdtemp(prefix="bench_dedup_"))
    try:
        warm, _ = _dataset(work / "warm", texts[:50], rng, vocabulary, make_id, pq, write_manifest)
        main(["--input", str(warm), "--output", str(work / "warm_out")], spark=spark)  # JVM and Python workers warm-up
        print(
            f"Spark job (local[2]), files = {len(texts)} real Python files repeated in turn (repeats are exact "
            "duplicates) + 1 edited copy per 4 (near duplicates):"
        )
        for n, size in enumerate(sizes):
            rows_source = [texts[i % len(texts)] for i in range(size)]
            folder, rows = _dataset(work / f"in{size}", rows_source, rng, vocabulary, make_id, pq, write_manifest)
            megabytes = sum(len(t.encode()) for t in rows_source) / 1e6
            with WorkerPeakMemory() as memory:
                started = time.perf_counter()
                main(["--input", str(folder), "--output", str(work / f"out{size}")], spark=spark)
                seconds = time.perf_counter() - started
            print(
                f"  {size:6d} files ({megabytes:5.0f} MB): {seconds:6.1f} s = {seconds / size * 10_000:5.1f} s "
                f"per 10k files; peak RSS of one Python worker {memory.peak_mib:5.0f} MiB"
            )
            if n == 0:
                agreement(rows, work / f"out{size}", pq)
    finally:
        spark.stop()
        shutil.rmtree(work, ignore_errors=True)


class WorkerPeakMemory:
    """Largest peak RSS (VmHWM) of any PySpark Python worker seen while the block runs, sampled 5x/s."""

    def __init__(self):
        self.peak_mib = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()

    def _sample(self):
        while True:
            for status in glob.glob("/proc/[0-9]*/status"):
                try:
                    cmdline = Path(status).with_name("cmdline").read_bytes()
                    if b"pyspark.daemon" not in cmdline and b"pyspark.worker" not in cmdline:
                        continue
                    peak_kib = int(re.search(r"VmHWM:\s+(\d+)", Path(status).read_text()).group(1))
                except (OSError, AttributeError):
                    continue  # the process ended meanwhile
                self.peak_mib = max(self.peak_mib, peak_kib / 1024)
            if self._stop.wait(0.2):
                return


def _dataset(folder: Path, texts, rng, vocabulary, make_id, pq, write_manifest) -> Path:
    rows = []
    for i, text in enumerate(texts):
        # every 4th file is an edited copy of the one before it
        content = edited(texts[i - 1], rng.uniform(0, 0.1), rng, vocabulary) if i % 4 == 3 else text
        rows.append(
            {
                "id": make_id("bench", "repo", str(i)),
                "source": "bench",
                "repo_name": "bench/repo",
                "path": f"f{i}.py",
                "url": None,
                "language": "Python",
                "content": content,
                "size_bytes": len(content.encode()),
            }
        )
    folder.mkdir(parents=True)
    pq.write_table(pa.Table.from_pylist(rows), folder / "part-00000.parquet", row_group_size=2_000)
    write_manifest(str(folder), "bench", "bench", [], {})
    return folder, rows


def agreement(rows: list[dict], output: Path, pq) -> None:
    """Does the Spark job keep the same rows, for the same reasons, as the single-process reference run?"""
    reference = reference_dedup(rows, DedupParams())["decisions"]
    kept = set(pq.read_table(output, columns=["id"]).column("id").to_pylist())
    rejects = pq.read_table(output / "_rejects", columns=["id", "reason"]).to_pylist()
    spark_decisions = {row["id"]: row["reason"] for row in rejects} | dict.fromkeys(kept)
    same = sum(spark_decisions.get(i) == reason for i, (reason, _) in reference.items())
    reference_kept = {i for i, (reason, _) in reference.items() if reason is None}
    print(
        f"    vs the single-process reference run: same kept set {kept == reference_kept} "
        f"({len(kept)} vs {len(reference_kept)} rows); same reason for {same} of {len(rows)} rows"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="smaller inputs (a smoke run)")
    parser.add_argument("--no-spark", action="store_true", help="skip the Spark job timing")
    args = parser.parse_args()
    scale = 0.25 if args.quick else 1.0
    texts = code_files(int(24e6 * scale))
    throughput(texts, reference_bytes=int(3e6 * scale))
    quality(code_files(int(3e6 * scale), max_bytes=30_000, seed=1))
    if not args.no_spark:
        spark_seconds(
            code_files(int(20e6 * scale), max_bytes=60_000, seed=2), [int(20_000 * scale), int(80_000 * scale)]
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
