"""Secrets recognizable by their shape alone (kind `key`, except URL passwords: kind `password`).

Redacted:
- service tokens by prefix, length and alphabet: AWS access key ids (AKIA/ASIA/ABIA/ACCA/A3T + 16), Google
  API keys (AIza + 35), GitHub (ghp_/gho_/ghu_/ghs_/ghr_ + 36, github_pat_), GitLab (glpat-, gldt-, glft-,
  glsoat-, glrt-, glcbt-, glimt-, glptt-, glagent-, gloas-, GR1348941 runner tokens), Slack (xoxb-/xoxp-/...
  and hooks.slack.com webhooks), Stripe (sk_/rk_ live and test), Twilio (AC/SK + 32 hex, as a whole word),
  npm (npm_ + 36), PyPI (pypi-AgEIcHlwaS5vcmc...), OpenAI-style `sk-` keys (legacy T3BlbkFJ ones, and
  sk-proj-/sk-ant-/... with mixed case and digits);
- JSON Web Tokens whose header and payload decode to JSON;
- private-key blocks with a base64 body of 40+ characters: PEM
  (`-----BEGIN [RSA |EC |DSA |OPENSSH |ENCRYPTED |PGP ]PRIVATE KEY[ BLOCK]-----`, also inside a JSON string
  with `\\n` escapes, as in GCP service-account files), SSH2 and PuTTY key files: the whole block, markers
  included; a block without its END marker up to where its base64 stops;
- the password of credentials in URLs, `scheme://user:password@host`.
Not redacted: public keys and certificates; Stripe publishable keys (pk_); blocks whose body is not key
material (`...`, `<key>`, fewer than 40 base64 characters); values that are placeholders or fakes (only
x/X/0, `<...>`, `${...}`, the word `password`); AWS's documented example keys (`...EXAMPLE`).
"""

from __future__ import annotations

import base64
import binascii
import json
import re

from pipeline.redact.assign import TEMPLATE
from pipeline.redact.findings import KEY, PASSWORD, TOKEN_TABLE, Finding, is_tag, looks_fake

ALNUM_BYTES = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")
TOKEN_BYTES = ALNUM_BYTES | frozenset(b"_-")
NOT_BEFORE = ALNUM_BYTES | frozenset(b".$")
LONG_RUN = b"a" * 20  # every prefixed token is a run of at least 20 token characters

PREFIX = re.compile(
    rb"A3T[A-Z0-9]|AKIA|ASIA|ABIA|ACCA|AIza|gh[pousr]_|github_pat_|gl(?:pat|dt|ft|soat|rt|cbt|imt|ptt|agent|oas)-"
    rb"|GR1348941|xox[abposre]-|[rs]k_(?:live|test)_|npm_|pypi-|sk-"
)
# detector -> the whole token, matched where PREFIX matched; each needs a non-alphanumeric byte before it
RULES = {
    "aws_access_key_id": re.compile(rb"(?:A3T[A-Z0-9]|AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16}(?![A-Za-z0-9_])"),
    "google_api_key": re.compile(rb"AIza[0-9A-Za-z_-]{35}(?![0-9A-Za-z_-])"),
    "github_token": re.compile(rb"gh[pousr]_[A-Za-z0-9_]{36,251}(?![A-Za-z0-9_])"),
    "github_pat": re.compile(rb"github_pat_[A-Za-z0-9_]{22,255}(?![A-Za-z0-9_])"),
    "gitlab_token": re.compile(
        rb"(?:gl(?:pat|dt|ft|soat|rt|cbt|imt|ptt|agent|oas)-|GR1348941)[A-Za-z0-9_-]{20,1024}(?![A-Za-z0-9_-])"
    ),
    "slack_token": re.compile(rb"xox[abposre]-(?:[0-9]{1,20}-){1,4}[A-Za-z0-9-]{6,250}(?![A-Za-z0-9-])"),
    "stripe_key": re.compile(rb"[rs]k_(?:live|test)_[0-9A-Za-z]{24,247}(?![0-9A-Za-z])"),
    "npm_token": re.compile(rb"npm_[A-Za-z0-9]{36}(?![A-Za-z0-9])"),
    "pypi_token": re.compile(
        rb"pypi-(?:AgEIcHlwaS5vcmc|AgENdGVzdC5weXBpLm9yZw)[A-Za-z0-9_-]{50,4096}(?![A-Za-z0-9_-])"
    ),
    "openai_key": re.compile(rb"sk-[A-Za-z0-9_-]{20,250}(?![A-Za-z0-9_-])"),
}
RULES_BY_FIRST_BYTE: dict[int, list[str]] = {}
for _name, _first in (
    ("google_api_key", b"A"),
    ("aws_access_key_id", b"A"),
    ("github_pat", b"g"),
    ("github_token", b"g"),
    ("gitlab_token", b"g"),
    ("gitlab_token", b"G"),
    ("slack_token", b"x"),
    ("stripe_key", b"r"),
    ("stripe_key", b"s"),
    ("openai_key", b"s"),
    ("npm_token", b"n"),
    ("pypi_token", b"p"),
):
    RULES_BY_FIRST_BYTE.setdefault(_first[0], []).append(_name)
