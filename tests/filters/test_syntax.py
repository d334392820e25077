"""Quality screening on real tree-sitter parses: signal values of small known files, rejects of damaged
copies, the per-language switches, and bad input (NUL, invalid UTF-8, huge lines, deep nesting)."""

from __future__ import annotations

import dataclasses
import html
import time

import pyarrow as pa
import pytest
from filter_rows import HEALTHY_PYTHON, file_row, run_rows, settings

from pipeline.filters import syntax
from pipeline.filters.apply import SCREENING_REASONS
from pipeline.filters.base import BatchView
from pipeline.filters.config import FilterOptions, grammars, resolve
from pipeline.filters.screening_stats import SCREENING_REASONS as COUNTED_REASONS
from pipeline.filters.treesignals import analyze, covered, nesting_depth
from pipeline.langs.registry import default_registry

REGISTRY = default_registry()

PYTHON = '''"""Shapes."""
import math


class Circle:
    def __init__(self, radius):
        self.radius = radius

    def area(self):
        # pi r squared
        return math.pi * self.radius ** 2


def describe(shape):
    if shape:
        for name in dir(shape):
            if name.startswith("_"):
                continue
    return str(shape)
'''

JAVA = """package shapes;

/** A circle. */
public class Circle {
    private final double radius;

    public Circle(double radius) {
        this.radius = radius;
    }

    public double area() {
        return Math.PI * radius * radius;
    }
}
"""

JAVASCRIPT = """// Sum helpers.
function sum(values) {
  let total = 0;
  for (const value of values) {
    total += value;
  }
  return total;
}

const double = (x) => x * 2;
module.exports = { sum, double };
"""


def screening(**changes):
    """Executor settings as `corpus filter` resolves them (grammars, language specs), in-process parsing."""
    resolved = resolve(FilterOptions(), REGISTRY, has_nl_language=False)
    return dataclasses.replace(resolved, parse_isolation="none", **changes)


def test_python_signals():
    [row] = run_rows([file_row(PYTHON)], screening())
    assert row["reason"] is None and row["parsed"] is True and row["parse_skipped"] is None
    assert row["syntax_errors"] == 0 and row["syntax_error_fraction"] == 0.0
    assert row["functions"] == 3 and row["classes"] == 1
    assert row["max_function_lines"] == 6  # describe()
    assert row["mean_function_lines"] == pytest.approx((2 + 3 + 6) / 3)
    # class > def > block: 2 for a method's body; describe: def > if > for > if = 4
    assert row["max_nesting_depth"] == 4
    assert row["doc_comment"] is True
    assert row["comment_fraction"] == pytest.approx(len("# pi r squared") / len(PYTHON.encode()))
    names = ["math", "Circle", "__init__", "self", "radius", "self", "radius", "radius", "area", "self", "math", "pi"]
    names += ["self", "radius", "describe", "shape", "shape", "name", "dir", "shape", "name", "startswith"]
    names += ["str", "shape"]
    assert row["mean_identifier_length"] == pytest.approx(sum(map(len, names)) / len(names))
    assert row["duplicate_line_fraction"] == 0.0


def test_java_and_javascript_signals():
    java, js = run_rows(
        [file_row(JAVA, "Java", "Circle.java"), file_row(JAVASCRIPT, "JavaScript", "sum.js")], screening()
    )
    assert (java["functions"], java["classes"], java["max_nesting_depth"], java["doc_comment"]) == (2, 1, 2, False)
    assert java["max_function_lines"] == 3 and java["parsed"] is True
    assert java["comment_fraction"] == pytest.approx(len("/** A circle. */") / len(JAVA))
    assert (js["functions"], js["classes"], js["max_nesting_depth"], js["doc_comment"]) == (2, 0, 2, True)
    assert js["max_function_lines"] == 7 and js["reason"] is None


