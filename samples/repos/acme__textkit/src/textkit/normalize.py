"""Unicode and whitespace normalization."""

import re
import unicodedata

from ._compat import cache

_SPACES = re.compile(r"\s+")
_QUOTES = {
    "\u2018": "'",
    "\u2019": "'",
    "\u201c": '"',
    "\u201d": '"',
}


@cache
def _quote_table():
    return str.maketrans(_QUOTES)


def strip_accents(text: str) -> str:
    """Remove combining marks: 'café' -> 'cafe'."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def normalize_text(text: str, *, lowercase: bool = True, accents: bool = False) -> str:
    """Collapse whitespace, straighten quotes and optionally lowercase / strip accents."""
    text = unicodedata.normalize("NFC", text).translate(_quote_table())
    if not accents:
        text = strip_accents(text)
    if lowercase:
        text = text.lower()
    return _SPACES.sub(" ", text).strip()
