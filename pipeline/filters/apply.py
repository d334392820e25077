"""Run every rule family over an Arrow batch: add the signal columns, and a `reason` naming the first rule
(in RULES order) that fires for the row's kind (file: no url; web page: url), null when the row is kept.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pyarrow as pa

from pipeline.filters import chars, decontaminate, encoded, generated, language, lines, markup
from pipeline.filters.base import ANY, FILE, PAGE, BatchView
from pipeline.filters.config import FilterSettings
from pipeline.schema import REASON

FAMILIES = (chars, lines, markup, generated, encoded, language, decontaminate)

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
    chars.SIZE_WINDOW,
    generated.AUTO_GENERATED,
    encoded.ENCODED_DATA,
    chars.NUMERIC_DATA,
    language.NL_LANGUAGE,
    chars.TOO_SHORT_PAGE,
    decontaminate.DECONTAMINATION,
)

SIGNAL_FIELDS = [f for family in FAMILIES for f in family.SIGNALS]
ADDED_COLUMNS = [f.name for f in SIGNAL_FIELDS] + [REASON]


def output_schema(input_schema: pa.Schema) -> pa.Schema:
    """The input's columns (less any earlier signals or reason) followed by the signals and `reason`."""
    kept = [f for f in input_schema if f.name not in ADDED_COLUMNS]
    return pa.schema(kept + SIGNAL_FIELDS + [pa.field(REASON, pa.string())])


def filter_batch(batch: pa.RecordBatch, settings: FilterSettings, benchmark_index=None) -> pa.RecordBatch:
    view = BatchView(batch, settings, benchmark_index)
    signals: dict = {}
    for family in FAMILIES:
        signals.update(family.compute(view))
    reasons = np.full(view.num_rows, None, dtype=object)
    decided = np.zeros(view.num_rows, dtype=bool)
    scope_mask = {FILE: ~view.is_page, PAGE: view.is_page, ANY: np.ones(view.num_rows, dtype=bool)}
    for rule in RULES:
        fired = np.asarray(rule.fires(view, signals), dtype=bool) & scope_mask[rule.scope] & ~decided
        decided |= fired
        for row in np.flatnonzero(fired):
            reasons[row] = f"{rule.reason}:{signals[rule.detail][row]}" if rule.detail else rule.reason
    columns = {f.name: batch.column(f.name) for f in batch.schema if f.name not in ADDED_COLUMNS}
    for f in SIGNAL_FIELDS:
        columns[f.name] = pa.array(signals[f.name], type=f.type)
    columns[REASON] = pa.array(reasons.tolist(), type=pa.string())
    return pa.RecordBatch.from_pydict(columns, schema=output_schema(batch.schema))


def filter_batches(
    batches: Iterator[pa.RecordBatch], settings: FilterSettings, benchmark_index=None
) -> Iterator[pa.RecordBatch]:
    for batch in batches:
        yield filter_batch(batch, settings, benchmark_index)
