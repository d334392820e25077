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
