"""Spark job: fastText recall of code- and math-related pages (DeepSeekMath's loop, for both targets).

Training runs on the driver from a bounded sample; models travel to the executors as bytes; the
domain rule reads a per-(site, path prefix) table aggregated on Spark. The loop itself is
pipeline.recall.loop.run_loop; this file only says where the pages live.
"""

from __future__ import annotations

import os
import sys

if __name__ == "__main__":  # spark-submit: import from the repo root, not jobs/ (jobs/tokenize.py shadows stdlib)
    sys.path[0] = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

import json
import tempfile

import numpy as np
import pyarrow as pa

from jobs.common import main_for, map_batches, read_dataset, write_with_rejects
from pipeline.config import UsageError, stage_parser
from pipeline.io import storage
from pipeline.recall import TARGETS, batches
from pipeline.recall.domain_rule import DomainRuleSettings
from pipeline.recall.loop import RecallSettings, paper_settings, run_loop
from pipeline.recall.model import TrainSettings
from pipeline.recall.seeds import load_seeds
from pipeline.recall.tokens import DEFAULT_TOKENIZER
from pipeline.schema import REASON

NOT_RECALLED = "not_recalled"
REPORT = "_recall_report.json"
MODELS = "_models"
RECALL_SCHEMA = pa.schema(
    [
        pa.field("id", pa.string()),
        pa.field("recall_label", pa.string()),
        pa.field("recall_score", pa.float64()),
        pa.field("recall_iteration", pa.int32()),
    ]
)


def build_parser():
    parser = stage_parser("recall", "fastText recall of code- and math-related pages (or files)")
    parser.add_argument(
        "--seeds",
        required=True,
        help="TOML: [code]/[math] tables of domains, url_prefixes and repos (owner/name[/dir])",
    )
    parser.add_argument("--iterations", type=int, default=3)
    cut = parser.add_mutually_exclusive_group()
    cut.add_argument("--keep-top", type=float, help="collect this fraction of top-scoring pages per target")
    cut.add_argument("--min-score", type=float, help="collect pages scoring at least this (default: Otsu split)")
    parser.add_argument("--negatives", type=int, default=0, help="negatives per iteration (0: as many as positives)")
    parser.add_argument("--max-positives", type=int, default=500_000, help="positives per target per iteration")
    parser.add_argument(
        "--tokenizer",
        default=DEFAULT_TOKENIZER,
        help="`deepseek`, a tokenizer.json path, or `whitespace` for plain words",
    )
    parser.add_argument("--max-chars", type=int, default=8000, help="characters of each page fed to fastText")
    train = TrainSettings()
    parser.add_argument("--dim", type=int, default=train.dim)
    parser.add_argument("--lr", type=float, default=train.lr)
    parser.add_argument("--word-ngrams", type=int, default=train.word_ngrams)
    parser.add_argument("--min-count", type=int, default=train.min_count)
    parser.add_argument("--epoch", type=int, default=train.epoch, help="minimum epochs (more on small seeds)")
    parser.add_argument(
        "--chunk-tokens", type=int, default=train.chunk_tokens, help="training line length; 0: whole pages"
    )
    parser.add_argument("--min-updates", type=int, default=train.min_updates, help="line updates training must reach")
    parser.add_argument("--max-epoch", type=int, default=train.max_epoch)
    parser.add_argument("--max-bucket", type=int, default=train.max_bucket)
    parser.add_argument("--threads", type=int, default=train.threads, help="fastText training threads")
    rule = DomainRuleSettings()
    parser.add_argument("--domain-share", type=float, default=rule.domain_share)
    parser.add_argument("--prefix-share", type=float, default=rule.prefix_share)
    parser.add_argument("--dominance", type=float, default=rule.dominance)
    parser.add_argument(
        "--domain-min-score",
        type=float,
        default=rule.min_score,
        help="score for a page to count in the domain rule (default: from the distribution)",
    )
    parser.add_argument(
        "--confidence-z",
        type=float,
        default=rule.confidence_z,
        help="domain/prefix shares are judged by their Wilson lower bound at this z (0: the raw share)",
    )
    parser.add_argument(
        "--no-clean-negatives", action="store_true", help="keep negatives a cross-fit model calls positive"
    )
    parser.add_argument(
        "--paper",
        action="store_true",
        help="the literal DeepSeekMath loop (binary model per target, 0.5, plain 10%% rule)",
    )
    parser.add_argument("--seed", type=int, default=0)
    return parser


