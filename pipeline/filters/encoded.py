"""Encoded data blobs: long runs of base64 / hex, escaped bytes (`\\x00`, `\\u0000`), or byte-array
literals (`0x00, 0x01, ...`). A run counts from MIN_RUN characters; a file is rejected when its longest
run or the share of its characters inside runs exceeds the thresholds (`max_encoded_run`, 1,024;
`max_encoded_fraction`, 0.5).

Arrow's RE2 kernel finds the rows holding any run for the whole batch; only those are measured in Python.
"""

from __future__ import annotations

import re

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from pipeline.filters.base import FILE, BatchView, Rule, to_numpy

MIN_RUN = 64
RUN_PATTERN = (
    rf"[A-Za-z0-9+/]{{{MIN_RUN},}}={{0,2}}"  # base64; hex digits are a subset
    r"|(?:\\(?:x[0-9A-Fa-f]{2}|u[0-9A-Fa-f]{4}|[0-7]{3})){16,}"  # escaped bytes / code units
    r"|(?:0[xX][0-9A-Fa-f]{1,8}\s*,\s*){16,}"  # byte-array literals
)
RUN_REGEX = re.compile(RUN_PATTERN)

SIGNALS = [
    pa.field("encoded_max_run", pa.int64()),
    pa.field("encoded_fraction", pa.float64()),
]


def compute(view: BatchView) -> dict:
    longest = np.zeros(view.num_rows, dtype=np.int64)
    covered = np.zeros(view.num_rows, dtype=np.int64)
    candidates = to_numpy(pc.match_substring_regex(view.content, RUN_PATTERN))
    for row in np.flatnonzero(candidates):
        runs = [m.end() - m.start() for m in RUN_REGEX.finditer(view.text(row))]
        if runs:
            longest[row] = max(runs)
            covered[row] = sum(runs)
    lengths = to_numpy(pc.utf8_length(view.content))
    return {"encoded_max_run": longest, "encoded_fraction": covered / np.maximum(lengths, 1)}


ENCODED_DATA = Rule(
    "encoded_data",
    FILE,
    lambda v, s: (
        (s["encoded_max_run"] > v.limit("max_encoded_run")) | (s["encoded_fraction"] > v.limit("max_encoded_fraction"))
    ),
)
