"""Single-process reference dedup: the same decisions as `pipeline.dedup.spark` (`jobs/dedup.py`), without Spark.

It is the oracle the Spark job is tested against (same kept rows, same reasons), and handy for
small inputs. Memory grows with the input: use the Spark job for anything large.
"""

from __future__ import annotations

from collections import defaultdict

import pyarrow as pa

from pipeline.dedup.candidates import bucket_edges
from pipeline.dedup.features import features_of_batch, signature_array
from pipeline.dedup.minhash import estimated_jaccard
from pipeline.dedup.params import DedupParams
from pipeline.dedup.policy import best, parse_policy, policy_columns
from pipeline.dedup.shingles import texts_to_shingle_sets
from pipeline.dedup.verify import jaccard

MISSING_CONTENT = "missing_content"


class UnionFind:
    def __init__(self):
        self.parent: dict[str, str] = {}

    def find(self, x: str) -> str:
        root = x
        while self.parent.get(root, root) != root:
            root = self.parent[root]
        while x != root:  # path compression
            self.parent[x], x = root, self.parent.get(x, x)
        return root

    def union(self, a: str, b: str) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:  # the smaller id becomes the root: it is the cluster id
            lo, hi = min(ra, rb), max(ra, rb)
            self.parent[hi] = lo
            self.parent.setdefault(lo, lo)


def reference_dedup(rows: list[dict], params: DedupParams, index_rows: list[dict] | None = None) -> dict:
    """Decide every row. Returns {"decisions": {id: (reason or None, cluster_id or None)},
    "index": [{id, signature, band_hashes}] of kept rows, "counts": {...}}."""
    keys = parse_policy(params.keep_policy, list(rows[0].keys()) if rows else ["id"])
    columns = sorted(set(policy_columns(keys)) | {"id", "content"})
    table = pa.Table.from_pylist([{c: r.get(c) for c in columns} for r in rows])
    feats = features_of_batch(table.combine_chunks().to_batches()[0], params).to_pylist() if rows else []
    by_id = {f["id"]: f for f in feats}
    decisions: dict[str, tuple[str | None, str | None]] = {}

    # 1. Exact duplicates.
    groups = defaultdict(list)
    for f in feats:
        if f["exact_key"] is None:
            decisions[f["id"]] = (MISSING_CONTENT, None)
        else:
            groups[f["exact_key"]].append(f)
    survivors = []
    for members in groups.values():
        kept = best(members, keys)
        cluster = min(m["id"] for m in members) if len(members) > 1 else None
        for m in members:
            reason = None if m is kept else f"exact_duplicate_of:{kept['id']}"
            decisions[m["id"]] = (reason, cluster)
        survivors.append(kept)

    # 2. Rows already in a prior index.
    if index_rows:
        index_buckets = defaultdict(list)
        for old in index_rows:
            for band, value in enumerate(old["band_hashes"]):
                index_buckets[(band, value)].append(old)
        remaining = []
        for f in survivors:
            matches = _index_matches(f, index_buckets, params)
            if matches:
                decisions[f["id"]] = (f"near_duplicate_in_index:{matches[0]}", matches[0])
            else:
                remaining.append(f)
        survivors = remaining

    # 3. Near duplicates: buckets -> candidate edges -> verified edges -> components -> kept row.
    buckets = defaultdict(list)
    for f in survivors:
        for band, value in enumerate(f["band_hashes"] or ()):
            buckets[(band, value)].append(f["id"])
    edges = {edge for ids in buckets.values() if len(ids) > 1 for edge in bucket_edges(sorted(ids), params.max_bucket)}
    candidate_count = len(edges)
    if params.verify:
        edges = _verified(edges, {r["id"]: r.get("content") for r in rows}, params)
    components = UnionFind()
    for a, b in edges:
        components.union(a, b)
    clusters = defaultdict(list)
    for node in list(components.parent):
        clusters[components.find(node)].append(by_id[node])
    for cluster_id, members in clusters.items():
        kept = best(members, keys)
        for m in members:
            reason = None if m is kept else f"near_duplicate_of:{kept['id']}"
            decisions[m["id"]] = (reason, cluster_id)

    index = [
        {"id": f["id"], "signature": f["signature"], "band_hashes": f["band_hashes"]}
        for f in survivors
        if decisions[f["id"]][0] is None and f["band_hashes"] is not None
    ]
    counts = defaultdict(int)
    for reason, _ in decisions.values():
        if reason:
            counts[reason.split(":", 1)[0]] += 1
    counts.update(candidate_edges=candidate_count, verified_edges=len(edges), clusters=len(clusters))
    return {"decisions": decisions, "index": index, "counts": dict(counts)}


def _index_matches(row: dict, index_buckets: dict, params: DedupParams) -> list[str]:
    """Ids of index rows sharing a band with `row` (and, with verify, similar by signature), sorted."""
    if row["band_hashes"] is None:
        return []
    found = {}
    for band, value in enumerate(row["band_hashes"]):
        for old in index_buckets.get((band, value), ()):
            found[old["id"]] = old
    if params.verify:
        own = signature_array(row["signature"])
        found = {
            i: o
            for i, o in found.items()
            if estimated_jaccard(own, signature_array(o["signature"])) >= params.threshold
        }
    return sorted(found)


def _verified(edges: set, contents: dict, params: DedupParams) -> set:
    if not edges:
        return set()
    ids = sorted({x for e in edges for x in e})
    sets = texts_to_shingle_sets(pa.array([contents[i] for i in ids], pa.string()), params.ngram)
    position = {x: i for i, x in enumerate(ids)}
    return {(a, b) for a, b in edges if jaccard(sets.of(position[a]), sets.of(position[b])) >= params.threshold}


def kept_ids(result: dict) -> set[str]:
    return {i for i, (reason, _) in result["decisions"].items() if reason is None}
