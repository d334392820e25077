"""The dedup decisions on Spark: DataFrames in, DataFrames out (`jobs/dedup.py` reads, calls, writes).

1. features: exact key, MinHash signature, band hashes per row (pipeline.dedup.features, on executors)
2. exact: one row per normalized-content hash                    -> exact_duplicate_of:<kept id>
3. --against: rows whose bands meet a prior index                -> near_duplicate_in_index:<id>
4. near: bucket stars+chains -> verified edges (exact Jaccard) -> connected components
   (union-find on the driver for a small graph, large-star/small-star for a big one)
   -> one kept row per component                                 -> near_duplicate_of:<kept id>
Only (band, band hash, id) and edges are shuffled for clustering; nothing big is collected on the driver.
pipeline.dedup.reference makes the same decisions in one process (the test oracle); both take the
bucket-edge rule from pipeline.dedup.candidates.
"""

from __future__ import annotations

import functools

from pipeline.dedup.candidates import EDGE_SCHEMA, bucket_edge_batches
from pipeline.dedup.features import feature_batches, feature_schema
from pipeline.dedup.index import PAIR_ESTIMATE_SCHEMA, pair_estimates
from pipeline.dedup.params import DedupParams
from pipeline.dedup.policy import policy_columns
from pipeline.dedup.reference import MISSING_CONTENT, UnionFind
from pipeline.dedup.verify import PAIR_JACCARD_SCHEMA, SHINGLE_SET_SCHEMA, set_pair_jaccard_batches, shingle_set_batches
from pipeline.measure import phase
from pipeline.spark import broadcast_if_small, map_batches

MAX_CC_ROUNDS = 64
LOCAL_COMPONENT_EDGES = 2_000_000  # components of a graph up to this size are found on the driver (read per call)


def keep_order(keys) -> list:
    """Spark sort columns of a parsed keep policy (pipeline.dedup.policy.parse_policy): the first row kept."""
    from pyspark.sql import functions as F

    return [F.col(k.column).desc_nulls_last() if k.descending else F.col(k.column).asc_nulls_last() for k in keys]


def row_features(rows_df, keys, params: DedupParams, signatures: bool):
    """id, the policy columns, exact_key, band_hashes (and signature if `signatures`) of every row."""
    from pyspark.sql.pandas.types import to_arrow_schema

    selected = rows_df.select(*sorted(set(policy_columns(keys)) | {"id", "content"}))
    features = map_batches(
        selected,
        functools.partial(feature_batches, params=params),
        feature_schema(to_arrow_schema(selected.schema)),
    )
    return features if signatures else features.drop("signature")  # only the index steps read it


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


def against_index(survivors, index, params: DedupParams):
    """Rows of `survivors` sharing a band with a row of a prior `index` (id, signature, band_hashes),
    signature-checked with verify: id, reason, cluster_id."""
    from pyspark.sql import functions as F

    old = index.select(
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


def near_dedup(survivors, contents, order, params: DedupParams):
    """Decisions for rows in near-duplicate clusters: id, reason (null if kept), near_cluster; and
    the counts candidate_edges, verified_edges, cc_rounds."""
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
            components, stats["cc_rounds"] = local_components(edges), 0
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


def decided_rows(rows_df, exact_kept, exact_rejects, near, index_rejects=None):
    """`rows_df` with reason and cluster_id: the decisions of the steps above, missing_content for a
    null content; a row in no group is kept with no cluster. Computes the (small) decision list once."""
    from pyspark.sql import functions as F

    cluster = F.coalesce("near_cluster", "exact_cluster").alias("cluster_id")
    decisions = exact_kept.join(near, "id", "full").select("id", "reason", cluster)
    if index_rejects is not None:
        decisions = decisions.unionByName(index_rejects)
    decisions = decisions.unionByName(exact_rejects).localCheckpoint()
    decided = decisions.count()
    return rows_df.join(broadcast_if_small(decisions, decided), "id", "left").withColumn(
        "reason", F.when(F.col("content").isNull(), F.lit(MISSING_CONTENT)).otherwise(F.col("reason"))
    )


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


def local_components(edges):
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
    return edges.sparkSession.createDataFrame(table)


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
