"""Fixtures of the tokenize tests: a tiny byte-level BPE tokenizer.json made in a temp folder."""

from __future__ import annotations

import pytest
from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers

CORPUS = ["def add(a, b):\n    return a + b\n", "int main(void) { return 0; }\n", "héllo wörld 世界\n"] * 20


def tiny_tokenizer(
    path, special_tokens=("<|endoftext|>", "<fim_prefix>", "<fim_suffix>", "<fim_middle>"), vocab_size=400
) -> str:
    tokenizer = Tokenizer(models.BPE())
    tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tokenizer.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        special_tokens=list(special_tokens),
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    tokenizer.train_from_iterator(CORPUS, trainer)
    file = path / "tokenizer.json"
    tokenizer.save(str(file))
    return str(file)


@pytest.fixture
def make_tokenizer(tmp_path):
    """`make_tokenizer(special_tokens=...)` -> path of a fresh tiny tokenizer.json."""
    count = iter(range(100))

    def make(**kwargs) -> str:
        folder = tmp_path / f"tokenizer-{next(count)}"
        folder.mkdir()
        return tiny_tokenizer(folder, **kwargs)

    return make
