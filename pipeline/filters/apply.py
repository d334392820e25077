"""Run every rule family over an Arrow batch: add the signal columns, and a `reason` naming the first rule
(in RULES, then SCREENING_RULES order) that fires for the row's kind (file: no url; web page: url), null
when the row is kept.

The screening families (a tree-sitter parse per file, the quality model) cost far more than the others:
they run after RULES, on the file rows still kept (`compute(view, todo, signals)`).
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pyarrow as pa

from pipeline.filters import chars, decontaminate, docs, encoded, generated, language, lines, markup, quality, syntax
from pipeline.filters.base import ANY, FILE, PAGE, BatchView
from pipeline.filters.config import FilterSettings
from pipeline.schema import REASON

FAMILIES = (chars, lines, markup, generated, encoded, language, docs, decontaminate)

# Order decides which reason a row gets when several rules fire: DeepSeek-Coder's rules 1-5 first,
# then the code checks, then decontamination (its match is a column on every row anyway).
RULES = (
    language.UNKNOWN_LANGUAGE,
    chars.TOO_SHORT_FILE,
    lines.AVG_LINE_LENGTH,
    lines.MAX_LINE_LENGTH,
    chars.ALPHA_FRACTION,
    markup.XML_HEADER,
    markup.HTML_VISIBLE_TEXT,
    markup.HTML_ESCAPED,
    chars.SIZE_WINDOW,
    generated.AUTO_GENERATED,
    encoded.ENCODED_DATA,
    chars.NUMERIC_DATA,
    language.NL_LANGUAGE,
    chars.TOO_SHORT_PAGE,
    *docs.RULES,  # text rows (Markdown, reStructuredText...): these instead of the file rules
    decontaminate.DECONTAMINATION,
)

SCREENING_FAMILIES = (syntax, quality)
SCREENING_RULES = (
    syntax.SYNTAX_ERRORS,
    syntax.LONG_FUNCTION,
    syntax.DEEP_NESTING,
    syntax.DUPLICATED_LINES,
    syntax.FEW_COMMENTS,
    syntax.SHORT_IDENTIFIERS,
    quality.LOW_QUALITY,
)
SCREENING_REASONS = tuple(rule.reason for rule in SCREENING_RULES)

SIGNAL_FIELDS = [f for family in FAMILIES + SCREENING_FAMILIES for f in family.SIGNALS]
ADDED_COLUMNS = [f.name for f in SIGNAL_FIELDS] + [REASON]


def output_schema(input_schema: pa.Schema) -> pa.Schema:
    """The input's columns (less any earlier signals or reason) followed by the signals and `reason`."""
    kept = [f for f in input_schema if f.name not in ADDED_COLUMNS]
    return pa.schema(kept + SIGNAL_FIELDS + [pa.field(REASON, pa.string())])


def filter_batch(
    batch: pa.RecordBatch, settings: FilterSettings, benchmark_index=None, quality_model=None
) -> pa.RecordBatch:
    view = BatchView(batch, settings, benchmark_index, quality_model)
    signals: dict = {}
    for family in FAMILIES:
        signals.update(family.compute(view))
    reasons = np.full(view.num_rows, None, dtype=object)
    decided = np.zeros(view.num_rows, dtype=bool)
    scope_mask = {FILE: ~view.is_page, PAGE: view.is_page, ANY: np.ones(view.num_rows, dtype=bool)}
    scope_mask.update(docs.scopes(view))  # text rows leave the FILE scope for docs.TEXT

    def judge(rules) -> None:
        for rule in rules:
            fired = np.asarray(rule.fires(view, signals), dtype=bool) & scope_mask[rule.scope] & ~decided
            decided[:] |= fired
            for row in np.flatnonzero(fired):
                reasons[row] = f"{rule.reason}:{signals[rule.detail][row]}" if rule.detail else rule.reason

    judge(RULES)
    todo = ~decided
    for family in SCREENING_FAMILIES:
        signals.update(family.compute(view, todo, signals))
    judge(SCREENING_RULES)
    columns = {f.name: batch.column(f.name) for f in batch.schema if f.name not in ADDED_COLUMNS}
    for f in SIGNAL_FIELDS:
        columns[f.name] = pa.array(signals[f.name], type=f.type)
    columns[REASON] = pa.array(reasons.tolist(), type=pa.string())
    return pa.RecordBatch.from_pydict(columns, schema=output_schema(batch.schema))


def filter_batches(
    batches: Iterator[pa.RecordBatch], settings: FilterSettings, benchmark_index=None, quality_model=None
) -> Iterator[pa.RecordBatch]:
    for batch in batches:
        yield filter_batch(batch, settings, benchmark_index, quality_model)


def screening_signals(batch: pa.RecordBatch, settings: FilterSettings, quality_model=None) -> dict:
    """The screening signals (and `quality_score` with a model) of every file row, no rule applied:
    what `corpus quality` trains on and scores."""
    view = BatchView(batch, settings, None, quality_model)
    todo = np.ones(view.num_rows, dtype=bool)
    signals: dict = {}
    for family in SCREENING_FAMILIES:
        signals.update(family.compute(view, todo, signals))
    return signals
