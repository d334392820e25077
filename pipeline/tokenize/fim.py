"""Fill-in-the-middle at document level: which documents, which order, where to cut.

Every draw is a pure function of (seed, document id), so a rerun, a retried Spark task or another
partitioning makes the same choice for the same document. Layouts (B = begin, H = hole, E = end marker):
  PSM  B prefix H suffix E middle
  SPM  B H suffix E prefix middle   (the SPM variant of Bavarian et al. 2022 also used by Megatron-LM:
                                     prefix and middle stay one contiguous span after E)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import xxhash

NONE, PSM, SPM = 0, 1, 2
MODE_NAMES = {NONE: "none", PSM: "psm", SPM: "spm"}

_U53 = 1.0 / (1 << 53)


@dataclass(frozen=True)
class FimPlan:
    """Per document: mode (NONE/PSM/SPM) and the character span [lo, hi) that becomes the middle."""

    mode: np.ndarray  # int8
    lo: np.ndarray  # int64
    hi: np.ndarray  # int64


def _splitmix64(values: np.ndarray) -> np.ndarray:
    """A well-mixed 64-bit output for each input (SplitMix64's finaliser); wraps modulo 2**64."""
    z = values + np.uint64(0x9E3779B97F4A7C15)
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return z ^ (z >> np.uint64(31))


def uniforms(doc_ids: list[str], seed: int, streams: int) -> np.ndarray:
    """`streams` independent uniform [0, 1) draws per document, shape (len(doc_ids), streams)."""
    keys = np.fromiter(
        (xxhash.xxh3_64_intdigest(doc_id.encode("utf-8", "surrogatepass"), seed=seed) for doc_id in doc_ids),
        dtype=np.uint64,
        count=len(doc_ids),
    )
    with np.errstate(over="ignore"):
        columns = [_splitmix64(keys ^ _splitmix64(np.full_like(keys, k))) for k in range(streams)]
    return (
        np.stack([(c >> np.uint64(11)).astype(np.float64) * _U53 for c in columns], axis=1)
        if streams
        else np.empty((len(doc_ids), 0))
    )


def plan_fim(doc_ids: list[str], char_lengths: np.ndarray, seed: int, fim_rate: float, spm_rate: float) -> FimPlan:
    """Choose FIM per document: rate `fim_rate`, SPM among FIM documents at `spm_rate`, and two cut
    points drawn uniformly over the character positions 0..n and sorted."""
    n = np.asarray(char_lengths, dtype=np.int64)
    draws = uniforms(doc_ids, seed, 4)
    is_fim = draws[:, 0] < fim_rate
    mode = np.where(is_fim, np.where(draws[:, 1] < spm_rate, SPM, PSM), NONE).astype(np.int8)
    cut_a = np.minimum((draws[:, 2] * (n + 1)).astype(np.int64), n)
    cut_b = np.minimum((draws[:, 3] * (n + 1)).astype(np.int64), n)
    return FimPlan(mode=mode, lo=np.minimum(cut_a, cut_b), hi=np.maximum(cut_a, cut_b))


def rebuild_text(segments: list[str], mode: int) -> str:
    """The original document from the decoded segments between markers (the inverse of the layout).

    PSM segments: [prefix, suffix, middle]; SPM segments: [suffix, prefix + middle].
    """
    if mode == PSM:
        prefix, suffix, middle = segments
        return prefix + middle + suffix
    if mode == SPM:
        suffix, prefix_middle = segments
        return prefix_middle + suffix
    (text,) = segments
    return text
