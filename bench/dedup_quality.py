"""Near-duplicate quality of a dedup result against exact Jaccard, on a real corpus too large for all pairs.

True pairs are estimated by sampling: a permissive LSH (64 bands x 4 rows, which pairs at Jaccard 0.7
share a bucket with probability 1 - 2e-8) proposes pairs, drawn uniformly (each bucket by its pair
count, a pair found in k bands accepted with probability 1/k); their exact Jaccard over our shingle
sets decides. Recall is the share of sampled true pairs that a method puts in one cluster; precision
the share of sampled removed rows that have a true near-duplicate (Jaccard >= threshold) among the
other rows of their cluster (clusters are transitive: not every pair in one is that similar).
Rows are those that survive exact dedup (ours), for every method.
"""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.dataset as ds

from pipeline.dedup.features import signature_matrix
from pipeline.dedup.lsh import band_hashes
from pipeline.dedup.params import DedupParams
from pipeline.dedup.shingles import texts_to_shingle_sets
from pipeline.dedup.verify import jaccard

DRAWS = 200_000  # candidate pairs drawn; most are below the threshold
TRUE_PAIRS = 3_000  # enough true pairs for recall within about +-1%
REMOVED_SAMPLES = 2_000
MAX_MEMBERS = 200  # members of a cluster a sampled removed row is compared with
PERMISSIVE_BANDS = (64, 4)


def dedup_quality(
    input_dataset: Path,
    dedup_output: Path,
    datasketch_clusters: Path | None = None,
    threshold: float = 0.7,
    seed: int = 0,
) -> dict:
    rng = np.random.default_rng(seed)
    decided = _decisions(dedup_output)
    table = ds.dataset(str(input_dataset), format="parquet").to_table(columns=["id", "content"])
    survivors = pa.array(
        [
            not (decided.get(i, (None, None))[0] or "").startswith("exact_duplicate_of")
            and decided.get(i, (None, None))[0] != "missing_content"
            for i in table.column("id").to_pylist()
        ]
    )
    table = table.filter(survivors)
    ids = table.column("id").to_pylist()
    texts = table.column("content").combine_chunks()
    position = {identifier: k for k, identifier in enumerate(ids)}
    sets_cache: dict[int, np.ndarray] = {}

    def similarity(a: int, b: int) -> float:
        for k in (a, b):
            if k not in sets_cache:
                sets_cache[k] = texts_to_shingle_sets(texts.slice(k, 1), 5).of(0).copy()
        return jaccard(sets_cache[a], sets_cache[b])

    hashes = band_hashes(signature_matrix(texts, DedupParams()), *PERMISSIVE_BANDS)
    true_pairs = []
    for a, b in _uniform_bucket_pairs(hashes, rng, DRAWS):
        if similarity(a, b) >= threshold:
            true_pairs.append((a, b))
            if len(true_pairs) == TRUE_PAIRS:
                break

    methods = {
        "corpus dedup": _cluster_of(
            {i: c for i, (r, c) in decided.items() if r is None or r.startswith("near_duplicate")}, position
        )
    }
    if datasketch_clusters and Path(datasketch_clusters).exists():
        groups = json.loads(Path(datasketch_clusters).read_text())
        methods["datasketch script"] = _cluster_of({m: g[0] for g in groups for m in g}, position)
    scores = {}
    for name, cluster in methods.items():
        together = sum(1 for a, b in true_pairs if cluster[a] >= 0 and cluster[a] == cluster[b])
        neither = sum(1 for a, b in true_pairs if cluster[a] < 0 and cluster[b] < 0)
        removed = _removed_rows(cluster, rng, REMOVED_SAMPLES)
        justified = sum(1 for row, others in removed if any(similarity(row, o) >= threshold for o in others))
        scores[name] = {
            "pair_recall": round(together / max(1, len(true_pairs)), 3),
            "removed_precision": round(justified / max(1, len(removed)), 3),
            "true_pairs_with_neither_file_clustered": neither,
            "sampled_true_pairs": len(true_pairs),
            "sampled_removed_rows": len(removed),
        }
    return scores


def _decisions(output: Path) -> dict[str, tuple[str | None, str | None]]:
    decided = {}
    for folder, has_reason in ((output, False), (output / "_rejects", True)):
        columns = ["id", "cluster_id"] + (["reason"] if has_reason else [])
        table = ds.dataset(str(folder), format="parquet").to_table(columns=columns)
        reasons = table.column("reason").to_pylist() if has_reason else [None] * len(table)
        for identifier, cluster, reason in zip(
            table.column("id").to_pylist(), table.column("cluster_id").to_pylist(), reasons, strict=True
        ):
            decided[identifier] = (reason, cluster)
    return decided


def _cluster_of(cluster_by_id: dict[str, str | None], position: dict[str, int]) -> np.ndarray:
    """Cluster number per row position; -1 for rows in no cluster."""
    numbers: dict[str, int] = {}
    cluster = np.full(len(position), -1, dtype=np.int64)
    for identifier, name in cluster_by_id.items():
        if name is not None and identifier in position:
            cluster[position[identifier]] = numbers.setdefault(name, len(numbers))
    sizes = np.bincount(cluster[cluster >= 0], minlength=len(numbers)) if numbers else np.zeros(0, np.int64)
    singles = (cluster >= 0) & (sizes[np.maximum(cluster, 0)] < 2) if numbers else cluster < -1
    cluster[singles] = -1  # a cluster of one row (its partners were exact duplicates) links nothing here
    return cluster


def _uniform_bucket_pairs(hashes: np.ndarray, rng, samples: int) -> list[tuple[int, int]]:
    """Distinct pairs drawn uniformly from the union of all buckets' pairs."""
    buckets = []
    for band in range(hashes.shape[1]):
        order = np.argsort(hashes[:, band], kind="stable")
        values = hashes[order, band]
        starts = np.flatnonzero(np.r_[True, values[1:] != values[:-1]])
        sizes = np.diff(np.r_[starts, len(values)])
        for start, size in zip(starts[sizes > 1], sizes[sizes > 1], strict=True):
            buckets.append(order[start : start + size])
    if not buckets:
        return []
    weights = np.array([len(b) * (len(b) - 1) / 2 for b in buckets], dtype=np.float64)
    chosen = rng.choice(len(buckets), size=samples, p=weights / weights.sum())
    pairs: dict[tuple[int, int], None] = {}  # in draw order: a prefix is a uniform sample too
    for k in chosen:
        a, b = rng.choice(buckets[k], size=2, replace=False)
        a, b = min(a, b), max(a, b)
        shared = int(np.sum(hashes[a] == hashes[b]))
        if rng.random() < 1 / max(1, shared):
            pairs[(int(a), int(b))] = None
    return list(pairs)


def _removed_rows(cluster: np.ndarray, rng, samples: int) -> list[tuple[int, list[int]]]:
    """Rows drawn uniformly from those a method removes (every member of a cluster but one), each with
    up to MAX_MEMBERS other members of its cluster."""
    members = defaultdict(list)
    for k in np.flatnonzero(cluster >= 0):
        members[int(cluster[k])].append(int(k))
    removable = [k for group in members.values() for k in group[1:]]
    chosen = rng.choice(len(removable), size=min(samples, len(removable)), replace=False) if removable else []
    drawn = []
    for index in chosen:
        row = removable[int(index)]
        others = [k for k in members[int(cluster[row])] if k != row]
        if len(others) > MAX_MEMBERS:
            others = [int(k) for k in rng.choice(others, size=MAX_MEMBERS, replace=False)]
        drawn.append((row, others))
    return drawn
