"""A `PageStore` on Spark: the recall state as a persisted DataFrame, each step a
pipeline.recall.batches function mapped over it on the executors. The in-memory twin is
pipeline.recall.memory (same batch functions, same protocol: pipeline.recall.loop.PageStore)."""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from pipeline.recall import TARGETS, batches
from pipeline.recall.seeds import RuleIndex
from pipeline.spark import map_batches

RECALL_SCHEMA = pa.schema(
    [
        pa.field("id", pa.string()),
        pa.field("recall_label", pa.string()),
        pa.field("recall_score", pa.float64()),
        pa.field("recall_iteration", pa.int32()),
    ]
)


class SparkPageStore:
    """The recall state (one small row per page: id, site, path, token line, scores, decisions),
    persisted between steps; each step maps a pipeline.recall.batches function over it."""

    def __init__(self, spark, pages_df, tokenizer: str, max_chars: int):
        self.spark = spark
        wanted = [c for c in ("id", "url", "domain", "repo_name", "path", "content") if c in pages_df.columns]

        def prepare(batch_iter):
            for batch in batch_iter:
                yield batches.with_empty_state(batches.prepare(batch, tokenizer, max_chars))

        self.state = None
        self._replace(map_batches(pages_df.select(*wanted), prepare, batches.STATE_SCHEMA))
        self._rules = None

    def _replace(self, df) -> None:
        from pyspark import StorageLevel

        df = df.persist(StorageLevel.MEMORY_AND_DISK)
        df.count()  # materialize before the previous state is dropped
        if self.state is not None:
            self.state.unpersist()
        self.state = df

    def _map(self, fn) -> None:
        def apply(batch_iter):
            for batch in batch_iter:
                yield fn(batch)

        self._replace(map_batches(self.state, apply, batches.STATE_SCHEMA))

    def _with_rules(self, rules):
        if rules != self._rules:
            frozen = list(rules)
            self._map(lambda batch: batches.with_seed_labels(batch, frozen))
            self._rules = frozen
        return self.state

    def seed_counts(self, rules):
        from pyspark.sql import functions as F

        rows = self._with_rules(rules).where(F.col("seed_label").isNotNull()).groupBy("seed_label").count().collect()
        counts = {row["seed_label"]: row["count"] for row in rows}
        return {t: counts.get(t, 0) for t in TARGETS}

    def _sample_rows(self, df, count: int, seed: int, columns: tuple[str, ...]) -> list[tuple]:
        available = df.count()
        if available == 0 or count <= 0:
            return []
        if available > count:
            df = df.sample(fraction=min(1.0, 1.2 * count / available), seed=seed)
        return [tuple(row[c] for c in columns) for row in df.select(*columns).limit(count).collect()]

    def _sample_lines(self, df, count: int, seed: int) -> list[str]:
        return [line for (line,) in self._sample_rows(df, count, seed, ("line",))]

    def positives(self, rules, per_target, seed):
        from pyspark.sql import functions as F

        state = self._with_rules(rules)
        return [
            (t, line)
            for t in TARGETS
            for line in self._sample_lines(state.where(F.col("seed_label") == t), per_target, seed)
        ]

    def negatives(self, rules, count, seed, exclude_collected, exclude_seed_sites=False):
        """(site, line) of up to `count` random pages under no seed rule (see the PageStore protocol)."""
        from pyspark.sql import functions as F

        eligible = self._with_rules(rules).where(F.col("seed_label").isNull())
        if exclude_collected:
            eligible = eligible.where(F.col("collected").isNull())
        if exclude_seed_sites and rules:
            index = RuleIndex(list(rules))
            # a plain lambda: Spark reads a type-hinted function's hints as a pandas UDF's and warns
            covered = F.udf(lambda site: index.covers_site(site), "boolean")
            eligible = eligible.where(~covered(F.col("site")))
        return self._sample_rows(eligible, count, seed, ("site", "line"))

    def score(self, models):
        shared = self.spark.sparkContext.broadcast(models)
        self._map(lambda batch: batches.rescore(batch, shared.value))

    def histograms(self, bins):
        from pyspark.sql import functions as F

        out = {}
        for t in TARGETS:
            bucket = F.least(F.floor(F.col(f"p_{t}") * bins), F.lit(bins - 1)).cast("int").alias("bin")
            counts = np.zeros(bins, dtype=np.int64)
            for row in self.state.select(bucket).groupBy("bin").count().collect():
                counts[row["bin"]] = row["count"]
            out[t] = counts
        return out

    def decide(self, iteration, limits, decision, rules, firm):
        from pyspark.sql import functions as F

        frozen = list(rules)
        self._map(lambda batch: batches.apply_iteration(batch, iteration, limits, decision, frozen))
        self._rules = frozen
        counts = {
            row["collected"]: row["count"]
            for row in self.state.where(F.col("collected").isNotNull()).groupBy("collected").count().collect()
        }
        firm_flags = {
            t: F.coalesce(((F.col("collected") == t) & (F.col(f"p_{t}") >= firm[t])).cast("long"), F.lit(0))
            for t in TARGETS
        }
        grouped = self.state.groupBy("site", "prefix").agg(
            F.count(F.lit(1)).alias("pages"), *[F.sum(flag).alias(t) for t, flag in firm_flags.items()]
        )
        active = grouped.where(sum(F.col(t) for t in TARGETS) > 0).select("site").distinct()
        table = grouped.join(active, "site").collect()
        return {t: counts.get(t, 0) for t in TARGETS}, [row.asDict() for row in table]

    def keep_backed(self, iteration, backed):
        from pyspark.sql import functions as F

        frozen = {t: set(sites) for t, sites in backed.items()}
        self._map(lambda batch: batches.keep_backed(batch, iteration, frozen))
        counts = {
            row["collected"]: row["count"]
            for row in self.state.where(F.col("collected").isNotNull()).groupBy("collected").count().collect()
        }
        return {t: counts.get(t, 0) for t in TARGETS}

    def recalled(self, rules):
        state = self._with_rules(rules)

        def final(batch_iter):
            for batch in batch_iter:
                yield batches.recall_columns(batch)

        return map_batches(state, final, RECALL_SCHEMA)

    def close(self):
        if self.state is not None:
            self.state.unpersist()
