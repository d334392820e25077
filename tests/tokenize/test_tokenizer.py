"""Tokenizer loading: the DeepSeek default, special tokens read from the tokenizer, clear failures."""

import numpy as np
import pytest

from pipeline.tokenize.tokenizer import TokenizerError, load_tokenizer


def test_deepseek_default_has_its_own_special_tokens():
    tokenizer = load_tokenizer()
    special = tokenizer.special
    assert special.eos_token == "<｜end▁of▁sentence｜>"
    assert special.fim_tokens == ("<｜fim▁begin｜>", "<｜fim▁hole｜>", "<｜fim▁end｜>")
    decoder = tokenizer.decoder
    fim_ids = (special.fim_begin_id, special.fim_hole_id, special.fim_end_id)
    for token, token_id in zip(special.fim_tokens, fim_ids, strict=True):
        assert decoder.token_to_id(token) == token_id
    assert tokenizer.vocab_size > 65500 and tokenizer.dtype == np.int32  # Megatron's rule: int32 above 65,500
    assert len(tokenizer.sha256) == 64


def test_loaded_once_per_process():
    assert load_tokenizer() is load_tokenizer()


def test_control_strings_inside_text_stay_text():
    tokenizer = load_tokenizer()
    special = tokenizer.special
    text = "x = '<｜fim▁begin｜>' + '<｜end▁of▁sentence｜>' + '<think>'"
    ids = tokenizer.encoder.encode(text, add_special_tokens=False).ids
    control = {special.eos_id, special.fim_begin_id, special.fim_hole_id, special.fim_end_id}
    assert not control & set(ids)
    assert max(ids) < 128000  # no added token at all
    assert tokenizer.decoder.decode(ids, skip_special_tokens=False) == text
    # the shipped tokenizer would have turned the marker into its control id
    assert special.fim_begin_id in tokenizer.decoder.encode(text, add_special_tokens=False).ids


def test_tokenizer_json_path_with_small_vocab(make_tokenizer):
    tokenizer = load_tokenizer(make_tokenizer(), need_fim=True)
    assert tokenizer.special.eos_token == "<|endoftext|>"
    assert tokenizer.special.fim_tokens == ("<fim_prefix>", "<fim_suffix>", "<fim_middle>")
    assert tokenizer.dtype == np.uint16


def test_missing_fim_tokens_fail_clearly(make_tokenizer):
    path = make_tokenizer(special_tokens=("<|endoftext|>",))
    assert not load_tokenizer(path).special.has_fim  # fine without FIM
    with pytest.raises(TokenizerError, match="fill-in-the-middle"):
        load_tokenizer(path, need_fim=True)


def test_missing_eos_fails_clearly(make_tokenizer):
    path = make_tokenizer(special_tokens=("<pad>",))
    with pytest.raises(TokenizerError, match="end-of-document"):
        load_tokenizer(path)
    assert load_tokenizer(path, eos_token="<pad>").special.eos_id == 0  # an explicit choice works


def test_missing_file(tmp_path):
    with pytest.raises(TokenizerError, match="not found"):
        load_tokenizer(str(tmp_path / "nope.json"))
