"""Shingle sets of documents as sorted arrays of 32-bit hashes, computed for a whole batch at once.

Tokens: maximal runs of identifier bytes, i.e. ASCII letters, digits and `_` (BigCode's
`[^A-Za-z_0-9]` split for code) plus every byte >= 0x80, so identifiers and words written in
non-ASCII UTF-8 stay whole. Everything else (spaces, punctuation, operators) only separates tokens.
Case is kept. A shingle is `ngram` consecutive tokens; a document with 1..ngram-1 tokens has one
shingle made of all its tokens, and a document without tokens has no shingles.

Each token gets a 64-bit hash of its bytes; n consecutive token hashes are combined by
another polynomial and mixed down to 32 bits. No shingle strings and no Python sets are built.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from pipeline.dedup.hashing import fmix64

_TOKEN_BYTE = np.zeros(256, dtype=bool)
for _lo, _hi in ((ord("0"), ord("9")), (ord("A"), ord("Z")), (ord("a"), ord("z")), (0x80, 0xFF)):
    _TOKEN_BYTE[_lo : _hi + 1] = True
_TOKEN_BYTE[ord("_")] = True

_TOKEN_BASE = np.uint64(0x9E3779B97F4A7C15)  # odd: the combining polynomial is injective per length
_CHUNK_BASE = np.uint64(0xC2B2AE3D27D4EB4F)


@dataclass
class Tokens:
    hashes: np.ndarray  # uint64 per token, in text order
    docs: np.ndarray  # int64 document index per token


def token_bounds(data: np.ndarray, offsets: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Start and end byte positions of every token; a document start always starts a new token."""
    is_token = np.zeros(len(data) + 2, dtype=bool)
    is_token[1:-1] = _TOKEN_BYTE[data]
    edges = np.flatnonzero(is_token[1:] != is_token[:-1])  # alternately a token start and its end
    starts, ends = edges[0::2], edges[1::2]
    inner = offsets[(offsets > 0) & (offsets < len(data))]
    cuts = np.unique(inner[is_token[inner + 1] & is_token[inner]])
    if cuts.size:  # two documents glued without a separator: split the token at the seam
        starts = np.sort(np.concatenate([starts, cuts]))
        ends = np.sort(np.concatenate([ends, cuts]))
    return starts, ends


def tokenize(data: np.ndarray, offsets: np.ndarray) -> Tokens:
    """Token hashes of documents stored back to back in `data` (uint8), doc i = data[offsets[i]:offsets[i+1]].

    A token's bytes are read 8 at a time as little-endian words (one unaligned gather per token
    through a stride-1 uint64 view of the text), folded with the length by a polynomial with an
    odd base (injective for tokens of up to 8 bytes) and mixed into a 64-bit hash.
    Long tokens take extra rounds over only the tokens still unread.
    """
    starts, ends = token_bounds(data, offsets)
    lengths = ends - starts
    padded = np.concatenate([data, np.zeros(8, np.uint8)])
    words = np.ndarray(shape=(len(data) + 1,), dtype="<u8", buffer=padded, strides=(1,))
    # First 8 bytes of every token at once; then only the long tokens, 8 bytes per round.
    hashes = lengths.astype(np.uint64) * _CHUNK_BASE  # mixed once, below
    hashes += words[starts] & _LOW_BYTES[np.minimum(lengths, 8)]
    todo = np.flatnonzero(lengths > 8)
    offset = 8
    while todo.size:
        remaining = np.minimum(lengths[todo] - offset, 8)
        word = words[starts[todo] + offset] & _LOW_BYTES[remaining]
        hashes[todo] = hashes[todo] * _CHUNK_BASE + word
        offset += 8
        todo = todo[lengths[todo] > offset]
    tokens_per_doc = np.diff(np.searchsorted(starts, offsets))  # a token never spans two documents
    docs = np.repeat(np.arange(len(offsets) - 1, dtype=np.int64), tokens_per_doc)
    return Tokens(fmix64(hashes), docs)


_LOW_BYTES = np.array([(1 << (8 * k)) - 1 for k in range(8)] + [(1 << 64) - 1], dtype=np.uint64)


