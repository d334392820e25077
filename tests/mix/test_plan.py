"""The plan: groups from the token folders' sidecars, temperature sampling, caps, totals and epochs."""

import json
import math
import os

import pytest

from pipeline.config import UsageError
from pipeline.mix.inputs import open_catalog
from pipeline.mix.plan import check_epochs, language_shares, make_plan
from pipeline.mix.settings import MixSettings, parse_groups, parse_target
from pipeline.stage import from_values


def settings(**values) -> MixSettings:
    return from_values(MixSettings, values)


def manifest(folder):
    return json.load(open(os.path.join(folder, "_manifest.json")))


def test_temperature_sampling():
    counts = {"a": 900, "b": 100}
    natural, _ = language_shares(counts, 1.0)
    assert natural == pytest.approx({"a": 0.9, "b": 0.1})
    flatter, _ = language_shares(counts, 2.0)  # p ∝ n^(1/2): 30 and 10
    assert flatter == pytest.approx({"a": 0.75, "b": 0.25})
    assert language_shares(counts, 1000.0)[0]["b"] == pytest.approx(0.5, abs=0.01)
    sharper, _ = language_shares(counts, 0.5)  # p ∝ n^2
    assert sharper["a"] == pytest.approx(810000 / 820000)
    huge, _ = language_shares({"a": 10**12, "b": 10**11}, 0.01)  # no overflow in n^(1/T)
    assert huge["a"] == pytest.approx(1.0) and sum(huge.values()) == pytest.approx(1.0)


def test_caps_move_the_excess_to_the_other_languages_in_proportion():
    shares, capped = language_shares({"a": 700, "b": 200, "c": 100}, 1.0, {"a": 0.4, "zz": 0.1})
    assert shares == pytest.approx({"a": 0.4, "b": 0.4, "c": 0.2}) and capped == {"a"}
    # a cap that the redistribution pushes another language over caps that one too
    shares, capped = language_shares({"a": 700, "b": 200, "c": 100}, 1.0, {"a": 0.4, "b": 0.35})
    assert shares == pytest.approx({"a": 0.4, "b": 0.35, "c": 0.25}) and capped == {"a", "b"}
    with pytest.raises(UsageError, match="add up to 0.5"):
        language_shares({"a": 1, "b": 1}, 1.0, {"a": 0.2, "b": 0.3})


def test_target_and_groups_are_checked():
    assert parse_target("code=0.6, math=0.1,text=0.3") == {"code": 0.6, "math": 0.1, "text": 0.3}
    with pytest.raises(ValueError, match="sum to 0.9, not 1"):
        parse_target("code=0.6,math=0.1,text=0.2")
    with pytest.raises(ValueError, match="not GROUP=SHARE"):
        parse_target("code:0.6")
    with pytest.raises(UsageError, match="no group definition has"):
        settings(target="code=0.5,poems=0.5")
    with pytest.raises(ValueError, match="cannot match on colour"):
        parse_groups({"code": {"match": [{"colour": "red"}]}})
    groups = parse_groups({"a": [{"source": "github"}], "b": {"match": [{}], "temperature": 2}}, {"Go": 0.5})
    assert groups[0].match == ({"source": frozenset({"github"})},) and groups[1].temperature == 2.0
    assert groups[0].language_caps == {"Go": 0.5}


def test_groups_come_from_the_sidecars(token_folders):
    folders = [token_folders[k] for k in ("code", "pages", "text", "go")]
    catalog = open_catalog(folders)
    plan, kind_units = make_plan(catalog, settings())
    by_name = {g.name: g for g in plan.groups}
    code_tokens = manifest(token_folders["code"])["tokens"] + manifest(token_folders["go"])["tokens"]
    pages = manifest(token_folders["pages"])
    # GitHub documents and pages recalled as code are `code`; pages recalled as math are `math`
    assert by_name["code"].available + by_name["math"].available == code_tokens + pages["tokens"]
    assert by_name["text"].available == manifest(token_folders["text"])["tokens"]
    assert {lang.language for lang in by_name["code"].languages} == {"Python", "Rust", "Go", "en"}
    assert {lang.language for lang in by_name["text"].languages} == {"en", "zh"}
    assert by_name["math"].documents == 50 and by_name["text"].documents == 60
    assert len(kind_units) == len(catalog.kind_table) and (kind_units >= 0).all()

    # without --total-tokens: the largest total that repeats nothing, bound by one language exactly
    epochs = [lang.epochs for g in plan.groups for lang in g.languages]
    assert max(epochs) == pytest.approx(1.0, abs=1e-3) and all(e <= 1.0 + 1e-9 for e in epochs)
    for group in plan.groups:
        assert group.wanted == pytest.approx(group.target * plan.total_tokens)
        assert sum(lang.share for lang in group.languages) == pytest.approx(1.0)


