"""Read token shards with Megatron-LM's own reader and compare with the ids we meant to write.

Runs under an interpreter that has megatron-core (and torch, CPU) installed, which need not have this
project's dependencies: `python bench/megatron_read_check.py PREFIX EXPECTED.npz [PREFIX EXPECTED.npz ...]`
(arrays `tokens`, the documents concatenated, and `lengths`). Exit code 0 when every document matches.
"""

import sys
import warnings

import numpy as np


def check(prefix: str, expected_path: str) -> list[str]:
    warnings.filterwarnings("ignore")
    from megatron.core.datasets.indexed_dataset import IndexedDataset

    expected = np.load(expected_path)
    tokens, lengths = expected["tokens"], expected["lengths"]
    dataset = IndexedDataset(prefix)
    problems = []
    if len(dataset) != len(lengths):
        problems.append(f"{len(dataset)} sequences, expected {len(lengths)}")
    if not np.array_equal(dataset.document_indices, np.arange(len(lengths) + 1)):
        problems.append("document indices are not 0..n")
    if not np.array_equal(dataset.sequence_lengths, lengths):
        problems.append("sequence lengths differ")
    starts = np.concatenate([[0], np.cumsum(lengths)[:-1]]).astype(np.int64)
    for i, (start, length) in enumerate(zip(starts, lengths, strict=True)):
        got = dataset[i]
        want = tokens[start : start + length]
        if got.dtype.itemsize != want.dtype.itemsize or not np.array_equal(got, want):
            problems.append(f"document {i} differs ({got.dtype}, {len(got)} tokens)")
            break
        if i < 3 and length >= 3 and not np.array_equal(dataset.get(i, offset=1, length=2), want[1:3]):
            problems.append(f"document {i}: partial read differs")
    return problems


if __name__ == "__main__":
    pairs = list(zip(sys.argv[1::2], sys.argv[2::2], strict=True))
    failed = False
    for prefix, expected_path in pairs:
        found = check(prefix, expected_path)
        failed = failed or bool(found)
        print(f"megatron reader on {prefix}:", "identical" if not found else "; ".join(found))
    sys.exit(1 if failed or not pairs else 0)
