"""Thresholds: defaults are DeepSeek-Coder's rules; flags, --config [filter], specs and overrides layer."""

from __future__ import annotations

import re

import pytest
from filter_rows import file_row, reasons, settings

from jobs.filter import STAGE
from pipeline.config import UsageError
from pipeline.filters.config import Thresholds, resolve, resolve_languages
from pipeline.langs.registry import Registry, default_registry, parse_spec

REGISTRY = Registry(
    [
        parse_spec({"name": "Toy", "kind": "code", "aliases": ["toylang"], "filters": {"max_line_length": 50}}),
        parse_spec({"name": "Tabular", "kind": "data"}),
        parse_spec({"name": "JSON", "kind": "data", "filters": {"max_chars": 8000}}),
    ]
)


def parse(argv: list[str]):
    return STAGE.job(["--input", "in", "--output", "out", *argv])[0].settings


def test_defaults_are_the_deepseek_rules():
    limits = Thresholds()
    assert (limits.max_avg_line_length, limits.max_line_length, limits.min_alpha_fraction) == (100, 1000, 0.25)
    assert (limits.xml_header_chars, limits.min_visible_text_ratio, limits.min_visible_text_chars) == (100, 0.2, 100)
    json_limits = resolve(parse([]), default_registry()).for_language("json")
    assert (json_limits.min_chars, json_limits.max_chars) == (50, 5000)


def test_spec_filters_then_kind_then_language_overrides():
    user = {"kind:data": {"max_numeric_fraction": 0.9}, "toylang": {"max_avg_line_length": 20}}
    resolved = resolve_languages(Thresholds(), REGISTRY, user)
    assert resolved["toy"].max_line_length == 50 and resolved["toy"].max_avg_line_length == 20
    assert resolved["toylang"] is resolved["toy"]
    assert resolved["tabular"].max_numeric_fraction == 0.9
    # JSON's limits live only in its spec file: this toy spec sets max_chars alone
    assert (resolved["json"].min_chars, resolved["json"].max_chars) == (0, 8000)


def test_spec_threshold_applies_to_rows():
    start = "import os\nprint(os.name)\n"
    fifty = "value = 'a line of exactly fifty characters, yes.'\n"
    assert len(fifty) == 51
    rows = [file_row(start + fifty * 2, "Toy"), file_row(start + fifty * 2, "Python")]
    assert reasons(rows, settings(REGISTRY)) == [None, None]
    longer = fifty.replace("yes", "yess")
    rows = [file_row(start + longer, "toylang"), file_row(start + longer, "Python")]
    assert reasons(rows, settings(REGISTRY)) == ["max_line_length", None]


def test_config_file_and_flags(tmp_path):
    config = tmp_path / "pipeline.toml"
    config.write_text(
        "[filter]\nmax_line_length = 500\nnl_languages = ['en']\nreject_unknown_language = false\n"
        "[filter.language_overrides.Python]\nmin_alpha_fraction = 0.5\n"
    )
    args = parse(["--config", str(config), "--max-avg-line-length", "80"])
    built = resolve(args, default_registry())
    assert built.base.max_line_length == 500 and built.base.max_avg_line_length == 80
    assert built.nl_languages == ("en",) and not built.reject_unknown_language
    assert built.for_language("python").min_alpha_fraction == 0.5
    flags = parse(["--language-overrides", '{"JSON": {"max_chars": 100}}', "--no-humaneval"])
    assert resolve(flags, default_registry()).for_language("JSON").max_chars == 100
    assert flags.decontamination.humaneval is False


@pytest.mark.parametrize(
    "overrides, message",
    [
        ({"Python": {"max_line_lenght": 5}}, "unknown filter key"),
        ({"Python": {"max_line_length": "long"}}, "must be a int"),
        ({"Python": {"check_visible_text": 1}}, "true or false"),
    ],
)
def test_bad_overrides_are_usage_errors(overrides, message):
    with pytest.raises(UsageError, match=message):
        resolve_languages(Thresholds(), Registry([]), overrides)


def test_bad_spec_filters_name_the_spec_file():
    bad = Registry([parse_spec({"name": "Odd", "kind": "code", "filters": {"nope": 1}}, "odd.toml")])
    with pytest.raises(UsageError, match="odd.toml"):
        resolve_languages(Thresholds(), bad)


def test_installed_specs_resolve():
    from pipeline.langs.registry import default_registry

    resolve_languages(Thresholds(), default_registry())  # every spec's [filters] names known keys


@pytest.mark.parametrize(
    "name, message",
    [
        ("Pyhton", "unknown language 'Pyhton'; did you mean Python"),
        ("kind:dta", "unknown kind 'kind:dta'; did you mean kind:data"),
        ("Xqzzv", "unknown language 'Xqzzv' (`corpus langs list` lists them)"),
    ],
)
def test_unknown_language_names_in_overrides_are_usage_errors(name, message):
    args = parse(["--language-overrides", f'{{"{name}": {{"max_chars": 100}}}}'])
    with pytest.raises(UsageError, match=re.escape(message)):
        resolve(args, default_registry())
