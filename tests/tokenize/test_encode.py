"""Encoding documents: round trip, FIM rearranged back, non-ASCII, control strings, EOS."""

import numpy as np
import pytest

from pipeline.tokenize.encode import FimSettings, decode_document, encode_documents
from pipeline.tokenize.fim import NONE, PSM, SPM
from pipeline.tokenize.tokenizer import load_tokenizer

TEXTS = [
    "def add(a, b):\n    return a + b\n",
    "# Überschrift\n\nGrüße aus Köln — naïve café. 日本語のテキスト。 中文内容。 Emoji 🎉🚀\n",
    "fim = '<｜fim▁begin｜>' + '<｜fim▁hole｜>' + '<｜fim▁end｜>'  # tokenizer test\n<｜end▁of▁sentence｜>",
    "\t\t  indented\r\nwindows line\r\n\n\n   trailing   ",
    "x",
]


@pytest.fixture(scope="module")
def tokenizer():
    return load_tokenizer()


def split_documents(encoded):
    ends = np.cumsum(encoded.lengths)
    return [encoded.tokens[e - n : e] for e, n in zip(ends, encoded.lengths, strict=True)]


def test_round_trip_without_fim(tokenizer):
    encoded = encode_documents(TEXTS, [str(i) for i in range(5)], tokenizer, FimSettings(fim_rate=0.0))
    documents = split_documents(encoded)
    for text, ids in zip(TEXTS, documents, strict=True):
        assert ids[-1] == tokenizer.special.eos_id
        assert tokenizer.decoder.decode(ids[:-1].tolist(), skip_special_tokens=False) == text
        assert decode_document(ids, tokenizer) == (NONE, text)
    assert encoded.tokens.dtype == np.int32


def test_control_strings_in_content_are_not_control_tokens(tokenizer):
    encoded = encode_documents(TEXTS[2:3], ["c"], tokenizer, FimSettings(fim_rate=0.0), append_eos=False)
    special = tokenizer.special
    control = {special.eos_id, special.fim_begin_id, special.fim_hole_id, special.fim_end_id}
    assert not control & set(encoded.tokens.tolist())


@pytest.mark.parametrize("spm_rate, mode", [(0.0, PSM), (1.0, SPM)])
def test_fim_documents_rearrange_back_to_the_original(tokenizer, spm_rate, mode):
    texts = TEXTS * 20
    ids = [f"doc{i}" for i in range(len(texts))]
    encoded = encode_documents(texts, ids, tokenizer, FimSettings(fim_rate=1.0, fim_spm_rate=spm_rate, seed=3))
    assert np.all(encoded.modes == mode)
    special = tokenizer.special
    for text, doc in zip(texts, split_documents(encoded), strict=True):
        assert doc[0] == special.fim_begin_id and doc[-1] == special.eos_id
        # each marker exactly once, even for the document that spells the markers in its text
        for marker in (special.fim_begin_id, special.fim_hole_id, special.fim_end_id):
            assert np.count_nonzero(doc == marker) == 1
        decoded_mode, decoded = decode_document(doc, tokenizer)
        assert decoded == text
        assert decoded_mode in (mode, SPM)  # a PSM document with an empty prefix reads like SPM


def test_psm_layout_order(tokenizer):
    encoded = encode_documents(["abcdefghij" * 5], ["k"], tokenizer, FimSettings(fim_rate=1.0, seed=11))
    doc = encoded.tokens.tolist()
    special = tokenizer.special
    begin, hole, end = (doc.index(t) for t in (special.fim_begin_id, special.fim_hole_id, special.fim_end_id))
    assert begin == 0 < hole < end < len(doc) - 1


def test_fim_rate_applies_per_document_and_is_reproducible(tokenizer):
    texts = [f"line {i}\n" * 3 for i in range(400)]
    ids = [f"id{i}" for i in range(400)]
    first = encode_documents(texts, ids, tokenizer, FimSettings(fim_rate=0.5, seed=9))
    again = encode_documents(texts, ids, tokenizer, FimSettings(fim_rate=0.5, seed=9))
    assert np.array_equal(first.tokens, again.tokens) and np.array_equal(first.lengths, again.lengths)
    assert 0.4 < np.mean(first.modes != NONE) < 0.6
    for text, doc in zip(texts, split_documents(first), strict=True):
        assert decode_document(doc, tokenizer)[1] == text


def test_no_eos_when_disabled(tokenizer):
    encoded = encode_documents(["a b c"], ["z"], tokenizer, FimSettings(fim_rate=0.0), append_eos=False)
    assert tokenizer.decoder.decode(encoded.tokens.tolist()) == "a b c"
    assert tokenizer.special.eos_id not in encoded.tokens.tolist()


def test_small_vocab_tokenizer_writes_uint16(make_tokenizer):
    tokenizer = load_tokenizer(make_tokenizer(), need_fim=True)
    texts = ["def add(a, b):\n", "héllo 世界"]
    encoded = encode_documents(texts, ["a", "b"], tokenizer, FimSettings(fim_rate=1.0))
    assert encoded.tokens.dtype == np.uint16
    for text, doc in zip(texts, split_documents(encoded), strict=True):
        assert decode_document(doc, tokenizer)[1] == text
