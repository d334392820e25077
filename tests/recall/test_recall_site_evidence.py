"""Site evidence (`--site-evidence`, off by default): a page off the seed rules stays collected only
where its site's own pages back the call; the Spark store does exactly what the memory store does."""

import pyarrow as pa
import pytest

from pipeline.recall import TARGETS, batches
from pipeline.recall.domain_rule import DomainRuleSettings, backed_sites, share_lower_bound
from pipeline.recall.loop import RecallSettings, paper_settings, run_loop, train_models
from pipeline.recall.memory import MemoryPageStore
from pipeline.recall.model import TrainSettings
from pipeline.recall.seeds import parse_seeds

FAST = TrainSettings(dim=32, threads=1, min_updates=4000, seed=3)


def test_a_site_backs_its_pages_when_enough_of_them_are_firm_calls():
    table = [
        {"site": "forum.org", "prefix": "/a", "pages": 60, "code": 2, "math": 0},
        {"site": "forum.org", "prefix": "/b", "pages": 40, "code": 1, "math": 0},  # 3 of 100: no evidence
        {"site": "lib.dev", "prefix": "/api", "pages": 6, "code": 3, "math": 0},  # 3 of 6
        {"site": "one.page", "prefix": "/", "pages": 1, "code": 0, "math": 1},  # too few pages to judge
    ]
    backed = backed_sites(table, DomainRuleSettings())
    assert backed["code"] == {"lib.dev", "one.page"}
    assert backed["math"] == {"one.page"}


def test_unbacked_collections_are_undone_and_their_first_iteration_with_them():
    rows = {
        "id": ["a", "b", "c", "d"],
        "site": ["forum.org", "forum.org", "lib.dev", "forum.org"],
        "collected": ["code", "code", "code", None],
        "first_iteration": [2, 1, 2, None],
    }
    batch = batches.with_empty_state(
        pa.RecordBatch.from_pydict(
            {"id": rows["id"], "site": rows["site"], "prefix": ["/"] * 4, "path": ["/"] * 4, "line": ["x"] * 4},
            schema=batches.PREPARED_SCHEMA,
        )
    )
    batch = batch.set_column(batch.schema.get_field_index("collected"), "collected", pa.array(rows["collected"]))
    batch = batch.set_column(
        batch.schema.get_field_index("first_iteration"),
        "first_iteration",
        pa.array(rows["first_iteration"], pa.int32()),
    )
    kept = batches.keep_backed(batch, 2, {"code": {"lib.dev"}, "math": set()})
    assert kept.column(kept.schema.get_field_index("collected")).to_pylist() == [None, None, "code", None]
    # `b` was recalled in iteration 1 already: it keeps that; `a` was recalled only by this collection
    assert kept.column(kept.schema.get_field_index("first_iteration")).to_pylist() == [None, 1, 2, None]
    assert batches.keep_backed(batch, 2, {"code": {"forum.org", "lib.dev"}}) is batch  # nothing to undo


def test_the_loop_keeps_only_backed_collections(small_table, small_pages, small_seeds):
    settings = RecallSettings(iterations=1, train=FAST, site_evidence=True)
    store = MemoryPageStore(small_table, "deepseek", 4000)
    report = run_loop(store, parse_seeds(small_seeds), settings)
    targets = report["iterations"][0]["targets"]
    assert all(targets[t]["pages_not_backed_by_site"] >= 0 for t in TARGETS)
    table = store.table().to_pylist()
    per_site = {}
    for row in table:
        per_site.setdefault(row["site"], []).append(row["collected"])
    for row in table:
        if row["collected"] is not None and row["seed_label"] is None:
            calls = per_site[row["site"]]
            # the site backs it: its firm calls pass the share test, so its collected ones (more) do too
            share = share_lower_bound(calls.count(row["collected"]), len(calls), settings.domain.confidence_z)
            assert len(calls) < settings.domain.min_pages or share > settings.domain.domain_share
    assert not paper_settings().site_evidence and not RecallSettings().site_evidence


@pytest.mark.spark
def test_spark_store_keeps_the_same_pages_as_the_memory_store(spark, small_table, small_seeds):
    from pipeline.recall.spark_store import SparkPageStore

    rules = parse_seeds(small_seeds)
    settings = RecallSettings(train=FAST)
    memory = MemoryPageStore(small_table, "deepseek", 4000)
    models, _ = train_models(
        memory.positives(rules, 10_000, 1), [line for _, line in memory.negatives(rules, 200, 2, False, True)], settings
    )
    limits = {t: 0.3 for t in TARGETS}
    firm = {t: 0.5 for t in TARGETS}
    spark_store = SparkPageStore(spark, spark.createDataFrame(small_table.to_pandas()), "deepseek", 4000)
    try:
        results = []
        for store in (memory, spark_store):
            store.score(models)
            _, table = store.decide(1, limits, settings.decision, rules, firm)
            backed = backed_sites(table, settings.domain)
            counts = store.keep_backed(1, backed)
            recalled = store.recalled(rules)
            rows = recalled.to_pylist() if isinstance(recalled, pa.Table) else [r.asDict() for r in recalled.collect()]
            results.append(
                (counts, sorted(table, key=lambda r: (r["site"], r["prefix"])), sorted(rows, key=lambda r: r["id"]))
            )
        assert results[0][0] == results[1][0]
        assert results[0][1] == results[1][1]
        assert [(r["id"], r["recall_label"]) for r in results[0][2]] == [
            (r["id"], r["recall_label"]) for r in results[1][2]
        ]
    finally:
        spark_store.close()