def test_damaged_copies_are_rejected():
    lines = JAVA.splitlines(keepends=True)
    damaged = {
        "cut": "".join(lines[:9]),  # inside the constructor
        "escaped": html.escape(PYTHON),
        "joined": PYTHON + JAVASCRIPT,
        "lines deleted": "".join(line for i, line in enumerate(lines) if i not in (6, 10)),
    }
    languages = {"escaped": ("Python", "a.py"), "joined": ("Python", "b.py")}
    rows = [file_row(text, *languages.get(kind, ("Java", "C.java"))) for kind, text in damaged.items()]
    out = run_rows(rows + [file_row(PYTHON), file_row(JAVA, "Java", "Circle.java")], screening())
    # the escaped copy no longer reaches the parse: the html_escaped rule (no raw < > " left) takes it first
    assert [r["reason"] for r in out] == ["syntax_errors", "html_escaped", "syntax_errors", "syntax_errors", None, None]
    cut = out[0]
    assert cut["parsed"] is False and cut["syntax_errors"] >= 1
    assert cut["syntax_error_fraction"] > 0.5  # the unclosed class and constructor count, not one byte


def test_python_cut_after_a_header_is_an_error_as_cpython_says():
    # tree-sitter-python builds a clean tree for these; CPython rejects them ("expected an indented block")
    hollow = {
        "if x:\n": "if x:\n",
        "class A(B):\n\nfoo()\n": "class A(B):\n",
        "try:\n    a()\n": "try:\n    a()\n",
        "def f():\n    # to do\n\nx = 1\n": "def f():\n",
    }
    for source, construct in hollow.items():
        signals = analyze("python", source.encode(), 5.0)
        assert (signals.parsed, signals.syntax_errors) == (False, 1), source
        assert signals.syntax_error_fraction == pytest.approx(len(construct) / len(source), abs=2 / len(source))
    for source in ("if x:\n    pass\n", "try:\n    a()\nexcept E:\n    pass\n", 'class A:\n    """Doc."""\n'):
        assert analyze("python", source.encode(), 5.0).parsed is True, source


def test_error_fraction_threshold_and_language_switch():
    text = HEALTHY_PYTHON + "x = (\n"  # a little broken at the end
    [row] = run_rows([file_row(text)], screening())
    fraction = row["syntax_error_fraction"]
    assert row["reason"] == "syntax_errors" and 0 < fraction < 0.2
    loose = dataclasses.replace(screening(), base=dataclasses.replace(screening().base, max_syntax_error_fraction=0.2))
    loose = dataclasses.replace(loose, by_language={})
    assert run_rows([file_row(text)], loose)[0]["reason"] is None
    off = resolve(FilterOptions(language_overrides={"Python": {"syntax_check": False}}), REGISTRY, False)
    [kept] = run_rows([file_row(text)], dataclasses.replace(off, parse_isolation="none"))
    assert kept["reason"] is None and kept["parsed"] is False  # still parsed and measured


def test_excluded_languages_come_from_their_spec():
    """A spec's `[filters] syntax_check = false` turns the rule off for that language alone."""
    excluded = [s.name for s in REGISTRY.specs if s.filters.get("syntax_check") is False]
    assert excluded, "some grammar is measured too weak (bench/bench_quality.py)"
    assert all(REGISTRY.get(name).tree_sitter for name in excluded)
    resolved = screening()
    assert not resolved.for_language(excluded[0]).syntax_check and resolved.for_language("Python").syntax_check


def test_rows_rejected_earlier_and_pages_are_not_parsed():
    rows = [file_row("x = 1"), file_row(PYTHON, language="Vala"), file_row(PYTHON * 2, language="Markdown")]
    out = run_rows(rows, screening())
    assert [(r["reason"], r["parse_skipped"], r["parsed"]) for r in out] == [
        ("too_short", "rejected", None),
        (None, "no_grammar", None),
        (None, "text", None),  # documentation is judged by the docs rules, not parsed
    ]
    assert out[1]["duplicate_line_fraction"] == 0.0  # the text signal needs no grammar
    [off] = run_rows([file_row(PYTHON)], screening(parse_files=False))
    assert (off["parse_skipped"], off["functions"]) == ("off", None)
    [syntax_only] = run_rows([file_row(PYTHON)], screening(readability_signals=False))
    assert syntax_only["parsed"] is True and syntax_only["functions"] is None


def test_existing_settings_parse_nothing():
    """FilterSettings without grammars (what the older rule tests build) never parse."""
    [row] = run_rows([file_row(PYTHON)], settings())
    assert row["parse_skipped"] == "no_grammar" and row["reason"] is None