def settings_from_args(args) -> RecallSettings:
    train = TrainSettings(
        dim=args.dim,
        lr=args.lr,
        word_ngrams=args.word_ngrams,
        min_count=args.min_count,
        epoch=args.epoch,
        chunk_tokens=args.chunk_tokens,
        min_updates=args.min_updates,
        max_epoch=args.max_epoch,
        max_bucket=args.max_bucket,
        threads=args.threads,
        seed=args.seed,
    )
    common = dict(
        iterations=args.iterations,
        negatives=args.negatives,
        max_positives=args.max_positives,
        tokenizer=args.tokenizer,
        max_chars=args.max_chars,
        seed=args.seed,
        train=train,
    )
    if args.paper:
        return paper_settings(**common)
    threshold, value = "otsu", None
    if args.keep_top is not None:
        threshold, value = "keep_top", args.keep_top
    elif args.min_score is not None:
        threshold, value = "min_score", args.min_score
    domain = DomainRuleSettings(
        domain_share=args.domain_share,
        prefix_share=args.prefix_share,
        dominance=args.dominance,
        min_score=args.domain_min_score,
        confidence_z=args.confidence_z,
    )
    return RecallSettings(
        threshold=threshold,
        threshold_value=value,
        clean_negatives=not args.no_clean_negatives,
        domain=domain,
        **common,
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

    def _sample_lines(self, df, count: int, seed: int) -> list[str]:
        available = df.count()
        if available == 0 or count <= 0:
            return []
        if available > count:
            df = df.sample(fraction=min(1.0, 1.2 * count / available), seed=seed)
        return [row["line"] for row in df.select("line").limit(count).collect()]

    def positives(self, rules, per_target, seed):
        from pyspark.sql import functions as F

        state = self._with_rules(rules)
        return [
            (t, line)
            for t in TARGETS
            for line in self._sample_lines(state.where(F.col("seed_label") == t), per_target, seed)
        ]

    def negatives(self, rules, count, seed, exclude_collected):
        from pyspark.sql import functions as F

        eligible = self._with_rules(rules).where(F.col("seed_label").isNull())
        if exclude_collected:
            eligible = eligible.where(F.col("collected").isNull())
        return self._sample_lines(eligible, count, seed)

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

    def decide(self, iteration, limits, competitive, rules, firm):
        from pyspark.sql import functions as F

        frozen = list(rules)
        self._map(lambda batch: batches.apply_iteration(batch, iteration, limits, competitive, frozen))
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

    def recalled(self, rules):
        state = self._with_rules(rules)

        def final(batch_iter):
            for batch in batch_iter:
                yield batches.recall_columns(batch)

        return map_batches(state, final, RECALL_SCHEMA)

    def close(self):
        if self.state is not None:
            self.state.unpersist()


def run(spark, args) -> dict:
    from pyspark.sql import functions as F

    from pipeline.recall.seeds import SeedRule

    rules = load_seeds(args.seeds)
    settings = settings_from_args(args)
    if args.iterations < 1:
        raise UsageError("--iterations must be at least 1")
    pages = read_dataset(spark, args.input)
    if REASON in pages.columns:
        pages = pages.drop(REASON)
    missing = {"id", "content"} - set(pages.columns)
    if missing:
        raise UsageError(f"input lacks column(s) {sorted(missing)}")

    store = SparkPageStore(spark, pages, settings.tokenizer, settings.max_chars)
    models_dir = tempfile.mkdtemp(prefix="recall-models-")

    def keep_models(iteration, models):
        for _index, model in enumerate(models):
            suffix = "" if len(models) == 1 else f"-{'-'.join(model.labels)}"
            with open(os.path.join(models_dir, f"iter{iteration}{suffix}.bin"), "wb") as handle:
                handle.write(model.data)

    try:
        report = run_loop(store, rules, settings, on_model=keep_models)
        final_rules = [SeedRule(**rule) for rule in report["final_seed_rules"]]
        recalled = store.recalled(final_rules).dropDuplicates(["id"])
        out = pages.join(recalled, "id", "left").withColumn(
            REASON, F.when(F.col("recall_label").isNull(), F.lit(NOT_RECALLED))
        )
        rejects = write_with_rejects(out, args.output)
    finally:
        store.close()
    # written after the data: Spark's overwrite clears the output folder
    for name in sorted(os.listdir(models_dir)):
        with open(os.path.join(models_dir, name), "rb") as handle:
            _write_bytes(storage.join(args.output, MODELS, name), handle.read())
        os.remove(os.path.join(models_dir, name))
    os.rmdir(models_dir)
    storage.write_text_atomic(storage.join(args.output, REPORT), json.dumps(report, indent=2, default=str))
    last = report["iterations"][-1]["targets"]
    return {
        "rejects": rejects,
        "recall": {
            t: {"pages_collected": last[t]["pages_collected"], "seed_pages": report["final_seed_pages"][t]}
            for t in TARGETS
        },
    }


def _write_bytes(uri: str, data: bytes) -> None:
    fs, path = storage.filesystem(uri)
    fs.create_dir(path.rsplit("/", 1)[0], recursive=True)
    with fs.open_output_stream(path) as stream:
        stream.write(data)


main = main_for("recall", build_parser, run)

if __name__ == "__main__":
    sys.exit(main())
