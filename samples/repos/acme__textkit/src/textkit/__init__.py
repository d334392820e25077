"""textkit: small helpers for tokenizing, normalizing and measuring plain text."""

from .normalize import normalize_text, strip_accents
from .stats import TextStats, text_stats
from .tokenize import sentences, words

__all__ = [
    "TextStats",
    "normalize_text",
    "sentences",
    "strip_accents",
    "text_stats",
    "words",
]

__version__ = "0.3.1"
