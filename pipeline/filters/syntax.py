"""Quality screening from a parse: the syntax check and readability / modularity signals (one
tree-sitter parse per file, `treesignals.py`), and the rules that read them.

Only file rows that every earlier rule kept are parsed (the others get `parse_skipped = rejected`):
parsing is the stage's most expensive step. Text rows (prose specs, notebooks: `docs.py`) are not
screened (`parse_skipped = text`). A file is parsed when its language's spec names a
tree-sitter grammar, it is at most `--parse-max-bytes`, holds no NUL byte and is valid UTF-8; the
parse and the measures together have `--parse-max-seconds`. Otherwise its tree signals are null and
`parse_skipped` says why. Parsing runs in a child process that is killed when a grammar hangs
(`sandbox.py`), unless `--parse-isolation none`.

`duplicate_line_fraction` needs no tree: lines of at least MIN_DUPLICATE_LINE_BYTES bytes (white space
stripped) that repeat an earlier line of the file, over all such lines; it is computed for every file
that is screened, with or without a grammar.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from pipeline.filters import docs, sandbox
from pipeline.filters.base import FILE, BatchView, Rule
from pipeline.filters.treesignals import INVALID_UTF8, NO_GRAMMAR, NUL_BYTE, TOO_LARGE, TreeSignals, analyze

REJECTED = "rejected"  # an earlier rule rejected the row: not parsed
TEXT = "text"  # documentation (Markdown, reStructuredText...: docs.py) is not screened
OFF = "off"  # --no-parse-files
MIN_DUPLICATE_LINE_BYTES = 10  # `}`, `end`, `return;`, `break;` repeat in any file

SIGNALS = [
    pa.field("parsed", pa.bool_()),  # true: no syntax error; false: some; null: not parsed
    pa.field("parse_skipped", pa.string()),  # why `parsed` is null (file rows only)
    pa.field("syntax_errors", pa.int64()),  # ERROR + MISSING nodes
    pa.field("syntax_error_fraction", pa.float64()),
    pa.field("comment_fraction", pa.float64()),  # bytes in comment nodes / file bytes
    pa.field("doc_comment", pa.bool_()),  # the file starts with a comment or a docstring
    pa.field("functions", pa.int64()),
    pa.field("classes", pa.int64()),
    pa.field("mean_function_lines", pa.float64()),
    pa.field("max_function_lines", pa.int64()),
    pa.field("max_nesting_depth", pa.int64()),  # blocks inside blocks
    pa.field("mean_identifier_length", pa.float64()),
    pa.field("duplicate_line_fraction", pa.float64()),
]
TREE_COLUMNS = dict(zip(TreeSignals._fields[2:], [f.name for f in SIGNALS[2:12]], strict=True))


def duplicate_line_fraction(source: bytes) -> float:
    lines = [line.strip() for line in source.split(b"\n")]
    lines = [line for line in lines if len(line) >= MIN_DUPLICATE_LINE_BYTES]
    return (len(lines) - len(set(lines))) / len(lines) if lines else 0.0


def is_utf8(source: bytes) -> bool:
    if source.isascii():
        return True
    try:
        source.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def skip_reason(source: bytes, grammar: str | None, max_bytes: int) -> str | None:
    """Why a file is not parsed (cheap checks, before any parse), or None."""
    if not grammar:
        return NO_GRAMMAR
    if len(source) > max_bytes:
        return TOO_LARGE  # never parsed: the byte budget bounds time and memory
    if b"\x00" in source:
        return NUL_BYTE  # tree-sitter's lexers read NUL as the end of the input
    if not is_utf8(source):
        return INVALID_UTF8
    return None


def compute(view: BatchView, todo: np.ndarray, signals: dict) -> dict:
    """Tree signals of the file rows in `todo` (the rest get nulls)."""
    settings = view.settings
    out: dict[str, list] = {f.name: [None] * view.num_rows for f in SIGNALS}
    is_file = ~view.is_page
    for row in np.flatnonzero(is_file & ~todo):
        out["parse_skipped"][row] = REJECTED
    text = docs.text_rows(view)
    for row in np.flatnonzero(is_file & todo & text):
        out["parse_skipped"][row] = TEXT
    rows = np.flatnonzero(todo & is_file & ~text)
    if not settings.parse_files:
        for row in rows:
            out["parse_skipped"][row] = OFF
        return out
    sources = view.content_bytes.take(pa.array(rows, pa.int64())).to_pylist() if len(rows) else []
    tasks, task_rows = [], []
    for row, source in zip(rows.tolist(), sources, strict=True):
        source = source or b""
        out["duplicate_line_fraction"][row] = duplicate_line_fraction(source)
        grammar = settings.grammar_of(view.languages[row])
        reason = skip_reason(source, grammar, settings.parse_max_bytes)
        if reason:
            out["parse_skipped"][row] = reason
        else:
            tasks.append((grammar, source))
            task_rows.append(row)
    budget, readability = settings.parse_max_seconds, settings.readability_signals
    if settings.parse_isolation == "process":
        results = sandbox.worker().run(tasks, budget, readability) if tasks else []
    else:
        results = [analyze(grammar, source, budget, readability) for grammar, source in tasks]
    for row, result in zip(task_rows, results, strict=True):
        out["parsed"][row] = result.parsed
        out["parse_skipped"][row] = result.skipped
        for field, column in TREE_COLUMNS.items():
            out[column][row] = getattr(result, field)
    return out


def _values(values: list, fill: float) -> np.ndarray:
    return np.array([fill if v is None else v for v in values], dtype=np.float64)


def _syntax_errors(view: BatchView, s: dict) -> np.ndarray:
    with_errors = np.array([p is False for p in s["parsed"]], dtype=bool)
    fraction = _values(s["syntax_error_fraction"], 0.0)
    return with_errors & view.limit("syntax_check").astype(bool) & (fraction > view.limit("max_syntax_error_fraction"))


def _above(signal: str, key: str, off: float):
    """Fires where the signal is above the row's limit; a limit equal to `off` disables the rule."""

    def fires(view: BatchView, s: dict) -> np.ndarray:
        limit = view.limit(key).astype(np.float64)
        return (limit != off) & (_values(s[signal], -np.inf) > limit)

    return fires


def _below(signal: str, key: str):
    def fires(view: BatchView, s: dict) -> np.ndarray:
        limit = view.limit(key).astype(np.float64)
        return (limit > 0) & (_values(s[signal], np.inf) < limit)

    return fires


SYNTAX_ERRORS = Rule("syntax_errors", FILE, _syntax_errors)
LONG_FUNCTION = Rule("long_function", FILE, _above("max_function_lines", "max_function_lines", 0))
DEEP_NESTING = Rule("deep_nesting", FILE, _above("max_nesting_depth", "max_nesting_depth", 0))
DUPLICATED_LINES = Rule("duplicated_lines", FILE, _above("duplicate_line_fraction", "max_duplicate_line_fraction", 1.0))
FEW_COMMENTS = Rule("few_comments", FILE, _below("comment_fraction", "min_comment_fraction"))
SHORT_IDENTIFIERS = Rule("short_identifiers", FILE, _below("mean_identifier_length", "min_mean_identifier_length"))
