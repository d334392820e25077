"""Line-length signals and DeepSeek rule 1: average line length > 100 or longest line > 1,000 -> reject.

Lines end at "\\n"; a "\\r" just before it is not counted, and a final "\\n" does not start a new line
(as str.splitlines). Lengths are in characters (code points). Empty content has 0 lines, average 0.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from pipeline.filters.base import FILE, BatchView, Rule, to_numpy

SIGNALS = [
    pa.field("avg_line_length", pa.float64()),
    pa.field("max_line_length", pa.int64()),
]


def compute(view: BatchView) -> dict:
    if view.num_rows == 0:
        return {"avg_line_length": np.zeros(0), "max_line_length": np.zeros(0, np.int64)}
    pieces = pc.split_pattern(view.content, "\n")
    flat = pc.list_flatten(pieces)
    lengths = to_numpy(pc.utf8_length(flat)).astype(np.int64) - to_numpy(pc.ends_with(flat, "\r"))
    counts = to_numpy(pc.list_value_length(pieces)).astype(np.int64)  # >= 1 per row
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    longest = np.maximum.reduceat(lengths, starts)
    total = np.add.reduceat(lengths, starts)
    lines = counts - to_numpy(pc.ends_with(view.content, "\n")) - (to_numpy(pc.utf8_length(view.content)) == 0)
    return {"avg_line_length": total / np.maximum(lines, 1), "max_line_length": longest}


AVG_LINE_LENGTH = Rule("avg_line_length", FILE, lambda v, s: s["avg_line_length"] > v.limit("max_avg_line_length"))
MAX_LINE_LENGTH = Rule("max_line_length", FILE, lambda v, s: s["max_line_length"] > v.limit("max_line_length"))
