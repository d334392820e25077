"""The dedup script a user would write instead of our Spark job: one process, datasketch's MinHash and
MinHashLSH (string 5-gram shingles of alphanumeric tokens, 256 permutations, threshold 0.7), an exact
hash first, union-find over the LSH matches. `bench/bench_real.py` runs it beside `corpus dedup`.

    .venv/bin/python bench/baseline_datasketch.py DATASET [--clusters OUT.json]
Prints one JSON line: seconds per phase, peak RSS, rows, duplicates removed.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import resource
import sys
import time

import pyarrow.dataset as ds
from datasketch import MinHash, MinHashLSH

TOKEN_SPLIT = re.compile(r"[^A-Za-z0-9_\x80-\U0010ffff]+")


def shingles(text: str, ngram: int = 5) -> set[bytes]:
    tokens = [t for t in TOKEN_SPLIT.split(text) if t]
    if len(tokens) < ngram:
        return {" ".join(tokens).encode()} if tokens else set()
    return {" ".join(tokens[i : i + ngram]).encode() for i in range(len(tokens) - ngram + 1)}


class UnionFind:
    def __init__(self):
        self.parent: dict[str, str] = {}

    def find(self, x: str) -> str:
        self.parent.setdefault(x, x)
        while self.parent[x] != x:
            self.parent[x] = self.parent[self.parent[x]]
            x = self.parent[x]
        return x

    def union(self, a: str, b: str) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)


def dedup(dataset: str, threshold: float = 0.7, num_perm: int = 256) -> dict:
    phases: dict[str, float] = {"read": 0.0, "exact": 0.0, "minhash": 0.0, "lsh": 0.0}
    lsh = MinHashLSH(threshold=threshold, num_perm=num_perm)
    seen_hashes: set[bytes] = set()
    clusters = UnionFind()
    rows = exact = 0
    started = time.perf_counter()
    batches = ds.dataset(dataset, format="parquet").to_batches(columns=["id", "content"], batch_size=512)
    while True:
        tick = time.perf_counter()
        batch = next(batches, None)
        phases["read"] += time.perf_counter() - tick
        if batch is None:
            break
        for identifier, text in zip(batch.column("id").to_pylist(), batch.column("content").to_pylist(), strict=True):
            rows += 1
            if text is None:
                continue
            tick = time.perf_counter()
            digest = hashlib.md5(text.encode("utf-8", "surrogatepass")).digest()
            duplicate = digest in seen_hashes
            seen_hashes.add(digest)
            phases["exact"] += time.perf_counter() - tick
            if duplicate:
                exact += 1
                continue
            tick = time.perf_counter()
            sketch = MinHash(num_perm=num_perm)
            sketch.update_batch(list(shingles(text)))
            phases["minhash"] += time.perf_counter() - tick
            tick = time.perf_counter()
            for match in lsh.query(sketch):
                clusters.union(identifier, match)
            lsh.insert(identifier, sketch)
            phases["lsh"] += time.perf_counter() - tick
    groups: dict[str, list[str]] = {}
    for member in list(clusters.parent):
        groups.setdefault(clusters.find(member), []).append(member)
    near = sum(len(members) - 1 for members in groups.values())
    return {
        "rows": rows,
        "exact_duplicates": exact,
        "near_duplicates": near,
        "seconds": round(time.perf_counter() - started, 2),
        "phases": {name: round(value, 2) for name, value in phases.items()},
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "clusters": [sorted(members) for members in groups.values() if len(members) > 1],
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("dataset", help="a Parquet dataset with id and content columns")
    parser.add_argument("--clusters", help="write the near-duplicate clusters here (JSON)")
    args = parser.parse_args()
    result = dedup(args.dataset)
    clusters = result.pop("clusters")
    if args.clusters:
        with open(args.clusters, "w") as handle:
            json.dump(clusters, handle)
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
