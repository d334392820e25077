"""Tree-sitter parsing from bytes with a time budget, for every stage that parses (repository samples'
imports, the filter's syntax and readability signals), and the grammar check of `corpus langs check`.

Grammars come from tree-sitter-language-pack (bundled in the wheel: nothing is downloaded). A parser
is made once per grammar and process.
"""

from __future__ import annotations

import functools
import time

# Outcomes of `parse` other than a tree.
PARSED = "parsed"
TIMEOUT = "timeout"
PARSE_FAILED = "parse_failed"


@functools.cache
def parser(grammar: str):
    """The tree-sitter parser of a bundled grammar (LookupError when the pack has no such grammar)."""
    from tree_sitter_language_pack import get_parser

    return get_parser(grammar)


@functools.cache
def language(grammar: str):
    from tree_sitter_language_pack import get_language

    return get_language(grammar)


def parse(grammar: str, source: bytes, max_seconds: float):
    """(tree, PARSED), or (None, TIMEOUT | PARSE_FAILED). The bytes are parsed in one call; a parse
    that took longer than `max_seconds` is discarded (TIMEOUT).

    Not through a reader callback that could stop at a deadline: py-tree-sitter 0.26 keeps every
    chunk such a callback returns (the lexer asks again at each token: ~300 MB kept per 78 KB Scala
    file, 17 GB in one worker on the benchmark corpus), and is 10-40x slower for the copies (a
    progress callback is ignored when parsing bytes). Tree-sitter keeps a bounded number of stack
    versions, so its time grows linearly with the input, which the caller's byte budget bounds (the
    slowest file of the 1.4 GB benchmark corpus: 0.2 s). A grammar that loops or crashes cannot be
    stopped in-process: the filter stage parses in a child process it can kill
    (`pipeline/filters/sandbox.py`).
    """
    started = time.monotonic()
    try:
        tree = parser(grammar).parse(source)
    except Exception:  # a grammar crash on odd input (or a grammar that does not load) must not stop a stage
        return None, PARSE_FAILED
    if time.monotonic() - started > max_seconds:
        return None, TIMEOUT
    if tree is None:
        return None, PARSE_FAILED
    return tree, PARSED


def grammar_problem(grammar: str) -> str | None:
    """Why a grammar cannot be used (not in the pack, does not load, cannot parse), or None."""
    try:
        tree = parser(grammar).parse(b"\n")
    except ImportError:
        return "tree_sitter_language_pack is not installed"
    except Exception as error:  # LookupError (unknown name), OSError (a broken shared library)...
        return f"{type(error).__name__}: {error}"
    if tree is None:
        return "the parser returned no tree"
    return None
