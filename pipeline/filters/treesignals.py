"""Syntax and readability signals of one file, from one tree-sitter parse (`pipeline.langs.parse`).

`analyze(grammar, source, max_seconds)` returns a `TreeSignals` tuple. It runs in the filter's parse
worker (`sandbox.py`: a child process that can be killed when a grammar loops or crashes) or, with
`--parse-isolation none`, in the executor itself.

- Syntax: ERROR and MISSING nodes, found by descending only into nodes that contain one (a clean
  tree costs nothing). `syntax_error_fraction` is the share of the file's bytes covered by ERROR nodes
  and by the constructs a MISSING node leaves unfinished (its parent: a file cut inside a class is
  missing the class's `}`, so the whole class counts), each at least one byte, overlaps counted once.
- Constructs a grammar accepts but its language's compiler rejects count as MISSING nodes do
  (`HOLLOW`): tree-sitter-python parses `if x:` with nothing under it, the end of a file cut after a
  compound statement's header, and a `try` with no handler, without an error.
- Readability and modularity: one query per grammar (built from its node kinds, `KINDS` below)
  captures comments, functions, classes, blocks and identifiers in one pass in C.
"""

from __future__ import annotations

import functools
import re
import time
from typing import NamedTuple

from pipeline.langs.parse import PARSE_FAILED, TIMEOUT, language, parse

# Why a file has no tree signals (`parse_skipped`); PARSE_FAILED and TIMEOUT come from the parser.
NO_GRAMMAR = "no_grammar"
TOO_LARGE = "too_large"
NUL_BYTE = "nul_byte"
INVALID_UTF8 = "invalid_utf8"
SKIP_REASONS = (NO_GRAMMAR, TOO_LARGE, TIMEOUT, PARSE_FAILED, NUL_BYTE, INVALID_UTF8)

# tree-sitter's query cursor slows from milliseconds to minutes once a tree is deeper than ~32k nodes;
# captures start above this depth (blocks nested deeper are not counted: the depth is capped here).
MAX_QUERY_DEPTH = 10_000
DEADLINE_EVERY = 4096  # error-walk nodes between two looks at the clock


class TreeSignals(NamedTuple):
    parsed: bool | None  # True: no ERROR/MISSING node; False: some; None: not parsed (`skipped` says why)
    skipped: str | None
    syntax_errors: int | None
    syntax_error_fraction: float | None
    comment_fraction: float | None
    doc_comment: bool | None
    functions: int | None
    classes: int | None
    mean_function_lines: float | None
    max_function_lines: int | None
    max_nesting_depth: int | None
    mean_identifier_length: float | None


def skipped(reason: str) -> TreeSignals:
    return TreeSignals(None, reason, *([None] * (len(TreeSignals._fields) - 2)))


# ---- node kinds per grammar ------------------------------------------------------------------------
# Generic rules on kind names (tree-sitter grammars name nodes alike), then per-grammar corrections.

_COMMENT = re.compile(r"comment")
_NOT_COMMENT = re.compile(r"_content$|marker|^comment_")
_FUNCTION = re.compile(
    r"^(function|method|subroutine|procedure)(_(definition|declaration|item|def))?$"
    r"|^(generator_function|async_function|local_function)(_(declaration|statement))?$"
    r"|^(constructor|destructor|compact_constructor|secondary_constructor)_(declaration|definition)$"
    r"|^(arrow_function|lambda_expression|anonymous_function|function_expression)$"
)
_CLASS = re.compile(
    r"^(abstract_)?(class|struct|interface|trait|enum|record|impl|protocol|object|union)_"
    r"(definition|declaration|specifier|item)$"
)
_BLOCK = re.compile(r"(^|_)(block|body|compound_statement|declaration_list|field_declaration_list|do_group)$")
_NOT_BLOCK = re.compile(r"comment|heredoc|nowdoc|macro|quasiquote|string|code_block|html_block")
_IDENTIFIER = re.compile(r"(^|_)identifier$")
_NOT_IDENTIFIER = re.compile(r"^(scoped|qualified|nested|stable|dotted|operator|namespace_alias)_")
# C's and C++'s `struct x` is a struct_specifier wherever the type is named: only one with a body counts.
NEEDS_BODY = re.compile(r"_specifier$")

