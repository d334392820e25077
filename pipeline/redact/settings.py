"""Settings of the redact stage (flags `--kinds`, `--placeholder`, `--drop-if-key`, ...; see pipeline/stage.py).

Default kinds: all four, `email,ip,key,password` (what The Stack / StarCoder redacted). Person names are not
a kind: no regex finds them reliably.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass

from pipeline.config import UsageError
from pipeline.stage import setting

KINDS = ("email", "ip", "key", "password")
DEFAULT_KINDS = KINDS
PLACEHOLDERS = ("tag", "fake")
SALT_ENV = "CORPUS_REDACT_SALT"
PUBLIC_SALT = "code-corpus-redact-v1"  # used when no salt is given: hashes then only link equal secrets


def parse_kinds(value) -> tuple[str, ...]:
    """`("email,ip",)`, `["email", "ip"]` or `"email,ip"` -> `("email", "ip")` in KINDS order; unknown kinds
    are a UsageError."""
    items = [value] if isinstance(value, str) else list(value)
    wanted = {part.strip().lower() for item in items for part in str(item).split(",") if part.strip()}
    unknown = sorted(wanted - set(KINDS))
    if unknown:
        raise UsageError(f"--kinds: unknown kind {', '.join(unknown)}; known: {', '.join(KINDS)}")
    return tuple(kind for kind in KINDS if kind in wanted)


@dataclass(frozen=True)
class RedactSettings:
    """What to find and what to put in its place. `kinds` is checked and put in canonical order on
    construction (comma-separated items are accepted: `--kinds email,ip` or `--kinds email ip`)."""

    kinds: tuple[str, ...] = setting(
        DEFAULT_KINDS,
        f"kinds to redact, comma- or space-separated, of: {', '.join(KINDS)}",
        metavar="KIND",
    )
    placeholder: str = setting(
        "tag",
        "tag: <EMAIL>, <IP_ADDRESS>, <KEY>, <PASSWORD>; fake: a value of the same shape that no detector "
        "takes for a finding (x@example.com, 192.0.2.x, 2001:db8::x, letters -> x/X, digits -> 0)",
        choices=PLACEHOLDERS,
    )
    drop_if_key: bool = setting(
        False, "reject files holding a private-key block (reason secret:private_key); their content is redacted"
    )
    salt: str = setting(
        "",
        f"key of the salted audit hashes (blake2b); empty: ${SALT_ENV}, else a fixed public salt. Not "
        "recorded in the manifest",
        fingerprint=False,
    )
    max_content_bytes: int = setting(
        32 << 20,
        "a longer content is not scanned: the row gets reason redact:too_large and a null content",
        minimum=1,
    )
    max_findings: int = setting(
        10_000,
        "more findings in one row: reason redact:too_many_findings and a null content (bounds memory)",
        minimum=1,
    )

    def __post_init__(self):
        object.__setattr__(self, "kinds", parse_kinds(self.kinds))
        if self.placeholder not in PLACEHOLDERS:
            raise UsageError(f"--placeholder must be one of {', '.join(PLACEHOLDERS)}, got {self.placeholder!r}")

    def salt_bytes(self) -> bytes:
        """The blake2b key of the audit hashes (at most 64 bytes; a longer salt is hashed down)."""
        salt = (self.salt or os.environ.get(SALT_ENV) or PUBLIC_SALT).encode("utf-8", "surrogateescape")
        return salt if len(salt) <= 64 else hashlib.blake2b(salt).digest()
