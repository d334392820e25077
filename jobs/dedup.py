"""Exact + MinHash-LSH near-deduplication on Spark (`spark-submit jobs/dedup.py` / `corpus dedup`).

1. features: exact key, MinHash signature, band hashes per row (pipeline.dedup.features, on executors)
2. exact: one row per normalized-content hash                    -> exact_duplicate_of:<kept id>
3. --against: rows whose bands meet a prior index                -> near_duplicate_in_index:<id>
4. near: bucket stars+chains -> verified edges (exact Jaccard) -> connected components
   (large-star/small-star) -> one kept row per component         -> near_duplicate_of:<kept id>
Only (band, band hash, id) and edges are shuffled for clustering; nothing is collected on the driver.
pipeline.dedup.reference makes the same decisions in one process (the test oracle).
"""

from __future__ import annotations

import os
import sys

if __name__ == "__main__":  # spark-submit: import from the repo root, not jobs/ (jobs/tokenize.py shadows stdlib)
    sys.path[0] = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

import argparse
import functools

from jobs.common import broadcast_if_small, main_for, map_batches, read_dataset, write_dataset, write_with_rejects
from pipeline.config import UsageError, stage_parser
from pipeline.dedup.candidates import EDGE_SCHEMA, bucket_edge_batches
from pipeline.dedup.features import feature_batches, feature_schema
from pipeline.dedup.index import PAIR_ESTIMATE_SCHEMA, check_index, pair_estimates, write_index_meta
from pipeline.dedup.params import DedupParams
from pipeline.dedup.policy import DEFAULT_POLICY, parse_policy, policy_columns
from pipeline.dedup.reference import MISSING_CONTENT, UnionFind
from pipeline.dedup.verify import PAIR_JACCARD_SCHEMA, SHINGLE_SET_SCHEMA, set_pair_jaccard_batches, shingle_set_batches
from pipeline.io import manifest
from pipeline.measure import phase

MAX_CC_ROUNDS = 64
SHUFFLE_BYTES = 64 << 20
LOCAL_COMPONENT_EDGES = 2_000_000  # components of a graph up to this size are found on the driver


def build_parser():
    parser = stage_parser("dedup", "Exact and MinHash-LSH near-deduplication (file or repository level).")
    parser.add_argument(
        "--level",
        choices=["file", "repo"],
        default="file",
        help="rows are files, or repository samples (kept or dropped whole)",
    )
    parser.add_argument("--threshold", type=float, default=0.7, help="Jaccard similarity of near-duplicates")
    parser.add_argument("--num-perm", type=int, default=256, help="MinHash permutations")
    parser.add_argument("--ngram", type=int, default=5, help="tokens per shingle")
    parser.add_argument("--seed", type=int, default=1, help="seed of the MinHash permutations")
    parser.add_argument("--bands", type=int, default=0, help="LSH bands (0: datasketch's optimum)")
    parser.add_argument("--rows", type=int, default=0, help="LSH rows per band (0: datasketch's optimum)")
    parser.add_argument(
        "--verify",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="keep a candidate pair only if its exact Jaccard >= threshold (default on)",
    )
    parser.add_argument(
        "--false-negative-weight",
        type=float,
        default=0.0,
        help="weight of missed pairs when choosing bands x rows (0: 0.95 with --verify, else 0.5)",
    )
    parser.add_argument(
        "--max-bucket", type=int, default=1000, help="star edges to the smallest id for this many members of a bucket"
    )
    parser.add_argument(
        "--keep-policy",
        default=DEFAULT_POLICY,
        help="which row of a group to keep: column:asc|desc,... (missing columns skipped)",
    )
    parser.add_argument("--against", nargs="+", default=[], help="prior index folder(s) from --index-out")
    parser.add_argument("--index-out", help="write signatures and band hashes of the kept rows here")
    return parser


def params_of(args) -> DedupParams:
    return DedupParams(
        threshold=args.threshold,
        num_perm=args.num_perm,
        ngram=args.ngram,
        seed=args.seed,
        bands=args.bands,
        rows=args.rows,
        verify=args.verify,
        max_bucket=args.max_bucket,
        false_negative_weight=args.false_negative_weight,
        keep_policy=args.keep_policy,
    )


def check_args(args) -> None:
    problems = params_of(args).problems()
    if problems:
        raise UsageError("; ".join(problems))