# Corrections where the generic names mislead or miss: (add, remove) per category.
_JS = {"class": (("class",), ())}
KINDS: dict[str, dict[str, tuple[tuple[str, ...], tuple[str, ...]]]] = {
    "python": {"function": (("lambda",), ())},
    "javascript": _JS,
    "typescript": _JS,
    "tsx": _JS,
    "ruby": {
        "function": (("method", "singleton_method", "lambda"), ()),
        "class": (("class", "module", "singleton_class"), ()),
        "block": (("then", "else", "do", "ensure", "begin", "body_statement"), ()),
    },
    "haskell": {
        "function": (("function", "bind"), ()),
        "class": (("class", "instance", "data_type", "newtype"), ()),
        "identifier": (("variable", "constructor", "name"), ()),
    },
    "kotlin": {"identifier": ((), ("identifier",))},  # a dotted name of simple_identifiers
    "bash": {"block": (("if_statement", "case_statement"), ()), "identifier": (("variable_name",), ())},
    "php": {"identifier": (("name",), ())},
    "perl": {
        "function": (("subroutine_declaration_statement", "method_declaration_statement"), ("function", "method")),
        "class": (("package_statement", "class_statement"), ()),
        "identifier": (("varname", "bareword"), ()),
    },
    "elixir": {"function": (("stab_clause",), ())},
    "go": {"class": (("type_spec",), ())},
    "rust": {"function": (("closure_expression",), ())},
    "ocaml": {
        "function": (("let_binding",), ("constructor_declaration",)),
        "class": (("module_definition", "class_definition", "type_definition"), ("record_declaration",)),
        "identifier": (("value_name", "type_constructor", "module_name", "field_name"), ()),
    },
    "erlang": {"function": (("fun_decl", "anonymous_fun"), ()), "identifier": (("atom", "var"), ())},
}
CATEGORIES = ("comment", "function", "class", "block", "identifier")

# grammar -> (query, the captures that are hollow): what CPython rejects ("expected an indented block",
# "expected 'except' or 'finally' block") and tree-sitter-python builds a clean tree for
_TRY_HANDLERS = frozenset({"except_clause", "except_group_clause", "finally_clause"})
HOLLOW = {
    "python": (
        "(block) @block (try_statement) @try",
        {
            "block": lambda node: all(child.type == "comment" for child in node.named_children),
            "try": lambda node: not any(child.type in _TRY_HANDLERS for child in node.children),
        },
    ),
}


@functools.cache
def node_kinds(grammar: str) -> dict[str, tuple[str, ...]]:
    """Named, visible node kinds of a grammar by category (computed once per process)."""
    lang = language(grammar)
    names = sorted(
        {
            lang.node_kind_for_id(i)
            for i in range(lang.node_kind_count)
            if lang.node_kind_is_named(i) and lang.node_kind_is_visible(i)
        }
        - {None, ""}
    )
    found = {
        "comment": [k for k in names if _COMMENT.search(k) and not _NOT_COMMENT.search(k)],
        "function": [k for k in names if _FUNCTION.match(k)],
        "class": [k for k in names if _CLASS.match(k)],
        "block": [k for k in names if _BLOCK.search(k) and not _NOT_BLOCK.search(k)],
        "identifier": [k for k in names if _IDENTIFIER.search(k) and not _NOT_IDENTIFIER.match(k)],
    }
    for category, (add, remove) in KINDS.get(grammar, {}).items():
        found[category] = sorted((set(found[category]) | {k for k in add if k in names}) - set(remove))
    return {category: tuple(kinds) for category, kinds in found.items()}


@functools.cache
def comment_kinds(grammar: str) -> frozenset[str]:
    return frozenset(node_kinds(grammar)["comment"])


@functools.cache
def grammar_query(grammar: str):
    """(query, categories it captures) for a grammar, compiled once per process (a compile costs
    10-80 ms, whatever its size); a kind the query language rejects is dropped and the rest retried."""
    from tree_sitter import Query, QueryError

    lang = language(grammar)
    kinds = {category: list(names) for category, names in node_kinds(grammar).items() if names}
    for _ in range(sum(map(len, kinds.values())) + 1):
        if not kinds:
            return None, frozenset()
        text = "\n".join("[" + " ".join(f"({k})" for k in names) + f"] @{c}" for c, names in kinds.items())
        try:
            return Query(lang, text), frozenset(kinds)
        except QueryError as error:
            bad = str(error).rsplit(":", 1)[-1].strip()
            found = [c for c, names in kinds.items() if bad in names]
            if not found:
                return None, frozenset()
            for category in found:
                kinds[category].remove(bad)
                if not kinds[category]:
                    del kinds[category]
    return None, frozenset()


# ---- one file ----------------------------------------------------------------------------------------


