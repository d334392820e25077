"""Exact and MinHash-LSH near-deduplication: shingling, signatures, banding, verification, the
keep policy, and a single-process reference run. Pure numpy/Arrow, except the Spark steps, which are
`spark.py` (DataFrames in and out); `jobs/dedup.py` only wires them into a stage.

What a run decides (the Spark job and `reference.reference_dedup` alike):
1. exact: rows with equal normalized content (exact.py) form a group; one is kept (policy.py),
   the others get `exact_duplicate_of:<kept id>`. Null content -> `missing_content`.
2. --against: a remaining row sharing a band bucket with a prior index row whose signature
   estimate is >= threshold gets `near_duplicate_in_index:<smallest such index id>`.
3. near: rows sharing a band bucket become candidate pairs (candidates.py); with --verify
   (default) a pair counts only if the exact Jaccard of the two shingle sets is >= threshold
   (verify.py). Connected components of the remaining pairs are the clusters; one row per cluster
   is kept, the others get `near_duplicate_of:<kept id>`. A chain A~B~C where A~B and B~C pass but
   A~C does not is still one cluster (every removed row has a verified near-duplicate in it);
   what --verify removes are LSH false positives, which otherwise chain unrelated files together.
`cluster_id` is the smallest id of the group a row was decided in (null for rows in no group).
Assumes ids are unique, as the dataset contract says.
"""
