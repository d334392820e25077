"""Word and sentence splitting with simple, predictable rules."""

import re
from typing import Iterator, List

from .normalize import normalize_text

_WORD = re.compile(r"[^\W_]+(?:['-][^\W_]+)*", re.UNICODE)
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\"'])")
_ABBREVIATIONS = {"e.g.", "i.e.", "mr.", "mrs.", "dr.", "etc.", "vs."}


def iter_words(text: str, normalize: bool = True) -> Iterator[str]:
    """Yield the words of `text`, normalized unless told otherwise."""
    if normalize:
        text = normalize_text(text)
    for match in _WORD.finditer(text):
        yield match.group(0)


def words(text: str, normalize: bool = True) -> List[str]:
    return list(iter_words(text, normalize=normalize))


def sentences(text: str) -> List[str]:
    """Split on sentence-ending punctuation, keeping common abbreviations intact."""
    pieces = _SENTENCE_END.split(text.strip())
    merged: List[str] = []
    for piece in pieces:
        if merged and merged[-1].split()[-1].lower() in _ABBREVIATIONS:
            merged[-1] = f"{merged[-1]} {piece}"
        else:
            merged.append(piece)
    return [s for s in merged if s]