def run(spark, args) -> dict:
    from pyspark import StorageLevel
    from pyspark.sql import functions as F
    from pyspark.sql.pandas.types import to_arrow_schema

    params = params_of(args)
    for index in args.against:
        check_index(index, params.index_signature())
    batch_conf, partitions_conf = "spark.sql.execution.arrow.maxRecordsPerBatch", "spark.sql.shuffle.partitions"
    previous = {key: spark.conf.get(key) for key in (batch_conf, partitions_conf)}
    if args.level == "repo":  # a repository sample can be megabytes: fewer rows per Arrow batch
        spark.conf.set(batch_conf, "16")
    # The clustering runs a few small shuffles: on a small input, fewer partitions than
    # configured (one per SHUFFLE_BYTES of input) save most of the per-task overhead.
    input_bytes = sum(manifest.parquet_stats(uri)["bytes"] for uri in args.input)
    partitions = min(int(previous[partitions_conf]), max(2, input_bytes // SHUFFLE_BYTES + 1))
    spark.conf.set(partitions_conf, str(partitions))
    features = survivors = None
    try:
        rows_df = read_dataset(spark, args.input).drop("reason", "cluster_id")
        keys = parse_policy(params.keep_policy, rows_df.columns)
        order = [F.col(k.column).desc_nulls_last() if k.descending else F.col(k.column).asc_nulls_last() for k in keys]
        selected = rows_df.select(*sorted(set(policy_columns(keys)) | {"id", "content"}))
        features = map_batches(
            selected,
            functools.partial(feature_batches, params=params),
            feature_schema(to_arrow_schema(selected.schema)),
        )
        if not (args.against or args.index_out):
            features = features.drop("signature")  # only the index steps read it: a narrower cache
        with phase("read_and_signatures"):
            features = features.persist(StorageLevel.MEMORY_AND_DISK)
            features.count()

        with phase("exact"):
            exact_rejects, exact_kept, survivors = exact_dedup(features, order)
            survivors = survivors.persist(StorageLevel.MEMORY_AND_DISK)
            survivors.count()
        index_rejects = against_index(spark, survivors, args.against, params)
        if index_rejects is not None:
            with phase("index_match"):
                index_rejects = index_rejects.localCheckpoint()
            survivors = survivors.join(index_rejects.select("id"), "id", "left_anti")
        near, stats = near_dedup(spark, survivors, rows_df.select("id", "content"), order, params)

        with phase("decisions"):
            # Only rows of some group get a decision; every other row is kept with no cluster.
            cluster = F.coalesce("near_cluster", "exact_cluster").alias("cluster_id")
            decisions = exact_kept.join(near, "id", "full").select("id", "reason", cluster)
            if index_rejects is not None:
                decisions = decisions.unionByName(index_rejects)
            decisions = decisions.unionByName(exact_rejects).localCheckpoint()
            decided = decisions.count()
        out = rows_df.join(broadcast_if_small(decisions, decided), "id", "left").withColumn(
            "reason", F.when(F.col("content").isNull(), F.lit(MISSING_CONTENT)).otherwise(F.col("reason"))
        )
        reasons = write_with_rejects(out, args.output, persist=False)  # a rerun is a scan and a hash join
        if args.index_out:
            with phase("write_index"):
                write_index(spark, features, args.output, args.index_out, params)
    finally:
        for key, value in previous.items():
            spark.conf.set(key, value)
        for cached in (features, survivors):
            if cached is not None:
                cached.unpersist()
    bands, rows = params.banding()
    return {"level": args.level, "bands": bands, "rows_per_band": rows, "removed": reasons, **stats}


def exact_dedup(features, order):
    """(rejects: id, reason, cluster_id; kept: id, exact_cluster of each group's kept row;
    survivors: the feature rows of every kept row, in a group or not).

    Only the rows of groups (keys seen more than once) are ranked; the rest pass through untouched.
    """
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    with_content = features.where(F.col("exact_key").isNotNull())
    groups = (
        with_content.groupBy("exact_key")
        .agg(F.count(F.lit(1)).alias("group_size"), F.min("id").alias("group_min"))
        .where(F.col("group_size") > 1)
        .select("exact_key", "group_min")
    )
    ranked = Window.partitionBy("exact_key").orderBy(*order)
    policy = [c for c in features.columns if c not in ("signature", "band_hashes")]
    members = (
        with_content.select(*policy)
        .join(groups, "exact_key")
        .withColumn("kept_id", F.first("id").over(ranked))
        .localCheckpoint()
    )
    rejected = members.where(F.col("id") != F.col("kept_id"))
    rejects = rejected.select(
        "id", F.concat(F.lit("exact_duplicate_of:"), "kept_id").alias("reason"), F.col("group_min").alias("cluster_id")
    ).localCheckpoint()
    kept = members.where(F.col("id") == F.col("kept_id")).select("id", F.col("group_min").alias("exact_cluster"))
    rejected_ids = broadcast_if_small(rejects.select("id"), rejects.count())
    survivors = with_content.drop("exact_key").join(rejected_ids, "id", "left_anti")
    return rejects, kept, survivors


def against_index(spark, survivors, indexes: list[str], params: DedupParams):
    """Rows of `survivors` sharing a band with a prior index row (signature-checked): id, reason, cluster_id."""
    from pyspark.sql import functions as F

    if not indexes:
        return None
    old = read_dataset(spark, indexes).select(
        F.col("id").alias("old_id"),
        F.col("signature").alias("old_signature"),
        F.posexplode("band_hashes").alias("band", "band_hash"),
    )
    new = survivors.where(F.col("band_hashes").isNotNull()).select(
        "id", "signature", F.posexplode("band_hashes").alias("band", "band_hash")
    )
    pairs = new.join(old, ["band", "band_hash"]).select("id", "old_id", "signature", "old_signature")
    pairs = pairs.dropDuplicates(["id", "old_id"])
    if params.verify:
        pairs = map_batches(pairs, pair_estimates, PAIR_ESTIMATE_SCHEMA)
        pairs = pairs.where(F.col("estimate") >= params.threshold)
    matched = pairs.groupBy("id").agg(F.min("old_id").alias("cluster_id"))
    return matched.select("id", F.concat(F.lit("near_duplicate_in_index:"), "cluster_id").alias("reason"), "cluster_id")


def near_dedup(spark, survivors, contents, order, params: DedupParams):
    """Decisions for rows in near-duplicate clusters: id, reason (null if kept), near_cluster."""
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    with phase("bands_and_candidates"):
        edges = candidate_edges(survivors, params.max_bucket).localCheckpoint()
        stats = {"candidate_edges": edges.count()}
    if params.verify and stats["candidate_edges"]:
        with phase("verification"):
            edges = verify_edges(edges, contents, params).localCheckpoint()
    stats["verified_edges"] = edges.count()
    with phase("components"):
        if stats["verified_edges"] <= LOCAL_COMPONENT_EDGES:
            components, stats["cc_rounds"] = local_components(spark, edges), 0
        else:
            components, stats["cc_rounds"] = connected_components(edges)
        components = components.localCheckpoint()
        members = components.count()
    policy = [c for c in survivors.columns if c not in ("signature", "band_hashes")]
    members = broadcast_if_small(components, members).join(survivors.select(*policy), "id")
    kept = F.first("id").over(Window.partitionBy("cluster").orderBy(*order))
    members = members.withColumn("kept_id", kept)
    reason = F.when(F.col("id") != F.col("kept_id"), F.concat(F.lit("near_duplicate_of:"), "kept_id"))
    decided = members.select("id", reason.alias("reason"), F.col("cluster").alias("near_cluster"))
    return decided, stats


def candidate_edges(survivors, max_bucket: int):
    """Star and chain edges of each LSH bucket (pipeline.dedup.candidates), distinct, smaller id first.

    One shuffle of (band, band hash, id) puts each bucket in one partition, where Arrow sorts it."""
    from pyspark.sql import functions as F

    bands = survivors.where(F.col("band_hashes").isNotNull()).select(
        F.posexplode("band_hashes").alias("band", "band_hash"), "id"
    )
    buckets = bands.repartition("band", "band_hash")
    edges = map_batches(buckets, functools.partial(bucket_edge_batches, max_bucket=max_bucket), EDGE_SCHEMA)
    return edges.distinct()


def verify_edges(edges, contents, params: DedupParams):
    """Edges whose two rows' shingle sets have exact Jaccard >= threshold. Each row in a pair is
    shingled once (its set then travels to each of its pairs), not once per pair."""
    from pyspark.sql import functions as F

    endpoints = edges.select(F.col("a").alias("id")).union(edges.select(F.col("b").alias("id"))).distinct()
    endpoints = endpoints.localCheckpoint()
    rows = contents.join(broadcast_if_small(endpoints, endpoints.count()), "id", "left_semi")
    sets = map_batches(rows, functools.partial(shingle_set_batches, ngram=params.ngram), SHINGLE_SET_SCHEMA)
    sets = sets.localCheckpoint()
    left = sets.select(F.col("id").alias("a"), F.col("shingles").alias("shingles_a"))
    right = sets.select(F.col("id").alias("b"), F.col("shingles").alias("shingles_b"))
    pairs = edges.join(left, "a").join(right, "b").select("a", "b", "shingles_a", "shingles_b")
    scored = map_batches(pairs, set_pair_jaccard_batches, PAIR_JACCARD_SCHEMA)
    return scored.where(F.col("jaccard") >= params.threshold).select("a", "b")


def local_components(spark, edges):
    """(id, cluster) by union-find on the driver: a graph of at most LOCAL_COMPONENT_EDGES edges
    costs a few hundred MB there and saves the rounds of shuffles."""
    import pyarrow as pa

    union_find = UnionFind()
    pairs = edges.toArrow()
    for a, b in zip(pairs.column("a").to_pylist(), pairs.column("b").to_pylist(), strict=True):
        union_find.union(a, b)
    nodes = list(union_find.parent)
    clusters = [union_find.find(node) for node in nodes]
    table = pa.table({"id": pa.array(nodes, pa.string()), "cluster": pa.array(clusters, pa.string())})
    return spark.createDataFrame(table)


def connected_components(edges):
    """(id, cluster = smallest id of its component) for every node of `edges` (a, b), a < b.

    Large-star / small-star (Kiveris et al., 2014) until every component is a star around its
    smallest node: O(log n) rounds, each a few shuffles of the edge list; localCheckpoint keeps the
    lineage of one round.
    """
    from pyspark.sql import functions as F

    # Directed edges x -> y with y < x.
    current = edges.select(F.col("b").alias("x"), F.col("a").alias("y")).distinct().localCheckpoint()
    rounds = 0
    while not is_star_forest(current):  # pairs and plain stars, the usual case, need no round
        if rounds == MAX_CC_ROUNDS:
            raise RuntimeError(f"connected components did not converge in {MAX_CC_ROUNDS} rounds")
        current = small_star(large_star(current)).localCheckpoint()
        rounds += 1
    roots = current.select(F.col("y").alias("id")).distinct()
    leaves = current.select(F.col("x").alias("id"), F.col("y").alias("cluster"))
    return leaves.unionByName(roots.withColumn("cluster", F.col("id"))), rounds


def large_star(directed):
    """Each node links its larger neighbours to the smallest node of its closed neighbourhood."""
    from pyspark.sql import functions as F

    both = directed.select("x", "y").union(directed.select(F.col("y").alias("x"), F.col("x").alias("y")))
    smallest = both.groupBy("x").agg(F.least(F.min("y"), F.col("x")).alias("m"))
    return (
        both.where(F.col("y") > F.col("x"))
        .join(smallest, "x")
        .select(F.col("y").alias("x"), F.col("m").alias("y"))
        .distinct()
    )


def small_star(directed):
    """Each node links itself and its smaller neighbours to the smallest of them."""
    from pyspark.sql import functions as F

    smallest = directed.groupBy("x").agg(F.min("y").alias("m"))
    moved = directed.join(smallest, "x").where(F.col("y") != F.col("m")).select(F.col("y").alias("x"), "m")
    own = smallest.select("x", "m")
    return moved.union(own).select("x", F.col("m").alias("y")).distinct()


def is_star_forest(directed) -> bool:
    """True when no target is also a source and every source has a single target (one Spark job)."""
    from pyspark.sql import functions as F

    sources = directed.groupBy("x").agg(F.count(F.lit(1)).alias("targets"))
    relinked = directed.select(F.col("y").alias("x")).join(sources, "x", "left_semi")
    forked = sources.where(F.col("targets") > 1).select("x")
    return relinked.union(forked).isEmpty()


def write_index(spark, features, output: str, index: str, params: DedupParams) -> None:
    """Signatures and band hashes of the rows kept in `output`."""
    from pyspark.sql import functions as F

    kept_ids = read_dataset(spark, [output]).select("id")
    kept = features.where(F.col("band_hashes").isNotNull()).join(kept_ids, "id", "left_semi")
    write_dataset(kept.select("id", "signature", "band_hashes"), index)
    rows = read_dataset(spark, [index]).count()
    write_index_meta(index, params.index_signature(), rows)


main = main_for("dedup", build_parser, run, check=check_args)

if __name__ == "__main__":
    sys.exit(main())
