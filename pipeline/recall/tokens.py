"""fastText input: a document as one line of BPE tokens (the DeepSeek tokenizer by default).

Byte-level BPE tokens hold no whitespace (a space is `Ġ`, a newline `Ċ`), so fastText's
whitespace split sees exactly the tokens, and texts without spaces (Chinese) still get words.
"""

from __future__ import annotations

import functools

from pipeline.tokenize.tokenizer import DEFAULT_TOKENIZER, tokenizer_path

WHITESPACE = "whitespace"  # plain words (the pre-V2 DeepSeekMath input), for comparison


@functools.lru_cache(maxsize=4)
def load_tokenizer(name: str = DEFAULT_TOKENIZER):
    """A `tokenizers.Tokenizer` from a tokenizer.json path (or `deepseek`); cached per process."""
    if name == WHITESPACE:
        return None
    from tokenizers import Tokenizer

    return Tokenizer.from_file(str(tokenizer_path(name)))


def fasttext_lines(texts: list[str | None], tokenizer: str = DEFAULT_TOKENIZER, max_chars: int = 8000) -> list[str]:
    """One fastText input line per text: its first `max_chars` characters as space-joined tokens."""
    clipped = [(text or "")[:max_chars] for text in texts]
    bpe = load_tokenizer(tokenizer)
    if bpe is None:
        return [" ".join(text.split()) for text in clipped]
    encodings = bpe.encode_batch(clipped, add_special_tokens=False)
    # a tokenizer other than byte-level BPE may keep whitespace (even a newline) inside a token:
    # the second split keeps one document on one line either way
    return [" ".join(" ".join(encoding.tokens).split()) for encoding in encodings]