def test_total_tokens_and_temperature(token_folders):
    catalog = open_catalog([token_folders["code"], token_folders["pages"], token_folders["text"]])
    plan, _ = make_plan(catalog, settings(total_tokens=10_000, language_temperature=3.0, allow_repeat=True))
    code = next(g for g in plan.groups if g.name == "code")
    assert code.wanted == pytest.approx(6000) and code.epochs == pytest.approx(6000 / code.available)
    weights = {lang.language: lang.available ** (1 / 3) for lang in code.languages}
    for lang in code.languages:
        assert lang.share == pytest.approx(weights[lang.language] / sum(weights.values()))
        assert lang.epochs == pytest.approx(lang.wanted / lang.available)


def test_a_group_over_max_epochs_is_named(token_folders):
    catalog = open_catalog([token_folders["code"], token_folders["pages"], token_folders["text"]])
    plan, _ = make_plan(catalog, settings(target="code=0.1,math=0.8,text=0.1", total_tokens=20_000))
    with pytest.raises(UsageError, match=r"group math would be repeated 8\.\d+ times .*--allow-repeat"):
        check_epochs(plan, settings(total_tokens=20_000))
    check_epochs(plan, settings(total_tokens=20_000, allow_repeat=True))
    check_epochs(plan, settings(total_tokens=20_000, max_epochs=9.0))
    # the group is within bounds, but temperature sampling repeats one of its languages too often
    plan, _ = make_plan(catalog, settings(total_tokens=20_000, language_temperature=50.0, max_epochs=3.0))
    with pytest.raises(UsageError, match="group code, language en would be repeated"):
        check_epochs(plan, settings(max_epochs=3.0))


def test_a_group_without_tokens_and_unused_groups(token_folders):
    catalog = open_catalog([token_folders["code"], token_folders["go"]])
    with pytest.raises(UsageError, match="group math has no tokens in the inputs"):
        make_plan(catalog, settings())
    plan, _ = make_plan(catalog, settings(target="code=1"))
    assert [g.name for g in plan.groups] == ["code"] and math.isclose(plan.groups[0].epochs, 1.0)
    catalog = open_catalog([token_folders["code"], token_folders["text"]])
    plan, _ = make_plan(catalog, settings(target="code=1,math=0,text=0"))
    assert plan.unused == {"text": manifest(token_folders["text"])["tokens"]}


def test_input_clauses_and_group_order(token_folders):
    groups = {
        "mine": {"match": [{"input": "go"}, {"language": "Rust"}]},  # first match wins
        "rest": [{}],
    }
    catalog = open_catalog([token_folders["code"], token_folders["go"]])
    plan, _ = make_plan(catalog, settings(target="mine=0.5,rest=0.5", groups=groups))
    mine = next(g for g in plan.groups if g.name == "mine")
    assert {lang.language for lang in mine.languages} == {"Go", "Rust"}


# ---- categories ------------------------------------------------------------------------------------

SAMPLE = "# lib.py\ndef f(x):\n    return x + 1234\n<!-- R -->\n#\n"  # 52 bytes, 13 of them the README


@pytest.fixture(scope="module")
def categorized(tmp_path_factory):
    """Repository samples a quarter of whose bytes are documentation, a Markdown file, a notebook, an
    issue thread, pages and a text dataset."""
    from tests.mix.conftest import write_tokens

    assert len(SAMPLE.encode()) == 52
    base = tmp_path_factory.mktemp("categories")
    github = [
        *[
            {
                "id": f"s{i}",
                "source": "github",
                "repo_name": f"o/r{i}",
                "language": "Python",
                "content": SAMPLE * (i + 1),
            }
            for i in range(6)
        ],
        {"id": "md", "source": "github", "repo_name": "o/r", "path": "docs/a.md", "language": "Markdown"},
        {"id": "nb", "source": "github", "path": "a.ipynb", "language": "Python", "source_format": "notebook:script"},
        {"id": "issue", "source": "github-issues", "repo_name": "o/r", "url": "https://github.com/o/r/issues/1"},
    ]
    for row in github:
        row.setdefault("content", f"{row['id']}: some words about the code, " * 12)
        if row["id"].startswith("s"):
            row["text_bytes"] = len(row["content"].encode()) // 4  # exactly a quarter
            row["notebook_bytes"] = 0
    others = [
        {"id": f"p{i}", "source": "commoncrawl", "nl_language": "en", "content": f"Page {i} about things. " * 9}
        for i in range(4)
    ] + [{"id": f"t{i}", "source": "web", "nl_language": "en", "content": f"Text {i}. " * 20} for i in range(5)]
    return {"github": write_tokens(base / "github", github), "others": write_tokens(base / "others", others)}


