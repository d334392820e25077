"""Character-class signals and the rules on them: alphabetic fraction (DeepSeek rule 2), size windows
(rule 5: JSON/YAML 50..5,000 characters), very short files or pages, mostly-numeric data.

Classes follow Python's str.isalpha / isdigit / isspace, looked up per character in a table, so a whole
batch is classified by numpy at once: ASCII rows straight from the Arrow buffer, others as UTF-32.
"""

from __future__ import annotations

import functools

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from pipeline.filters.base import FILE, PAGE, BatchView, Rule, to_numpy

ALPHA, DIGIT, SPACE = 1, 2, 4
UNICODE_SIZE = 0x110000

SIGNALS = [
    pa.field("content_chars", pa.int64()),
    pa.field("nonspace_chars", pa.int64()),
    pa.field("alpha_fraction", pa.float64()),  # alphabetic / all characters
    pa.field("numeric_fraction", pa.float64()),  # digits / non-whitespace characters
]


@functools.cache
def class_table() -> np.ndarray:
    """Bit flags (ALPHA, DIGIT, SPACE) of every code point; built once per process (~0.5 s)."""
    return np.fromiter(
        (c.isalpha() | (c.isdigit() << 1) | (c.isspace() << 2) for c in map(chr, range(UNICODE_SIZE))),
        dtype=np.uint8,
        count=UNICODE_SIZE,
    )


def per_row_counts(mask: np.ndarray, offsets: np.ndarray) -> np.ndarray:
    """True values of `mask` in each row's slice [offsets[i], offsets[i+1]) (count_nonzero is SIMD)."""
    return np.fromiter(
        (np.count_nonzero(mask[a:b]) for a, b in zip(offsets[:-1], offsets[1:], strict=True)),
        dtype=np.int64,
        count=len(offsets) - 1,
    )


def _class_counts(alpha: np.ndarray, digit: np.ndarray, space: np.ndarray, offsets: np.ndarray) -> np.ndarray:
    """Rows x (characters, alphabetic, digits, white space)."""
    return np.stack(
        [
            np.diff(offsets),
            per_row_counts(alpha, offsets),
            per_row_counts(digit, offsets),
            per_row_counts(space, offsets),
        ],
        axis=1,
    )


ASCII_CHUNK = 4 << 20  # bytes classified at once: a 50 MB one-line file costs ~30 MB, not ~250 MB


def _ascii_masks(raw: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    # Unsigned wrap-around turns each range test into one comparison (as str.isalpha/isdigit/isspace).
    alpha = ((raw | 32) - np.uint8(97)) < 26
    digit = (raw - np.uint8(48)) < 10
    space = ((raw - np.uint8(9)) < 5) | ((raw - np.uint8(28)) < 5)  # \t\n\v\f\r and \x1c-\x1f, space
    return alpha, digit, space


def _ascii_counts(content: pa.Array) -> np.ndarray:
    """For ASCII rows bytes are characters: classify the Arrow buffer in place, no Python strings.
    Rows are taken in groups of at most ASCII_CHUNK bytes; a longer row is scanned a chunk at a time."""
    offsets = np.frombuffer(content.buffers()[1], np.int64)[content.offset : content.offset + len(content) + 1]
    data = content.buffers()[2]
    raw = np.frombuffer(data, np.uint8)[offsets[0] : offsets[-1]] if data is not None else np.zeros(0, np.uint8)
    offsets = offsets - offsets[0]
    counts = np.zeros((len(offsets) - 1, 4), dtype=np.int64)
    row = 0
    while row < len(counts):
        end = max(int(np.searchsorted(offsets, offsets[row] + ASCII_CHUNK, side="right")) - 1, row + 1)
        if end == row + 1 and offsets[end] - offsets[row] > ASCII_CHUNK:
            counts[row, 0] = offsets[end] - offsets[row]
            for start in range(int(offsets[row]), int(offsets[end]), ASCII_CHUNK):
                masks = _ascii_masks(raw[start : min(start + ASCII_CHUNK, int(offsets[end]))])
                counts[row, 1:] += [np.count_nonzero(mask) for mask in masks]
        else:
            bounds = offsets[row : end + 1]
            counts[row:end] = _class_counts(*_ascii_masks(raw[bounds[0] : bounds[-1]]), bounds - bounds[0])
        row = end
    return counts


def _unicode_counts(texts: list[str]) -> np.ndarray:
    lengths = np.fromiter(map(len, texts), dtype=np.int64, count=len(texts))
    points = np.frombuffer("".join(texts).encode("utf-32-le", "surrogatepass"), dtype="<u4")
    classes = class_table()[points]
    return _class_counts(
        (classes & ALPHA) > 0, (classes & DIGIT) > 0, (classes & SPACE) > 0, np.concatenate([[0], np.cumsum(lengths)])
    )


def compute(view: BatchView) -> dict:
    is_ascii = to_numpy(pc.string_is_ascii(view.content)).astype(bool)
    counts = np.zeros((view.num_rows, 4), dtype=np.int64)
    if is_ascii.any():
        counts[is_ascii] = _ascii_counts(view.content.filter(pa.array(is_ascii)))
    if not is_ascii.all():
        counts[~is_ascii] = _unicode_counts(view.content.filter(pa.array(~is_ascii)).to_pylist())
    lengths, alpha, digits, spaces = counts.T
    nonspace = lengths - spaces
    return {
        "content_chars": lengths,
        "nonspace_chars": nonspace,
        "alpha_fraction": alpha / np.maximum(lengths, 1),
        "numeric_fraction": digits / np.maximum(nonspace, 1),
    }


def _outside_size_window(view: BatchView, s: dict) -> np.ndarray:
    max_chars = view.limit("max_chars")
    chars = s["content_chars"]
    return (chars < view.limit("min_chars")) | ((max_chars > 0) & (chars > max_chars))


TOO_SHORT_FILE = Rule("too_short", FILE, lambda v, s: s["nonspace_chars"] < v.limit("min_file_chars"))
TOO_SHORT_PAGE = Rule("too_short", PAGE, lambda v, s: s["nonspace_chars"] < v.settings.min_page_chars)
ALPHA_FRACTION = Rule("alpha_fraction", FILE, lambda v, s: s["alpha_fraction"] < v.limit("min_alpha_fraction"))
SIZE_WINDOW = Rule("size_window", FILE, _outside_size_window)
NUMERIC_DATA = Rule("numeric_data", FILE, lambda v, s: s["numeric_fraction"] > v.limit("max_numeric_fraction"))
