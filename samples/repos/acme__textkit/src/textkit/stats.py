"""Word counts, type/token ratio and reading time."""

from collections import Counter
from dataclasses import dataclass, field
from typing import Dict

from .tokenize import sentences, words

WORDS_PER_MINUTE = 230


@dataclass
class TextStats:
    n_words: int
    n_sentences: int
    n_types: int
    top_words: Dict[str, int] = field(default_factory=dict)

    @property
    def type_token_ratio(self) -> float:
        return self.n_types / self.n_words if self.n_words else 0.0

    @property
    def reading_minutes(self) -> float:
        return round(self.n_words / WORDS_PER_MINUTE, 1)


def text_stats(text: str, top: int = 10) -> TextStats:
    tokens = words(text)
    counts = Counter(tokens)
    return TextStats(
        n_words=len(tokens),
        n_sentences=len(sentences(text)),
        n_types=len(counts),
        top_words=dict(counts.most_common(top)),
    )
