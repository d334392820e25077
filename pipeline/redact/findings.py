"""What every detector returns: a `Finding` (byte span of the original content, kind, detector name), and
the small byte-level helpers they share (character-class tables for fast `bytes.translate` + `find`
scans, the test for values that are already placeholders or fakes)."""

from __future__ import annotations

from typing import NamedTuple

EMAIL, IP, KEY, PASSWORD = "email", "ip", "key", "password"


class Finding(NamedTuple):
    start: int  # byte offset in the original content
    end: int  # exclusive
    kind: str  # email | ip | key | password
    detector: str  # which rule found it: "email", "ipv4", "github_token", "private_key", ...


class TooManyFindings(Exception):
    """A row holds more findings than the limit: the caller rejects it instead of growing a list."""


class Collector(list):
    """The list detectors append their findings to; raises TooManyFindings past `limit` (memory stays
    bounded whatever the input)."""

    def __init__(self, limit: int):
        super().__init__()
        self.limit = limit

    def append(self, finding: Finding) -> None:
        if len(self) >= self.limit:
            raise TooManyFindings(self.limit)
        super().append(finding)


def class_table(members: bytes, mark: bytes, other: bytes = b" ") -> bytes:
    """A `bytes.translate` table mapping every byte of `members` to `mark` and every other byte to `other`."""
    table = bytearray(other * 256)
    for byte in members:
        table[byte] = mark[0]
    return bytes(table)


ALNUM = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
TOKEN_CHARS = ALNUM + b"_-"
TOKEN_TABLE = class_table(TOKEN_CHARS, b"a")  # token characters -> 'a', everything else -> ' '

_NOT_ALNUM = bytes(set(range(256)) - set(ALNUM))


def looks_fake(value: bytes) -> bool:
    """True for a value whose letters and digits are only x, X and 0 (what `--placeholder fake` writes, and
    what people write for a redacted value by hand: `xxxx`, `XXXX-0000`): not a finding, so reruns are
    no-ops."""
    letters = value.translate(None, _NOT_ALNUM)
    return not letters.translate(None, b"xX0")


def is_tag(value: bytes) -> bool:
    """`<KEY>`, `<PASSWORD>`, `<your-token-here>`: an angle-bracket placeholder."""
    return value[:1] == b"<" and value[-1:] == b">"