def test_duplicate_lines():
    text = "total = total + value\n" * 3 + "return total\n" + "}\n" * 10
    assert syntax.duplicate_line_fraction(text.encode()) == pytest.approx(2 / 4)  # `}` lines do not count
    limit = dataclasses.replace(screening().base, max_duplicate_line_fraction=0.4)
    rows = run_rows(
        [file_row(HEALTHY_PYTHON + "x = compute(1)\n" * 5)],
        dataclasses.replace(screening(), base=limit, by_language={}),
    )
    assert rows[0]["reason"] == "duplicated_lines"


def test_readability_rules_are_off_by_default_and_can_be_set():
    base = screening().base
    assert (base.max_function_lines, base.max_nesting_depth, base.min_comment_fraction) == (0, 0, 0.0)
    strict = dataclasses.replace(base, max_function_lines=5, max_nesting_depth=3, min_mean_identifier_length=6.0)
    [row] = run_rows([file_row(PYTHON)], dataclasses.replace(screening(), base=strict, by_language={}))
    assert row["reason"] == "long_function"
    deep = dataclasses.replace(base, max_nesting_depth=3)
    assert run_rows([file_row(PYTHON)], dataclasses.replace(screening(), base=deep, by_language={}))[0]["reason"] == (
        "deep_nesting"
    )
    short = dataclasses.replace(base, min_mean_identifier_length=6.0)
    assert run_rows([file_row(PYTHON)], dataclasses.replace(screening(), base=short, by_language={}))[0]["reason"] == (
        "short_identifiers"
    )


def test_every_screening_reason_is_counted():
    assert set(SCREENING_REASONS) == set(COUNTED_REASONS)


def test_interval_helpers():
    assert covered([(0, 10), (5, 12), (20, 21)]) == 13
    assert nesting_depth([(0, 100), (10, 50), (20, 30), (60, 70), (100, 110)]) == 3


# ---- bad input -------------------------------------------------------------------------------------


def _string_array(values: list[bytes]) -> pa.Array:
    """A string array holding arbitrary bytes (invalid UTF-8 included), as a reader might hand over."""
    offsets = [0]
    for value in values:
        offsets.append(offsets[-1] + len(value))
    offsets_buffer = pa.array(offsets, pa.int64()).buffers()[1]
    return pa.Array.from_buffers(pa.large_string(), len(values), [None, offsets_buffer, pa.py_buffer(b"".join(values))])


def _screen(contents: list[bytes], filter_settings) -> dict:
    batch = pa.RecordBatch.from_pydict(
        {
            "content": _string_array(contents),
            "language": pa.array(["Python"] * len(contents)),
            "url": pa.nulls(len(contents), pa.string()),
        }
    )
    import numpy as np

    view = BatchView(batch, filter_settings)
    return syntax.compute(view, np.ones(len(contents), dtype=bool), {})


def test_invalid_utf8_and_nul_bytes_are_not_parsed():
    out = _screen([b"x = '\xff\xfe'\n", b"x = 1\x00\ny = 2\n", b"x = 1\n"], screening())
    assert out["parse_skipped"] == ["invalid_utf8", "nul_byte", None]
    assert out["parsed"] == [None, None, True]


def test_a_100_mb_line_is_never_parsed():
    started = time.monotonic()
    out = _screen([b"x" * 100_000_000], screening())
    assert out["parse_skipped"] == ["too_large"] and time.monotonic() - started < 5


def test_deep_nesting_is_bounded():
    million = ("x = " + "[" * 1_000_000 + "]" * 1_000_000 + "\n").encode()
    assert _screen([million], screening())["parse_skipped"] == ["too_large"]  # over --parse-max-bytes
    deep = ("x = " + "[" * 200_000 + "]" * 200_000 + "\n").encode()
    started = time.monotonic()
    out = _screen([deep], screening())
    assert time.monotonic() - started < 10
    assert out["parsed"] == [True] or out["parse_skipped"] == ["timeout"]


def test_time_budget_is_a_reason_not_a_hang():
    assert analyze("python", PYTHON.encode() * 200, 0.0).skipped == "timeout"
    out = _screen([PYTHON.encode() * 2000], screening(parse_max_seconds=0.001))
    assert out["parse_skipped"] == ["timeout"] and out["parsed"] == [None]


def test_grammars_of_the_specs():
    found = grammars(REGISTRY)
    assert found["python"] == "python" and found["py"] == "python" and found["c++"] == "cpp"
    assert "text" not in found