TWILIO = re.compile(rb"(?:AC|SK)[0-9a-f]{32}")
OPENAI_SUBPREFIX = re.compile(rb"sk-(?:proj|svcacct|admin|ant-api[0-9]{2}|ant-admin[0-9]{2}|None)-")

JWT = re.compile(rb"eyJ[A-Za-z0-9_-]{10,8192}\.[A-Za-z0-9_-]{2,65536}\.[A-Za-z0-9_-]{0,8192}(?![A-Za-z0-9_.-])")

PEM_BEGIN = re.compile(rb"(-{4,5}) ?BEGIN ((?:[A-Z0-9]{1,12} ){0,3})PRIVATE KEY( BLOCK)? ?-{4,5}")
PEM_BODY = re.compile(rb"[A-Za-z0-9+/=\s\\:,\"'.]{0,65536}")  # where a block without END marker stops
PEM_TAIL = re.compile(rb" ?-{4,5}")
MAX_PEM_BYTES = 1 << 20
NOT_BASE64 = bytes(set(range(256)) - set(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"))
PUTTY = re.compile(rb"PuTTY-User-Key-File-[0-9]{1,2}: ")
PUTTY_MAC = re.compile(rb"Private-MAC: [0-9a-fA-F]{20,128}")

URL_AUTH = re.compile(rb"://([^\s:/?#\[\]@\"'<>`\\]{0,128}):([^\s:/?\[\]@\"'<>`\\]{1,256})@(?=[A-Za-z0-9\[])")
SLACK_HOOK = re.compile(rb"hooks\.slack\.com/services/T[A-Za-z0-9_]{6,20}/B[A-Za-z0-9_]{6,20}/[A-Za-z0-9_]{16,64}")
PLACEHOLDER_PASSWORDS = frozenset(
    b"password pass passwd pwd pw secret token apikey api_key changeme mypassword yourpassword user username "
    b"passw0rd pass123 pwd123 null none nil undefined".split()
)


def find_tokens(data: bytes, out: list) -> None:
    """Service tokens by prefix (AWS, GitHub, GitLab, Slack, Stripe, Twilio, npm, PyPI, OpenAI, Google)."""
    shape = data.translate(TOKEN_TABLE)
    at = shape.find(LONG_RUN)
    while at >= 0:
        end = shape.find(b" ", at)
        if end < 0:
            end = len(data)
        if end - at == 34 and data[at : at + 2] in (b"AC", b"SK") and TWILIO.fullmatch(data, at, end):
            if not looks_fake(data[at + 2 : end]):
                out.append(Finding(at, end, KEY, "twilio_key"))
        _prefixed(data, at, end, out)
        at = shape.find(LONG_RUN, end)


def _prefixed(data: bytes, start: int, end: int, out: list) -> None:
    position = start
    while True:
        hit = PREFIX.search(data, position, end)
        if hit is None:
            return
        at = hit.start()
        position = at + 1
        if at > 0 and data[at - 1] in NOT_BEFORE:
            continue  # inside a word, or a property of an object (`b.AKIA...` in minified code)
        for name in RULES_BY_FIRST_BYTE[data[at]]:
            match = RULES[name].match(data, at)
            if match is not None and _plausible(name, match.group(0)):
                out.append(Finding(at, match.end(), KEY, name))
                position = match.end()
                break


def _plausible(name: str, token: bytes) -> bool:
    prefix = PREFIX.match(token)
    body = token[prefix.end() if prefix else 4 :]
    if looks_fake(body):
        return False
    if name == "aws_access_key_id":
        return b"EXAMPLE" not in token
    if name == "openai_key":
        if b"T3BlbkFJ" in token:
            return True
        sub = OPENAI_SUBPREFIX.match(token)
        body = token[sub.end() if sub else 3 :]
        has = {c for c in body if c in ALNUM_BYTES}
        return (
            len(body) >= 32
            and any(65 <= c <= 90 for c in has)
            and any(97 <= c <= 122 for c in has)
            and any(48 <= c <= 57 for c in has)
        )
    return True


def find_jwts(data: bytes, out: list) -> None:
    """JSON Web Tokens: three base64url parts, the first two decoding to JSON (the header to an object)."""
    at = data.find(b"eyJ")
    while at >= 0:
        next_from = at + 3
        if at == 0 or (data[at - 1] not in TOKEN_BYTES and data[at - 1] != 0x2E):
            match = JWT.match(data, at)
            if match is not None and _valid_jwt(match.group(0)):
                out.append(Finding(at, match.end(), KEY, "jwt"))
                next_from = match.end()
        at = data.find(b"eyJ", next_from)


def _valid_jwt(token: bytes) -> bool:
    header, payload = token.split(b".")[:2]
    try:
        decoded = [json.loads(base64.urlsafe_b64decode(part + b"=" * (-len(part) % 4))) for part in (header, payload)]
    except (ValueError, binascii.Error, UnicodeDecodeError):
        return False
    return isinstance(decoded[0], dict)


def find_private_keys(data: bytes, out: list) -> None:
    """PEM / SSH2 private-key blocks (whole, markers included) and PuTTY key files."""
    at = data.find(b"PRIVATE KEY")
    ends: dict[bytes, int] = {}  # marker -> its next position (see _next)
    while at >= 0:
        next_from = at + 11
        begin = data.rfind(b"BEGIN", max(0, at - 48), at)
        match = PEM_BEGIN.search(data, max(0, begin - 6), at + 24) if begin >= 0 else None
        if match is not None:
            span = _pem_block(data, match, ends)
            if span is not None:
                out.append(Finding(match.start(), span, KEY, "private_key"))
                next_from = span
        at = data.find(b"PRIVATE KEY", next_from)
    _find_putty(data, out)


def _next(data: bytes, marker: bytes, start: int, cache: dict[bytes, int]) -> int:
    """data.find(marker, start), searched again only once `start` passed the last answer: linear in all."""
    found = cache.get(marker, -2)
    if found != -1 and found < start:
        found = data.find(marker, start)
        cache[marker] = found
    return found


def _pem_block(data: bytes, begin: re.Match, ends: dict[bytes, int]) -> int | None:
    marker = b"END " + begin.group(2) + b"PRIVATE KEY" + (begin.group(3) or b"")
    found = _next(data, marker, begin.end(), ends)
    next_begin = _next(data, b"BEGIN ", begin.end(), ends)
    if 0 <= found <= begin.end() + MAX_PEM_BYTES and not 0 <= next_begin < found:
        body_end = found
        while body_end > begin.end() and data[body_end - 1] in b"- ":
            body_end -= 1
        tail = PEM_TAIL.match(data, found + len(marker))
        end = tail.end() if tail else found + len(marker)
    else:
        body_end = end = PEM_BODY.match(data, begin.end()).end()
    body = data[begin.end() : body_end].replace(b"\\n", b"\n").replace(b"\\r", b"\r")  # JSON escapes
    return end if _key_material(body) else None


def _key_material(body: bytes) -> bool:
    """A block body that is base64 (header lines such as `Proc-Type:` aside, quotes of a string split over
    lines aside), at least 40 characters, not a placeholder: not `...`, not code between two markers."""
    lines = [line for line in body.splitlines() if b": " not in line]
    text = b"".join(lines).translate(None, b" \t\"',+;")
    base64_chars = len(text.translate(None, NOT_BASE64))
    if base64_chars < 40 or base64_chars < 0.95 * len(text.rstrip(b"=")):
        return False
    return not looks_fake(body) and not is_tag(body.strip())


def _find_putty(data: bytes, out: list) -> None:
    at = data.find(b"PuTTY-User-Key-File-")
    while at >= 0:
        next_from = at + 20
        if PUTTY.match(data, at):
            mac = PUTTY_MAC.search(data, at, at + 65536)
            if mac is not None and not looks_fake(data[at + 20 : mac.end()]):
                out.append(Finding(at, mac.end(), KEY, "private_key"))
                next_from = mac.end()
        at = data.find(b"PuTTY-User-Key-File-", next_from)


def find_url_credentials(data: bytes, out: list, passwords: bool = True, keys: bool = True) -> None:
    """`scheme://user:password@host` (the password, kind password) and Slack webhook URLs (kind key)."""
    at = data.find(b"://")
    while at >= 0:
        next_from = at + 3
        if passwords:
            match = URL_AUTH.match(data, at)
            if match is not None and _real_password(match.group(2)):
                out.append(Finding(match.start(2), match.end(2), PASSWORD, "url_password"))
                next_from = match.end()
        if keys and data.startswith(b"hooks.slack.com/services/", at + 3):
            hook = SLACK_HOOK.match(data, at + 3)
            if hook is not None and not looks_fake(hook.group(0)[26:]):
                start = at
                while start > max(0, at - 8) and 97 <= (data[start - 1] | 0x20) <= 122:
                    start -= 1
                out.append(Finding(start, hook.end(), KEY, "slack_webhook"))
                next_from = hook.end()
        at = data.find(b"://", next_from)


def _real_password(value: bytes) -> bool:
    if looks_fake(value) or value.lower() in PLACEHOLDER_PASSWORDS or len(set(value)) < 2:
        return False
    if TEMPLATE.fullmatch(value) or b"${" in value or b"{{" in value or b"%s" in value or b"%(" in value:
        return False  # a template ($PASS, ${PASS}, {password}, %s), a mask (****) or an ellipsis
    return not (value.isdigit() and len(value) <= 5)  # host:port@..., not a password