def analyze(grammar: str, source: bytes, max_seconds: float, readability: bool = True) -> TreeSignals:
    """Parse `source` and measure it; past `max_seconds` (parse and measures together) the file gets
    no signals (TIMEOUT). `readability=False`: the syntax signals only (no query: about a quarter of
    the cost). The caller has checked the size, NUL bytes and UTF-8."""
    deadline = time.monotonic() + max_seconds
    tree, status = parse(grammar, source, max_seconds)
    if tree is None:
        return skipped(status)
    try:
        root = tree.root_node
        size = max(len(source), 1)
        found = _syntax_errors(root, hollow_spans(grammar, root), deadline)
        if found is None:
            return skipped(TIMEOUT)
        errors, error_bytes = found
        query, categories = grammar_query(grammar) if readability else (None, frozenset())
        captures = {}
        if query is not None:
            from tree_sitter import QueryCursor

            cursor = QueryCursor(query)
            cursor.set_max_start_depth(MAX_QUERY_DEPTH)
            captures = cursor.captures(root)
        if time.monotonic() > deadline:
            return skipped(TIMEOUT)
        functions = captures.get("function", [])
        lines = [node.end_point[0] - node.start_point[0] + 1 for node in functions]
        classes = [
            n for n in captures.get("class", []) if not NEEDS_BODY.search(n.type) or n.child_by_field_name("body")
        ]
        identifiers = captures.get("identifier", [])
        identifier_bytes = sum(node.end_byte - node.start_byte for node in identifiers)
        comments = captures.get("comment", [])
        return TreeSignals(
            parsed=errors == 0,
            skipped=None,
            syntax_errors=errors,
            syntax_error_fraction=min(error_bytes / size, 1.0),
            comment_fraction=(
                min(covered([(n.start_byte, n.end_byte) for n in comments]) / size, 1.0)
                if "comment" in categories
                else None
            ),
            doc_comment=leading_doc(root, comment_kinds(grammar)) if readability else None,
            functions=len(functions) if "function" in categories else None,
            classes=len(classes) if "class" in categories else None,
            mean_function_lines=sum(lines) / len(lines) if lines else None,
            max_function_lines=max(lines) if lines else None,
            max_nesting_depth=(
                nesting_depth([(n.start_byte, n.end_byte) for n in captures.get("block", [])])
                if "block" in categories
                else None
            ),
            mean_identifier_length=identifier_bytes / len(identifiers) if identifiers else None,
        )
    except Exception:  # a tree the measures do not expect must not stop the stage
        return skipped(PARSE_FAILED)


@functools.cache
def hollow_query(grammar: str):
    from tree_sitter import Query

    return Query(language(grammar), HOLLOW[grammar][0])


def hollow_spans(grammar: str, root) -> list[tuple[int, int]]:
    """Spans of the constructs around hollow nodes (`HOLLOW`: the `if` of an empty block), as for a
    MISSING node; none for a grammar without such checks."""
    if grammar not in HOLLOW:
        return []
    from tree_sitter import QueryCursor

    cursor = QueryCursor(hollow_query(grammar))
    cursor.set_max_start_depth(MAX_QUERY_DEPTH)
    spans = []
    for capture, nodes in cursor.captures(root).items():
        is_hollow = HOLLOW[grammar][1][capture]
        for node in nodes:
            if is_hollow(node):
                around = node.parent if capture == "block" and node.parent is not None else node
                spans.append((around.start_byte, max(around.end_byte, around.start_byte + 1)))
    return spans


def _syntax_errors(root, hollow: list[tuple[int, int]], deadline: float) -> tuple[int, int] | None:
    """(ERROR + MISSING nodes + `hollow` constructs, bytes they cover) visiting only nodes that contain
    an error; None past the deadline."""
    if not root.has_error:
        return len(hollow), covered(hollow)
    spans = list(hollow)
    count = len(hollow)
    visited = 0
    pending = [root]
    while pending:
        node = pending.pop()
        visited += 1
        if visited % DEADLINE_EVERY == 0 and time.monotonic() > deadline:
            return None
        if node.is_missing:
            count += 1
            parent = node.parent
            if parent is not None and parent != root:  # the construct the missing token leaves open
                spans.append((parent.start_byte, max(parent.end_byte, parent.start_byte + 1)))
            else:
                spans.append((node.start_byte, node.start_byte + 1))
            continue
        if node.is_error:
            count += 1
            spans.append((node.start_byte, max(node.end_byte, node.start_byte + 1)))
        pending.extend(child for child in node.children if child.has_error)
    if count == 0:  # has_error without an ERROR or MISSING node below: count the file as one error
        return 1, 1
    return count, covered(spans)


def covered(spans: list[tuple[int, int]]) -> int:
    """Bytes covered by the union of [start, end) spans."""
    total = 0
    end = -1
    for start, stop in sorted(spans):
        if stop <= end:
            continue
        total += stop - max(start, end)
        end = stop
    return total


def nesting_depth(spans: list[tuple[int, int]]) -> int:
    """Deepest nesting of [start, end) spans (a block inside a block inside a block: 3)."""
    deepest = 0
    open_ends: list[int] = []
    for start, stop in sorted(spans, key=lambda span: (span[0], -span[1])):
        while open_ends and open_ends[-1] <= start:
            open_ends.pop()
        open_ends.append(stop)
        deepest = max(deepest, len(open_ends))
    return deepest


def leading_doc(root, comment_kinds: frozenset[str]) -> bool:
    """Whether the file starts with a comment or a docstring (a `#!` line and a PHP open tag skipped)."""
    for child in root.named_children[:3]:
        if child.type in comment_kinds:
            text = child.text or b""
            if text.startswith(b"#!"):
                continue
            return True
        if child.type in ("php_tag", "shebang", "hash_bang_line"):
            continue
        if child.type == "expression_statement" and child.named_child_count:
            child = child.named_children[0]
        return child.type == "string"  # a module docstring (Python, Elixir's @moduledoc aside)
    return False
