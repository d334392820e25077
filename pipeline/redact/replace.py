"""Findings -> the redacted content and the audit entries (kind, byte offsets in the original, salted hash).

Placeholders, `tag` mode: `<EMAIL>`, `<IP_ADDRESS>`, `<KEY>`, `<PASSWORD>` (a private-key block, markers
included, becomes one `<KEY>`). `fake` mode, a value of the same shape that no detector takes for a finding
again: e-mail `xxxx@example.com` (local part's length kept); IPv4 `192.0.2.N`, IPv6 `2001:db8::N`
(documentation ranges, N from the hash); tokens keep their prefix (`ghp_`, `AKIA`, `sk_live_`, `eyJ`) and
map the rest upper -> X, lower -> x, digit -> 0; private-key blocks keep their BEGIN/END markers, the body
mapped the same way (JSON `\\n` escapes kept); passwords become x's of the same length. Bytes outside the
findings are copied unchanged.
"""

from __future__ import annotations

import hashlib
import re

from pipeline.redact.findings import EMAIL, IP, KEY, PASSWORD, Finding
from pipeline.redact.tokens import PEM_BEGIN

TAGS = {EMAIL: b"<EMAIL>", IP: b"<IP_ADDRESS>", KEY: b"<KEY>", PASSWORD: b"<PASSWORD>"}
SHAPE = bytes(
    ord("X") if 65 <= b <= 90 else ord("x") if 97 <= b <= 122 else ord("0") if 48 <= b <= 57 else b for b in range(256)
)
SAFE_SYMBOLS = frozenset(b"_-./+=")
FLAT = bytes(b if b in SAFE_SYMBOLS else ord("x") for b in SHAPE)  # symbols other than _-./+= -> x
KEEP_PREFIX = re.compile(
    rb"A3T|AKIA|ASIA|ABIA|ACCA|AIza|AC|SK|eyJ|gh[pousr]_|github_pat_|gl[a-z]{1,6}-|GR1348941|xox[a-z]-"
    rb"|[rs]k_(?:live|test)_|npm_|pypi-|sk-(?:proj-|svcacct-|admin-|ant-)?|https?://hooks\.slack\.com/services/"
)
ESCAPE_OR_ALNUM = re.compile(rb"\\.|[A-Za-z0-9]")


def audit_hash(original: bytes, salt: bytes) -> str:
    """Keyed blake2b of the original bytes, 32 hex digits: equal secrets share it, the value cannot be read
    back, and without the salt a guess cannot be checked."""
    return hashlib.blake2b(original, key=salt, digest_size=16).hexdigest()


def redact(data: bytes, findings: list[Finding], mode: str, salt: bytes) -> tuple[bytes, list[dict]]:
    """The content with every finding (sorted, non-overlapping) replaced, and one audit entry per finding."""
    pieces: list[bytes] = []
    audit: list[dict] = []
    position = 0
    for finding in findings:
        original = data[finding.start : finding.end]
        digest = audit_hash(original, salt)
        pieces.append(data[position : finding.start])
        pieces.append(TAGS[finding.kind] if mode == "tag" else fake(original, finding, digest))
        audit.append({"kind": finding.kind, "start": finding.start, "end": finding.end, "hash": digest})
        position = finding.end
    pieces.append(data[position:])
    return b"".join(pieces), audit


def fake(original: bytes, finding: Finding, digest: str) -> bytes:
    """A same-shape stand-in for `original` that scans as nothing."""
    number = int(digest[:8], 16)
    if finding.kind == EMAIL:
        return b"x" * max(1, original.find(b"@")) + b"@example.com"
    if finding.detector == "ipv4":
        return b"192.0.2.%d" % (1 + number % 254)
    if finding.detector == "ipv6":
        return b"2001:db8::%x" % (1 + number % 0xFFFE)
    if finding.detector == "private_key":
        return _fake_block(original)
    if finding.kind == PASSWORD:
        return b"x" * len(original)
    prefix = KEEP_PREFIX.match(original)
    keep = prefix.end() if prefix and finding.detector not in ("key_assignment", "private_key_id") else 0
    return original[:keep] + original[keep:].translate(FLAT)


def _fake_block(block: bytes) -> bytes:
    begin = PEM_BEGIN.match(block)
    head = begin.end() if begin else block.find(b"\n") + 1
    tail = max(block.rfind(b"-----END"), block.rfind(b"---- END"))
    tail = tail if tail > head else len(block)
    body = ESCAPE_OR_ALNUM.sub(
        lambda m: m.group(0) if len(m.group(0)) == 2 else m.group(0).translate(SHAPE), block[head:tail]
    )
    return block[:head] + body + block[tail:]