def shingle_hashes(tokens: Tokens, ngram: int) -> tuple[np.ndarray, np.ndarray]:
    """(doc index, 32-bit shingle hash) of every shingle, grouped by document (duplicates included)."""
    t, d = tokens.hashes, tokens.docs
    count = t.size - ngram + 1
    if count > 0:
        combined = t[:count].copy()
        for k in range(1, ngram):
            combined *= _TOKEN_BASE
            combined += t[k : k + count]
        whole = d[:count] == d[ngram - 1 :]
        docs, values = d[:count][whole], combined[whole]
    else:
        docs, values = np.zeros(0, np.int64), np.zeros(0, np.uint64)
    short_docs, short = _short_document_shingles(t, d, ngram)
    if short_docs.size:  # these documents have no full shingle: slot theirs in, keeping doc order
        where = np.searchsorted(docs, short_docs)
        docs, values = np.insert(docs, where, short_docs), np.insert(values, where, short)
    return docs, (fmix64(values) >> np.uint64(32)).astype(np.uint32)


_MASK64 = (1 << 64) - 1


def _short_document_shingles(t: np.ndarray, d: np.ndarray, ngram: int) -> tuple[np.ndarray, np.ndarray]:
    """One shingle of all tokens for each document with fewer than `ngram` tokens."""
    if d.size == 0:
        return np.zeros(0, np.int64), np.zeros(0, np.uint64)
    first = np.flatnonzero(np.r_[True, d[1:] != d[:-1]])
    lengths = np.diff(np.r_[first, d.size])
    docs, values = [], []
    base = int(_TOKEN_BASE)
    for start, length in zip(first[lengths < ngram], lengths[lengths < ngram], strict=True):
        combined = int(t[start])
        for k in range(1, int(length)):  # same polynomial as the full shingles, in Python ints
            combined = (combined * base + int(t[start + k])) & _MASK64
        docs.append(d[start])
        values.append(combined)
    return np.array(docs, dtype=np.int64), np.array(values, dtype=np.uint64)


@dataclass
class ShingleSets:
    """Shingle hashes per document: document i holds values[bounds[i]:bounds[i+1]]."""

    values: np.ndarray  # uint32
    bounds: np.ndarray  # int64, len = documents + 1

    def of(self, i: int) -> np.ndarray:
        return self.values[self.bounds[i] : self.bounds[i + 1]]


def shingle_lists(data: np.ndarray, offsets: np.ndarray, ngram: int) -> ShingleSets:
    """All shingle hashes of each document, repeats included (enough for MinHash: min ignores repeats)."""
    docs, values = shingle_hashes(tokenize(data, offsets), ngram)
    bounds = np.searchsorted(docs, np.arange(len(offsets)))
    return ShingleSets(values, bounds.astype(np.int64))


def shingle_sets(data: np.ndarray, offsets: np.ndarray, ngram: int) -> ShingleSets:
    """The set of shingle hashes of each document: sorted unique uint32 values per document."""
    docs, values = shingle_hashes(tokenize(data, offsets), ngram)
    keys = np.sort((docs.astype(np.uint64) << np.uint64(32)) | values.astype(np.uint64))
    if keys.size:
        keys = keys[np.r_[True, keys[1:] != keys[:-1]]]
    unique_docs = (keys >> np.uint64(32)).astype(np.int64)
    bounds = np.searchsorted(unique_docs, np.arange(len(offsets)))
    return ShingleSets(keys.astype(np.uint32), bounds.astype(np.int64))


def text_buffer(texts: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """The UTF-8 bytes and offsets of an Arrow string array (nulls read as empty), without copying text."""
    if pa.types.is_large_string(texts.type):
        offset_type = np.int64
    elif pa.types.is_string(texts.type):
        offset_type = np.int32
    else:
        raise TypeError(f"expected a string array, got {texts.type}")
    _, offsets_buffer, data_buffer = texts.buffers()
    offsets = np.frombuffer(offsets_buffer, dtype=offset_type)[texts.offset : texts.offset + len(texts) + 1]
    offsets = offsets.astype(np.int64)
    if data_buffer is None:
        return np.zeros(0, np.uint8), np.zeros(len(texts) + 1, np.int64)
    base = int(offsets[0])
    data = np.frombuffer(data_buffer, dtype=np.uint8)[base : int(offsets[-1])]
    return data, offsets - base


def texts_to_shingle_sets(texts: list[str] | pa.Array, ngram: int, unique: bool = True) -> ShingleSets:
    array = texts if isinstance(texts, pa.Array) else pa.array(texts, type=pa.string())
    data, offsets = text_buffer(array)
    return (shingle_sets if unique else shingle_lists)(data, offsets, ngram)