def test_plan_counts_tokens_by_category(categorized, capsys):
    import numpy as np

    from pipeline.mix.plan import format_plan

    catalog = open_catalog([categorized["github"], categorized["others"]])
    lengths = catalog.lengths.astype(float)
    samples, markdown, notebook, issue = lengths[:6].sum(), lengths[6], lengths[7], lengths[8]
    pages, texts = lengths[9:13].sum(), lengths[13:].sum()
    assert np.allclose(catalog.text_shares[:6], 0.25) and catalog.text_shares[6] == 1.0
    assert catalog.notebook_shares[7] == 1.0 and not catalog.text_shares[8:13].any()

    plan, _ = make_plan(catalog, settings(target="code=0.5,text=0.5", total_tokens=4000, allow_repeat=True))
    groups = {g.name: g for g in plan.groups}
    code = {c.category: c for c in groups["code"].categories}
    # the samples' quarter of documentation bytes is counted as a quarter of their tokens, as text
    assert code["code"].available == pytest.approx(0.75 * samples)
    assert code["text"].available == pytest.approx(0.25 * samples + markdown)
    assert code["notebook"].available == pytest.approx(notebook)
    assert code["issues"].available == pytest.approx(issue)  # the default code group takes issue threads
    assert sum(c.available for c in code.values()) == pytest.approx(groups["code"].available)
    text = {c.category: c for c in groups["text"].categories}
    assert set(text) == {"web", "text"} and text["web"].available == pytest.approx(pages)
    assert text["text"].available == pytest.approx(texts)
    for group in plan.groups:  # wanted by category: each language's tokens at its epochs; shares of the group
        assert sum(c.wanted for c in group.categories) == pytest.approx(group.wanted)
        assert sum(c.share for c in group.categories) == pytest.approx(1.0)
        for entry in group.categories:
            expected = sum(lang.categories.get(entry.category, 0) * lang.epochs for lang in group.languages)
            assert entry.wanted == pytest.approx(expected)
    python = next(lang for lang in groups["code"].languages if lang.language == "Python")
    assert python.categories["text"] == pytest.approx(0.25 * samples)  # the Markdown file is language Markdown
    assert python.categories["notebook"] == pytest.approx(notebook)
    assert plan.categories()["issues"] == pytest.approx(code["issues"].wanted)

    shown = format_plan(plan)
    print(shown)
    assert "categories (by bytes inside repository samples" in shown
    assert "= issues" in shown and "mix by category (by bytes inside repository samples): " in shown
    written = plan.as_dict()
    assert {c["category"] for c in written["groups"][0]["categories"]} == {"code", "text", "notebook", "issues"}
    assert written["categories"]["web"] == round(text["web"].wanted)


def test_category_clauses_select_documents(categorized):
    catalog = open_catalog([categorized["github"], categorized["others"]])
    groups = {
        "issues": [{"category": "issues"}],
        "docs": [{"category": ["text", "notebook"], "source": "github"}],
        "rest": [{}],
    }
    plan, kind_units = make_plan(catalog, settings(target="issues=0.2,docs=0.3,rest=0.5", groups=groups))
    by_name = {g.name: g for g in plan.groups}
    units = plan.units()
    group_of = [units[u][0] for u in kind_units[catalog.kinds].tolist()]
    assert group_of == ["rest"] * 6 + ["docs", "docs", "issues"] + ["rest"] * 9
    assert by_name["issues"].documents == 1 and by_name["docs"].documents == 2
    # a sample stays a `code` document: only its share of text is counted as text
    rest = {c.category: c.available for c in by_name["rest"].categories}
    assert rest["text"] == pytest.approx(0.25 * catalog.lengths[:6].sum() + catalog.lengths[13:].sum())


def test_the_default_code_group_takes_issue_threads():
    from pipeline.sources import issues

    (code, *_) = settings().group_list()
    assert code.name == "code" and code.matches({"source": issues.SOURCE, "category": "issues", "input": set()})
    assert not code.matches({"source": "commoncrawl", "category": "web", "input": set()})


def test_old_sidecars_are_refused_with_a_rerun_message(categorized, tmp_path):
    import shutil

    folder = tmp_path / "old"
    shutil.copytree(categorized["others"], folder)
    written = manifest(folder)
    written["document_metadata"]["columns"] = ["language", "nl_language", "source", "recall_label"]
    json.dump(written, open(os.path.join(folder, "_manifest.json"), "w"))
    with pytest.raises(
        UsageError, match=r"no category, text_share, notebook_share .*rerun `corpus tokenize --overwrite`"
    ):
        open_catalog([str(folder)])
