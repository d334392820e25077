"""`corpus langs check` loads every grammar the specs name and reports those that do not load."""

from __future__ import annotations

from pipeline.langs.check import grammar_load_errors, load_all
from pipeline.langs.parse import grammar_problem
from pipeline.langs.registry import SPECS_DIR, LanguageSpec


def test_every_named_grammar_loads():
    specs, errors = load_all(SPECS_DIR)
    assert errors == []
    named = {s.tree_sitter for s in specs if s.tree_sitter}
    assert grammar_load_errors(specs, named) == []


def test_a_grammar_that_does_not_load_is_reported():
    specs = [
        LanguageSpec("Good", "code", extensions=(".g",), tree_sitter="python", source_file="good.toml"),
        LanguageSpec("Broken", "code", extensions=(".b",), tree_sitter="broken", source_file="broken.toml"),
    ]

    def problem(grammar: str) -> str | None:
        return "OSError: cannot open shared object" if grammar == "broken" else None

    assert grammar_load_errors(specs, {"python", "broken"}, problem) == [
        "broken.toml: tree_sitter grammar 'broken' does not load: OSError: cannot open shared object"
    ]
    assert grammar_problem("python") is None
    assert grammar_problem("no-such-grammar").startswith("LookupError")
