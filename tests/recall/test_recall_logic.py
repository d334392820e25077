"""Pure-logic tests of the recall pieces: seeds, BPE input, thresholds, the domain rule."""

import numpy as np
import pytest

from pipeline.config import UsageError
from pipeline.recall import batches, thresholds
from pipeline.recall.domain_rule import DomainRuleSettings, promote
from pipeline.recall.model import TrainSettings, bucket_for, chunked, epochs_for, predict, train, train_and_predict
from pipeline.recall.seeds import RuleIndex, SeedRule, first_segment, parse_seeds, site_and_path
from pipeline.recall.tokens import fasttext_lines


def test_seeds_parse_and_match():
    rules = parse_seeds(
        {
            "code": {
                "domains": ["www.StackOverflow.com"],
                "url_prefixes": ["https://docs.python.org/3/library/"],
                "repos": ["torvalds/linux/Documentation"],
            },
            "math": {"domains": ["mathoverflow.net"]},
        }
    )
    index = RuleIndex(rules)
    assert index.match("stackoverflow.com", "/questions/1").target == "code"
    assert index.match("meta.stackoverflow.com", "/q").target == "code"  # subdomain of a seed domain
    assert index.match("docs.python.org", "/3/library/os.html").prefix == "/3/library"
    assert index.match("docs.python.org", "/3/libraryx") is None  # prefixes match whole segments
    assert index.match("mathoverflow.net", "/").target == "math"
    assert index.match("torvalds/linux", "/Documentation/index.rst").target == "code"
    assert index.match("torvalds/linux", "/kernel/fork.c") is None
    assert index.match("example.com", "/") is None
    with pytest.raises(UsageError):
        parse_seeds({"physics": {"domains": ["x.org"]}})
    with pytest.raises(UsageError):
        parse_seeds({"code": {}})


def test_site_and_path_for_pages_and_files():
    assert site_and_path("https://www.Example.com/a/b?q=1", None, None, None) == ("example.com", "/a/b")
    assert site_and_path(None, None, "owner/repo", "src/main.py") == ("owner/repo", "/src/main.py")
    assert first_segment("/questions/12/title") == "/questions"
    assert first_segment("/") == "/"


def test_fasttext_input_is_bpe_tokens():
    line_code, line_zh = fasttext_lines(["def add(a, b):\n    return a + b", "数学是研究数量结构的学科"])
    assert "\n" not in line_code
    tokens = line_code.split(" ")
    assert "Ġreturn" in tokens and "def" in tokens  # byte-level BPE: a space is Ġ, no whitespace words
    assert len(line_zh.split(" ")) > 1  # text without spaces still becomes several tokens
    assert fasttext_lines(["def add(a, b)"], tokenizer="whitespace") == ["def add(a, b)"]


def test_training_is_sized_to_the_data():
    settings = TrainSettings()
    assert epochs_for(settings, 1_000_000) == settings.epoch  # the paper's scale: the paper's epochs
    assert epochs_for(settings, 400) == settings.max_epoch
    assert 3 < epochs_for(settings, 2_000) < settings.max_epoch
    assert bucket_for(settings, 40_000) == 10_000 and bucket_for(settings, 10**10) == settings.max_bucket
    assert chunked([("code", "a b c d e")], 2) == [("code", "a b"), ("code", "c d e")]
    assert chunked([("code", "a")], 2) == [("code", "a")]


def test_thresholds_from_the_distribution():
    rng = np.random.default_rng(0)
    scores = np.concatenate([rng.beta(1, 12, 900), rng.beta(12, 1, 100)])
    cut = thresholds.choose(thresholds.histogram(scores))
    assert 0.3 < cut < 0.8
    assert thresholds.keep_top(thresholds.histogram(scores), 0.05) > 0.9
    assert thresholds.choose(None, "min_score", 0.7) == 0.7


def test_competing_targets_decide_once():
    probs = np.array([[0.7, 0.2], [0.45, 0.5], [0.2, 0.1], [0.35, 0.3]])
    labels = batches.decide_labels(probs, {"code": 0.4, "math": 0.4}, "three_class")
    assert list(labels) == ["code", "math", None, None]  # last: `other` (0.35) wins
    paper = batches.decide_labels(probs, {"code": 0.4, "math": 0.4}, "independent")
    assert list(paper) == ["code", "math", None, None]


def test_two_stage_collects_a_page_its_targets_share_when_the_gate_calls_it_a_target():
    # gate 0.8 (code wins); gate 0.4 (`other` wins); gate 0.62, split between the targets: each of
    # them is below `other` (0.38), so a three-class decision drops the page
    probs = np.array([[0.44, 0.36], [0.3, 0.1], [0.3, 0.32]])
    cuts = {"code": 0.25, "math": 0.25}
    assert list(batches.decide_labels(probs, cuts, "two_stage")) == ["code", None, "math"]
    assert list(batches.decide_labels(probs, cuts, "three_class")) == ["code", None, None]


