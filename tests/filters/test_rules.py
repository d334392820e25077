"""Each rule with a row just inside (kept) and just outside (rejected) its threshold."""

from __future__ import annotations

import pyarrow as pa
import pytest
from filter_rows import HEALTHY_PYTHON, INPUT_UNION_SCHEMA, file_row, page_row, reasons, run_rows, settings

from pipeline.filters.apply import filter_batch, output_schema
from pipeline.filters.chars import ALPHA, DIGIT, SPACE, class_table
from pipeline.filters.generated import HEAD_CHARS
from pipeline.langs.registry import default_registry


def words(length: int, word: str = "data") -> str:
    """Alphabetic text of exactly `length` characters (words separated by single spaces)."""
    text = ((word + " ") * (length // (len(word) + 1) + 1))[:length]
    return text[:-1] + "x" if text.endswith(" ") else text


def short_lines(count: int, width: int = 40) -> str:
    return "".join(words(width) + "\n" for _ in range(count))


def test_healthy_file_is_kept_with_signals():
    [row] = run_rows([file_row(HEALTHY_PYTHON)])
    assert row["reason"] is None
    assert row["max_line_length"] == len('    """Names of the entries of a folder, sorted."""')
    assert row["content_chars"] == len(HEALTHY_PYTHON)
    assert 0.5 < row["alpha_fraction"] < 0.9
    assert row["visible_text_ratio"] is None  # only computed for HTML


def test_words_helper_is_exact():
    assert len(words(100)) == 100 and len(words(7)) == 7


def test_avg_line_length():
    inside = "\n".join(words(100) for _ in range(5)) + "\n"
    outside = "\n".join(words(100) for _ in range(4)) + "\n" + words(105) + "\n"
    rows = run_rows([file_row(inside), file_row(outside)])
    assert rows[0]["avg_line_length"] == 100.0 and rows[0]["reason"] is None
    assert rows[1]["avg_line_length"] == 101.0 and rows[1]["reason"] == "avg_line_length"


def test_crlf_does_not_count_in_line_length():
    [row] = run_rows([file_row("\r\n".join(words(100) for _ in range(3)) + "\r\n")])
    assert row["avg_line_length"] == 100.0 and row["max_line_length"] == 100


def test_max_line_length():
    inside = short_lines(30) + words(1000) + "\n"
    outside = short_lines(30) + words(1001) + "\n"
    rows = run_rows([file_row(inside), file_row(outside)])
    assert rows[0]["max_line_length"] == 1000 and rows[0]["reason"] is None
    assert rows[1]["max_line_length"] == 1001 and rows[1]["reason"] == "max_line_length"


def test_alpha_fraction():
    inside = "x" * 25 + "." * 75  # exactly 25% alphabetic
    outside = "x" * 24 + "." * 76
    rows = run_rows([file_row(inside), file_row(outside)])
    assert rows[0]["alpha_fraction"] == 0.25 and rows[0]["reason"] is None
    assert rows[1]["reason"] == "alpha_fraction"


def test_alpha_counts_unicode_letters():
    [row] = run_rows([file_row("é" * 30 + " " * 70)])
    assert row["alpha_fraction"] == 0.3 and row["reason"] is None


def test_xml_header_in_first_100_characters():
    declaration = '<?xml version="1.0"?>'
    inside = words(86) + declaration + "\n" + short_lines(5)  # ends at character 100
    outside = words(87) + declaration + "\n" + short_lines(5)
    rows = run_rows([file_row(inside, "XML"), file_row(outside, "XML")])
    assert rows[0]["xml_header"] and rows[0]["reason"] == "xml_header"
    assert not rows[1]["xml_header"] and rows[1]["reason"] is None


def test_xslt_may_start_with_xml_header():
    content = '<?xml version="1.0"?>\n<xsl:stylesheet version="1.0">\n' + short_lines(3) + "</xsl:stylesheet>\n"
    assert reasons([file_row(content, "XSLT"), file_row(content, "XML")]) == [None, "xml_header"]


def test_html_escaped_code_is_rejected_and_code_that_writes_entities_is_not():
    import html as html_module

    code = 'def tag(name):\n    """Wrap in <b>."""\n    return "<b>" + name + "</b>" if name else "&amp;"\n'
    escaped = html_module.escape(code)
    single_entity = "url = 'https://example.org/?a=1&amp;b=2'\nprint(url)\n"  # one entity: kept
    rows = run_rows([file_row(escaped), file_row(code), file_row(single_entity)])
    assert [r["reason"] for r in rows] == ["html_escaped", None, None]
    assert rows[0]["html_entities"] == 19 and rows[1]["html_entities"] == 0  # raw < > " left: not escaped
    assert reasons([file_row(escaped)], settings(min_html_entities=0)) == [None]  # 0: the rule is off


def html(visible: str, padding: int) -> str:
    """A page whose visible text is `visible`; a comment of `padding` letters pads the source."""
    head = "<html><body><p>"
    tail = "</p>\n<!-- " + "\n".join(words(50) for _ in range(padding // 51)) + " -->\n</body></html>\n"
    return head + visible + tail


def test_html_visible_text_characters():
    inside, outside = html(words(100), 200), html(words(99), 200)
    rows = run_rows([file_row(inside, "HTML", "a.html"), file_row(outside, "HTML", "b.html")])
    assert rows[0]["visible_text_chars"] == 100 and rows[0]["reason"] is None
    assert rows[1]["visible_text_chars"] == 99 and rows[1]["reason"] == "html_visible_text"


def test_html_visible_text_ratio():
    page = html(words(200), 700)
    inside = page + " " * (1000 - len(page))  # 200 visible characters of 1,000
    outside = inside + " "
    rows = run_rows([file_row(inside, "HTML", "a.html"), file_row(outside, "HTML", "b.html")])
    assert rows[0]["visible_text_ratio"] == 0.2 and rows[0]["reason"] is None
    assert rows[1]["visible_text_ratio"] < 0.2 and rows[1]["reason"] == "html_visible_text"


def json_of(length: int) -> str:
    """A JSON object of exactly `length` characters."""
    skeleton = '{"note": ""}'
    body = "\n".join(words(60) for _ in range(length // 61 + 1))[: length - len(skeleton)]
    return '{"note": "' + body.replace("\n", " ") + '"}'


@pytest.mark.parametrize("length, kept", [(49, False), (50, True), (5000, True), (5001, False)])
def test_json_size_window(length, kept):
    content = json_of(length)
    assert len(content) == length
    expected = None if kept else "size_window"
    assert reasons(
        [file_row(content, "JSON", "a.json")], settings(max_avg_line_length=10_000, max_line_length=10_000)
    ) == [expected]


def test_size_window_keys_off_language_overrides():
    assert default_registry().get("YAML").filters.items() >= {"min_chars": 50, "max_chars": 5000}.items()
    content = json_of(49)
    assert reasons([file_row(content, "YAML", "a.yml"), file_row(content, "Python")]) == ["size_window", None]


def test_very_short_file():
    inside, outside = "x = " + "a" * 18, "x = " + "a" * 17  # 20 and 19 non-space characters
    assert reasons([file_row(inside), file_row(outside)]) == [None, "too_short"]


def test_generated_header():
    header = "// Code generated by protoc-gen-go. DO NOT EDIT.\n"
    near_top = file_row(header + HEALTHY_PYTHON)
    inside = file_row(short_lines(HEAD_CHARS // 41 - 2) + header + HEALTHY_PYTHON)
    outside = file_row(short_lines(HEAD_CHARS // 41 + 1) + header + HEALTHY_PYTHON)
    mention = file_row("# Reads the generated report and prints it.\n" + HEALTHY_PYTHON)
    rows = run_rows([near_top, inside, outside, mention])
    assert [r["reason"] for r in rows] == ["auto_generated", "auto_generated", None, None]
    assert rows[0]["generated_header"] and not rows[3]["generated_header"]


@pytest.mark.parametrize(
    "header",
    [
        "# Generated by the protocol buffer compiler.  DO NOT EDIT!\n",
        "// <auto-generated>\n//     This code was generated by a tool.\n// </auto-generated>\n",
        "/* This file was automatically generated by SWIG. */\n",
        "# @generated by pants\n",
    ],
)
def test_generator_conventions(header):
    assert reasons([file_row(header + HEALTHY_PYTHON)]) == ["auto_generated"]


def test_generated_rule_can_be_turned_off_and_honors_ingest_flag():
    header = "// Code generated by stringer; DO NOT EDIT.\n"
    flagged = file_row(HEALTHY_PYTHON, is_generated=True)
    assert reasons([file_row(header + HEALTHY_PYTHON), flagged]) == ["auto_generated", "auto_generated"]
    assert reasons([file_row(header + HEALTHY_PYTHON)], settings(reject_generated=False)) == [None]


def blob(length: int) -> str:
    return ("QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVo0NTY3" * (length // 40 + 1))[:length]


def test_encoded_run_length():
    text = short_lines(60)  # 2,460 characters, so the run stays under half of the file
    inside, outside = text + blob(1024) + "\n", text + blob(1025) + "\n"
    rows = run_rows([file_row(inside), file_row(outside)], settings(max_line_length=2000))
    assert rows[0]["encoded_max_run"] == 1024 and rows[0]["reason"] is None
    assert rows[1]["encoded_max_run"] == 1025 and rows[1]["reason"] == "encoded_data"


def test_encoded_fraction():
    text = short_lines(10)[:-1]  # 409 characters
    inside = text + "\n" + blob(410)  # 410 of 820 characters
    outside = text + "\n" + blob(411)
    rows = run_rows([file_row(inside), file_row(outside)], settings(max_avg_line_length=1000))
    assert rows[0]["encoded_fraction"] == 0.5 and rows[0]["reason"] is None
    assert rows[1]["reason"] == "encoded_data"


def test_escaped_bytes_and_byte_arrays_are_runs():
    escaped = 'DATA = "' + "\\x1f" * 300 + '"\n'
    array = "static const char data[] = {" + "0x1f, " * 300 + "};\n"
    rows = run_rows(
        [file_row(short_lines(5) + escaped), file_row(short_lines(5) + array, "C", "a.c")],
        settings(max_line_length=5000, max_avg_line_length=5000, min_alpha_fraction=0),
    )
    assert rows[0]["encoded_max_run"] == 1200 and rows[0]["reason"] == "encoded_data"
    assert rows[1]["encoded_max_run"] >= 1024 and rows[1]["reason"] == "encoded_data"


def test_numeric_data():
    inside = "ab12\n" * 20  # digits are exactly half of the non-space characters
    outside = "ab12\n" * 19 + "ab123\n"
    rows = run_rows([file_row(inside, "Python"), file_row(outside, "Python")])  # Text: the docs rules
    assert rows[0]["numeric_fraction"] == 0.5 and rows[0]["reason"] is None
    assert rows[1]["numeric_fraction"] > 0.5 and rows[1]["reason"] == "numeric_data"


def test_unknown_language():
    rows = [file_row(HEALTHY_PYTHON, language=None), file_row(HEALTHY_PYTHON, language="")]
    assert reasons(rows) == ["unknown_language", "unknown_language"]
    assert reasons(rows, settings(reject_unknown_language=False)) == [None, None]


def test_missing_content_is_a_reject_not_a_crash():
    assert reasons([file_row(None)]) == ["too_short"]


def test_first_rule_names_the_reason():
    content = words(1500) + "\n"  # long line, long average and no language
    assert reasons([file_row(content, language=None), file_row(content)]) == ["unknown_language", "avg_line_length"]


def test_pages_get_page_rules_only():
    text = words(2000)  # one long line: a file rule would reject it
    pages = [
        page_row(text),
        page_row(text, "fr"),
        page_row(text, None),
        page_row("abcd " * 24 + "abc"),
        page_row("abcd " * 25),
    ]  # 99 and 100 non-space characters
    assert reasons(pages) == [None, "nl_language", "nl_language", "too_short", None]
    assert reasons(pages, settings(nl_languages=())) == [None, None, None, "too_short", None]
    assert reasons(pages, settings(check_nl_language=False)) == [None, None, None, "too_short", None]


def test_character_classes_match_python_str_methods():
    text = "".join(map(chr, range(256))) + "Ωж中文٣𝔸\u2003\u3000"
    [row] = run_rows([file_row(text)])
    assert row["content_chars"] == len(text)
    assert row["nonspace_chars"] == sum(not c.isspace() for c in text)
    assert row["alpha_fraction"] == sum(c.isalpha() for c in text) / len(text)
    ascii_only = "".join(map(chr, range(128))) * 3
    [ascii_row] = run_rows([file_row(ascii_only)])
    assert ascii_row["alpha_fraction"] == sum(c.isalpha() for c in ascii_only) / len(ascii_only)
    assert ascii_row["numeric_fraction"] == sum(c.isdigit() for c in ascii_only) / sum(
        not c.isspace() for c in ascii_only
    )
    table = class_table()
    assert all(
        bool(table[ord(c)] & ALPHA) == c.isalpha()
        and bool(table[ord(c)] & DIGIT) == c.isdigit()
        and bool(table[ord(c)] & SPACE) == c.isspace()
        for c in text
    )


def test_empty_batch():
    out = filter_batch(pa.RecordBatch.from_pylist([], schema=INPUT_UNION_SCHEMA), settings())
    assert out.num_rows == 0 and out.schema == output_schema(INPUT_UNION_SCHEMA)


def test_character_counts_of_rows_longer_than_a_chunk(monkeypatch):
    """Rows are classified a chunk at a time (a 50 MB one-line file must not cost 250 MB of masks)."""
    from pipeline.filters import chars

    monkeypatch.setattr(chars, "ASCII_CHUNK", 64)
    texts = [HEALTHY_PYTHON * 7, "x", "", words(500) + " 123\t\n", HEALTHY_PYTHON]
    rows = run_rows([file_row(text, path=f"f{n}.py") for n, text in enumerate(texts)])
    for row, text in zip(rows, texts, strict=True):
        assert row["content_chars"] == len(text)
        assert row["nonspace_chars"] == sum(not c.isspace() for c in text)
        assert row["alpha_fraction"] == pytest.approx(sum(c.isalpha() for c in text) / max(len(text), 1))
