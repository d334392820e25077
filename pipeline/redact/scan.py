"""One content (bytes) -> its findings: the detectors of the enabled kinds, each behind a pre-filter that
costs a `bytes.find` or `bytes.translate` (C speed), then overlaps resolved by priority.

Priority, first wins where spans overlap: private-key blocks, then prefixed tokens and JWTs, then URL
passwords and GCP key ids, then assigned secrets, then e-mails, then IP addresses (`api_key = "ghp_..."`
is one GitHub-token finding; `https://u:pw@host.com` one URL password, not an e-mail).
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable

from pipeline.redact import assign, email, ip, tokens
from pipeline.redact.findings import EMAIL, IP, KEY, PASSWORD, Collector, Finding, TooManyFindings

PRIORITY = {
    "private_key": 0,
    "url_password": 2,
    "private_key_id": 2,
    "key_assignment": 3,
    "password_assignment": 3,
    "email": 4,
    "ipv4": 5,
    "ipv6": 5,
}  # every other detector (tokens, jwt, slack_webhook): 1


def scan(data: bytes, kinds: Iterable[str], limit: int, private_keys: bool = False) -> list[Finding]:
    """Non-overlapping findings of `kinds` in `data`, sorted by start. `private_keys`: look for private-key
    blocks even when `key` is not a kind (for --drop-if-key). Raises TooManyFindings past `limit`."""
    kinds = set(kinds)
    out = Collector(2 * limit)  # raw findings may overlap (one value, two rules)
    if KEY in kinds or private_keys:
        tokens.find_private_keys(data, out)
    if KEY in kinds:
        tokens.find_tokens(data, out)
        tokens.find_jwts(data, out)
    if KEY in kinds or PASSWORD in kinds:
        tokens.find_url_credentials(data, out, passwords=PASSWORD in kinds, keys=KEY in kinds)
        assign.find_assigned_secrets(data, out, passwords=PASSWORD in kinds, keys=KEY in kinds)
    if EMAIL in kinds:
        email.find_emails(data, out)
    if IP in kinds:
        ip.find_ips(data, out)
    kept = resolve(out)
    if len(kept) > limit:
        raise TooManyFindings(limit)
    return kept


def resolve(findings: Iterable[Finding]) -> list[Finding]:
    """Drop every finding that overlaps one of higher priority (then: earlier, then longer)."""
    ordered = sorted(findings, key=lambda f: (PRIORITY.get(f.detector, 1), f.start, -f.end))
    kept: list[Finding] = []
    starts: list[int] = []
    for finding in ordered:
        at = bisect_right(starts, finding.start)
        if at > 0 and kept[at - 1].end > finding.start:
            continue
        if at < len(kept) and kept[at].start < finding.end:
            continue
        kept.insert(at, finding)
        starts.insert(at, finding.start)
    return kept
