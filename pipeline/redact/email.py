"""E-mail addresses: ASCII `local@domain.tld`, the TLD 2-24 letters.

Not redacted: documentation and reserved domains (example.com/.net/.org, *.example, *.test, *.invalid,
*.localhost, localhost), "TLDs" that are file extensions (`icon@2x.png`, `lodash@4.17.21`), `git@host`
(an SSH remote, not a person), SSH algorithm names (`aes128-gcm@openssh.com`), decorators and
annotations (`@property`: no local part), internationalized (non-ASCII) addresses and obfuscated ones
(`user at example dot com`).
"""

from __future__ import annotations

import re

from pipeline.redact.findings import EMAIL, Finding

LOCAL_TAIL = re.compile(rb"[A-Za-z0-9._%+-]{1,64}\Z")  # searched with endpos = the '@'
LOCAL_BYTES = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._%+-")
DOMAIN = re.compile(rb"(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.){1,8}([A-Za-z]{2,24})(?![A-Za-z0-9_-])")
ALNUM_BYTES = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")

RESERVED_DOMAINS = frozenset((b"example.com", b"example.net", b"example.org", b"localhost"))
PROTOCOL_DOMAINS = frozenset((b"openssh.com", b"libssh.org"))  # `aes128-gcm@openssh.com`: SSH algorithm names
RESERVED_SUFFIXES = tuple(b"." + domain for domain in RESERVED_DOMAINS)
RESERVED_TLDS = frozenset((b"example", b"test", b"invalid", b"localhost", b"local"))
FILE_EXTENSIONS = frozenset(
    b"png jpg jpeg gif svg webp bmp ico tif tiff css scss sass less js mjs cjs ts tsx jsx json map html htm "
    b"xml txt yml yaml toml lock ini cfg conf md rst woff woff2 ttf eot otf mp3 mp4 wav ogg webm zip gz tgz "
    b"tar xz bz2 pdf exe dll so dylib lib obj class jar py pyc rb pl pm php java kt go rs swift vue c cc cpp "
    b"cxx hpp hh h m mm cs fs sh bat ps1 sql csv tsv log bin dat min".split()
)


def find_emails(data: bytes, out: list) -> None:
    """Append a Finding for every e-mail address in `data`."""
    at = data.find(b"@")
    size = len(data)
    while at >= 0:
        if 0 < at < size - 3 and data[at - 1] in LOCAL_BYTES and data[at + 1] in ALNUM_BYTES:
            _check(data, at, out)
        at = data.find(b"@", at + 1)


def _check(data: bytes, at: int, out: list) -> None:
    domain = DOMAIN.match(data, at + 1)
    if domain is None:
        return
    local = LOCAL_TAIL.search(data, max(0, at - 64), at)
    if local is None:
        return
    start = local.start()
    if start > 0 and data[start - 1] in LOCAL_BYTES:
        return  # the local part runs on for more than 64 characters: not an address
    while start < at and data[start] == 0x2E:  # a leading '.' ends a sentence, it is not part of the address
        start += 1
    name = data[start:at]
    if not name or name.endswith(b".") or b".." in name or not any(c in ALNUM_BYTES for c in name):
        return
    host = domain.group(0).lower()
    tld = domain.group(1).lower()
    if (
        tld in RESERVED_TLDS
        or tld in FILE_EXTENSIONS
        or host in RESERVED_DOMAINS
        or host in PROTOCOL_DOMAINS
        or host.endswith(RESERVED_SUFFIXES)
        or name == b"git"
    ):
        return
    if _in_url_userinfo(data, start):
        return  # `scheme://user:password@host`: the URL-credentials rule redacts the password
    out.append(Finding(start, domain.end(), EMAIL, "email"))


def _in_url_userinfo(data: bytes, start: int) -> bool:
    scheme = data.rfind(b"://", max(0, start - 400), start)
    if scheme < 0:
        return False
    between = data[scheme + 3 : start]
    return b":" in between and not any(c in between for c in b" \t\r\n/\"'<>")
