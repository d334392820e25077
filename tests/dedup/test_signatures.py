"""Shingling, MinHash signatures (oracle: datasketch), banding and verification, without Spark."""

import os
import sys

import datasketch
import numpy as np
import pytest

sys.path.insert(0, os.path.dirname(__file__))  # the shared test-data module next to this file
import pyarrow as pa
from dedup_testdata import random_code, render, replace_segments  # noqa: E402

from pipeline.dedup.lsh import band_hashes, optimal_bands
from pipeline.dedup.minhash import signatures
from pipeline.dedup.shingles import text_buffer, texts_to_shingle_sets, tokenize
from pipeline.dedup.verify import jaccard

TEXTS = [
    "def add(a, b):\n    return a + b  # sum\n",
    "x",
    "",
    "héllo wörld, ünïcode identifiers_stay whole in this sentence",
    "for (int i = 0; i < n; ++i) { total += values[i] * weights[i]; }",
]


def tokens_of(text: str) -> np.ndarray:
    data, offsets = text_buffer(pa.array([text]))
    return tokenize(data, offsets).hashes


@pytest.mark.parametrize("num_perm,seed", [(256, 1), (64, 7)])
def test_signatures_equal_datasketch_fed_the_same_hashes(num_perm, seed):
    texts = TEXTS + [render(random_code(3))]
    sets = texts_to_shingle_sets(texts, 5, unique=False)
    ours = signatures(sets.values, sets.bounds, num_perm, seed)
    for i in range(len(texts)):
        reference = datasketch.MinHash(num_perm=num_perm, seed=seed, scheme="affine32", hashfunc=lambda v: v)
        if sets.of(i).size:
            reference.update_batch(sets.of(i).tolist())
        assert np.array_equal(reference.hashvalues, ours[i]), texts[i][:30]


def test_tokens_split_on_non_identifier_bytes_and_keep_underscores_and_utf8():
    assert tokens_of("foo_bar+baz9 foo_bar").size == 3
    first, _, third = tokens_of("foo_bar+baz9 foo_bar")
    assert first == third
    assert tokens_of("héllo-wörld").size == 2
    assert tokens_of("  ;;; ").size == 0
    assert tokens_of("Foo foo")[0] != tokens_of("Foo foo")[1]  # case is kept


def test_shingles_never_cross_documents():
    together = texts_to_shingle_sets(["alpha beta gamma", "delta epsilon"], 2)
    alone = [texts_to_shingle_sets([t], 2).of(0) for t in ("alpha beta gamma", "delta epsilon")]
    assert np.array_equal(together.of(0), alone[0]) and np.array_equal(together.of(1), alone[1])
    assert together.of(0).size == 2 and together.of(1).size == 1
    short = texts_to_shingle_sets(["one two", "three"], 5)  # fewer tokens than ngram: one shingle
    assert short.of(0).size == 1 and short.of(1).size == 1


def test_hashed_jaccard_equals_jaccard_of_string_shingles():
    base = random_code(11)
    for variant_seed, segments in ((12, [1]), (13, [2, 5]), (14, [0, 3, 6, 8])):
        a, b = render(base), render(replace_segments(base, segments, variant_seed))
        sets = texts_to_shingle_sets([a, b], 5)

        def strings(text):
            import re

            tokens = [t for t in re.split(r"[^A-Za-z0-9_\x80-\U0010ffff]+", text) if t]
            return {tuple(tokens[i : i + 5]) for i in range(len(tokens) - 4)}

        sa, sb = strings(a), strings(b)
        assert jaccard(sets.of(0), sets.of(1)) == pytest.approx(len(sa & sb) / len(sa | sb), abs=1e-9)


def test_banding_uses_datasketch_optimum_and_separates_bands():
    lsh = datasketch.MinHashLSH(threshold=0.7, num_perm=256)
    assert optimal_bands(0.7, 256) == (lsh.b, lsh.r)
    sig = np.zeros((2, 256), dtype=np.uint32)
    sig[1, 250:] = 5  # beyond bands*rows=250: ignored
    hashes = band_hashes(sig, 25, 10)
    assert hashes.shape == (2, 25) and hashes.dtype == np.int64
    assert np.array_equal(hashes[0], hashes[1])
    assert len(set(hashes[0].tolist())) == 25  # equal values in different bands never meet


def test_features_mark_rows_without_shingles_and_null_content():
    from pipeline.dedup.features import features_of_batch
    from pipeline.dedup.params import DedupParams

    batch = pa.RecordBatch.from_pylist(
        [{"id": "a", "content": TEXTS[0]}, {"id": "b", "content": " ;; "}, {"id": "c", "content": None}]
    )
    rows = features_of_batch(batch, DedupParams()).to_pylist()
    assert len(rows[0]["band_hashes"]) == 36 and len(rows[0]["signature"]) == 4 * 256
    assert rows[1]["band_hashes"] is None and rows[1]["exact_key"] is not None
    assert rows[2]["exact_key"] is None and rows[2]["band_hashes"] is None


def test_an_index_built_with_other_settings_is_refused(tmp_path):
    from pipeline.config import UsageError
    from pipeline.dedup.index import check_index, write_index_meta
    from pipeline.dedup.params import DedupParams

    write_index_meta(str(tmp_path), DedupParams().index_signature(), rows=3)
    check_index(str(tmp_path), DedupParams().index_signature())
    with pytest.raises(UsageError, match="num_perm"):
        check_index(str(tmp_path), DedupParams(num_perm=128).index_signature())