def test_two_stage_scores_are_the_gate_times_the_split():
    # real fastText models: a gate (target against other) and a split (code against math)
    code = ["def main ( ) : return x", "int main ( void ) { return 0 ; }", "import os sys print"]
    math = ["theorem proof lemma integral", "let x in R then x ^ 2 >= 0", "matrix eigenvalue determinant"]
    other = ["the garden has red roses", "our shop opens at nine", "weather today is sunny"]
    code, math, other = code * 40, math * 40, other * 40
    settings = TrainSettings(threads=1, dim=16)
    gate = train([("target", line) for line in code + math] + [("other", line) for line in other], settings)
    split = train([("code", line) for line in code] + [("math", line) for line in math], settings)
    lines = [code[0], math[0], other[0]]
    probs = batches.score_lines(
        lines, [batches.ModelRef(gate.data, gate.labels), batches.ModelRef(split.data, split.labels)]
    )
    p_target = predict(gate.data, lines, gate.labels)[:, gate.labels.index("target")]
    p_split = predict(split.data, lines, split.labels)
    assert np.allclose(probs[:, 0], p_target * p_split[:, split.labels.index("code")])
    assert np.allclose(probs.sum(axis=1), p_target, atol=1e-3)  # code + math + other = 1 (fastText adds 1e-5)
    assert probs[0, 0] > probs[0, 1] and probs[1, 1] > probs[1, 0] and probs[2].sum() < 0.5
    with pytest.raises(ValueError, match="needs its code-against-math model"):
        batches.score_lines(lines, [batches.ModelRef(gate.data, gate.labels)])


def test_scoring_in_the_training_process_matches_the_saved_model():
    # the judge's shortcut must score exactly what the saved, reloaded model scores
    examples = [("target", "def main ( ) : return x"), ("target", "theorem proof lemma integral")] * 40
    examples += [("other", "the garden has red roses"), ("other", "our shop opens at nine")] * 40
    settings = TrainSettings(threads=1, dim=16)
    lines = ["def main ( ) : return x", "the garden has red roses", "", "proof lemma shop"]
    saved = train(examples, settings)
    labels, probs = train_and_predict(examples, settings, lines)
    assert labels == saved.labels == ("other", "target")
    assert probs.shape == (4, 2) and np.array_equal(probs, predict(saved.data, lines, saved.labels))
    assert probs[0, 1] > 0.9 and probs[1, 0] > 0.9
    assert train_and_predict(examples, settings, [])[1].shape == (0, 2)
    with pytest.raises(ValueError, match="newline"):
        train_and_predict(examples, settings, ["two\nlines"])


def test_domain_rule_on_a_hand_made_table():
    table = [
        # a code site: most pages collected as code under /docs, a /blog section of other pages
        {"site": "docs.lib.dev", "prefix": "/docs", "pages": 50, "code": 30, "math": 1},
        {"site": "docs.lib.dev", "prefix": "/blog", "pages": 20, "code": 0, "math": 0},
        # a math site whose pages the classifier split between code and math
        {"site": "mathwiki.org", "prefix": "/wiki", "pages": 100, "code": 15, "math": 45},
        # a site with 5% collected: not a code site
        {"site": "news.com", "prefix": "/tech", "pages": 100, "code": 5, "math": 0},
        # already seeded as code: nothing new to add
        {"site": "stackoverflow.com", "prefix": "/questions", "pages": 40, "code": 30, "math": 0},
        # a one-page site
        {"site": "tiny.org", "prefix": "/x", "pages": 1, "code": 1, "math": 0},
    ]
    seeds = [SeedRule("code", "stackoverflow.com")]
    sites, new_rules = promote(table, seeds, iteration=1)
    promoted = {s["site"]: s["promoted"] for s in sites}
    assert promoted["docs.lib.dev"] == ["code"]
    assert promoted["mathwiki.org"] == ["math"]  # 15% collected as code, but math dominates
    assert promoted["news.com"] == [] and promoted["tiny.org"] == []
    assert sorted((r.target, r.site, r.prefix, r.iteration) for r in new_rules) == [
        ("code", "docs.lib.dev", "/docs", 1),
        ("math", "mathwiki.org", "/wiki", 1),
    ]
    # the literal rule promotes the math site as code too
    _, literal = promote(table, seeds, 1, DomainRuleSettings(dominance=0, prefix_share=0, min_pages=1))
    assert ("code", "mathwiki.org") in {(r.target, r.site) for r in literal}


def test_domain_shares_are_judged_with_their_sample_size():
    small = [{"site": "travel.blog", "prefix": "/posts", "pages": 12, "code": 2, "math": 0}]
    large = [{"site": "docs.big", "prefix": "/api", "pages": 1200, "code": 200, "math": 0}]
    assert promote(small, [], 1)[0][0]["promoted"] == []  # 17% of 12 pages: could be noise
    assert promote(large, [], 1)[0][0]["promoted"] == ["code"]  # 17% of 1,200 pages: a code site
    literal = DomainRuleSettings(confidence_z=0)
    assert promote(small, [], 1, literal)[0][0]["promoted"] == ["code"]


def test_files_rows_are_located_by_repository():
    import pyarrow as pa

    files = pa.RecordBatch.from_pylist(
        [
            {
                "id": "a",
                "repo_name": "pytorch/pytorch",
                "path": "docs/source/nn.rst",
                "url": None,
                "content": "x = 1",
            },
            {"id": "b", "repo_name": "me/notes", "path": "README.md", "url": None, "content": "hello"},
        ]
    )
    state = batches.with_empty_state(batches.prepare(files, "deepseek", 1000))
    rules = parse_seeds({"code": {"repos": ["pytorch/pytorch/docs"]}})
    labelled = batches.with_seed_labels(state, rules)
    assert labelled.column("site").to_pylist() == ["pytorch/pytorch", "me/notes"]
    assert labelled.column("prefix").to_pylist() == ["/docs", "/README.md"]
    assert labelled.column("seed_label").to_pylist() == ["code", None]
