"""Negatives that do not poison the model when targets are common (issue 21), on small in-memory page
sets: site-held-out cleaning, whole seed sites kept out, a separate negatives dataset, and the report
saying why a site was (or was not) promoted."""

import dataclasses

import pyarrow as pa
import pytest

from pipeline.recall.domain_rule import DomainRuleSettings, promote
from pipeline.recall.loop import RecallSettings, _folds, clean_negatives, run_loop
from pipeline.recall.memory import MemoryPageStore
from pipeline.recall.model import TrainSettings
from pipeline.recall.seeds import SeedRule, parse_seeds

FAST = TrainSettings(dim=32, threads=1, min_updates=4000, seed=3)


def _table(pages):
    return pa.Table.from_pylist([{k: v for k, v in p.items() if k != "label"} for p in pages])


@pytest.fixture(scope="module")
def common_targets(generator):
    """A crawl where most unlabeled pages are code or math: 1 seed site per target, 5 unseen code
    and 2 unseen math sites, 2 `other` sites; 40 pages a site."""
    code = dict(list(generator.CODE_SITES.items())[:6])
    math = dict(list(generator.MATH_SITES.items())[:3])
    pages = [
        p
        for p in generator.build_pages(40, code, math, generator.OTHER_SITES[:2])
        if p["domain"] not in (generator.MIXED_CODE, generator.MIXED_MATH)
    ]
    seeds = [SeedRule("code", sorted(code.values())[0]), SeedRule("math", sorted(math.values())[0])]
    return pages, seeds


def _sample(pages, seeds):
    store = MemoryPageStore(_table(pages), "deepseek", 4000)
    positives = store.positives(seeds, 10_000, 1)
    negatives = store.negatives(seeds, len(positives), 2, False, True)
    return positives, negatives


def _kept_share(pages, kept, label):
    truth = {p["domain"]: p["label"] for p in pages}
    return sum(truth[site] == label for site, _ in kept)


def test_site_cleaning_keeps_common_targets_out_of_the_negatives(common_targets):
    pages, seeds = common_targets
    positives, negatives = _sample(pages, seeds)
    truth = {p["domain"]: p["label"] for p in pages}
    code = sum(truth[site] == "code" for site, _ in negatives)
    others = sum(truth[site] == "other" for site, _ in negatives)
    assert code > 2 * others  # the unlabeled crawl is mostly code (and math)

    by_site = RecallSettings(train=FAST)
    kept, info = clean_negatives(positives, negatives, by_site)
    assert _kept_share(pages, kept, "code") < 0.4 * code  # most unseen code sites are no longer `other`
    assert _kept_share(pages, kept, "other") > 0.8 * others  # the `other` sites stay negatives
    assert info["dropped_sites"] and all(truth[row["site"]] != "other" for row in info["dropped_sites"])

    # the old cross-fit by page halves: every code site sits in both halves, each model learns it as
    # `other`, and the code pages stay negatives
    by_page = dataclasses.replace(by_site, clean_by="page", clean_folds=2)
    kept_old, _ = clean_negatives(positives, negatives, by_page)
    assert _kept_share(pages, kept_old, "code") > 0.6 * code


def test_site_cleaning_keeps_rare_targets_negatives_alone(generator):
    """Targets rare: nothing of the `other` sites is dropped whole."""
    code = dict(list(generator.CODE_SITES.items())[:2])
    math = dict(list(generator.MATH_SITES.items())[:1])
    pages = generator.build_pages(20, code, math, generator.OTHER_SITES[:8])
    pages = [p for p in pages if p["domain"] not in (generator.MIXED_CODE, generator.MIXED_MATH)]
    seeds = [SeedRule("code", sorted(code.values())[0]), SeedRule("math", next(iter(math.values())))]
    positives, negatives = _sample(pages, seeds)
    kept, info = clean_negatives(positives, negatives, RecallSettings(train=FAST))
    truth = {p["domain"]: p["label"] for p in pages}
    assert not [row for row in info["dropped_sites"] if truth[row["site"]] == "other"]
    others = sum(truth[site] == "other" for site, _ in negatives)
    assert _kept_share(pages, kept, "other") >= 0.95 * others


def test_site_folds_hold_whole_sites_of_similar_size():
    negatives = [("a", "x")] * 40 + [("b", "x")] * 30 + [("c", "x")] * 20 + [("d", "x")] * 10 + [("e", "x")] * 10
    folds = _folds(negatives, "site", seed=0, folds=2)
    by_site = {}
    for (site, _), fold in zip(negatives, folds, strict=True):
        by_site.setdefault(site, set()).add(fold)
    assert all(len(f) == 1 for f in by_site.values())
    sizes = [folds.count(f) for f in (0, 1)]
    assert abs(sizes[0] - sizes[1]) <= 10
    assert _folds(negatives[:4], "page", 0, 2) == [0, 1, 0, 1]


def test_a_promoted_site_gives_no_negatives_under_its_other_paths():
    rows = [
        {"id": f"{site}{i}", "url": f"https://{site}/{part}/{i}", "content": "x y z"}
        for site, part in (("lib.dev", "api"), ("lib.dev", "blog"), ("docs.lib.dev", "guide"), ("news.com", "a"))
        for i in range(3)
    ]
    store = MemoryPageStore(pa.Table.from_pylist(rows), "whitespace", 100)
    rules = [SeedRule("code", "lib.dev", "/api", 1)]  # promoted prefix of lib.dev
    sites = {site for site, _ in store.negatives(rules, 100, 0, False, True)}
    assert sites == {"news.com"}  # /blog of lib.dev and its subdomain are not `other` examples
    sites = {site for site, _ in store.negatives(rules, 100, 0, False, False)}
    assert sites == {"lib.dev", "docs.lib.dev", "news.com"}


def test_negatives_come_from_the_negatives_dataset(small_table, small_seeds, generator):
    class Recording(MemoryPageStore):
        calls = 0

        def negatives(self, *args):
            Recording.calls += 1
            return super().negatives(*args)

    random_pages = _table(generator.build_pages(15, {}, {}, generator.OTHER_SITES[5:10], seed=7))
    negatives = Recording(random_pages, "deepseek", 4000)
    store = MemoryPageStore(small_table, "deepseek", 4000)
    settings = RecallSettings(iterations=1, train=FAST, negatives_dataset="random-pages")
    report = run_loop(store, parse_seeds(small_seeds), settings, negatives_store=negatives)
    entry = report["iterations"][0]
    assert Recording.calls == 1 and entry["negatives_source"] == "negatives_dataset"
    assert entry["negatives"] > 0


def test_report_says_why_a_site_was_or_was_not_promoted():
    table = [
        {"site": "docs.lib.dev", "prefix": "/docs", "pages": 50, "code": 30, "math": 1},
        {"site": "mathwiki.org", "prefix": "/wiki", "pages": 100, "code": 40, "math": 45},
        {"site": "news.com", "prefix": "/tech", "pages": 100, "code": 5, "math": 0},
        {"site": "tiny.org", "prefix": "/x", "pages": 1, "code": 1, "math": 0},
    ]
    sites = {s["site"]: s for s in promote(table, [], 1, DomainRuleSettings())[0]}
    assert sites["docs.lib.dev"]["why"]["code"].startswith("promoted: 30 of 50 pages collected as code")
    assert "math 45: code needs 2 x as many" in sites["mathwiki.org"]["why"]["code"]
    assert "not above 0.1" in sites["news.com"]["why"]["code"]
    assert "fewer than 2" in sites["tiny.org"]["why"]["code"]
    assert "math" not in sites["news.com"]["why"]  # no page collected as math: nothing to explain
