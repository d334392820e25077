"""The redact stage over Arrow batches: `content` redacted, counts per kind, the audit list and a `reason`.

Works on the content's UTF-8 bytes (offsets are byte offsets; invalid UTF-8 or encoded surrogates pass
through untouched outside the findings). A batch where nothing is found keeps its content column as it was.
Rows are kept (reason null) except:
- `secret:private_key` with --drop-if-key when the content holds a private-key block (content redacted);
- `redact:too_large` when the content is longer than --max-content-bytes (not scanned: content set null,
  so nothing unscanned reaches the rejects);
- `redact:too_many_findings` past --max-findings (content null, no audit entries).
A null content stays null with zero counts.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pyarrow as pa

from pipeline.redact.findings import TooManyFindings
from pipeline.redact.replace import redact
from pipeline.redact.scan import scan
from pipeline.redact.settings import KINDS, RedactSettings
from pipeline.schema import REASON

CONTENT = "content"
COUNT_FIELDS = [pa.field(f"redacted_{kind}", pa.int32()) for kind in KINDS]
REDACTION_TYPE = pa.list_(
    pa.struct(
        [
            pa.field("kind", pa.string()),
            pa.field("start", pa.int64()),
            pa.field("end", pa.int64()),
            pa.field("hash", pa.string()),
        ]
    )
)
REDACTIONS = "redactions"
ADDED_COLUMNS = [f.name for f in COUNT_FIELDS] + [REDACTIONS, REASON]
PRIVATE_KEY_REASON = "secret:private_key"
TOO_LARGE_REASON = "redact:too_large"
TOO_MANY_REASON = "redact:too_many_findings"


def output_schema(input_schema: pa.Schema) -> pa.Schema:
    """The input's columns (less earlier counts, redactions and reason), then the counts, `redactions` and
    `reason`."""
    kept = [f for f in input_schema if f.name not in ADDED_COLUMNS]
    return pa.schema(kept + COUNT_FIELDS + [pa.field(REDACTIONS, REDACTION_TYPE), pa.field(REASON, pa.string())])


def redact_batches(batches: Iterator[pa.RecordBatch], settings: RedactSettings) -> Iterator[pa.RecordBatch]:
    salt = settings.salt_bytes()
    for batch in batches:
        yield redact_batch(batch, settings, salt)


def redact_batch(batch: pa.RecordBatch, settings: RedactSettings, salt: bytes | None = None) -> pa.RecordBatch:
    salt = settings.salt_bytes() if salt is None else salt
    content = batch.column(CONTENT)
    rows = batch.num_rows
    counts = {kind: np.zeros(rows, dtype=np.int32) for kind in KINDS}
    audits: list[list[dict]] = [[] for _ in range(rows)]
    reasons: list[str | None] = [None] * rows
    values = list(_row_bytes(content))
    changed = False
    for row, data in enumerate(values):
        if data is None:
            continue
        if len(data) > settings.max_content_bytes:
            values[row], reasons[row], changed = None, TOO_LARGE_REASON, True
            continue
        try:
            findings = scan(data, settings.kinds, settings.max_findings, private_keys=settings.drop_if_key)
        except TooManyFindings:
            values[row], reasons[row], changed = None, TOO_MANY_REASON, True
            continue
        if not findings:
            continue
        values[row], audits[row] = redact(data, findings, settings.placeholder, salt)
        changed = True
        for finding in findings:
            counts[finding.kind][row] += 1
        if settings.drop_if_key and any(f.detector == "private_key" for f in findings):
            reasons[row] = PRIVATE_KEY_REASON
    schema = output_schema(batch.schema)
    columns = [batch.column(f.name) for f in batch.schema if f.name not in ADDED_COLUMNS]
    if changed:
        at = [f.name for f in batch.schema if f.name not in ADDED_COLUMNS].index(CONTENT)
        columns[at] = _content_array(values, content.type)
    columns += [pa.array(counts[kind], type=pa.int32()) for kind in KINDS]
    columns += [pa.array(audits, type=REDACTION_TYPE), pa.array(reasons, type=pa.string())]
    return pa.RecordBatch.from_arrays(columns, schema=schema)


def _row_bytes(array: pa.Array) -> Iterator[bytes | None]:
    """Each row's bytes as stored (no UTF-8 decoding), None for nulls."""
    if len(array) == 0:
        return
    large = pa.types.is_large_string(array.type) or pa.types.is_large_binary(array.type)
    _, offsets_buffer, data_buffer = array.buffers()[:3]
    offsets = np.frombuffer(offsets_buffer, dtype=np.int64 if large else np.int32)
    offsets = offsets[array.offset : array.offset + len(array) + 1]
    data = memoryview(data_buffer) if data_buffer is not None else memoryview(b"")
    nulls = array.is_null().to_numpy(zero_copy_only=False) if array.null_count else None
    for row in range(len(array)):
        if nulls is not None and nulls[row]:
            yield None
        else:
            yield bytes(data[offsets[row] : offsets[row + 1]])


def _content_array(values: list[bytes | None], kind: pa.DataType) -> pa.Array:
    large = pa.types.is_large_string(kind) or pa.types.is_large_binary(kind)
    raw = pa.array(values, type=pa.large_binary() if large else pa.binary())
    return raw.view(kind)
