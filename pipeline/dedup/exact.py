"""Exact-duplicate key: a hash of the content with line endings and trailing whitespace normalized.

CRLF and lone CR become LF, whitespace at the end of each line is dropped, and so are blank lines
at the end of the text; two files that differ only there are exact duplicates.
"""

from __future__ import annotations

import xxhash


def normalize(text: str) -> str:
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return "\n".join(line.rstrip() for line in lines).rstrip("\n")


def content_key(text: str) -> bytes:
    """16-byte key of the normalized text."""
    return xxhash.xxh3_128_digest(normalize(text).encode("utf-8", "surrogatepass"))
